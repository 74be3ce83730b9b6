/**
 * Invariants of multiprocessing under random workloads, property-tested
 * with fast-check:
 *
 * - Queue and JoinableQueue: with random producers, consumers, item counts
 *   and sizes (some bigger than a pipe), every item put is got exactly
 *   once, intact, and each consumer gets each producer's items in the order
 *   they were put; `join` returns only once every item is marked done;
 * - Pipe: random message sequences, both ways (in turn, or at the same time
 *   from two threads) or one way, arrive intact and in order, then EOF;
 * - Pool: with random tasks, worker counts, `maxTasksPerChild` and workers
 *   killed with SIGKILL from outside at random times, every task's result
 *   is either its right value or a `WorkerLostError` (never both: one
 *   callback, once), none is lost, and `join` returns;
 * - Manager: concurrent read-modify-write updates of a dict and a list
 *   under a lock (an mp Lock or the manager's) give the exact totals; a
 *   plain test shows the same updates without the lock do lose some.
 *
 * The pool property found workers killed at the wrong moment hanging the
 * pool or losing a task silently; lib/mp/pool_kill_test.ts pins each case.
 *
 * The runs and the options to explore and replay are those of
 * `tests/_property.ts`: the same every time (seed 42); a failure prints the
 * command that replays it.
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { assertProperty } from "./_property.ts";
import { DeadlockError, s, Simulation, us } from "../lib/kernel/mod.ts";
import { Host, type Sys, type ThreadRoutine } from "../lib/os/mod.ts";
import {
  type AcquirerProxy,
  type AsyncResult,
  type Connection,
  type DictProxy,
  EOFError,
  JoinableQueue,
  type ListProxy,
  Lock,
  mainProcess,
  Manager,
  type MapResult,
  Pipe,
  Pool,
  Process,
  type ProcessPool,
  Queue,
  WorkerLostError,
} from "../lib/mp/mod.ts";

/**
 * Runs `body` as a Python main program on a fresh host and checks that it
 * ended: no deadlock, no error, exit status 0, within `limit`.
 */
function runMain(
  body: (sys: Sys) => ThreadRoutine<void>,
  options: { seed: number; cores: number; limit?: number },
): void {
  const sim = new Simulation({ seed: options.seed, trace: false });
  const host = new Host(sim, { cores: options.cores });
  const main = host.spawn("python", mainProcess(body));
  try {
    sim.run({ until: options.limit ?? s(600) });
  } catch (e) {
    if (e instanceof DeadlockError) assert.fail(`deadlock: ${e.message}`);
    throw e;
  }
  assert.equal(main.exitCode, 0, `main ended with ${main.exitCode} (${String(main.error)})`);
}

// ---- (a) Queue and JoinableQueue ---------------------------------------------

/** The payload of producer `p`'s item `i`: `size` characters, some of them not ASCII. */
function payload(p: number, i: number, size: number): string {
  const unit = `${p}.${i}é€;`;
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

type Item = readonly [producer: number, seq: number, size: number, data: string];

Deno.test("Queue: every item put is got exactly once, intact, each producer's in order", () => {
  const itemSize = fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 400 }) },
    // Bigger than the pipe (64 KiB): the feeder blocks until a consumer reads.
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 90_000 }) },
  );
  assertProperty(
    import.meta.url,
    "Queue: every item put is got exactly once, intact, each producer's in order",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      cores: fc.integer({ min: 1, max: 4 }),
      producers: fc.array(fc.array(itemSize, { maxLength: 40, size: "medium" }), {
        minLength: 1,
        maxLength: 4,
      }),
      consumers: fc.integer({ min: 1, max: 3 }),
      maxsize: fc.constantFrom(0, 0, 1, 3, 10),
      joinable: fc.boolean(),
      workUs: fc.integer({ min: 0, max: 200 }),
    }),
    ({ seed, cores, producers, consumers, maxsize, joinable, workUs }) => {
      const got: { consumer: number; item: Item }[] = [];
      let doneAtJoin = -1, unfinishedAtEnd = -1;

      function* producer(_sys: Sys, q: Queue<Item | null>, p: number, sizes: number[]) {
        for (let i = 0; i < sizes.length; i++) {
          yield* q.put([p, i, sizes[i]!, payload(p, i, sizes[i]!)]);
        }
      }
      function* consumer(sys: Sys, q: Queue<Item | null>, c: number): ThreadRoutine<void> {
        for (;;) {
          const item = yield* q.get();
          if (item !== null) {
            got.push({ consumer: c, item });
            if (workUs > 0) yield* sys.compute(us(workUs));
          }
          if (q instanceof JoinableQueue) yield* q.taskDone();
          if (item === null) return;
        }
      }

      runMain(function* (sys) {
        const q = joinable
          ? new JoinableQueue<Item | null>(sys, maxsize)
          : new Queue<Item | null>(sys, maxsize);
        const cs: Process[] = [], ps: Process[] = [];
        for (let c = 0; c < consumers; c++) {
          const proc = new Process({ target: consumer, args: [q, c] });
          yield* proc.start(sys);
          cs.push(proc as Process);
        }
        for (let p = 0; p < producers.length; p++) {
          const proc = new Process({ target: producer, args: [q, p, producers[p]!] });
          yield* proc.start(sys);
          ps.push(proc as Process);
        }
        // A producer's exit waits for its feeder to flush: its items are all in the pipe.
        for (const proc of ps) yield* proc.join();
        if (q instanceof JoinableQueue) {
          yield* q.join();
          doneAtJoin = got.length;
        }
        for (let c = 0; c < consumers; c++) yield* q.put(null);
        for (const proc of cs) yield* proc.join();
        for (const proc of [...cs, ...ps]) assert.equal(proc.exitCode, 0, proc.describe());
        if (q instanceof JoinableQueue) unfinishedAtEnd = q.unfinishedTasks;
      }, { seed, cores });

      const total = producers.reduce((n, p) => n + p.length, 0);
      assert.equal(got.length, total, "items got");
      const seen = new Set<string>();
      for (const { item: [p, i, size, data] } of got) {
        const key = `${p}/${i}`;
        assert.ok(!seen.has(key), `item ${key} got twice`);
        seen.add(key);
        assert.ok(p < producers.length && i < producers[p]!.length, `unknown item ${key}`);
        assert.equal(size, producers[p]![i], `item ${key}'s size`);
        assert.ok(data === payload(p, i, size), `item ${key} altered`);
      }
      // Each consumer reads the pipe in order, and each producer's feeder writes in order.
      for (let c = 0; c < consumers; c++) {
        const last = new Map<number, number>();
        for (const { consumer, item: [p, i] } of got) {
          if (consumer !== c) continue;
          assert.ok(
            (last.get(p) ?? -1) < i,
            `consumer ${c} got ${p}/${i} after ${p}/${last.get(p)}`,
          );
          last.set(p, i);
        }
      }
      if (joinable) {
        assert.equal(doneAtJoin, total, "join returned before every item was done");
        assert.equal(unfinishedAtEnd, 0);
      }
    },
    300,
  );
});

// ---- (b) Pipe ---------------------------------------------------------------

/** Values pickle carries, nested a little. */
const message: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 40 }),
    fc.date({ noInvalidDate: true }),
  ),
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: tie("leaf") },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 6 }), fc.constant("__proto__")),
        tie("value"),
        { maxKeys: 4 },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer(), tie("value")).map(([k, v]) => new Map([[k, v]])),
    },
    { weight: 1, arbitrary: fc.array(fc.integer(), { maxLength: 5 }).map((a) => new Set(a)) },
    // Now and then one bigger than the pipe: its sender blocks until the reader has read.
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => "m".repeat(n)) },
  ),
})).value;

Deno.test("Pipe: messages both ways arrive intact and in order, then EOF", () => {
  assertProperty(
    import.meta.url,
    "Pipe: messages both ways arrive intact and in order, then EOF",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      cores: fc.integer({ min: 1, max: 3 }),
      duplex: fc.boolean(),
      // Duplex: each side sends from a thread of its own while it receives.
      concurrent: fc.boolean(),
      oneWayToChild: fc.boolean(),
      script: fc.array(fc.record({ toChild: fc.boolean(), msg: message }), {
        maxLength: 40,
        size: "medium",
      }),
    }),
    ({ seed, cores, duplex, concurrent, oneWayToChild, script }) => {
      const steps = duplex ? script : script.map((st) => ({ ...st, toChild: oneWayToChild }));
      const toChild = steps.filter((st) => st.toChild).map((st) => st.msg);
      const toParent = steps.filter((st) => !st.toChild).map((st) => st.msg);
      const childGot: unknown[] = [], parentGot: unknown[] = [];
      let childEof = false, parentEof = false;

      /** One side: sends `out` and receives `inCount` messages, in script order or at once. */
      function* side(
        sys: Sys,
        conn: Connection,
        isChild: boolean,
        got: unknown[],
      ): ThreadRoutine<void> {
        const mine = (st: { toChild: boolean }) => st.toChild !== isChild;
        if (concurrent && duplex) {
          const out = steps.filter(mine).map((st) => st.msg);
          const sender = yield* sys.spawnThread("sender", function* () {
            for (const m of out) yield* conn.send(m);
          });
          const n = steps.length - out.length;
          for (let k = 0; k < n; k++) got.push(yield* conn.recv());
          yield* sys.joinThread(sender);
        } else {
          for (const st of steps) {
            if (mine(st)) yield* conn.send(st.msg);
            else got.push(yield* conn.recv());
          }
        }
      }
      function* child(sys: Sys, conn: Connection, other: Connection): ThreadRoutine<void> {
        yield* other.close(); // the parent's end, inherited
        yield* side(sys, conn, true, childGot);
        if (duplex || oneWayToChild) {
          try {
            yield* conn.recv();
          } catch (e) {
            if (!(e instanceof EOFError)) throw e;
            childEof = true;
          }
        }
      }

      runMain(function* (sys) {
        const [a, b] = Pipe(sys, duplex);
        // One way: Pipe(false) gives (reader, writer).
        const [mine, theirs] = duplex ? [a, b] : oneWayToChild ? [b, a] : [a, b];
        const p = new Process({ target: child, args: [theirs, mine] });
        yield* p.start(sys);
        yield* theirs.close();
        yield* side(sys, mine, false, parentGot);
        if (duplex) {
          // The child waits for EOF: closing our end sends it.
          yield* mine.close();
        } else if (oneWayToChild) {
          yield* mine.close();
        }
        yield* p.join();
        if (!duplex && !oneWayToChild) {
          try {
            yield* mine.recv();
          } catch (e) {
            if (!(e instanceof EOFError)) throw e;
            parentEof = true;
          }
        }
        assert.equal(p.exitCode, 0);
      }, { seed, cores });

      assert.deepStrictEqual(childGot, toChild, "what the child got");
      assert.deepStrictEqual(parentGot, toParent, "what the parent got");
      if (duplex || oneWayToChild) assert.ok(childEof, "the child saw no EOF");
      else assert.ok(parentEof, "the parent saw no EOF");
    },
    300,
  );
});

// ---- (c) Pool ---------------------------------------------------------------

/** A task: `3x + 1`, after some work (on the CPU, or asleep). */
function* task(sys: Sys, x: number, workUs: number, sleep: boolean): ThreadRoutine<number> {
  if (workUs > 0) {
    if (sleep) yield* sys.sleep(us(workUs));
    else yield* sys.compute(us(workUs));
  }
  return 3 * x + 1;
}

function* triple(sys: Sys, x: number): ThreadRoutine<number> {
  return yield* task(sys, x, 50, false);
}

Deno.test("Pool: under random SIGKILLs every task gives its value or WorkerLostError, once", () => {
  assertProperty(
    import.meta.url,
    "Pool: under random SIGKILLs every task gives its value or WorkerLostError, once",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      cores: fc.integer({ min: 1, max: 4 }),
      workers: fc.integer({ min: 1, max: 4 }),
      maxTasksPerChild: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
      tasks: fc.array(
        fc.record({
          x: fc.integer({ min: -1000, max: 1000 }),
          workUs: fc.integer({ min: 0, max: 3000 }),
          sleep: fc.boolean(),
        }),
        { minLength: 1, maxLength: 30, size: "medium" },
      ),
      map: fc.option(
        fc.record({
          items: fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 12 }),
          chunksize: fc.integer({ min: 1, max: 4 }),
        }),
        { nil: null },
      ),
      kills: fc.array(
        fc.record({ atUs: fc.integer({ min: 0, max: 12_000 }), worker: fc.nat(7) }),
        { maxLength: 5 },
      ),
    }),
    ({ seed, cores, workers, maxTasksPerChild, tasks, map, kills }) => {
      let pool: ProcessPool | null = null;
      const results: AsyncResult<number>[] = [];
      const callbacks = tasks.map(() => ({ ok: 0, err: 0 }));
      let mapResult: MapResult<number> | null = null;
      let mapCallbacks = 0;
      let killed = 0;
      let readyAfterJoin = false;
      const outcomes: { ok: boolean; value: unknown }[] = [];
      let mapOutcome: { ok: boolean; value: unknown } | null = null;
      function* outcome<R>(r: AsyncResult<R>): ThreadRoutine<{ ok: boolean; value: unknown }> {
        try {
          return { ok: true, value: yield* r.get() };
        } catch (e) {
          return { ok: false, value: e };
        }
      }

      runMain(
        function* (sys) {
          pool = yield* Pool(sys, workers, { maxTasksPerChild });
          // SIGKILLs from outside (as the OOM killer sends them), at random
          // times from now: a worker may be busy, idle, starting or exiting.
          for (const { atUs, worker } of kills) {
            sys.host.sim.schedule(us(atUs), () => {
              const ws = pool!.workers;
              const w = ws[worker % ws.length];
              if (w?.pid != null && w.exitCode === null && sys.host.signal(w.pid, "SIGKILL")) {
                killed++;
              }
            });
          }
          for (let k = 0; k < tasks.length; k++) {
            const { x, workUs, sleep } = tasks[k]!;
            results.push(
              yield* pool.applyAsync(task, [x, workUs, sleep], {
                callback: () => callbacks[k]!.ok++,
                errorCallback: () => callbacks[k]!.err++,
              }),
            );
            if (k === tasks.length >> 1 && map !== null) {
              mapResult = yield* pool.mapAsync(triple, map.items, map.chunksize, {
                callback: () => mapCallbacks++,
                errorCallback: () => mapCallbacks++,
              });
            }
          }
          yield* pool.close();
          yield* pool.join();
          const m = mapResult as MapResult<number> | null;
          readyAfterJoin = results.every((r) => r.ready()) && (m === null || m.ready());
          if (!readyAfterJoin) return;
          for (const r of results) outcomes.push(yield* outcome(r));
          if (m !== null) mapOutcome = yield* outcome(m);
        },
        { seed, cores },
      );

      assert.ok(readyAfterJoin, "a result was still pending after join");
      let lost = 0;
      for (let k = 0; k < tasks.length; k++) {
        const { ok, value } = outcomes[k]!, cb = callbacks[k]!;
        if (ok) {
          assert.equal(value, 3 * tasks[k]!.x + 1, `task ${k}'s value`);
          assert.deepEqual(cb, { ok: 1, err: 0 }, `task ${k}'s callbacks`);
        } else {
          assert.ok(value instanceof WorkerLostError, `task ${k} failed with ${value}`);
          assert.deepEqual(cb, { ok: 0, err: 1 }, `task ${k}'s callbacks`);
          lost++;
        }
      }
      if (map !== null) {
        const { ok, value } = mapOutcome!;
        assert.equal(mapCallbacks, 1, "the map's callbacks");
        if (ok) assert.deepEqual(value, map.items.map((x) => 3 * x + 1), "the map's values");
        else {
          assert.ok(value instanceof WorkerLostError, `the map failed with ${value}`);
          lost++;
        }
      }
      // Without a kill nothing is lost; with kills, at most one task per kill.
      if (killed === 0) assert.equal(lost, 0, "tasks lost though no worker was killed");
      assert.ok(lost <= killed, `${lost} tasks lost for ${killed} kills`);
      assert.ok((pool as ProcessPool | null)!.stats.workersLost <= killed);
    },
    500,
  );
});

// ---- (d) Manager ------------------------------------------------------------

/**
 * Processes that each increment, for every key in their list, `d[key]` and
 * `l[0]` (read, then write back) and append the key to `l`, all under
 * `lock` (an mp Lock, a manager's Lock, or none); returns `d` and `l`.
 */
function updateUnderLock(
  procs: number[][],
  o: { seed: number; cores: number; holdUs: number; lock: "mp" | "manager" | "none" },
): [Map<string, number>, number[]] {
  let dict = new Map<string, number>(), list: number[] = [];
  function* worker(
    sys: Sys,
    d: DictProxy<string, number>,
    l: ListProxy<number>,
    lock: Lock | AcquirerProxy | null,
    keys: number[],
  ): ThreadRoutine<void> {
    for (const k of keys) {
      if (lock !== null) yield* lock.acquire();
      try {
        const v = (yield* d.get(`k${k}`, 0))!;
        // Work inside the critical section widens the window for a lost update.
        if (o.holdUs > 0) yield* sys.compute(us(o.holdUs));
        yield* d.set(`k${k}`, v + 1);
        yield* l.set(0, (yield* l.get(0)) + 1);
        yield* l.append(k);
      } finally {
        if (lock !== null) yield* lock.release();
      }
    }
  }
  runMain(function* (sys) {
    const manager = yield* Manager(sys);
    const d = yield* manager.dict<string, number>();
    const l = yield* manager.list<number>([0]);
    const lock = o.lock === "manager"
      ? yield* manager.lock()
      : o.lock === "mp"
      ? new Lock(sys)
      : null;
    const ps: Process[] = [];
    for (const keys of procs) {
      const p = new Process({ target: worker, args: [d, l, lock, keys] });
      yield* p.start(sys);
      ps.push(p as Process);
    }
    for (const p of ps) yield* p.join();
    for (const p of ps) assert.equal(p.exitCode, 0, p.describe());
    dict = yield* d.copy();
    list = yield* l.copy();
    yield* manager.shutdown();
  }, { seed: o.seed, cores: o.cores, limit: s(60) });
  return [dict, list];
}

Deno.test("Manager: without the lock the same updates are lost (the property can fail)", () => {
  const [dict, list] = updateUnderLock([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]], {
    seed: 1,
    cores: 4,
    holdUs: 50,
    lock: "none",
  });
  // Reads and writes of d["k0"] interleave (the work between them is long).
  assert.ok(dict.get("k0")! < 15, `d["k0"] is ${dict.get("k0")}`);
  // Each append is one call to the server: none is lost.
  assert.equal(list.length, 16);
});

Deno.test("Manager: updates of a dict and a list under a lock give the exact totals", () => {
  assertProperty(
    import.meta.url,
    "Manager: updates of a dict and a list under a lock give the exact totals",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      cores: fc.integer({ min: 1, max: 4 }),
      // Per process, the keys it increments, in order.
      procs: fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 10, size: "medium" }), {
        minLength: 1,
        maxLength: 4,
      }),
      managerLock: fc.boolean(),
      holdUs: fc.integer({ min: 0, max: 100 }),
    }),
    ({ seed, cores, procs, managerLock, holdUs }) => {
      const [dict, list] = updateUnderLock(procs, {
        seed,
        cores,
        holdUs,
        lock: managerLock ? "manager" : "mp",
      });
      const all = procs.flat();
      const expected = new Map<string, number>();
      for (const k of all) expected.set(`k${k}`, (expected.get(`k${k}`) ?? 0) + 1);
      assert.deepEqual(new Map([...dict].sort()), new Map([...expected].sort()));
      assert.equal(list[0], all.length, "the list's counter");
      assert.equal(list.length, 1 + all.length);
      assert.deepEqual(list.slice(1).sort(), [...all].sort());
    },
    200,
  );
});
