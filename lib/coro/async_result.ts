/**
 * AsyncResult: a value (or an error) one greenlet delivers and others
 * wait for (gevent's `AsyncResult`).
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { checkError, checkTimeout } from "./_args.ts";
import { WaitList } from "./_wait_list.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import type { Hub } from "./hub.ts";
import type { GetOptions } from "./hub_greenlet.ts";
import { Timeout } from "./timeout.ts";

/**
 * A one-time result: `set(value)` or `setException(error)` settles it and
 * wakes every greenlet in `get` or `wait`. Settling twice is a
 * `StateError`.
 *
 * @typeParam T The value.
 *
 * @example Handing a value across greenlets
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const result = new AsyncResult<number>(hub);
 *     hub.spawn(function* () {
 *       yield* hub.sleep(ms(3));
 *       result.set(42);
 *     });
 *     sys.print(yield* result.get(), result.successful());
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "42 true");
 * ```
 */
export class AsyncResult<T = unknown> {
  /** The hub. */
  readonly hub: Hub;
  #settled = false;
  #ok = false;
  #value: unknown = undefined;
  readonly #waiters = new WaitList("AsyncResult.get()");

  /**
   * Makes an unsettled result.
   *
   * @param hub The hub whose greenlets use it.
   */
  constructor(hub: Hub) {
    this.hub = hub;
  }

  /** The value once set, else `undefined`. */
  get value(): T | undefined {
    return this.#ok ? this.#value as T : undefined;
  }

  /** The error once set with one, else `undefined`. */
  get exception(): unknown {
    return this.#settled && !this.#ok ? this.#value : undefined;
  }

  /**
   * Whether it is settled.
   *
   * @returns `true` after `set` or `setException`.
   */
  ready(): boolean {
    return this.#settled;
  }

  /**
   * Whether it was settled with a value.
   *
   * @returns `true` after `set`.
   */
  successful(): boolean {
    return this.#settled && this.#ok;
  }

  /**
   * Settles it with `value`, waking every waiter.
   *
   * @param value The value.
   * @throws {StateError} If it is settled already.
   */
  set(value: T): void {
    this.#settle(true, value);
  }

  /**
   * Settles it with an error, which `get` will throw.
   *
   * @param error The error.
   * @throws {TypeError} If `error` is not an Error.
   * @throws {StateError} If it is settled already.
   */
  setException(error: Error): void {
    checkError("AsyncResult error", error);
    this.#settle(false, error);
  }

  /**
   * Waits until it is settled; returns the value or throws the error.
   *
   * @param options Whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {Timeout} If it is not settled in time (or at once, without `block`).
   * @throws {unknown} The error it was settled with.
   */
  *get(options: GetOptions = {}): GreenletRoutine<T> {
    const t = checkTimeout("AsyncResult.get", options.timeout);
    if (!this.#settled) {
      if (options.block === false || t === 0) throw new Timeout(this.hub, 0);
      const r = yield* this.#waiters.park(this.hub, t);
      if (r === TIMEOUT && !this.#settled) throw new Timeout(this.hub, t ?? null);
    }
    if (this.#ok) return this.#value as T;
    throw this.#value;
  }

  /**
   * Waits until it is settled (or `timeout` runs out), without throwing
   * its error.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives whether it is settled.
   * @throws {RangeError} If the timeout is negative.
   */
  *wait(timeout?: number | null): GreenletRoutine<boolean> {
    const t = checkTimeout("AsyncResult.wait", timeout);
    if (this.#settled) return true;
    if (t === 0) return false;
    yield* this.#waiters.park(this.hub, t);
    return this.#settled;
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.#settled) {
      throw new StateError("Cannot settle an AsyncResult twice: it is already set");
    }
    this.#settled = true;
    this.#ok = ok;
    this.#value = value;
    this.#waiters.notifyAll(this.hub);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const state = !this.#settled ? "pending" : this.#ok ? "value" : "exception";
    return `AsyncResult { ${state}, waiters: ${this.#waiters.length} }`;
  }
}
