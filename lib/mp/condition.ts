/**
 * `multiprocessing.Condition`: a condition variable over a process lock.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { callerThread, checkTimeout, objectId, owe, pay } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { ProcessError } from "./errors.ts";
import { RLock } from "./lock.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";
import { SemLock } from "./semlock.ts";

/**
 * A condition variable shared by processes (`multiprocessing.Condition`):
 * holding its lock, a thread `wait`s (releasing the lock while it sleeps,
 * taking it back before it returns) until another `notify`s it.
 *
 * @example A consumer waits for a value in shared memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Condition, Process, Value } from "@iosim/iosim/mp";
 * function* consumer(sys: Sys, c: Condition, v: Value) {
 *   yield* c.acquire();
 *   yield* c.waitFor(() => v.value > 0);
 *   sys.print("got", v.value);
 *   yield* c.release();
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const c = new Condition(sys);
 *   const v = new Value(sys, "i", 0);
 *   const p = new Process({ target: consumer, args: [c, v] });
 *   yield* p.start(sys);
 *   yield* sys.sleep(ms(5));
 *   yield* c.acquire();
 *   v.value = 42;
 *   yield* c.notify();
 *   yield* c.release();
 *   yield* p.join();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "got 42");
 * ```
 */
export class Condition {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #lock: SemLock;
  readonly #waiters: WaitQueue;
  readonly #id: number;

  /**
   * Makes a condition variable.
   *
   * @param sys The creating thread's system calls.
   * @param lock The lock to use (default a new `RLock`).
   * @throws {TypeError} If `sys` is not a `Sys` or `lock` not a process lock.
   */
  constructor(sys: Sys, lock?: SemLock) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    if (lock !== undefined && !(lock instanceof SemLock)) {
      throw new TypeError(`Invalid lock "${String(lock)}": expected a Lock or an RLock`);
    }
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#lock = lock ?? new RLock(sys);
    this.#id = objectId(sys.host.sim);
    this.#waiters = new WaitQueue(this.#sim, `Condition#${this.#id}`, this.#costs.futexNs);
  }

  /**
   * Acquires the underlying lock.
   *
   * @param block Whether to wait (default true).
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`; it gives whether it was acquired.
   */
  *acquire(block = true, timeout?: number | null): ThreadRoutine<boolean> {
    return yield* this.#lock.acquire(block, timeout);
  }

  /**
   * Releases the underlying lock.
   *
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If the lock is not held.
   */
  *release(): ThreadRoutine<void> {
    yield* this.#lock.release();
  }

  /**
   * Releases the lock, sleeps until notified (or `timeout` runs out), and
   * takes the lock back.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives false if it timed out.
   * @throws {ProcessError} If the caller does not hold the lock.
   * @throws {RangeError} If `timeout` is negative.
   */
  *wait(timeout?: number | null): ThreadRoutine<boolean> {
    const limit = checkTimeout("wait", timeout);
    const t = this.#owner("wait on");
    let levels = 1;
    if (t.pending) yield* pay(t);
    const woken = yield* this.#waiters.wait(t, limit, () => {
      levels = this.#lock._releaseAll(t);
    });
    yield* this.#lock.acquire();
    this.#lock._restore(t, levels);
    return woken;
  }

  /**
   * Waits until `predicate` is true (checking it first, then after each
   * wake-up), or until `timeout` runs out.
   *
   * @param predicate What to wait for (it reads shared state).
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the predicate's last value.
   * @throws {ProcessError} If the caller does not hold the lock.
   * @throws {TypeError} If `predicate` is not a function.
   */
  *waitFor(predicate: () => boolean, timeout?: number | null): ThreadRoutine<boolean> {
    if (typeof predicate !== "function") {
      throw new TypeError(`Invalid predicate "${String(predicate)}": expected a function`);
    }
    const limit = checkTimeout("waitFor", timeout);
    const deadline = limit === undefined ? Infinity : this.#sim.now + limit;
    let ok = predicate();
    while (!ok) {
      const left = deadline - this.#sim.now;
      if (left <= 0) break;
      yield* this.wait(left === Infinity ? undefined : left);
      ok = predicate();
    }
    return ok;
  }

  /**
   * Wakes up to `n` waiters (they run once they get the lock back).
   *
   * @param n How many (default 1).
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If the caller does not hold the lock.
   * @throws {TypeError} If `n` is not a number.
   */
  *notify(n = 1): ThreadRoutine<void> {
    if (typeof n !== "number") {
      throw new TypeError(`Invalid notify count "${String(n)}": expected a number`);
    }
    const t = this.#owner("notify");
    owe(t, this.#costs.lockNs);
    if (this.#waiters.size === 0) return;
    if (t.pending) yield* pay(t);
    for (let i = 0; i < n && this.#waiters.wakeOne(t); i++);
  }

  /**
   * Wakes every waiter.
   *
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If the caller does not hold the lock.
   */
  *notifyAll(): ThreadRoutine<void> {
    const t = this.#owner("notify");
    owe(t, this.#costs.lockNs);
    if (this.#waiters.size === 0) return;
    if (t.pending) yield* pay(t);
    this.#waiters.wakeAll(t);
  }

  /**
   * Describes the condition for messages.
   *
   * @returns e.g. `Condition#1`.
   */
  describe(): string {
    return `Condition#${this.#id}`;
  }

  #owner(what: string): Thread {
    const t = callerThread(this.#sim, this.#host, what, this);
    if (!this.#lock.isMine()) {
      throw new ProcessError(
        `lock is not owned: acquire() Condition#${this.#id} before using ${what.split(" ")[0]}()`,
      );
    }
    return t;
  }
}
