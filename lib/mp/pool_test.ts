import assert from "node:assert/strict";
import { TimeoutError } from "../kernel/errors.ts";
import { ms, s } from "../kernel/time.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { MaybeEncodingError, PicklingError, ValueError, WorkerLostError } from "./errors.ts";
import { Pool, ProcessPool } from "./pool.ts";
import { AsyncResult, IMapIterator, MapResult } from "./async_result.ts";
import { attempt, world } from "./_testing.ts";

function* hello(sys: Sys, i: number): ThreadRoutine<number> {
  sys.print("hello multiprocessing", i);
  yield* sys.sleep(s(1));
  return i;
}

// deno-lint-ignore require-yield
function* square(_sys: Sys, x: number): ThreadRoutine<number> {
  return x * x;
}

Deno.test("Pool(5), ten one-second tasks: two waves of five, about 2 s", () => {
  const starts: number[] = [];
  const { sim, out } = world(function* (sys) {
    const pool = yield* Pool(sys, 5);
    for (let i = 0; i < 10; i++) yield* pool.applyAsync(hello, [i]);
    yield* pool.close();
    yield* pool.join();
  });
  for (const l of sim.output) starts.push(l.t);
  assert.equal(out.length, 10);
  assert.equal(new Set(out).size, 10);
  const firstWave = starts.filter((t) => t < s(1)).length;
  assert.equal(firstWave, 5);
  assert.ok(starts.slice(5).every((t) => t >= s(1) && t < s(1.01)));
  assert.ok(sim.now > s(2) && sim.now < s(2.01), `took ${sim.now}`);
});

Deno.test("apply waits for each task: ten one-second tasks take ten seconds", () => {
  const { sim, out } = world(function* (sys) {
    const pool = yield* Pool(sys, 5);
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += yield* pool.apply(hello, [i]);
    sys.print("sum", sum);
    yield* pool.close();
    yield* pool.join();
  });
  assert.equal(out.at(-1), "sum 45");
  assert.ok(sim.now > s(10) && sim.now < s(10.05), `took ${sim.now}`);
});

Deno.test("without join the main process ends first and the pool's workers are killed", () => {
  let pool: ProcessPool | null = null;
  const { sim } = world(function* (sys) {
    pool = yield* Pool(sys, 5);
    for (let i = 0; i < 10; i++) yield* pool.applyAsync(hello, [i]);
    yield* pool.close();
  });
  const p = pool as ProcessPool | null;
  assert.ok(sim.output.length < 10);
  assert.deepEqual(p!.workers.map((w) => w.exitCode), [-15, -15, -15, -15, -15]);
  assert.ok(sim.now < ms(5), `ended at ${sim.now}`);
});

Deno.test("a task's error reaches apply, get and the error callback", () => {
  // deno-lint-ignore require-yield
  function* fails(_sys: Sys, x: number): ThreadRoutine<number> {
    if (x === 3) throw new RangeError(`no ${x}`);
    return x;
  }
  const seen: string[] = [];
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, 2);
    yield* attempt(sys, () => pool.apply(fails, [3]));
    const r = yield* pool.applyAsync(fails, [3], {
      errorCallback: (e) => seen.push(`errback ${(e as Error).message}`),
    });
    yield* r.wait();
    sys.print(r.ready(), r.successful());
    yield* attempt(sys, () => pool.map(fails, [1, 2, 3, 4]));
    const ok = yield* pool.applyAsync(fails, [1], { callback: (v) => seen.push(`callback ${v}`) });
    sys.print(yield* ok.get());
    yield* pool.close();
    yield* pool.join();
  });
  assert.deepEqual(out, ["RangeError: no 3", "true false", "RangeError: no 3", "1"]);
  assert.deepEqual(seen, ["errback no 3", "callback 1"]);
});

Deno.test("map, starmap, imap and imapUnordered give the values (in order where promised)", () => {
  function* slowFirst(sys: Sys, x: number): ThreadRoutine<number> {
    yield* sys.sleep(ms(x === 0 ? 50 : 1));
    return x;
  }
  // deno-lint-ignore require-yield
  function* add(_sys: Sys, a: number, b: number): ThreadRoutine<number> {
    return a + b;
  }
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, 3);
    sys.print(yield* pool.map(square, [1, 2, 3, 4, 5, 6, 7]));
    sys.print(yield* pool.map(square, [], 2));
    sys.print(yield* pool.starmap(add, [[1, 2], [3, 4]]));
    const collect = function* (it: { next(): ThreadRoutine<IteratorResult<number, undefined>> }) {
      const got: number[] = [];
      for (let r = yield* it.next(); !r.done; r = yield* it.next()) got.push(r.value);
      return got;
    };
    sys.print(yield* collect(yield* pool.imap(slowFirst, [0, 1, 2, 3])));
    sys.print(yield* collect(yield* pool.imap(square, [1, 2, 3, 4, 5], 2)));
    const unordered = yield* collect(yield* pool.imapUnordered(slowFirst, [0, 1, 2, 3]));
    sys.print(unordered.at(-1), [...unordered].sort());
    yield* pool.close();
    yield* pool.join();
  });
  assert.deepEqual(out, [
    "[1,4,9,16,25,36,49]",
    "[]",
    "[3,7]",
    "[0,1,2,3]",
    "[1,4,9,16,25]",
    "0 [0,1,2,3]",
  ]);
});

Deno.test("Pool(0) and bad maxTasksPerChild are ValueErrors", () => {
  const { out } = world(function* (sys) {
    yield* attempt(sys, () => Pool(sys, 0));
    yield* attempt(sys, () => Pool(sys, 2, { maxTasksPerChild: 0 }));
  });
  assert.deepEqual(out, [
    'ValueError: Number of processes must be at least 1, not "0"',
    'ValueError: maxTasksPerChild (maxtasksperchild) must be a positive integer or null, not "0"',
  ]);
});

Deno.test("a closed pool takes no tasks; join needs close first; get times out", () => {
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, 2);
    yield* attempt(sys, () => pool.join());
    const r = yield* pool.applyAsync(hello, [0]);
    yield* attempt(sys, () => r.get(ms(100)));
    try {
      r.successful();
    } catch (e) {
      sys.print((e as Error).name);
    }
    yield* pool.close();
    yield* attempt(sys, () => pool.applyAsync(square, [1]));
    sys.print(yield* r.get());
    yield* pool.join();
  });
  assert.deepEqual(out, [
    "ValueError: Pool is still running: close() or terminate() it first",
    "hello multiprocessing 0",
    `TimeoutError: job #0 did not finish within ${ms(100)} ns`,
    "ValueError",
    "ValueError: Pool not running",
    "0",
  ]);
});

Deno.test("unpicklable arguments and results reach the caller as errors", () => {
  // deno-lint-ignore require-yield
  function* giveFn(_sys: Sys): ThreadRoutine<() => void> {
    return () => {};
  }
  // deno-lint-ignore require-yield
  function* takeAnything(_sys: Sys, _x: unknown): ThreadRoutine<number> {
    return 1;
  }
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, 2);
    yield* attempt(sys, () => pool.apply(takeAnything, [Symbol("s")]));
    yield* attempt(sys, () => pool.apply(giveFn));
    sys.print(yield* pool.apply(takeAnything, [[1, 2]]));
    yield* pool.terminate();
  });
  assert.match(out[0]!, /^PicklingError: Can't pickle symbol "Symbol\(s\)" at value\[0\]/);
  assert.match(
    out[1]!,
    /^MaybeEncodingError: Error sending result: '<function <lambda>>'\. Reason: 'Can't pickle function/,
  );
  assert.equal(out[2], "1");
  void PicklingError;
  void MaybeEncodingError;
});

Deno.test("maxTasksPerChild: workers exit after n tasks and are replaced", () => {
  function* pid(sys: Sys): ThreadRoutine<number> {
    yield* sys.sleep(ms(1));
    return sys.pid;
  }
  let stats = { workersStarted: 0 };
  const pids = new Set<number>();
  world(function* (sys) {
    const pool = yield* Pool(sys, 2, { maxTasksPerChild: 2 });
    for (let i = 0; i < 8; i++) pids.add(yield* pool.apply(pid));
    yield* pool.close();
    yield* pool.join();
    stats = pool.stats;
  });
  assert.ok(pids.size >= 4, `pids ${[...pids]}`);
  assert.ok(stats.workersStarted >= 4);
});

Deno.test("a worker killed while running a task is reported: the result fails, the pool goes on", () => {
  function* slow(sys: Sys): ThreadRoutine<number> {
    yield* sys.sleep(s(1));
    return 0;
  }
  let lost = 0;
  const { out, sim } = world(function* (sys) {
    const pool = yield* Pool(sys, 1);
    const r = yield* pool.applyAsync(slow);
    yield* sys.sleep(ms(10));
    yield* pool.workers[0]!.kill();
    yield* attempt(sys, () => r.get());
    sys.print(yield* pool.apply(square, [7]));
    lost = pool.stats.workersLost;
    yield* pool.close();
    yield* pool.join();
  });
  assert.match(
    out[0]!,
    /^WorkerLostError: Worker "ForkPoolWorker-1" \(pid \d+\) exited with code -9 while running task 0 of job #0$/,
  );
  assert.equal(out[1], "49");
  assert.equal(lost, 1);
  assert.ok(sim.now < ms(20));
});

Deno.test("a task that calls sys.exit ends its worker; its result fails instead of hanging", () => {
  function* quit(sys: Sys): ThreadRoutine<number> {
    return yield* sys.exit(3);
  }
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, 2);
    yield* attempt(sys, () => pool.apply(quit));
    sys.print(yield* pool.apply(square, [3]));
    yield* pool.close();
    yield* pool.join();
  });
  assert.match(out[0]!, /^WorkerLostError: .* exited with code 3 while running task 0 of job #0$/);
  assert.equal(out[1], "9");
});

Deno.test("terminate kills busy workers (-15) and fails what was pending", () => {
  let pool: ProcessPool | null = null;
  const { out, sim } = world(function* (sys) {
    pool = yield* Pool(sys, 2);
    const r = yield* pool.applyAsync(hello, [1]);
    yield* sys.sleep(ms(100));
    yield* pool.terminate();
    yield* attempt(sys, () => r.get());
    yield* pool.join();
    yield* attempt(sys, () => pool!.apply(square, [1]));
  });
  assert.deepEqual(out, [
    "hello multiprocessing 1",
    "WorkerLostError: the pool was terminated before the task finished",
    "ValueError: Pool not running",
  ]);
  assert.deepEqual((pool as ProcessPool | null)!.workers.map((w) => w.exitCode), [-15, -15]);
  assert.ok(sim.now < ms(200));
  void WorkerLostError;
  void ValueError;
  void TimeoutError;
});

Deno.test("a pool of the host's cores by default; an initializer runs in each worker", () => {
  // deno-lint-ignore require-yield
  function* init(sys: Sys, tag: string): ThreadRoutine<void> {
    sys.print("init", tag);
  }
  const { out } = world(function* (sys) {
    const pool = yield* Pool(sys, null, { initializer: init, initargs: ["x"] });
    sys.print(pool.processes);
    yield* pool.close();
    yield* pool.join();
  }, { cores: 3 });
  assert.deepEqual(out.sort(), ["3", "init x", "init x", "init x"]);
});

Deno.test("bad pool arguments are refused when given, not later in a worker or handler", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (v: unknown): any => v;
  const { out, sim } = world(function* (sys) {
    yield* attempt(sys, () => Pool(sys, 1, bad(null)));
    yield* attempt(sys, () => Pool(sys, 1, bad({ initializer: square, initargs: 5 })));
    const pool = yield* Pool(sys, 1);
    yield* attempt(sys, () => pool.applyAsync(square, bad(5)));
    yield* attempt(sys, () => pool.applyAsync(square, [2], bad(null)));
    yield* attempt(sys, () => pool.applyAsync(square, [2], bad({ callback: 5 })));
    yield* attempt(sys, () => pool.mapAsync(square, [1], undefined, bad({ errorCallback: "x" })));
    yield* attempt(sys, () => pool.map(square, bad(5)));
    yield* attempt(sys, () => pool.imap(square, bad(null)));
    // An explicit chunksize of 0 used to return holes without running anything.
    yield* attempt(sys, () => pool.map(square, [1, 2], 0));
    sys.print(JSON.stringify(yield* pool.map(square, [1, 2, 3])));
    sys.print(JSON.stringify(yield* pool.map(square, [])));
    sys.print(pool.stats.tasksSent);
    yield* pool.close();
    yield* pool.join();
  });
  assert.deepEqual(out, [
    'TypeError: Invalid pool options "null": expected an object',
    'TypeError: Invalid initargs "5": expected an array',
    'TypeError: Invalid args "5": expected an array',
    'TypeError: Invalid callbacks "null": expected an object',
    'TypeError: Invalid callback "5": expected a function',
    'TypeError: Invalid errorCallback "x": expected a function',
    'TypeError: Invalid items "5": expected an iterable',
    'TypeError: Invalid items "null": expected an iterable',
    'ValueError: Chunksize must be 1+, not "0"',
    "[1,4,9]",
    "[]",
    "3", // the three of [1, 2, 3] only: nothing refused was sent
  ]);
  assert.ok(!sim.failed);
});

Deno.test("a pool and its results made by hand check what they are given", () => {
  assert.throws(() => new AsyncResult(null as never), {
    name: "TypeError",
    message: 'Invalid job cache "null": expected a pool',
  });
  assert.throws(() => new MapResult({} as never, 1, 1), /Invalid job cache "\[object Object\]"/);
  assert.throws(() => new IMapIterator(5 as never, true, false), /Invalid job cache "5"/);
  assert.throws(() => new ProcessPool(null as never, 1, {}), /Invalid sys "null"/);
  const { out } = world(function* (sys) {
    yield* attempt(sys, function* () {
      new ProcessPool(sys, 0, {});
    });
    yield* attempt(sys, function* () {
      new ProcessPool(sys, 1, { maxTasksPerChild: -1 });
    });
  });
  assert.deepEqual(out, [
    'ValueError: Number of processes must be at least 1, not "0"',
    'ValueError: maxTasksPerChild (maxtasksperchild) must be a positive integer or null, not "-1"',
  ]);
});
