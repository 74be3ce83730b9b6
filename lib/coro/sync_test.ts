// Greenlet bodies that never block are generators without a yield.
// deno-lint-ignore-file require-yield
import assert from "node:assert/strict";
import { StateError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, s } from "../kernel/time.ts";
import { Host } from "../os/host.ts";
import type { Process } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import { AsyncResult } from "./async_result.ts";
import { QueueEmpty, QueueFull } from "./errors.ts";
import { Event } from "./event.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import { type Hub, runHub } from "./hub.ts";
import { BoundedSemaphore, Lock, Semaphore } from "./lock.ts";
import { Group, Pool } from "./pool.ts";
import { JoinableQueue, Queue } from "./queue.ts";
import { Timeout, withTimeout } from "./timeout.ts";

const FREE = { costs: { wakeupNs: 0, contextSwitchNs: 0, syscallNs: 0, epollWaitNs: 0 } };

function run(main: (hub: Hub, sys: Sys) => GreenletRoutine<void>): {
  lines: string[];
  proc: Process;
} {
  const sim = new Simulation();
  const proc = new Host(sim, FREE).spawn("app", function* (sys) {
    yield* runHub(sys, (hub) => main(hub, sys), { reportErrors: false });
  }, { onError: "exit" });
  sim.run();
  if (proc.error !== undefined) throw proc.error;
  return { lines: sim.output.map((l) => l.text), proc };
}

const msOf = (sys: Sys) => Math.round(sys.now / 1e6);

Deno.test("Event.wait gives false on timeout, true once set; clear lowers it", () => {
  const { lines } = run(function* (hub, sys) {
    const ev = new Event(hub);
    sys.print(yield* ev.wait(ms(2)), msOf(sys), yield* ev.wait(0));
    hub.spawn(function* () {
      yield* hub.sleep(ms(3));
      ev.set();
    });
    sys.print(yield* ev.wait(), msOf(sys), ev.isSet());
    ev.clear();
    sys.print(ev.isSet());
  });
  assert.deepEqual(lines, ["false 2 false", "true 5 true", "false"]);
});

Deno.test("AsyncResult delivers a value or an error once", () => {
  const { lines } = run(function* (hub, sys) {
    const ok = new AsyncResult<string>(hub);
    hub.spawn(function* () {
      yield* hub.sleep(ms(1));
      ok.set("v");
    });
    sys.print(yield* ok.wait(), yield* ok.get(), ok.value, ok.successful());
    assert.throws(() => ok.set("again"), StateError);
    const bad = new AsyncResult<string>(hub);
    bad.setException(new RangeError("no"));
    try {
      yield* bad.get();
    } catch (e) {
      sys.print((e as Error).message, bad.ready(), bad.successful());
    }
    assert.throws(() => bad.setException("x" as unknown as Error), TypeError);
    const never = new AsyncResult(hub);
    try {
      yield* never.get({ timeout: ms(1) });
    } catch (e) {
      sys.print(e instanceof Timeout);
    }
    sys.print(yield* never.wait(ms(1)));
  });
  assert.deepEqual(lines, ["true v v true", "no true false", "true", "false"]);
});

Deno.test("Queue: FIFO, bounded put waits, nowait and timeouts raise Empty and Full", () => {
  const { lines } = run(function* (hub, sys) {
    const q = new Queue<number>(hub, 2);
    yield* q.put(1);
    q.putNowait(2);
    sys.print(q.qsize(), q.full());
    assert.throws(() => q.putNowait(3), QueueFull);
    try {
      yield* q.put(3, { timeout: ms(1) });
    } catch (e) {
      sys.print((e as Error).name, msOf(sys));
    }
    hub.spawn(function* () {
      yield* hub.sleep(ms(2));
      sys.print("got", yield* q.get());
    });
    yield* q.put(3); // waits until the getter makes room
    sys.print("put 3 at", msOf(sys), q.peekNowait());
    sys.print(q.getNowait(), yield* q.get());
    assert.throws(() => q.getNowait(), QueueEmpty);
    try {
      yield* q.get({ block: false });
    } catch (e) {
      sys.print((e as Error).name);
    }
    try {
      yield* q.get({ timeout: ms(1) });
    } catch (e) {
      sys.print((e as Error).name, msOf(sys));
    }
  });
  assert.deepEqual(lines, [
    "2 true",
    "QueueFull 1",
    "got 1",
    "put 3 at 3 2",
    "2 3",
    "QueueEmpty",
    "QueueEmpty 4",
  ]);
});

Deno.test("Queue bad sizes are refused with the value named", () => {
  run(function* (hub) {
    assert.throws(() => new Queue(hub, -1), { name: "RangeError", message: /"-1"/ });
    assert.throws(() => new Queue(hub, 1.5), RangeError);
    assert.throws(() => new Queue(hub, "3" as unknown as number), TypeError);
    assert.equal(new Queue(hub, 0).maxsize, Infinity);
    assert.equal(new Queue(hub).full(), false);
  });
});

Deno.test("a getter woken and then cut short passes the item on to the next getter", () => {
  const { lines } = run(function* (hub, sys) {
    const q = new Queue<string>(hub);
    const impatient = hub.spawn(function* () {
      try {
        yield* q.get();
      } finally {
        sys.print("impatient killed with", q.qsize(), "item waiting");
      }
    });
    const patient = hub.spawn(function* () {
      sys.print("patient got", yield* q.get());
    });
    yield* hub.sleep(0);
    q.putNowait("item"); // wakes the impatient getter...
    yield* hub.kill(impatient); // ...which is killed before it runs
    yield* patient.join();
    const timed = hub.spawn(function* () {
      const t = Timeout.startNew(hub, ms(1));
      try {
        yield* q.get();
      } catch (e) {
        sys.print("timed out:", e === t);
      }
    });
    yield* timed.join();
  });
  assert.deepEqual(lines, [
    "impatient killed with 1 item waiting",
    "patient got item",
    "timed out: true",
  ]);
});

Deno.test("JoinableQueue: join waits for taskDone; too many taskDone is a StateError", () => {
  const { lines } = run(function* (hub, sys) {
    const q = new JoinableQueue<number>(hub);
    for (let i = 0; i < 3; i++) yield* q.put(i);
    hub.spawn(function* () {
      for (;;) {
        const n = yield* q.get();
        yield* hub.sleep(ms(n + 1));
        q.taskDone();
      }
    });
    sys.print(yield* q.join(ms(2)), q.unfinishedTasks);
    sys.print(yield* q.join(), msOf(sys), q.unfinishedTasks);
    assert.throws(() => q.taskDone(), StateError);
  });
  assert.deepEqual(lines, ["false 2", "true 6 0"]);
});

Deno.test("Semaphore: bounded permits, non-blocking and timed acquire", () => {
  const { lines } = run(function* (hub, sys) {
    const sem = new Semaphore(hub, 1);
    sys.print(yield* sem.acquire(), sem.locked(), yield* sem.acquire({ blocking: false }));
    sys.print(yield* sem.acquire({ timeout: ms(2) }), msOf(sys));
    hub.spawn(function* () {
      yield* hub.sleep(ms(1));
      sem.release();
    });
    sys.print(yield* sem.acquire(), msOf(sys), sem.counter);
    sem.release();
    sem.release(); // an unbounded semaphore may grow
    sys.print(sem.counter);
    assert.throws(() => new Semaphore(hub, -1), { name: "RangeError", message: /"-1"/ });
    assert.throws(() => new Semaphore(hub, "1" as unknown as number), TypeError);
  });
  assert.deepEqual(lines, ["true true false", "false 2", "true 3 0", "2"]);
});

Deno.test("BoundedSemaphore and Lock refuse a release beyond what was acquired", () => {
  run(function* (hub) {
    const b = new BoundedSemaphore(hub, 2);
    yield* b.acquire();
    b.release();
    assert.throws(() => b.release(), { name: "StateError", message: /BoundedSemaphore/ });
    const lock = new Lock(hub);
    assert.throws(() => lock.release(), { name: "StateError", message: /Lock/ });
    yield* lock.acquire();
    assert.equal(lock.locked(), true);
    lock.release();
  });
});

Deno.test("a Lock serialises read-modify-write across a switch; without it updates are lost", () => {
  const counter = (locked: boolean) => {
    let n = 0;
    run(function* (hub) {
      const lock = new Lock(hub);
      const add = function* (): GreenletRoutine<void> {
        const body = function* (): GreenletRoutine<void> {
          const v = n;
          yield* hub.sleep(0);
          n = v + 1;
        };
        if (locked) yield* lock.hold(body);
        else yield* body();
      };
      yield* hub.joinAll([1, 2, 3].map(() => hub.spawn(add)));
    });
    return n;
  };
  assert.equal(counter(true), 3);
  assert.equal(counter(false), 1);
});

Deno.test("Pool bounds concurrency; Pool(0) is refused", () => {
  const { lines } = run(function* (hub, sys) {
    assert.throws(() => new Pool(hub, 0), { name: "RangeError", message: /pool size "0"/ });
    assert.throws(() => new Pool(hub, "2" as unknown as number), TypeError);
    const pool = new Pool(hub, 3);
    let running = 0, most = 0;
    const results = yield* pool.map(function* (i: number) {
      most = Math.max(most, ++running);
      yield* hub.sleep(ms(10));
      running--;
      return i * 10;
    }, [1, 2, 3, 4, 5, 6, 7]);
    sys.print(results.join(","), most, msOf(sys), pool.size, pool.freeCount());
    yield* pool.spawn(function* () {
      yield* hub.sleep(ms(5));
    });
    sys.print(pool.full(), yield* pool.waitAvailable(0));
    yield* pool.join();
  });
  assert.deepEqual(lines, ["10,20,30,40,50,60,70 3 30 0 3", "false 2"]);
});

Deno.test("Group: join with timeout, raiseError, kill, add and discard", () => {
  const { lines } = run(function* (hub, sys) {
    const group = new Group(hub);
    const slow = yield* group.spawn(function* () {
      yield* hub.sleep(s(10));
    });
    yield* group.spawn(function* () {
      yield* hub.sleep(ms(1));
      throw new RangeError("member failed");
    });
    sys.print(group.size, yield* group.join({ timeout: 0 }));
    try {
      yield* group.join({ raiseError: true });
    } catch (e) {
      sys.print((e as Error).message, group.size, group.has(slow));
    }
    sys.print(yield* group.kill(), group.size);
    const outsider = hub.spawn(function* () {
      yield* hub.sleep(ms(1));
    });
    group.add(outsider);
    group.discard(outsider);
    sys.print(group.size, yield* group.join());
    assert.throws(() => group.add("g" as never), TypeError);
  });
  assert.deepEqual(lines, ["2 false", "member failed 1 true", "true 0", "0 true"]);
});

Deno.test("Timeout.within and withTimeout; a null timeout never fires", () => {
  const { lines } = run(function* (hub, sys) {
    const t = new Timeout(hub, ms(3));
    try {
      yield* t.within(function* () {
        yield* hub.sleep(s(1));
      });
    } catch (e) {
      sys.print(e === t, t.pending, msOf(sys));
    }
    const custom = new Timeout(hub, ms(1), new RangeError("too slow"));
    try {
      yield* custom.within(function* () {
        yield* new Event(hub).wait();
      });
    } catch (e) {
      sys.print((e as Error).message);
    }
    sys.print(
      yield* withTimeout(hub, ms(5), function* () {
        yield* hub.sleep(ms(1));
        return "fast";
      }),
    );
    try {
      yield* withTimeout(hub, ms(1), function* () {
        yield* hub.sleep(ms(5));
      });
    } catch (e) {
      sys.print((e as Error).name);
    }
    const never = new Timeout(hub, null).start();
    sys.print(never.pending, never.ns);
    assert.throws(() => t.start().start(), StateError);
    t.cancel();
  });
  assert.deepEqual(lines, ["true false 3", "too slow", "fast", "Timeout", "false null"]);
});
