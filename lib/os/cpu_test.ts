import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import type { CostModel } from "./costs.ts";
import { Cpu } from "./cpu.ts";
import { Host } from "./host.ts";
import type { Process } from "./process.ts";

/** No scheduling overheads, so times are pure compute and easy to predict. */
const NO_OVERHEAD: Partial<CostModel> = { contextSwitchNs: 0, wakeupNs: 0 };

function hostWith(cores: number, costs: Partial<CostModel> = NO_OVERHEAD): [Simulation, Host] {
  const sim = new Simulation();
  return [sim, new Host(sim, { name: "box", cores, costs })];
}

/** Spawns a process that computes `work` and records when it finished. */
function cpuBound(host: Host, name: string, work: number, done: Map<string, number>): Process {
  return host.spawn(name, function* (sys) {
    yield* sys.compute(work);
    done.set(name, sys.now);
  });
}

Deno.test("a new Cpu has every core idle and nothing queued", () => {
  const cpu = new Cpu(new Simulation(), 3);
  assert.equal(cpu.cores, 3);
  assert.equal(cpu.idleCores, 3);
  assert.equal(cpu.queued, 0);
  assert.deepEqual(cpu.busyTime(), [0, 0, 0]);
  assert.equal(cpu.describe(), "a core (run queue)");
});

Deno.test("a core count that is not a positive integer is a RangeError", () => {
  const sim = new Simulation();
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => new Cpu(sim, bad), RangeError);
    assert.throws(() => new Host(sim, { cores: bad }), RangeError);
  }
});

Deno.test("two CPU-bound processes on one core take twice as long as on two cores", () => {
  const finish = (cores: number): number => {
    const [sim, host] = hostWith(cores);
    const done = new Map<string, number>();
    cpuBound(host, "a", ms(10), done);
    cpuBound(host, "b", ms(10), done);
    sim.run();
    return Math.max(...done.values());
  };
  assert.equal(finish(2), ms(10));
  assert.equal(finish(1), ms(20));
});

Deno.test("a CPU-bound thread shares one core in 3 ms time slices with a waiting thread", () => {
  const [sim, host] = hostWith(1);
  const done = new Map<string, number>();
  const a = cpuBound(host, "a", ms(10), done);
  const b = cpuBound(host, "b", ms(10), done);
  sim.run();
  // a: 0-3, 6-9, 12-15, 18-19; b: 3-6, 9-12, 15-18, 19-20.
  assert.equal(done.get("a"), ms(19));
  assert.equal(done.get("b"), ms(20));
  assert.equal(a.usage().preemptions, 3);
  assert.equal(b.usage().preemptions, 3);
  // Preemptions are involuntary context switches.
  assert.equal(a.usage().contextSwitches, 3);
  // Each waited 10 ms for the core in all, never blocked on anything else.
  assert.equal(a.usage().runqueueNs, ms(9));
  assert.equal(b.usage().runqueueNs, ms(10));
  assert.equal(a.usage().userNs, ms(10));
  assert.equal(a.usage().blockedNs, 0);
});

Deno.test("a thread alone on its core is never preempted however long it computes", () => {
  const [sim, host] = hostWith(1);
  const p = host.spawn("solo", function* (sys) {
    yield* sys.compute(ms(50));
  });
  sim.run();
  assert.equal(sim.now, ms(50));
  assert.equal(p.usage().preemptions, 0);
  assert.equal(p.usage().contextSwitches, 0);
});

Deno.test("threads waiting for a core run in FIFO order", () => {
  const [sim, host] = hostWith(1);
  const order: string[] = [];
  for (const name of ["first", "second", "third", "fourth"]) {
    host.spawn(name, function* (sys) {
      yield* sys.compute(us(100));
      order.push(name);
    });
  }
  sim.run();
  assert.deepEqual(order, ["first", "second", "third", "fourth"]);
  assert.equal(sim.now, us(400));
});

Deno.test("switching a core to another thread costs the context-switch time", () => {
  const [sim, host] = hostWith(1, { contextSwitchNs: us(2), wakeupNs: 0 });
  const done = new Map<string, number>();
  const a = cpuBound(host, "a", us(100), done);
  const b = cpuBound(host, "b", us(100), done);
  sim.run();
  // a: switch in (2 µs) + 100 µs; b: switch in (2 µs) + 100 µs, after a.
  assert.equal(done.get("a"), us(102));
  assert.equal(done.get("b"), us(204));
  assert.equal(a.usage().switchNs, us(2));
  assert.equal(b.usage().switchNs, us(2));
  // Neither blocked nor was preempted: no context switch of its own.
  assert.equal(b.usage().contextSwitches, 0);
});

Deno.test("a thread that gets back the core it last ran on pays no switch time", () => {
  const [sim, host] = hostWith(1, { contextSwitchNs: us(2), wakeupNs: 0 });
  const p = host.spawn("sleeper", function* (sys) {
    for (let i = 0; i < 5; i++) {
      yield* sys.compute(us(10));
      yield* sys.sleep(us(10));
    }
  });
  sim.run();
  // Five voluntary context switches (one per sleep), but only the first arrival cost time.
  assert.equal(p.usage().contextSwitches, 5);
  assert.equal(p.usage().switchNs, us(2));
});

Deno.test("waking a blocked thread onto an idle core costs the wake-up latency, counted as run-queue time", () => {
  const [sim, host] = hostWith(1, { contextSwitchNs: 0, wakeupNs: us(20) });
  let wokeAt = -1;
  const p = host.spawn("sleeper", function* (sys) {
    yield* sys.sleep(ms(1));
    wokeAt = sys.now;
  });
  sim.run();
  // The start is a wake-up too: 20 µs, nanosleep's entry (120 ns), the 1 ms sleep, 20 µs more.
  assert.equal(wokeAt, us(20) + 120 + ms(1) + us(20));
  assert.equal(p.usage().runqueueNs, us(40));
  assert.equal(p.usage().blockedNs, ms(1));
  assert.equal(p.usage().wakeups, 1);
});

Deno.test("busyTime charges each core the CPU work done on it", () => {
  const [sim, host] = hostWith(2);
  const done = new Map<string, number>();
  cpuBound(host, "a", ms(3), done);
  cpuBound(host, "b", ms(5), done);
  sim.run();
  assert.deepEqual(host.cpu.busyTime().sort((x, y) => x - y), [ms(3), ms(5)]);
  assert.equal(host.cpu.idleCores, 2);
});

Deno.test("a sleeping thread gives up its core to a waiting one", () => {
  const [sim, host] = hostWith(1);
  const done = new Map<string, number>();
  host.spawn("sleeper", function* (sys) {
    yield* sys.sleep(ms(5));
    done.set("sleeper", sys.now);
  });
  cpuBound(host, "worker", ms(2), done);
  sim.run();
  // The worker runs as soon as the sleeper's nanosleep (120 ns on the core) blocks.
  assert.equal(done.get("worker"), 120 + ms(2));
  assert.equal(done.get("sleeper"), 120 + ms(5));
});

Deno.test("a thread killed while it waits for a core leaves the run queue", () => {
  const [sim, host] = hostWith(1);
  const done = new Map<string, number>();
  host.spawn("app", function* (sys) {
    yield* sys.spawnThread("queued", function* (tsys) {
      yield* tsys.compute(ms(1));
      done.set("queued", tsys.now);
    });
    yield* sys.compute(ms(1)); // holds the only core: the new thread waits in the run queue
    assert.equal(sys.host.cpu.queued, 2); // with the other process
    // Returning ends the process, killing the queued thread.
  });
  cpuBound(host, "later", ms(1), done);
  sim.run();
  assert.equal(done.has("queued"), false);
  assert.equal(host.cpu.queued, 0);
  assert.equal(host.cpu.idleCores, 1);
  assert.equal(host.threadCount, 0);
  assert.ok(done.has("later"));
});
