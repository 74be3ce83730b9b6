/**
 * The semaphore in shared memory behind every multiprocessing lock.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import {
  callerThread,
  checkTimeout,
  currentThread,
  due,
  objectId,
  owe,
  oweSyscalls,
  pay,
} from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { ProcessError, ValueError } from "./errors.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";

/** The two kinds of CPython's `_multiprocessing.SemLock`. */
export type SemLockKind = "semaphore" | "recursive";

/**
 * A semaphore in memory shared by the processes of a host, as CPython's
 * `SemLock` (a POSIX `sem_t`, futex-based in glibc): acquiring a free one
 * is an atomic operation in user space; acquiring a taken one makes a
 * futex wait and blocks the thread until a release wakes it (then it tries
 * again: a thread that comes meanwhile may take it first). It is shared,
 * not copied, when passed to a child, and a process that dies holding it
 * leaves it held, as in CPython. `Lock`, `RLock`, `Semaphore` and
 * `BoundedSemaphore` are made from it.
 *
 * @example A semaphore counts
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { SemLock } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const sem = new SemLock(sys, "semaphore", 2, Infinity);
 *   yield* sem.acquire();
 *   yield* sem.acquire();
 *   sys.print(yield* sem.acquire(false), sem.getValue());
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "false 0");
 * ```
 */
export class SemLock {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** The semaphore's kind. */
  readonly kind: SemLockKind;
  /** The most its value may reach (release beyond it raises `ValueError`). */
  readonly maxValue: number;
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #id: number;
  readonly #waiters: WaitQueue;
  #value: number;
  #owner: Thread | null = null;
  #count = 0;

  /**
   * Makes a semaphore in shared memory (sem_open).
   *
   * @param sys The creating thread's system calls.
   * @param kind `"semaphore"` or `"recursive"` (a recursive mutex).
   * @param value The initial value.
   * @param maxValue The highest value a release may reach.
   * @throws {ValueError} If `value` is negative.
   * @throws {TypeError} If `sys` is not a `Sys`, or `value` or `maxValue` is not a number.
   * @throws {RangeError} If `kind` is unknown, `value` is not a whole number, or
   *   `maxValue` is NaN or negative.
   */
  constructor(sys: Sys, kind: SemLockKind, value: number, maxValue: number) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    if (kind !== "semaphore" && kind !== "recursive") {
      throw new RangeError(
        `Invalid semaphore kind "${String(kind)}": expected "semaphore" or "recursive"`,
      );
    }
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`Invalid semaphore value "${String(value)}": expected an integer`);
    }
    if (value < 0) throw new ValueError(`semaphore initial value must be >= 0, not "${value}"`);
    // CPython takes a C int: 1.5 is a TypeError there, and Infinity cannot be stored.
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Invalid semaphore value "${value}": expected a whole number`);
    }
    if (typeof maxValue !== "number") {
      throw new TypeError(`Invalid semaphore maxValue "${String(maxValue)}": expected a number`);
    }
    if (!(maxValue >= 0)) {
      throw new RangeError(`Invalid semaphore maxValue "${maxValue}": expected a number >= 0`);
    }
    this.kind = kind;
    this.maxValue = maxValue;
    this.#value = value;
    this.#host = sys.host;
    this.#sim = sys.host.sim;
    this.#costs = mpCosts(sys.host);
    this.#id = objectId(sys.host.sim);
    this.#waiters = new WaitQueue(this.#sim, `futex of ${this.describe()}`, this.#costs.futexNs);
    // sem_open, unlink and mmap of a named semaphore.
    oweSyscalls(sys.thread, "sem_open", 3, 0);
  }

  /** The host whose processes share it. */
  get host(): Host {
    return this.#host;
  }

  /**
   * Acquires it: at once if its value is above zero, else blocks (when
   * `block`) until a release, or until `timeout` runs out. A recursive lock
   * its caller already holds is acquired again at once.
   *
   * @param block Whether to wait (default true).
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives whether it was acquired.
   * @throws {RangeError} If `timeout` is negative.
   */
  *acquire(block = true, timeout?: number | null): ThreadRoutine<boolean> {
    const limit = checkTimeout("acquire", timeout);
    const t = callerThread(this.#sim, this.#host, "acquire", this);
    const c = this.#costs;
    owe(t, c.lockNs);
    if (this.kind === "recursive" && this.#owner === t) {
      this.#count++;
      if (due(t, c.lazyFlushNs)) yield* pay(t);
      return true;
    }
    if (this.#value > 0) {
      this.#take(t);
      if (due(t, c.lazyFlushNs)) yield* pay(t);
      return true;
    }
    if (!block) {
      if (due(t, c.lazyFlushNs)) yield* pay(t);
      return false;
    }
    const deadline = limit === undefined ? Infinity : this.#sim.now + limit;
    for (;;) {
      const left = deadline - this.#sim.now;
      if (left <= 0) return false;
      const woken = yield* this.#waiters.wait(t, left === Infinity ? undefined : left);
      if (this.#value > 0) {
        owe(t, c.lockNs);
        this.#take(t);
        return true;
      }
      if (!woken) return false;
    }
  }

  /**
   * Releases it, waking one waiter. A recursive lock must be released by
   * its holder, as many times as it was acquired.
   *
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If it would go above its maximum (a lock released too many times).
   * @throws {ProcessError} If a recursive lock is released by a thread that does not hold it.
   */
  *release(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "release", this);
    if (this.kind === "recursive") {
      if (this.#owner !== t) {
        throw new ProcessError(
          `attempt to release recursive lock not owned by thread (${this.describe()})`,
        );
      }
      if (--this.#count > 0) {
        owe(t, this.#costs.lockNs);
        return;
      }
    } else if (this.#value >= this.maxValue) {
      throw new ValueError(`semaphore or lock released too many times (${this.describe()})`);
    }
    owe(t, this.#costs.lockNs);
    // The thread reaches the release once its CPU time is paid (the woken
    // waiter must not run earlier), and the release is one step: killed
    // while it pays, the holder still holds the lock, rather than leaving it
    // free with its waiters asleep for ever.
    if (this.#waiters.size > 0 && t.pending) yield* pay(t);
    this.#owner = null;
    this.#count = 0;
    this.#value++;
    if (this.#waiters.size > 0) this.#waiters.wakeOne(t);
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
  }

  /**
   * The current value (sem_getvalue).
   *
   * @returns The value.
   */
  getValue(): number {
    return this.#value;
  }

  /** How many threads wait to acquire it. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Whether the calling thread was the last to acquire it and has not
   * released it since (CPython's `_is_mine`).
   *
   * @returns Whether it is owned.
   */
  isMine(): boolean {
    return this.#count > 0 && this.#owner !== null && this.#owner === currentThread(this.#sim);
  }

  /** @ignore Releases every level a recursive lock's holder has (for Condition.wait). */
  _releaseAll(t: Thread): number {
    const levels = this.kind === "recursive" ? this.#count : 1;
    this.#owner = null;
    this.#count = 0;
    this.#value++;
    if (this.#waiters.size > 0) this.#waiters.wakeOne(t);
    return levels;
  }

  /** @ignore Restores the levels `_releaseAll` gave up, once acquired again. */
  _restore(t: Thread, levels: number): void {
    this.#owner = t;
    this.#count = levels;
  }

  /** @ignore The thread holding it (recursive locks). */
  get _owner(): Thread | null {
    return this.#owner;
  }

  /**
   * Describes it for messages.
   *
   * @returns e.g. `Lock#3`.
   */
  describe(): string {
    return `${this.constructor.name}#${this.#id}`;
  }

  #take(t: Thread): void {
    this.#value--;
    this.#owner = t;
    this.#count = 1;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<${this.describe()}(value=${this.#value})>`;
  }
}
