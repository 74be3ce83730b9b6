// Greenlet bodies that never block are generators without a yield.
// deno-lint-ignore-file require-yield
import assert from "node:assert/strict";
import { StateError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, s, us } from "../kernel/time.ts";
import { Host, type HostOptions } from "../os/host.ts";
import type { Process } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import { GreenletExit, LoopExit } from "./errors.ts";
import { Event } from "./event.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import { type Hub, type HubOptions, runHub } from "./hub.ts";
import type { HubGreenlet } from "./hub_greenlet.ts";
import { Queue } from "./queue.ts";
import { Timeout } from "./timeout.ts";

/** Runs `main` with a hub in a process; returns the world after the run. */
function run<R>(
  main: (hub: Hub, sys: Sys) => GreenletRoutine<R>,
  host: HostOptions = {},
  options: HubOptions = {},
): { sim: Simulation; proc: Process; lines: string[]; hub: Hub } {
  const sim = new Simulation();
  let theHub: Hub | null = null;
  const proc = new Host(sim, host).spawn("app", function* (sys) {
    yield* runHub(sys, (hub) => {
      theHub = hub;
      return main(hub, sys);
    }, options);
  }, { onError: "exit" });
  sim.run();
  return { sim, proc, lines: sim.output.map((l) => l.text), hub: theHub! };
}

const FREE = { costs: { wakeupNs: 0, contextSwitchNs: 0, syscallNs: 0, epollWaitNs: 0 } };

Deno.test("the article's gevent example prints 1, 2, 4, 3 and takes 2 s", () => {
  const { lines, sim, proc, hub } = run(function* (hub, sys) {
    const test1 = hub.spawn(function* () {
      sys.print("11111111");
      yield* hub.sleep(s(2));
      sys.print("33333333");
    });
    const test2 = hub.spawn(function* () {
      sys.print("22222222");
      yield* hub.sleep(s(1));
      sys.print("44444444");
    });
    yield* hub.joinAll([test1, test2]);
  });
  assert.deepEqual(lines, ["11111111", "22222222", "44444444", "33333333"]);
  // 2 s of sleeping plus start-up, two wake-ups (20 µs each) and a few system calls.
  assert.ok(sim.now >= s(2) && sim.now < s(2) + us(100), `took ${sim.now} ns`);
  // The thread slept in epoll_wait: two calls, microseconds of CPU.
  assert.equal(hub.polls, 2);
  assert.ok(proc.usage().cpuNs < us(10));
});

Deno.test("synchronous tasks take 4.5 s, asynchronous ones 0.5 s, finishing in spawn order", () => {
  let syncNs = 0, asyncNs = 0;
  const { lines } = run(function* (hub, sys) {
    function* task(pid: number): GreenletRoutine<void> {
      yield* hub.sleep(ms(500));
      sys.print(`Task ${pid} done`);
    }
    let t0 = sys.now;
    for (let i = 1; i < 10; i++) yield* task(i);
    syncNs = sys.now - t0;
    t0 = sys.now;
    yield* hub.joinAll(Array.from({ length: 10 }, (_, i) => hub.spawn(task, i)));
    asyncNs = sys.now - t0;
  }, FREE);
  assert.deepEqual(lines, [
    ...Array.from({ length: 9 }, (_, i) => `Task ${i + 1} done`),
    ...Array.from({ length: 10 }, (_, i) => `Task ${i} done`),
  ]);
  // With wake-ups and system calls free, only the user switches remain.
  assert.ok(syncNs >= ms(4500) && syncNs < ms(4500) + us(10), `sync ${syncNs}`);
  assert.ok(asyncNs >= ms(500) && asyncNs < ms(500) + us(10), `async ${asyncNs}`);
});

Deno.test("sleep(0) yields to every greenlet ready, round robin", () => {
  const { lines } = run(function* (hub, sys) {
    const gs = ["a", "b", "c"].map((name) =>
      hub.spawn(function* () {
        for (let i = 0; i < 3; i++) {
          sys.print(`${name}${i}`);
          yield* hub.sleep(0);
        }
      })
    );
    yield* hub.joinAll(gs);
  });
  assert.deepEqual(lines, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
});

Deno.test("a thousand sleeping greenlets cost one epoll_wait, not a blocked thread each", () => {
  const { hub, proc, sim } = run(function* (hub) {
    const gs = Array.from({ length: 1000 }, () =>
      hub.spawn(function* () {
        yield* hub.sleep(s(1));
      }));
    yield* hub.joinAll(gs);
  });
  assert.equal(hub.polls, 1);
  assert.equal(proc.usage().syscalls, 3); // epoll_create1, epoll_wait, close
  assert.equal(proc.usage().contextSwitches, 1);
  assert.ok(sim.now < s(1) + ms(1));
  assert.equal(hub.runtime.peakLive, 1002); // main, hub and the thousand
});

Deno.test("a blocking compute in one greenlet delays the others by exactly that long", () => {
  const D = ms(7);
  const ranAt = (work: number): number => {
    let at = 0;
    run(function* (hub, sys) {
      const busy = hub.spawn(function* () {
        yield* sys.compute(work); // CPU work: not patched, holds the thread
      });
      const other = hub.spawn(function* () {
        at = sys.now;
      });
      yield* hub.joinAll([busy, other]);
    });
    return at;
  };
  assert.equal(ranAt(D) - ranAt(0), D);
});

Deno.test("a timer due during a blocking compute fires only when the compute ends", () => {
  const { lines } = run(function* (hub, sys) {
    const sleeper = hub.spawn(function* () {
      yield* hub.sleep(ms(1));
      sys.print(`sleeper woke at ${Math.round(sys.now / 1e6)} ms`);
    });
    const hog = hub.spawn(function* () {
      yield* sys.compute(ms(5));
      sys.print(`hog done at ${Math.round(sys.now / 1e6)} ms`);
    });
    yield* hub.joinAll([sleeper, hog]);
  }, FREE);
  assert.deepEqual(lines, ["hog done at 5 ms", "sleeper woke at 5 ms"]);
});

Deno.test("LoopExit names every greenlet that waits and what it waits on", () => {
  let caught: LoopExit | null = null;
  const { lines } = run(function* (hub, sys) {
    const q = new Queue<number>(hub);
    const never = new Event(hub);
    hub.spawn(function* () {
      yield* q.get();
    });
    const waiter = hub.spawn(function* () {
      yield* never.wait();
    });
    try {
      yield* hub.joinAll([waiter]);
    } catch (e) {
      if (!(e instanceof LoopExit)) throw e;
      caught = e;
    }
    sys.print("main goes on");
  });
  assert.ok(caught !== null);
  const err = caught as LoopExit;
  assert.deepEqual(err.blocked, [
    { name: "main", waitingOn: 'joinAll of 1 greenlet(s) ("Greenlet-1")' },
    { name: "Greenlet-0", waitingOn: "Queue.get()" },
    { name: "Greenlet-1", waitingOn: "Event.wait()" },
  ]);
  assert.match(err.message, /would block forever/);
  assert.deepEqual(lines, ["main goes on"]);
});

Deno.test("an uncaught LoopExit ends the process with an error", () => {
  const { proc } = run(function* (hub) {
    yield* new Event(hub).wait();
  });
  assert.equal(proc.exitCode, 1);
  assert.match(String(proc.error), /LoopExit[\s\S]*"main" waits on Event.wait\(\)/);
});

Deno.test("joinAll: timeout, count, raiseError", () => {
  const { lines } = run(
    function* (hub, sys) {
      const nap = (t: number, fail = false) =>
        hub.spawn(function* () {
          yield* hub.sleep(t);
          if (fail) throw new RangeError(`failed after ${t / 1e6} ms`);
          return t;
        });
      const a = nap(ms(1)), b = nap(ms(3)), c = nap(ms(100));
      let done = yield* hub.joinAll([c, b, a], { timeout: ms(5) });
      sys.print(done.map((g) => (g.value as number) / 1e6).join(","));
      done = yield* hub.joinAll([c, nap(ms(1))], { count: 1 });
      sys.print(done.length, c.dead);
      const bad = nap(ms(2), true);
      try {
        yield* hub.joinAll([c, bad], { raiseError: true });
      } catch (e) {
        sys.print((e as Error).message, c.dead);
      }
      yield* hub.kill(c);
    },
    {},
    { reportErrors: false },
  );
  assert.deepEqual(lines, ["1,3", "1 false", "failed after 2 ms false"]);
});

Deno.test("kill runs finally blocks; the killed greenlet succeeds with GreenletExit", () => {
  const { lines } = run(
    function* (hub, sys) {
      const g = hub.spawn(function* () {
        try {
          yield* hub.sleep(s(10));
        } finally {
          sys.print("cleanup");
        }
      });
      yield* hub.sleep(ms(1));
      sys.print(yield* g.kill());
      sys.print(g.successful(), (g.value as unknown) instanceof GreenletExit, g.exception);
      const custom = hub.spawn(function* () {
        yield* hub.sleep(s(10));
      });
      yield* hub.sleep(0);
      yield* hub.kill(custom, { error: new RangeError("custom") });
      sys.print(custom.successful(), (custom.exception as Error).message);
      const early = hub.spawn(function* () {
        sys.print("never started");
      });
      yield* early.kill();
      sys.print(early.dead, early.started, early.successful());
    },
    {},
    { reportErrors: false },
  );
  assert.deepEqual(lines, [
    "cleanup",
    "true",
    "true true undefined",
    "false custom",
    "true false true",
  ]);
});

Deno.test("killAll kills a group and waits; kill without block returns at once", () => {
  const { lines } = run(function* (hub, sys) {
    const gs = [1, 2, 3].map(() =>
      hub.spawn(function* () {
        yield* hub.sleep(s(10));
      })
    );
    yield* hub.sleep(0);
    sys.print(yield* hub.killAll(gs));
    const g = hub.spawn(function* () {
      yield* hub.sleep(s(10));
    });
    yield* hub.sleep(0);
    sys.print(yield* hub.kill(g, { block: false }), g.dead);
    yield* g.join();
    sys.print(g.dead);
  });
  assert.deepEqual(lines, ["true", "false false", "true"]);
});

Deno.test("spawnLater starts after the delay; killing it first cancels the start", () => {
  const { lines } = run(function* (hub, sys) {
    const later = hub.spawnLater(ms(5), function* (tag: string) {
      sys.print(`${tag} at ${Math.round(sys.now / 1e6)} ms`);
    }, "started");
    const cancelled = hub.spawnLater(ms(1), function* () {
      sys.print("never");
    });
    yield* cancelled.kill();
    yield* later.join();
    sys.print(hub.timers);
  }, FREE);
  assert.deepEqual(lines, ["started at 5 ms", "0"]);
});

Deno.test("get returns the value or throws the error; a timeout throws Timeout", () => {
  const { lines } = run(function* (hub, sys) {
    const ok = hub.spawn(function* () {
      yield* hub.sleep(ms(1));
      return 7;
    });
    try {
      yield* ok.get({ block: false });
    } catch (e) {
      sys.print("not ready:", e instanceof Timeout);
    }
    sys.print(yield* ok.get());
    const slow = hub.spawn(function* () {
      yield* hub.sleep(s(1));
    });
    try {
      yield* slow.get({ timeout: ms(2) });
    } catch (e) {
      sys.print("timed out:", e instanceof Timeout, (e as Error).message);
    }
    const bad = hub.spawn(function* () {
      throw new TypeError("bad");
    });
    try {
      yield* bad.get();
    } catch (e) {
      sys.print("raised:", (e as Error).message);
    }
    yield* slow.kill();
  });
  assert.deepEqual(lines, [
    "not ready: true",
    "7",
    "timed out: true 2 ms",
    '<Greenlet "Greenlet-2"> failed with TypeError: bad',
    "raised: bad",
  ]);
});

Deno.test("rawlink callbacks run on death; a failing one is reported and the loop goes on", () => {
  const { lines } = run(function* (hub, sys) {
    const g = hub.spawn(function* () {
      return "v";
    });
    g.rawlink((x) => sys.print(`link saw ${x.value}`));
    const dropped = (_: HubGreenlet<string>) => sys.print("unlinked, never");
    g.rawlink(dropped);
    g.unlink(dropped);
    g.rawlink(() => {
      throw new Error("link broke");
    });
    yield* g.join();
    g.rawlink((x) => sys.print(`late link saw ${x.value}`));
    yield* hub.sleep(0);
  });
  assert.deepEqual(lines, [
    "link saw v",
    'A link of greenlet "Greenlet-0" failed with Error: link broke',
    "late link saw v",
  ]);
});

Deno.test("bad arguments name the value", () => {
  const { lines } = run(function* (hub, sys) {
    assert.throws(() => hub.sleep(-1), { name: "RangeError", message: /sleep time "-1"/ });
    assert.throws(() => hub.sleep("1" as unknown as number), {
      name: "TypeError",
      message: /sleep time "1"/,
    });
    assert.throws(() => hub.sleep(NaN), RangeError);
    assert.throws(() => hub.spawn("f" as unknown as () => GreenletRoutine<void>), {
      name: "TypeError",
      message: /greenlet function "f"/,
    });
    assert.throws(() => hub.spawnLater(-5, function* () {}), RangeError);
    const g = hub.spawn(function* () {});
    yield* g.join();
    const joinAll = (list: unknown, opts = {}) =>
      hub.joinAll(list as HubGreenlet<unknown>[], opts).next();
    assert.throws(() => joinAll([g, "x"]), { name: "TypeError", message: /greenlet "x"/ });
    assert.throws(() => joinAll("g"), TypeError);
    assert.throws(() => joinAll([g], { count: 2 }), { name: "RangeError", message: /count "2"/ });
    assert.throws(() => joinAll([g], { timeout: -1 }), { name: "RangeError", message: /"-1"/ });
    assert.throws(() => hub.kill(g, { error: "stop" as unknown as Error }).next(), {
      name: "TypeError",
      message: /kill error "stop"/,
    });
    assert.throws(() => g.join(-2).next(), RangeError);
    assert.throws(() => new Timeout(hub, -5), { name: "RangeError", message: /"-5"/ });
    assert.throws(() => new Timeout(hub, "5" as unknown as number), TypeError);
    sys.print("checked");
  });
  assert.deepEqual(lines, ["checked"]);
});

Deno.test("hub calls outside its greenlets are StateErrors", () => {
  const { hub } = run(function* () {});
  assert.throws(() => hub.sleep(0), StateError);
  assert.throws(() => hub.spawn(function* () {}), { name: "StateError", message: /closed/ });
});

Deno.test("a greenlet cannot join itself", () => {
  const { lines } = run(
    function* (hub, sys) {
      const g: HubGreenlet<void> = hub.spawn(function* () {
        yield* g.join();
      });
      yield* g.join();
      sys.print((g.exception as Error).name);
    },
    {},
    { reportErrors: false },
  );
  assert.deepEqual(lines, ["StateError"]);
});

Deno.test("a greenlet's failure is printed as gevent reports it, unless turned off", () => {
  const body = function* (hub: Hub): GreenletRoutine<void> {
    const g = hub.spawn(function* () {
      throw new RangeError("oops");
    });
    yield* g.join();
  };
  assert.deepEqual(run(body).lines, ['<Greenlet "Greenlet-0"> failed with RangeError: oops']);
  assert.deepEqual(run(body, {}, { reportErrors: false }).lines, []);
  assert.match(
    String(run(body, {}, { maxEvents: 0 }).proc.error),
    /RangeError: Invalid hub maxEvents "0"/,
  );
});
