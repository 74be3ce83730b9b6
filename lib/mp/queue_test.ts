import assert from "node:assert/strict";
import { DeadlockError } from "../kernel/errors.ts";
import { ms } from "../kernel/time.ts";
import { Simulation } from "../kernel/simulation.ts";
import { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { JoinableQueue } from "./joinable_queue.ts";
import { Process } from "./process.ts";
import { Queue } from "./queue.ts";
import { SimpleQueue } from "./simple_queue.ts";
import { Lock } from "./lock.ts";
import { world } from "./_testing.ts";

function* errorName(sys: Sys, op: () => ThreadRoutine<unknown>): ThreadRoutine<void> {
  try {
    yield* op();
    sys.print("no error");
  } catch (e) {
    sys.print(`${(e as Error).name}: ${(e as Error).message}`);
  }
}

Deno.test("items from each producer arrive in the order it put them", () => {
  function* producer(_sys: Sys, q: Queue<[string, number]>, name: string, n: number) {
    for (let i = 0; i < n; i++) yield* q.put([name, i]);
  }
  const got: [string, number][] = [];
  world(function* (sys) {
    const q = new Queue<[string, number]>(sys);
    for (const name of ["a", "b", "c"]) {
      yield* new Process({ target: producer, args: [q, name, 2000] }).start(sys);
    }
    for (let i = 0; i < 6000; i++) got.push(yield* q.get());
  }, { cores: 4 });
  for (const name of ["a", "b", "c"]) {
    const seq = got.filter(([n]) => n === name).map(([, i]) => i);
    assert.deepEqual(seq, Array.from({ length: 2000 }, (_, i) => i));
  }
  // They interleave: b's first item comes before a's last.
  const firstB = got.findIndex(([n]) => n === "b");
  const lastA = got.findLastIndex(([n]) => n === "a");
  assert.ok(firstB < lastA, `first b at ${firstB}, last a at ${lastA}`);
});

Deno.test("messages are copies: the sender's later changes never reach the receiver", () => {
  const { out } = world(function* (sys) {
    const q = new Queue<{ n: number[] }>(sys);
    const msg = { n: [1] };
    yield* q.put(msg);
    msg.n.push(2);
    const got = yield* q.get();
    got.n.push(3);
    sys.print(JSON.stringify(got), JSON.stringify(msg));
  });
  assert.deepEqual(out, ['{"n":[1,3]} {"n":[1,2]}']);
});

Deno.test("the documented trap: joining a child before draining its big item waits", () => {
  // The child's item is bigger than the pipe: its feeder blocks, and the
  // child cannot exit until someone reads.
  function* child(_sys: Sys, q: Queue<string>): ThreadRoutine<void> {
    yield* q.put("x".repeat(200_000));
  }
  const { out } = world(function* (sys) {
    const q = new Queue<string>(sys);
    const p = new Process({ target: child, args: [q] });
    yield* p.start(sys);
    yield* p.join(ms(500));
    sys.print("after join(0.5 s): alive", p.isAlive(), "exitcode", p.exitCode);
    const item = yield* q.get();
    yield* p.join();
    sys.print("after get:", item.length, "exitcode", p.exitCode);
  });
  assert.deepEqual(out, [
    "after join(0.5 s): alive true exitcode null",
    "after get: 200000 exitcode 0",
  ]);
});

Deno.test("the documented trap without a timeout is a deadlock the simulation reports", () => {
  function* child(_sys: Sys, q: Queue<string>): ThreadRoutine<void> {
    yield* q.put("x".repeat(200_000));
  }
  const sim = new Simulation();
  new Host(sim, { cores: 2 }).spawn("python", function* (sys) {
    const q = new Queue<string>(sys);
    const p = new Process({ target: child, args: [q] });
    yield* p.start(sys);
    yield* p.join();
    yield* q.get();
  });
  let err: unknown;
  try {
    sim.run();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DeadlockError);
  // The parent waits for the child, the child for its feeder (blocked on the full pipe).
  assert.match(err.message, /"python\[1000\]" waits on event #\d+ "exit of Process-1\[1001\]"/);
  assert.match(
    err.message,
    /"Process-1\[1001\]" waits on task #\d+ "Process-1\[1001\]\/QueueFeederThread"/,
  );
});

Deno.test("a small item flushes at once, so the same join does not wait", () => {
  function* child(_sys: Sys, q: Queue<string>): ThreadRoutine<void> {
    yield* q.put("small");
  }
  const { out, sim } = world(function* (sys) {
    const q = new Queue<string>(sys);
    const p = new Process({ target: child, args: [q] });
    yield* p.start(sys);
    yield* p.join();
    sys.print(yield* q.get());
  });
  assert.deepEqual(out, ["small"]);
  assert.ok(sim.now < ms(3));
});

Deno.test("putting onto a closed queue raises ValueError; get after close too", () => {
  const { out } = world(function* (sys) {
    const q = new Queue<number>(sys);
    yield* q.put(1);
    yield* q.close();
    yield* errorName(sys, () => q.put(2));
    yield* errorName(sys, () => q.get());
    yield* q.joinThread();
    sys.print("joined");
  });
  assert.equal(out.length, 3);
  assert.match(out[0]!, /^ValueError: Queue Queue#\d+ is closed$/);
  assert.match(out[1]!, /^ValueError: Queue Queue#\d+ is closed$/);
  assert.equal(out[2], "joined");
});

Deno.test("joinThread before close raises ProcessError", () => {
  const { out } = world(function* (sys) {
    const q = new Queue<number>(sys);
    yield* errorName(sys, () => q.joinThread());
  });
  assert.match(out[0]!, /^ProcessError: Queue Queue#\d+ not closed$/);
});

Deno.test("get with a timeout raises Empty after the timeout; getNowait at once", () => {
  const times: number[] = [];
  const { out } = world(function* (sys) {
    const q = new Queue<number>(sys);
    const t0 = sys.now;
    yield* errorName(sys, () => q.get(true, ms(50)));
    times.push(sys.now - t0);
    yield* errorName(sys, () => q.getNowait());
  });
  assert.match(out[0]!, /^Empty: Queue#\d+ is empty$/);
  assert.match(out[1]!, /^Empty: /);
  assert.ok(times[0]! >= ms(50) && times[0]! < ms(51));
});

Deno.test("a bounded queue is full; put waits for room or raises Full", () => {
  function* consumer(sys: Sys, q: Queue<number>): ThreadRoutine<void> {
    yield* sys.sleep(ms(20));
    sys.print("consumer got", yield* q.get());
  }
  let blockedFor = 0;
  const { out } = world(function* (sys) {
    const q = new Queue<number>(sys, 2);
    yield* q.put(1);
    yield* q.put(2);
    sys.print(q.full(), q.qsize());
    yield* errorName(sys, () => q.putNowait(3));
    yield* errorName(sys, () => q.put(3, true, ms(5)));
    yield* new Process({ target: consumer, args: [q] }).start(sys);
    const t0 = sys.now;
    yield* q.put(3);
    blockedFor = sys.now - t0;
    sys.print("put 3");
  });
  assert.equal(out[0], "true 2");
  assert.match(out[1]!, /^Full: Queue#\d+ is full \(maxsize 2\)$/);
  assert.match(out[2]!, /^Full: /);
  assert.deepEqual(out.slice(3), ["consumer got 1", "put 3"]);
  assert.ok(blockedFor >= ms(20));
});

Deno.test("qsize counts buffered items; empty only looks at the pipe", () => {
  const { out } = world(function* (sys) {
    const q = new Queue<number>(sys);
    sys.print(q.qsize(), q.empty());
    yield* q.put(1);
    // The feeder has not written yet: qsize counts it, empty() does not see it.
    sys.print(q.qsize(), q.empty());
    yield* sys.sleep(ms(1));
    sys.print(q.qsize(), q.empty());
    yield* q.get();
    sys.print(q.qsize(), q.empty());
  });
  assert.deepEqual(out, ["0 true", "1 true", "1 false", "0 true"]);
});

Deno.test("unpicklable values raise PicklingError naming them", () => {
  const { out } = world(function* (sys) {
    const q = new Queue<unknown>(sys);
    yield* errorName(sys, () => q.put(function run() {}));
    yield* errorName(sys, () => q.put({ tag: Symbol("s") }));
    yield* errorName(sys, () => q.put([new Lock(sys)]));
    yield* errorName(sys, () => q.put(q));
    sys.print(q.qsize());
  });
  assert.deepEqual(out, [
    'PicklingError: Can\'t pickle function "run" at value: functions cannot be sent to another process (pass data, or use a Pool task)',
    'PicklingError: Can\'t pickle symbol "Symbol(s)" at value.tag: symbols cannot be sent to another process',
    "PicklingError: Lock objects should only be shared between processes through inheritance (found at value[0])",
    "PicklingError: Queue objects should only be shared between processes through inheritance (found at value)",
    "0",
  ]);
});

Deno.test("bad queue arguments are TypeError or RangeError", () => {
  const { out } = world(function* (sys) {
    assert.throws(() => new Queue(sys, -1), RangeError);
    assert.throws(() => new Queue(null as never), TypeError);
    const q = new Queue(sys);
    yield* errorName(sys, () => q.get(true, -5));
  });
  assert.deepEqual(out, ['RangeError: Invalid get timeout "-5": it must be >= 0 nanoseconds']);
});

Deno.test("JoinableQueue: join waits for taskDone; one taskDone too many is a ValueError", () => {
  function* worker(sys: Sys, q: JoinableQueue<number>): ThreadRoutine<void> {
    for (;;) {
      const n = yield* q.get();
      yield* sys.sleep(ms(n));
      yield* q.taskDone();
    }
  }
  let joinedAt = 0;
  const { out } = world(function* (sys) {
    const q = new JoinableQueue<number>(sys);
    yield* new Process({ target: worker, args: [q], daemon: true }).start(sys);
    for (const n of [10, 20, 30]) yield* q.put(n);
    sys.print(q.unfinishedTasks);
    const t0 = sys.now;
    yield* q.join();
    joinedAt = sys.now - t0;
    sys.print(q.unfinishedTasks);
    yield* errorName(sys, () => q.taskDone());
  });
  assert.equal(out[0], "3");
  assert.equal(out[1], "0");
  assert.match(out[2]!, /^ValueError: task_done\(\) called too many times/);
  assert.ok(joinedAt >= ms(60), `joined after ${joinedAt}`);
});

Deno.test("SimpleQueue: put writes at once (no feeder), get in order, close", () => {
  function* child(_sys: Sys, q: SimpleQueue<number>): ThreadRoutine<void> {
    for (let i = 0; i < 5; i++) yield* q.put(i);
  }
  const { out, host } = world(function* (sys) {
    const q = new SimpleQueue<number>(sys);
    const p = new Process({ target: child, args: [q] });
    yield* p.start(sys);
    yield* p.join();
    const got = [];
    while (!q.empty()) got.push(yield* q.get());
    sys.print(got);
    yield* q.close();
    yield* errorName(sys, () => q.get());
  });
  assert.equal(out[0], "[0,1,2,3,4]");
  assert.match(out[1]!, /^OSError: handle is closed/);
  // Only the main thread in the child: no feeder thread.
  assert.equal([...host.processes.values()][1]!.threads.length, 1);
});
