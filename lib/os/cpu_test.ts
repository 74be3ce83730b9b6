import assert from "node:assert/strict";
import { Interrupt } from "../kernel/errors.ts";
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

// ---- accounting when a thread stops in the middle of its work ----------------

/** The threads' CPU time on `host`, summed. */
function cpuOf(host: Host): number {
  let cpu = 0;
  for (const p of host.processes.values()) for (const t of p.threads) cpu += t.usage.cpuNs;
  return cpu;
}

/** Runs `sim` to its end, checking after every event that the cores' busy time is the threads' CPU time. */
function runBalanced(sim: Simulation, host: Host): void {
  while (sim.peek() !== Infinity) {
    sim.step();
    const busy = host.cpu.busyTime();
    busy.forEach((b, core) => assert.ok(b <= sim.now, `core ${core} busy ${b} ns of ${sim.now}`));
    assert.equal(busy.reduce((a, b) => a + b, 0), cpuOf(host), `at ${sim.now} ns`);
  }
}

Deno.test("a host crash in the middle of a computation charges the core only what ran till then", () => {
  const [sim, host] = hostWith(2);
  const p = host.spawn("v", function* (sys) {
    yield* sys.compute(ms(10));
  });
  let seen: [number[], number] = [[], 0];
  sim.schedule(ms(1), () => {
    host.crash();
    seen = [host.cpu.busyTime(), p.usage().cpuNs];
  });
  runBalanced(sim, host);
  // Killed 1 ms into its first 3 ms time slice: 1 ms ran, on core 0 alone.
  assert.deepEqual(seen, [[ms(1), 0], ms(1)]);
  assert.equal(p.usage().userNs, ms(1));
  assert.deepEqual(host.cpu.busyTime(), [ms(1), 0]);
  assert.equal(host.cpu.idleCores, 2);
  assert.equal(host.threadCount, 0);
});

Deno.test("SIGKILL in the middle of a time slice charges the victim up to the kill, with default costs", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", cores: 2 });
  let victim = -1;
  host.spawn("parent", function* (sys) {
    victim = yield* sys.fork("victim", function* (child) {
      yield* child.compute(ms(10));
    });
    yield* sys.sleep(ms(1));
    yield* sys.kill(victim, "SIGKILL");
    assert.equal((yield* sys.waitpid(victim))?.status, -9);
  });
  runBalanced(sim, host);
  const u = host.processes.get(victim)!.usage();
  assert.ok(u.userNs > 0 && u.userNs < ms(1), String(u.userNs));
});

Deno.test("a child SIGKILLed as soon as it is forked leaves the books balanced", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", cores: 2 });
  host.spawn("parent", function* (sys) {
    const pid = yield* sys.fork("child", function* (child) {
      yield* child.compute(ms(10));
    });
    yield* sys.kill(pid, "SIGKILL");
    yield* sys.waitpid(pid);
  });
  runBalanced(sim, host);
  assert.equal(host.cpu.idleCores, 2);
});

Deno.test("a self-kill stops a sibling thread in the middle of its computation, charging what it ran", () => {
  const [sim, host] = hostWith(2);
  const p = host.spawn("app", function* (sys) {
    yield* sys.spawnThread("worker", function* (w) {
      yield* w.compute(ms(10));
    });
    yield* sys.sleep(ms(2));
    yield* sys.kill(sys.pid, "SIGKILL");
  });
  runBalanced(sim, host);
  assert.equal(p.exitCode, -9);
  // The worker computed from its start to the kill: the main thread's nanosleep entry and 2 ms.
  assert.equal(p.threads[1]!.usage.userNs, host.costs.syscallNs + ms(2));
});

Deno.test("an interrupt that is not a signal stops a computation: what ran is charged, the rest dropped", () => {
  const [sim, host] = hostWith(1);
  let caught: unknown = null;
  const p = host.spawn("app", function* (sys) {
    try {
      yield* sys.compute(ms(2));
    } catch (e) {
      caught = e;
    }
    yield* sys.compute(us(10));
  });
  sim.schedule(ms(1), () => p.mainThread.task.interrupt("stop"));
  runBalanced(sim, host);
  assert.ok(caught instanceof Interrupt && caught.cause === "stop");
  assert.equal(p.usage().userNs, ms(1) + us(10));
  assert.equal(sim.now, ms(1) + us(10));
});

Deno.test("the cores' busy time is the threads' CPU time at every instant, a signal handler included", () => {
  const [sim, host] = hostWith(1, { contextSwitchNs: us(3), wakeupNs: us(5) });
  let handled = 0;
  const p = host.spawn("app", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* (hsys) {
      handled++;
      yield* hsys.compute(us(50));
    });
    yield* sys.compute(ms(5));
  });
  host.spawn("other", function* (sys) {
    yield* sys.compute(ms(4));
  });
  sim.schedule(ms(1), () => host.signal(p.pid, "SIGUSR1"));
  runBalanced(sim, host);
  assert.equal(handled, 1);
  assert.equal(host.cpu.busyTime()[0], cpuOf(host));
});
