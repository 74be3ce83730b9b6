/**
 * `multiprocessing.Pool`: worker processes fed through simple queues by
 * three threads of the parent.
 *
 * @module
 */

import type { Event } from "../kernel/event.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { callerThread, due, nextChildName, owe, oweSyscalls, pay, procState } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { AsyncResult, IMapIterator, type Job, type JobCache, MapResult } from "./async_result.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { EOFError, OSError, ValueError, WorkerLostError } from "./errors.ts";
import { pickle, type Pickled, SHARED, type SharePolicy } from "./pickle.ts";
import {
  type Batch,
  type Kind,
  type PoolOptions,
  type ResultMsg,
  type Task,
  TASK_ENVELOPE,
  type TaskMsg,
  worker,
  WorkerSlot,
} from "./_pool_worker.ts";

export type { PoolOptions, Task } from "./_pool_worker.ts";
import { Process } from "./process.ts";
import { SimpleQueue } from "./simple_queue.ts";

/** Callbacks of the asynchronous methods. */
export interface Callbacks<R> {
  /** Called with the value, in the pool's result-handler thread. */
  readonly callback?: (value: R) => void;
  /** Called with the error. */
  readonly errorCallback?: (error: unknown) => void;
}

/** What the pool has done so far. */
export interface PoolStats {
  /** Tasks sent to workers (a chunk of a map counts once). */
  tasksSent: number;
  /** Task outcomes received. */
  tasksDone: number;
  /** Worker processes started (replacements included). */
  workersStarted: number;
  /** Workers that died while running a task. */
  workersLost: number;
}

/** Checks what a pool is made with (`processes` as given, for the message). */
function checkPoolArgs(sys: unknown, n: unknown, processes: unknown, options: unknown): void {
  if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new ValueError(`Number of processes must be at least 1, not "${String(processes)}"`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid pool options "${String(options)}": expected an object`);
  }
  const { maxTasksPerChild: max, initializer, initargs } = options as PoolOptions;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || max < 1)) {
    throw new ValueError(
      `maxTasksPerChild (maxtasksperchild) must be a positive integer or null, not "${
        String(max)
      }"`,
    );
  }
  if (initializer !== undefined && typeof initializer !== "function") {
    throw new TypeError(
      `Invalid initializer "${String(initializer)}": expected a generator function`,
    );
  }
  if (initargs !== undefined && !Array.isArray(initargs)) {
    throw new TypeError(`Invalid initargs "${String(initargs)}": expected an array`);
  }
}

function listOf(items: Iterable<unknown>): unknown[] {
  if (typeof (items as Iterable<unknown> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Invalid items "${String(items)}": expected an iterable`);
  }
  return [...items];
}

const RUN = 0, CLOSE = 1, TERMINATE = 2;
const STATES = ["RUN", "CLOSE", "TERMINATE"];

interface Worker {
  readonly process: Process<unknown[]>;
  readonly slot: WorkerSlot;
}

/**
 * A pool of worker processes (`multiprocessing.pool.Pool`), made by
 * {@linkcode Pool}. As in CPython: tasks go from the caller into a queue
 * of the parent, a task-handler thread pickles them into the workers'
 * queue (a pipe), each worker takes one, runs it and puts the outcome into
 * the result queue, and a result-handler thread of the parent hands it to
 * its `AsyncResult` (running the callbacks). A worker-handler thread
 * replaces workers that exit (after `maxTasksPerChild` tasks, or killed).
 * Workers are daemonic: a main program that ends without `join` (see
 * `mainProcess`) terminates them, and what they were running is lost.
 *
 * Two departures from CPython, both so that nothing hangs silently: a
 * worker that dies while running a task fails that task's result with
 * `WorkerLostError` (CPython waits forever), and `terminate` fails the
 * results still pending.
 *
 * @example The article's pool: ten tasks of a second on five workers take two seconds
 * ```ts
 * import assert from "node:assert/strict";
 * import { s, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Pool } from "@iosim/iosim/mp";
 * function* run(sys: Sys, i: number) {
 *   sys.print("hello multiprocessing", i);
 *   yield* sys.sleep(s(1));
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const pool = yield* Pool(sys, 5);
 *   for (let i = 0; i < 10; i++) yield* pool.applyAsync(run, [i]);
 *   yield* pool.close();
 *   yield* pool.join();
 * });
 * sim.run();
 * assert.equal(sim.output.length, 10);
 * assert.ok(sim.now > s(2) && sim.now < s(2.1));
 * ```
 */
export class ProcessPool implements JobCache {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** The simulation. */
  readonly sim: Simulation;
  /** The host. */
  readonly host: Host;
  /** How many workers it keeps. */
  readonly processes: number;
  /** What it has done so far. */
  readonly stats: PoolStats = { tasksSent: 0, tasksDone: 0, workersStarted: 0, workersLost: 0 };
  readonly #costs: MpCosts;
  readonly #options: PoolOptions;
  readonly #inqueue: SimpleQueue<TaskMsg | null>;
  readonly #outqueue: SimpleQueue<ResultMsg | null>;
  // The pending jobs by id: ids are consecutive, so an array from #jobBase,
  // emptied whenever no job is pending.
  #jobs: (Job | undefined)[] = [];
  #jobBase = 0;
  #pendingJobs = 0;
  #taskqueue: (TaskMsg | Batch | null)[] = [];
  #taskHead = 0;
  readonly #taskWait: WaitQueue;
  readonly #workers: Worker[] = [];
  #owner: Thread | null = null;
  #changed: Event<unknown>;
  #state = RUN;
  #taskHandlerState = RUN;
  #resultHandlerState = RUN;
  #handlers: Thread[] = [];
  #cancelFinalizer: (() => void) | null = null;
  #nextJob = 0;

  /**
   * Makes a pool that has no workers yet; {@linkcode Pool} makes and
   * starts one.
   *
   * @param sys The parent thread's system calls.
   * @param processes How many workers.
   * @param options Initializer, its arguments, tasks per worker.
   * @throws {TypeError} If `sys` is not a `Sys`, `options` not an object, the
   *   initializer not a function or its arguments not an array.
   * @throws {ValueError} If `processes` or `maxTasksPerChild` is not a positive integer.
   */
  constructor(sys: Sys, processes: number, options: PoolOptions) {
    checkPoolArgs(sys, processes, processes, options);
    this.sim = sys.host.sim;
    this.host = sys.host;
    this.processes = processes;
    this.#costs = mpCosts(sys.host);
    this.#options = options;
    this.#inqueue = new SimpleQueue(sys);
    this.#outqueue = new SimpleQueue(sys);
    this.#taskWait = new WaitQueue(
      this.sim,
      "pool task handler waits for tasks",
      this.#costs.futexNs,
    );
    this.#changed = this.sim.event("pool change");
  }

  /** `"RUN"`, `"CLOSE"` or `"TERMINATE"`. */
  get state(): string {
    return STATES[this.#state]!;
  }

  /** The worker processes now. */
  get workers(): Process<unknown[]>[] {
    return this.#workers.map((w) => w.process);
  }

  /** Jobs not finished. */
  get pending(): number {
    return this.#pendingJobs;
  }

  /**
   * Starts the workers and the three handler threads; {@linkcode Pool}
   * calls it.
   *
   * @param sys The parent thread's system calls.
   * @returns The operation, for `yield*`.
   */
  *start(sys: Sys): ThreadRoutine<void> {
    this.#owner = sys.thread;
    yield* this.#repopulate(sys);
    for (
      const [name, body] of [
        ["worker handler", (s: Sys) => this.#handleWorkers(s)],
        ["task handler", (s: Sys) => this.#handleTasks(s)],
        ["result handler", (s: Sys) => this.#handleResults(s)],
      ] as const
    ) {
      const th = yield* sys.spawnThread(name, body);
      th.task.daemon = true;
      this.#handlers.push(th);
    }
    this.#cancelFinalizer = procState(sys.process).finalize(
      15,
      (s) => this.#terminatePool(s.thread),
    );
  }

  // ---- submitting ------------------------------------------------------

  /**
   * Runs `fn(...args)` in a worker and waits for its value (`apply`).
   *
   * @typeParam A The arguments.
   * @typeParam R The value.
   * @param fn The task.
   * @param args Its arguments (pickled).
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {ValueError} If the pool is not running.
   * @throws The task's error.
   */
  *apply<A extends unknown[], R>(fn: Task<A, R>, args: A = [] as unknown as A): ThreadRoutine<R> {
    return yield* (yield* this.applyAsync(fn, args)).get();
  }

  /**
   * Submits `fn(...args)` and returns at once with its `AsyncResult`
   * (`apply_async`).
   *
   * @typeParam A The arguments.
   * @typeParam R The value.
   * @param fn The task.
   * @param args Its arguments (pickled by the task handler: an argument
   *   that cannot be pickled fails the result).
   * @param callbacks Called with the value or the error.
   * @returns The operation, for `yield*`; it gives the result.
   * @throws {ValueError} If the pool is not running.
   * @throws {TypeError} If `fn` is not a function, `args` not an array, or a
   *   callback not a function.
   */
  *applyAsync<A extends unknown[], R>(
    fn: Task<A, R>,
    args: A = [] as unknown as A,
    callbacks: Callbacks<R> = {},
  ): ThreadRoutine<AsyncResult<R>> {
    const t = this.#submitter("apply_async", fn, callbacks);
    if (!Array.isArray(args)) {
      throw new TypeError(`Invalid args "${String(args)}": expected an array`);
    }
    const result = new AsyncResult<R>(this, callbacks.callback, callbacks.errorCallback);
    yield* this.#submit(t, [result.job, 0, fn as Task<unknown[], unknown>, args, 0]);
    return result;
  }

  /**
   * `fn` applied to every item, in order (`map`): the items go to the
   * workers in chunks.
   *
   * @typeParam T An item.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The items.
   * @param chunksize Items per task (default: about a quarter of the items per worker).
   * @returns The operation, for `yield*`; it gives the values.
   * @throws {ValueError} If the pool is not running, or `chunksize` is given and is not
   *   an integer >= 1.
   * @throws The first task error.
   */
  *map<T, R>(fn: Task<[T], R>, items: Iterable<T>, chunksize?: number): ThreadRoutine<R[]> {
    return yield* (yield* this.mapAsync(fn, items, chunksize)).get();
  }

  /**
   * `map` without waiting: returns a `MapResult`.
   *
   * @typeParam T An item.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The items.
   * @param chunksize Items per task.
   * @param callbacks Called with the values or the first error.
   * @returns The operation, for `yield*`; it gives the result.
   * @throws {ValueError} If the pool is not running.
   */
  *mapAsync<T, R>(
    fn: Task<[T], R>,
    items: Iterable<T>,
    chunksize?: number,
    callbacks: Callbacks<R[]> = {},
  ): ThreadRoutine<MapResult<R>> {
    return (yield* this.#mapAsync(
      "map_async",
      fn as Task<unknown[], unknown>,
      items,
      chunksize,
      1,
      callbacks as Callbacks<unknown[]>,
    )) as unknown as MapResult<R>;
  }

  /**
   * `fn(...args)` for every argument list, in order (`starmap`).
   *
   * @typeParam A The arguments of one call.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The argument lists.
   * @param chunksize Calls per task.
   * @returns The operation, for `yield*`; it gives the values.
   * @throws {ValueError} If the pool is not running.
   * @throws The first task error.
   */
  *starmap<A extends unknown[], R>(
    fn: Task<A, R>,
    items: Iterable<A>,
    chunksize?: number,
  ): ThreadRoutine<R[]> {
    return yield* (yield* this.starmapAsync(fn, items, chunksize)).get();
  }

  /**
   * `starmap` without waiting.
   *
   * @typeParam A The arguments of one call.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The argument lists.
   * @param chunksize Calls per task.
   * @param callbacks Called with the values or the first error.
   * @returns The operation, for `yield*`; it gives the result.
   * @throws {ValueError} If the pool is not running.
   */
  *starmapAsync<A extends unknown[], R>(
    fn: Task<A, R>,
    items: Iterable<A>,
    chunksize?: number,
    callbacks: Callbacks<R[]> = {},
  ): ThreadRoutine<MapResult<R>> {
    return (yield* this.#mapAsync(
      "starmap_async",
      fn as Task<unknown[], unknown>,
      items,
      chunksize,
      2,
      callbacks as Callbacks<unknown[]>,
    )) as unknown as MapResult<R>;
  }

  /**
   * `fn` over the items, as an iterator of values in order (`imap`).
   *
   * @typeParam T An item.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The items.
   * @param chunksize Items per task (default 1).
   * @returns The operation, for `yield*`; it gives the iterator.
   * @throws {ValueError} If the pool is not running, or `chunksize` < 1.
   */
  *imap<T, R>(fn: Task<[T], R>, items: Iterable<T>, chunksize = 1): ThreadRoutine<IMapIterator<R>> {
    return (yield* this.#imap(
      fn as Task<unknown[], unknown>,
      items,
      chunksize,
      true,
    )) as unknown as IMapIterator<R>;
  }

  /**
   * `fn` over the items, as an iterator of values in the order they finish
   * (`imap_unordered`).
   *
   * @typeParam T An item.
   * @typeParam R Its value.
   * @param fn The task.
   * @param items The items.
   * @param chunksize Items per task (default 1).
   * @returns The operation, for `yield*`; it gives the iterator.
   * @throws {ValueError} If the pool is not running, or `chunksize` < 1.
   */
  *imapUnordered<T, R>(
    fn: Task<[T], R>,
    items: Iterable<T>,
    chunksize = 1,
  ): ThreadRoutine<IMapIterator<R>> {
    return (yield* this.#imap(
      fn as Task<unknown[], unknown>,
      items,
      chunksize,
      false,
    )) as unknown as IMapIterator<R>;
  }

  // ---- ending ----------------------------------------------------------

  /**
   * Accepts no more tasks; the workers exit once the submitted ones are done.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    const t = callerThread(this.sim, this.host, "close the pool");
    if (this.#state === RUN) {
      this.#state = CLOSE;
      yield* this.#notifyChange(t);
    }
  }

  /**
   * Waits for the workers to exit (after `close` or `terminate`): this is
   * what keeps a script alive until its tasks are done.
   *
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If the pool is still running (call `close` first).
   */
  *join(): ThreadRoutine<void> {
    const t = callerThread(this.sim, this.host, "join the pool");
    if (this.#state === RUN) {
      throw new ValueError("Pool is still running: close() or terminate() it first");
    }
    for (const th of this.#handlers) yield* t.sys.joinThread(th);
    for (const w of this.#workers) yield* w.process.join();
  }

  /**
   * Stops the workers at once (SIGTERM), whatever they are doing; results
   * still pending fail with `WorkerLostError`.
   *
   * @returns The operation, for `yield*`.
   */
  *terminate(): ThreadRoutine<void> {
    const t = callerThread(this.sim, this.host, "terminate the pool");
    this.#cancelFinalizer?.();
    this.#cancelFinalizer = null;
    yield* this.#terminatePool(t);
  }

  /**
   * Describes the pool for messages.
   *
   * @returns e.g. `Pool(4)`.
   */
  describe(): string {
    return `Pool(${this.processes})`;
  }

  // ---- JobCache ----------------------------------------------------------

  /** @ignore */
  register(job: Job): number {
    const id = this.#nextJob++;
    this.#jobs[id - this.#jobBase] = job;
    this.#pendingJobs++;
    return id;
  }

  /** @ignore */
  finished(id: number): void {
    const k = id - this.#jobBase;
    if (this.#jobs[k] === undefined) return;
    this.#jobs[k] = undefined;
    if (--this.#pendingJobs > 0) return;
    this.#jobs = [];
    this.#jobBase = this.#nextJob;
    if (!this.#changed.triggered) {
      this.#changed.succeed();
    }
  }

  // ---- internals -----------------------------------------------------------

  #job(id: number): Job | undefined {
    return this.#jobs[id - this.#jobBase];
  }

  #submitter(what: string, fn: unknown, callbacks: Callbacks<never> = {}): Thread {
    const t = callerThread(this.sim, this.host, what, this);
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid task "${String(fn)}": expected a generator function`);
    }
    // A bad callback would otherwise fail in the result handler thread, later.
    if (callbacks === null || typeof callbacks !== "object") {
      throw new TypeError(`Invalid callbacks "${String(callbacks)}": expected an object`);
    }
    for (const key of ["callback", "errorCallback"] as const) {
      const f: unknown = callbacks[key];
      if (f !== undefined && typeof f !== "function") {
        throw new TypeError(`Invalid ${key} "${String(f)}": expected a function`);
      }
    }
    if (this.#state !== RUN) throw new ValueError("Pool not running");
    return t;
  }

  *#submit(t: Thread, batch: TaskMsg | Batch): ThreadRoutine<void> {
    owe(t, this.#costs.poolTaskNs);
    this.#taskqueue.push(batch);
    if (this.#taskWait.size > 0) {
      if (t.pending) yield* pay(t);
      this.#taskWait.wakeOne(t);
    }
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
  }

  *#mapAsync(
    what: string,
    fn: Task<unknown[], unknown>,
    items: Iterable<unknown>,
    chunksize: number | undefined,
    kind: Kind,
    callbacks: Callbacks<unknown[]>,
  ): ThreadRoutine<MapResult<unknown>> {
    const t = this.#submitter(what, fn, callbacks);
    const list = listOf(items);
    let size = chunksize ?? Math.ceil(list.length / (this.#workers.length * 4));
    // An explicit 0 is refused too (CPython returns a list of None without running anything).
    if (!Number.isSafeInteger(size) || size < (chunksize == null ? 0 : 1)) {
      throw new ValueError(`Chunksize must be 1+, not "${String(chunksize)}"`);
    }
    if (list.length === 0) size = 0;
    const result = new MapResult<unknown>(
      this,
      size,
      list.length,
      callbacks.callback,
      callbacks.errorCallback,
    );
    const tasks: TaskMsg[] = [];
    for (let i = 0; size > 0 && i * size < list.length; i++) {
      tasks.push([result.job, i, fn, list.slice(i * size, (i + 1) * size), kind]);
    }
    if (tasks.length > 0) yield* this.#submit(t, { tasks, setLength: null });
    return result;
  }

  *#imap(
    fn: Task<unknown[], unknown>,
    items: Iterable<unknown>,
    chunksize: number,
    ordered: boolean,
  ): ThreadRoutine<IMapIterator<unknown>> {
    const t = this.#submitter(ordered ? "imap" : "imap_unordered", fn);
    if (!Number.isSafeInteger(chunksize) || chunksize < 1) {
      throw new ValueError(`Chunksize must be 1+, not "${String(chunksize)}"`);
    }
    const list = listOf(items);
    const it = new IMapIterator<unknown>(this, ordered, chunksize > 1);
    const tasks: TaskMsg[] = [];
    for (let i = 0; i * chunksize < list.length; i++) {
      tasks.push(
        chunksize === 1
          ? [it.job, i, fn, [list[i]], 0]
          : [it.job, i, fn, list.slice(i * chunksize, (i + 1) * chunksize), 1],
      );
    }
    yield* this.#submit(t, { tasks, setLength: (n) => it._setLength(n) });
    return it;
  }

  /** The next batch of the task queue (a FIFO with a moving head). */
  #takeBatch(): TaskMsg | Batch | null {
    const q = this.#taskqueue;
    const batch = q[this.#taskHead]!;
    q[this.#taskHead++] = null;
    if (this.#taskHead === q.length) {
      this.#taskqueue = [];
      this.#taskHead = 0;
    } else if (this.#taskHead > 1024 && this.#taskHead * 2 > q.length) {
      this.#taskqueue = q.slice(this.#taskHead);
      this.#taskHead = 0;
    }
    return batch;
  }

  *#notifyChange(t: Thread): ThreadRoutine<void> {
    // CPython writes to the change notifier's pipe.
    oweSyscalls(t, "write", 1, t.costs.unixSendNs);
    if (t.pending) yield* pay(t);
    if (!this.#changed.triggered) this.#changed.succeed();
  }

  *#repopulate(sys: Sys): ThreadRoutine<void> {
    while (this.#workers.length < this.processes) {
      const slot = new WorkerSlot();
      const p = new Process({
        target: worker,
        args: [this.#inqueue, this.#outqueue, slot, this.#options],
        name: nextChildName(sys.process, "ForkPoolWorker"),
        daemon: true,
      });
      yield* p.start(sys);
      // A worker killed while it waits for a task holds the task queue's
      // read lock (or, writing a result, the result queue's write lock):
      // freed as it dies, as the kernel frees a robust futex, or no other
      // worker would read again (CPython's pool hangs for ever there).
      const os = p.osProcess!;
      os.exited.on(() => {
        this.#inqueue._ownerDied(os);
        this.#outqueue._ownerDied(os);
      });
      this.#workers.push({ process: p as unknown as Process<unknown[]>, slot });
      this.stats.workersStarted++;
    }
  }

  /** Reaps workers that exited; fails the task a dead one was running. */
  *#joinExitedWorkers(): ThreadRoutine<boolean> {
    let cleaned = false;
    for (let k = this.#workers.length - 1; k >= 0; k--) {
      const w = this.#workers[k]!;
      const code = w.process.exitCode;
      if (code === null) continue;
      yield* w.process.join();
      if (w.slot.job >= 0) {
        this.stats.workersLost++;
        const job = this.#job(w.slot.job);
        const err = new WorkerLostError(
          `Worker "${w.process.name}" (pid ${w.process.pid}) exited with code ${code} while running task ${w.slot.i} of job #${w.slot.job}`,
          code,
        );
        if (job !== undefined) job._set(w.slot.i, false, err);
        w.slot.job = -1;
      }
      this.#workers.splice(k, 1);
      cleaned = true;
    }
    return cleaned;
  }

  *#handleWorkers(sys: Sys): ThreadRoutine<void> {
    const t = sys.thread;
    for (;;) {
      // Take the notifications first: one that comes while workers are
      // being replaced then ends the wait below at once (CPython's change
      // notifier is a pipe, which keeps them).
      if (this.#changed.triggered) this.#changed = this.sim.event("pool change");
      if (!(this.#state === RUN || (this.#pendingJobs > 0 && this.#state !== TERMINATE))) break;
      if (yield* this.#joinExitedWorkers()) {
        if (this.#state !== TERMINATE) yield* this.#repopulate(sys);
      }
      const events = [this.#changed, ...this.#workers.map((w) => w.process.osProcess!.exited)];
      yield* t.waitEvent(this.sim.anyOf(events));
    }
    yield* this.#joinExitedWorkers();
    this.#taskqueue.push(null);
    if (t.pending) yield* pay(t);
    this.#taskWait.wakeOne(t);
  }

  *#handleTasks(sys: Sys): ThreadRoutine<void> {
    const t = sys.thread;
    for (;;) {
      while (this.#taskHead === this.#taskqueue.length) yield* this.#taskWait.wait(t);
      const batch = this.#takeBatch();
      if (batch === null) break;
      if (Array.isArray(batch)) {
        if (!(yield* this.#sendTask(t, batch))) return;
        continue;
      }
      let sent = 0;
      for (const task of batch.tasks) {
        if (this.#taskHandlerState !== RUN) break;
        if (!(yield* this.#sendTask(t, task))) return;
        sent++;
      }
      if (this.#taskHandlerState !== RUN) break;
      batch.setLength?.(sent);
    }
    // Tell the result handler to finish, and every worker to exit.
    try {
      yield* this.#outqueue.put(null);
      for (let k = 0; k < this.#workers.length; k++) yield* this.#inqueue._send(t, null, 1, 1);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
    }
  }

  /**
   * Pickles a task's arguments (what is inside the envelope; an argument
   * that cannot be pickled fails the task) and sends it to the workers.
   * Returns false when the workers' queue is closed.
   */
  *#sendTask(t: Thread, task: TaskMsg): ThreadRoutine<boolean> {
    if (this.#taskHandlerState !== RUN) return true;
    let a: Pickled;
    try {
      a = pickle(task[3]);
    } catch (e) {
      this.#job(task[0])?._set(task[1], false, e);
      return true;
    }
    task[3] = a.value;
    try {
      yield* this.#inqueue._send(
        t,
        task,
        a.bytes + TASK_ENVELOPE + task[2].name.length,
        a.items + 4,
      );
    } catch (e) {
      if (e instanceof OSError) return false;
      throw e;
    }
    this.stats.tasksSent++;
    return true;
  }

  *#handleResults(sys: Sys): ThreadRoutine<void> {
    const t = sys.thread, costs = this.#costs;
    let sentinel = false;
    while (!sentinel || (this.#pendingJobs > 0 && this.#resultHandlerState !== TERMINATE)) {
      let msg: ResultMsg | null;
      try {
        msg = yield* this.#outqueue._recv(t);
      } catch (e) {
        if (e instanceof EOFError || e instanceof OSError) return;
        throw e;
      }
      if (this.#resultHandlerState === TERMINATE) return;
      if (msg === null) {
        sentinel = true;
        continue;
      }
      owe(t, costs.poolTaskNs);
      this.stats.tasksDone++;
      this.#job(msg[0])?._set(msg[1], msg[2], msg[3]);
      if (due(t, costs.lazyFlushNs)) yield* pay(t);
    }
  }

  /** CPython's `_terminate_pool`, in the pool's own process. */
  *#terminatePool(t: Thread): ThreadRoutine<void> {
    if (this.#taskHandlerState === TERMINATE) return;
    this.#state = TERMINATE;
    this.#taskHandlerState = TERMINATE;
    this.#taskqueue = [];
    this.#taskHead = 0;
    yield* this.#notifyChange(t);
    // The result handler's sentinel goes first, while the workers still run
    // (one of them may hold the result queue's write lock).
    this.#resultHandlerState = TERMINATE;
    yield* this.#outqueue.put(null);
    const [workerHandler, taskHandler, resultHandler] = this.#handlers;
    yield* t.sys.joinThread(workerHandler!);
    for (const w of this.#workers) if (w.process.exitCode === null) yield* w.process.terminate();
    // Make room in the workers' queue, in case the task handler waits to write.
    while (!taskHandler!.done && this.#inqueue._readable()) yield* this.#inqueue._recv(t);
    yield* t.sys.joinThread(taskHandler!);
    yield* t.sys.joinThread(resultHandler!);
    for (const w of this.#workers) yield* w.process.join();
    const lost = new WorkerLostError("the pool was terminated before the task finished");
    for (const job of this.#jobs.filter((j) => j !== undefined)) job._fail(lost);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<multiprocessing.pool.Pool state=${this.state} pool_size=${this.#workers.length}>`;
  }
}

/**
 * Makes a pool of `processes` workers and starts them
 * (`multiprocessing.Pool(processes)`), with the parent's three handler
 * threads. The parent's exit handling terminates the pool if it is still
 * there (see `mainProcess`).
 *
 * @example Pool(0) is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Pool } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   try {
 *     yield* Pool(sys, 0);
 *   } catch (e) {
 *     sys.print((e as Error).message);
 *   }
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, 'Number of processes must be at least 1, not "0"');
 * ```
 *
 * @typeParam A The initializer's arguments.
 * @param sys The parent thread's system calls.
 * @param processes How many workers (default: the host's cores, as `os.cpu_count()`).
 * @param options Initializer, its arguments, tasks per worker.
 * @returns The operation, for `yield*`; it gives the started pool.
 * @throws {ValueError} If `processes` < 1 or `maxTasksPerChild` is not a positive integer.
 * @throws {TypeError} If `sys` is not a `Sys`, `options` not an object, the initializer
 *   not a function, or its arguments not an array.
 */
export function* Pool<A extends unknown[] = unknown[]>(
  sys: Sys,
  processes?: number | null,
  options: PoolOptions<A> = {},
): ThreadRoutine<ProcessPool> {
  if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
  const n = processes ?? sys.host.cpu.cores;
  checkPoolArgs(sys, n, processes, options);
  const pool = new ProcessPool(sys, n, options as unknown as PoolOptions);
  yield* pool.start(sys);
  return pool;
}
