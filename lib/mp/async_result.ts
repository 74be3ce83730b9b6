/**
 * The results of pool tasks: `AsyncResult`, `MapResult` and the iterators
 * of `imap` and `imapUnordered`.
 *
 * @module
 */

import { TimeoutError } from "../kernel/errors.ts";
import type { Event } from "../kernel/event.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { callerThread, checkTimeout } from "./_context.ts";
import { ValueError } from "./errors.ts";

/** A task's outcome as a worker reports it: success and value (or error). */
export type Outcome = readonly [boolean, unknown];

/** What results need of their pool. */
export interface JobCache {
  /** The simulation. */
  readonly sim: Simulation;
  /** The pool's host. */
  readonly host: Host;
  /** Files a job in the cache and returns its id. */
  register(job: Job): number;
  /** Removes a finished job from the cache. */
  finished(id: number): void;
}

function checkCache(cache: unknown): void {
  if (typeof (cache as JobCache | null)?.register !== "function") {
    throw new TypeError(`Invalid job cache "${String(cache)}": expected a pool`);
  }
}

/** A pending job: the result handler reports its tasks' outcomes. */
export interface Job {
  /** The job's id. */
  readonly job: number;
  /** Records the outcome of task `i`: its value, or its error. */
  _set(i: number, ok: boolean, value: unknown): void;
  /** Fails what is still pending (a worker died, the pool was terminated). */
  _fail(error: Error): void;
}

/**
 * The result of `applyAsync` (CPython's `ApplyResult`): `get` waits for
 * it and returns the value or throws the task's error; `ready`,
 * `successful` and `wait` look without taking it. Callbacks run in the
 * pool's result-handler thread, as in CPython.
 *
 * @typeParam R The task's value.
 *
 * @example A task's error reaches the caller
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Pool } from "@iosim/iosim/mp";
 * function* boom(_sys: Sys, n: number): Generator<never, number> {
 *   throw new RangeError(`bad ${n}`);
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const pool = yield* Pool(sys, 2);
 *   const r = yield* pool.applyAsync(boom, [7]);
 *   try {
 *     yield* r.get();
 *   } catch (e) {
 *     sys.print((e as Error).name, (e as Error).message, r.successful());
 *   }
 *   yield* pool.terminate();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "RangeError bad 7 false");
 * ```
 */
export class AsyncResult<R = unknown> implements Job {
  /** The job's id in its pool. */
  readonly job: number;
  readonly #cache: JobCache;
  readonly #callback: ((value: R) => void) | undefined;
  readonly #errorCallback: ((error: unknown) => void) | undefined;
  #event: Event<unknown> | null = null;
  #ready = false;
  #success = false;
  #value: unknown = undefined;

  /**
   * Makes a pending result; pools make them.
   *
   * @param cache The pool's job cache.
   * @param callback Called with the value on success.
   * @param errorCallback Called with the error on failure.
   * @throws {TypeError} If `cache` is not a pool.
   */
  constructor(
    cache: JobCache,
    callback?: (value: R) => void,
    errorCallback?: (error: unknown) => void,
  ) {
    checkCache(cache);
    this.#cache = cache;
    this.#callback = callback;
    this.#errorCallback = errorCallback;
    this.job = cache.register(this);
  }

  /**
   * Whether the task has finished.
   *
   * @returns Whether it is ready.
   */
  ready(): boolean {
    return this.#ready;
  }

  /**
   * Whether the task finished without an error.
   *
   * @returns Whether it succeeded.
   * @throws {ValueError} If it is not ready.
   */
  successful(): boolean {
    if (!this.#ready) throw new ValueError(`AsyncResult #${this.job} not ready`);
    return this.#success;
  }

  /**
   * Waits until the task has finished, or `timeout` runs out.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`.
   * @throws {RangeError} If `timeout` is negative.
   */
  *wait(timeout?: number | null): ThreadRoutine<void> {
    const limit = checkTimeout("wait", timeout);
    const t = callerThread(this.#cache.sim, this.#cache.host, "wait for", this);
    if (this.#ready) return;
    if (limit === 0) return;
    const ev = this.#event ??= this.#cache.sim.event(`result of job #${this.job}`);
    try {
      yield* t.waitEvent(ev, limit);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
  }

  /**
   * Waits for the value and returns it, or throws the task's error.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {TimeoutError} If the task has not finished in time.
   * @throws The task's error, if it failed.
   */
  *get(timeout?: number | null): ThreadRoutine<R> {
    yield* this.wait(timeout);
    if (!this.#ready) {
      throw new TimeoutError(`job #${this.job} did not finish within ${String(timeout)} ns`);
    }
    if (!this.#success) throw this.#value;
    return this.#value as R;
  }

  /**
   * Describes the result for messages.
   *
   * @returns e.g. `job #3`.
   */
  describe(): string {
    return `job #${this.job}`;
  }

  /** @ignore */
  _set(_i: number, ok: boolean, value: unknown): void {
    this._settle(ok, value);
  }

  /** @ignore */
  _fail(error: Error): void {
    if (!this.#ready) this._settle(false, error);
  }

  /** @ignore Makes the result ready: callbacks, waiters, the cache. */
  _settle(ok: boolean, value: unknown): void {
    this.#success = ok;
    this.#value = value;
    this.#ready = true;
    if (ok) this.#callback?.(value as R);
    else this.#errorCallback?.(value);
    this.#event?.succeed();
    this.#cache.finished(this.job);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<AsyncResult #${this.job} ${
      this.#ready ? (this.#success ? "success" : "failed") : "pending"
    }>`;
  }
}

/**
 * The result of `mapAsync` and `starmapAsync`: the values of every chunk
 * in order, or the first error (reported once every chunk is back).
 *
 * @typeParam R The value of one item.
 *
 * @example Chunks come back in order
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Pool } from "@iosim/iosim/mp";
 * function* square(_sys: Sys, x: number) {
 *   return x * x;
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const pool = yield* Pool(sys, 2);
 *   const r = yield* pool.mapAsync(square, [1, 2, 3, 4, 5], 2);
 *   sys.print(yield* r.get());
 *   yield* pool.terminate();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "[1,4,9,16,25]");
 * ```
 */
export class MapResult<R = unknown> extends AsyncResult<R[]> {
  readonly #chunksize: number;
  readonly #values: R[];
  #left: number;
  #error: unknown = undefined;
  #failed = false;

  /**
   * Makes a pending map result; pools make them.
   *
   * @param cache The pool's job cache.
   * @param chunksize Items per task.
   * @param length How many items.
   * @param callback Called with all the values on success.
   * @param errorCallback Called with the first error.
   * @throws {TypeError} If `cache` is not a pool.
   */
  constructor(
    cache: JobCache,
    chunksize: number,
    length: number,
    callback?: (value: R[]) => void,
    errorCallback?: (error: unknown) => void,
  ) {
    super(cache, callback, errorCallback);
    this.#chunksize = chunksize;
    this.#values = new Array(length);
    this.#left = chunksize <= 0 ? 0 : Math.ceil(length / chunksize);
    if (this.#left === 0) this._settle(true, this.#values);
  }

  /** @ignore */
  override _set(i: number, ok: boolean, value: unknown): void {
    this.#left--;
    if (ok && !this.#failed) {
      const chunk = value as R[];
      for (let k = 0; k < chunk.length; k++) this.#values[i * this.#chunksize + k] = chunk[k]!;
    } else if (!ok && !this.#failed) {
      this.#failed = true;
      this.#error = value;
    }
    if (this.#left === 0) {
      if (this.#failed) this._settle(false, this.#error);
      else this._settle(true, this.#values);
    }
  }
}

/**
 * The iterator `imap` and `imapUnordered` return: `next` waits for the
 * next value (in order, or as they finish) and gives `{ done, value }`.
 *
 * @typeParam R The value of one item.
 *
 * @example Values in order
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Pool } from "@iosim/iosim/mp";
 * function* double(_sys: Sys, x: number) {
 *   return 2 * x;
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const pool = yield* Pool(sys, 2);
 *   const it = yield* pool.imap(double, [1, 2, 3]);
 *   const out = [];
 *   for (let r = yield* it.next(); !r.done; r = yield* it.next()) out.push(r.value);
 *   sys.print(out);
 *   yield* pool.terminate();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "[2,4,6]");
 * ```
 */
export class IMapIterator<R = unknown> implements Job {
  /** The job's id in its pool. */
  readonly job: number;
  readonly #cache: JobCache;
  readonly #ordered: boolean;
  readonly #chunked: boolean;
  readonly #items: Outcome[] = [];
  readonly #unsorted = new Map<number, Outcome>();
  #flat: unknown[] = [];
  #index = 0;
  #length: number | null = null;
  #event: Event<unknown> | null = null;

  /**
   * Makes the iterator; pools make them.
   *
   * @param cache The pool's job cache.
   * @param ordered Whether values come in the order of the items.
   * @param chunked Whether each task's value is a list of values.
   * @throws {TypeError} If `cache` is not a pool.
   */
  constructor(cache: JobCache, ordered: boolean, chunked: boolean) {
    checkCache(cache);
    this.#cache = cache;
    this.#ordered = ordered;
    this.#chunked = chunked;
    this.job = cache.register(this);
  }

  /**
   * Waits for the next value.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the next value, or `done`.
   * @throws {TimeoutError} If none came in time.
   * @throws The task's error, if it failed.
   */
  *next(timeout?: number | null): ThreadRoutine<IteratorResult<R, undefined>> {
    const limit = checkTimeout("next", timeout);
    if (this.#flat.length > 0) return { done: false, value: this.#flat.shift() as R };
    const t = callerThread(this.#cache.sim, this.#cache.host, "iterate", this);
    if (this.#items.length === 0 && this.#index !== this.#length && limit !== 0) {
      const ev = this.#event ??= this.#cache.sim.event(`next result of job #${this.job}`);
      try {
        yield* t.waitEvent(ev, limit);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
    }
    const item = this.#items.shift();
    if (item === undefined) {
      if (this.#index === this.#length) return { done: true, value: undefined };
      throw new TimeoutError(`no result of job #${this.job} within ${String(timeout)} ns`);
    }
    const [ok, value] = item;
    if (!ok) throw value;
    if (!this.#chunked) return { done: false, value: value as R };
    this.#flat = [...(value as unknown[])];
    return yield* this.next(timeout);
  }

  /**
   * Describes the iterator for messages.
   *
   * @returns e.g. `job #3`.
   */
  describe(): string {
    return `job #${this.job}`;
  }

  /** @ignore */
  _set(i: number, ok: boolean, value: unknown): void {
    const outcome: Outcome = [ok, value];
    if (!this.#ordered || this.#index === i) {
      this.#items.push(outcome);
      this.#index++;
      while (this.#ordered && this.#unsorted.has(this.#index)) {
        this.#items.push(this.#unsorted.get(this.#index)!);
        this.#unsorted.delete(this.#index++);
      }
      this.#notify();
    } else {
      this.#unsorted.set(i, outcome);
    }
    if (this.#index === this.#length) this.#cache.finished(this.job);
  }

  /** @ignore How many tasks there are, once the task handler has sent them all. */
  _setLength(n: number): void {
    this.#length = n;
    if (this.#index === n) {
      this.#notify();
      this.#cache.finished(this.job);
    }
  }

  /** @ignore */
  _fail(error: Error): void {
    this.#items.push([false, error]);
    this.#length = this.#index = -1;
    this.#notify();
    this.#cache.finished(this.job);
  }

  #notify(): void {
    const ev = this.#event;
    if (ev !== null) {
      this.#event = null;
      ev.succeed();
    }
  }
}
