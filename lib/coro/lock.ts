/**
 * Semaphores and locks between greenlets (gevent's `Semaphore`,
 * `BoundedSemaphore` and `Lock`).
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { checkFunction, checkTimeout } from "./_args.ts";
import { quote } from "./_shared.ts";
import { WaitList } from "./_wait_list.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import type { Hub } from "./hub.ts";

/** Options for {@linkcode Semaphore.acquire}. */
export interface AcquireOptions {
  /** Wait when no permit is free (default true). */
  readonly blocking?: boolean;
  /** The longest wait, in nanoseconds (default: forever). */
  readonly timeout?: number | null;
}

/**
 * A counting semaphore: `acquire` takes a permit, waiting while none is
 * free; `release` returns one and wakes the first waiter. Greenlets need
 * locks only around code that switches (waits) in the middle: between
 * switches nothing else runs, which is why the article says coroutines
 * modify shared data without locks.
 *
 * @example At most two at a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim, { costs: { wakeupNs: 0 } }).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const sem = new Semaphore(hub, 2);
 *     let inside = 0, most = 0;
 *     const workers = [1, 2, 3, 4].map(() =>
 *       hub.spawn(function* () {
 *         yield* sem.hold(function* () {
 *           most = Math.max(most, ++inside);
 *           yield* hub.sleep(ms(10));
 *           inside--;
 *         });
 *       })
 *     );
 *     yield* hub.joinAll(workers);
 *     sys.print(most, Math.round(sys.now / 1e6));
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "2 20");
 * ```
 */
export class Semaphore {
  /** The hub. */
  readonly hub: Hub;
  #counter: number;
  readonly #waiters = new WaitList(() => `${this.constructor.name}.acquire()`);

  /**
   * Makes a semaphore with `value` free permits.
   *
   * @param hub The hub whose greenlets use it.
   * @param value The permits (default 1).
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is negative or not an integer.
   */
  constructor(hub: Hub, value = 1) {
    if (typeof value !== "number") {
      throw new TypeError(`Invalid semaphore value "${quote(value)}": it must be a number`);
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Invalid semaphore value "${value}": it must be an integer >= 0`);
    }
    this.hub = hub;
    this.#counter = value;
  }

  /** The free permits. */
  get counter(): number {
    return this.#counter;
  }

  /**
   * Whether no permit is free.
   *
   * @returns `true` when `acquire` would wait.
   */
  locked(): boolean {
    return this.#counter <= 0;
  }

  /**
   * Takes a permit, waiting while none is free.
   *
   * @param options Whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives whether a permit was taken.
   * @throws {RangeError} If the timeout is negative.
   */
  *acquire(options: AcquireOptions = {}): GreenletRoutine<boolean> {
    const t = checkTimeout("acquire", options.timeout);
    if (this.#counter <= 0) {
      if (options.blocking === false || t === 0) return false;
      const deadline = t === undefined ? Infinity : this.hub.now + t;
      while (this.#counter <= 0) {
        const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.hub.now);
        let r: unknown;
        try {
          r = yield* this.#waiters.park(this.hub, left);
        } catch (e) {
          // Woken and then cut short: the permit must reach someone else.
          if (this.#counter > 0) this.#waiters.notifyOne(this.hub);
          throw e;
        }
        if (r === TIMEOUT && this.#counter <= 0) return false;
      }
    }
    this.#counter--;
    return true;
  }

  /**
   * Returns a permit and wakes the first waiter.
   *
   * @throws {StateError} For a bounded semaphore or lock released more than acquired.
   */
  release(): void {
    this._checkRelease(this.#counter);
    this.#counter++;
    this.#waiters.notifyOne(this.hub);
  }

  /**
   * Runs `body` holding a permit (Python's `with sem:`).
   *
   * @typeParam R What `body` returns.
   * @param body A generator function.
   * @returns The operation, for `yield*`; it gives what `body` returns.
   * @throws {TypeError} If `body` is not a function.
   */
  *hold<R>(body: () => GreenletRoutine<R>): GreenletRoutine<R> {
    checkFunction("semaphore body", body);
    yield* this.acquire();
    try {
      return yield* body();
    } finally {
      this.release();
    }
  }

  /** @ignore Bounded kinds refuse a release beyond their initial value. */
  _checkRelease(_counter: number): void {}

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `${this.constructor.name} { counter: ${this.#counter}, waiters: ${this.#waiters.length} }`;
  }
}

/**
 * A semaphore that refuses to be released more times than acquired.
 *
 * @example Releasing too many times
 * ```ts
 * import assert from "node:assert/strict";
 * import { StateError } from "@iosim/iosim/kernel";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const sem = new BoundedSemaphore(hub, 1);
 *     assert.throws(() => sem.release(), StateError);
 *   });
 * });
 * sim.run();
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial (and largest) number of permits. */
  readonly initial: number;

  /**
   * Makes a bounded semaphore.
   *
   * @param hub The hub whose greenlets use it.
   * @param value The permits (default 1).
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is negative or not an integer.
   */
  constructor(hub: Hub, value = 1) {
    super(hub, value);
    this.initial = value;
  }

  /** @ignore */
  override _checkRelease(counter: number): void {
    if (counter >= this.initial) {
      throw new StateError(
        `Cannot release ${this.constructor.name}: it was released more times than acquired`,
      );
    }
  }
}

/**
 * A mutual-exclusion lock: a bounded semaphore of one permit.
 *
 * @example A lock around a read-modify-write that switches in the middle
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const lock = new Lock(hub);
 *     let balance = 0;
 *     const add = function* () {
 *       yield* lock.hold(function* () {
 *         const b = balance;
 *         yield* hub.sleep(0); // another greenlet runs here
 *         balance = b + 1;
 *       });
 *     };
 *     yield* hub.joinAll([hub.spawn(add), hub.spawn(add)]);
 *     sys.print(balance, lock.locked());
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "2 false");
 * ```
 */
export class Lock extends BoundedSemaphore {
  /**
   * Makes an unlocked lock.
   *
   * @param hub The hub whose greenlets use it.
   */
  constructor(hub: Hub) {
    super(hub, 1);
  }
}
