/**
 * Timeouts: an error raised in a greenlet after a delay, wherever it waits
 * (gevent's `Timeout` and `with_timeout`).
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import { formatTime } from "../kernel/time.ts";
import { checkError, checkFunction, checkTimeout } from "./_args.ts";
import type { Greenlet, GreenletRoutine } from "./greenlet.ts";
import type { Hub, HubTimer } from "./hub.ts";

/**
 * A timeout: once started, it raises itself (or the error given) in the
 * greenlet that started it when `ns` has passed, unless cancelled first —
 * wherever that greenlet waits (a sleep, a queue, a green socket). As in
 * gevent, the `Timeout` is itself the error raised, so `catch (e) { if (e
 * === t) ... }` tells one's own timeout from another. A timeout of `null`
 * never fires.
 *
 * @example Raise-after
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, s, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const t = Timeout.startNew(hub, ms(100));
 *     try {
 *       yield* hub.sleep(s(10));
 *     } catch (e) {
 *       sys.print(e === t, (e as Error).message);
 *     } finally {
 *       t.cancel();
 *     }
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "true 100 ms");
 * ```
 */
export class Timeout extends Error {
  /** The hub whose timers run it. */
  readonly hub: Hub;
  /** The delay in nanoseconds, or `null` for never. */
  readonly ns: number | null;
  readonly #error: Error | undefined;
  #timer: HubTimer | null = null;
  #target: Greenlet<unknown, never> | null = null;

  /**
   * Makes a timeout (not started).
   *
   * @param hub The hub.
   * @param ns The delay in nanoseconds; `null` never fires.
   * @param error What to raise instead of the timeout itself.
   * @throws {TypeError} If `ns` is not a number or null, or `error` not an Error.
   * @throws {RangeError} If `ns` is negative.
   */
  constructor(hub: Hub, ns: number | null = null, error?: Error) {
    const t = checkTimeout("Timeout", ns);
    super(t === undefined ? "Timeout" : formatTime(t));
    this.name = "Timeout";
    if (error !== undefined) checkError("Timeout error", error);
    this.hub = hub;
    this.ns = t ?? null;
    this.#error = error;
  }

  /**
   * Makes a timeout and starts it.
   *
   * @param hub The hub.
   * @param ns The delay in nanoseconds; `null` never fires.
   * @param error What to raise instead of the timeout itself.
   * @returns The started timeout.
   * @throws {TypeError} If `ns` is not a number or null, or `error` not an Error.
   * @throws {RangeError} If `ns` is negative.
   * @throws {StateError} Outside the hub's greenlets.
   */
  static startNew(hub: Hub, ns: number | null, error?: Error): Timeout {
    return new Timeout(hub, ns, error).start();
  }

  /** Whether it is started and has not fired or been cancelled. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /**
   * Starts the countdown for the current greenlet.
   *
   * @returns This timeout.
   * @throws {StateError} If it is pending already, or outside the hub's greenlets.
   */
  start(): this {
    if (this.#timer !== null) {
      throw new StateError(`Cannot start timeout "${this.message}": it is already pending`);
    }
    const rt = this.hub.runtime;
    const g = rt.current;
    if (g === null || g === (this.hub.greenlet as Greenlet<unknown, never>)) {
      throw new StateError("Cannot start a timeout outside the hub's greenlets");
    }
    this.#target = g;
    if (this.ns !== null) {
      this.#timer = this.hub._setTimer(this.ns, () => {
        this.#timer = null;
        const target = this.#target;
        this.#target = null;
        if (target !== null) this.hub._throwInto(target, this.#error ?? this);
      });
    }
    return this;
  }

  /** Stops the countdown; does nothing if it is not pending. */
  cancel(): void {
    if (this.#timer !== null) this.hub._cancelTimer(this.#timer);
    this.#timer = null;
    this.#target = null;
  }

  /**
   * Runs `body` with the timeout started, and cancels it when `body` ends
   * (Python's `with Timeout(...):`).
   *
   * @example A timeout as a context
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms, Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * import { runHub } from "@iosim/iosim/coro";
   * const sim = new Simulation();
   * new Host(sim).spawn("app", function* (sys) {
   *   yield* runHub(sys, function* (hub) {
   *     const t = new Timeout(hub, ms(5));
   *     const fast = yield* t.within(function* () {
   *       yield* hub.sleep(ms(1));
   *       return "in time";
   *     });
   *     sys.print(fast, t.pending);
   *   });
   * });
   * sim.run();
   * assert.equal(sim.output[0]!.text, "in time false");
   * ```
   *
   * @typeParam R What `body` returns.
   * @param body A generator function.
   * @returns The operation, for `yield*`; it gives what `body` returns.
   * @throws {Timeout} This timeout (or its error) if `body` takes too long.
   */
  *within<R>(body: () => GreenletRoutine<R>): GreenletRoutine<R> {
    checkFunction("timeout body", body);
    this.start();
    try {
      return yield* body();
    } finally {
      this.cancel();
    }
  }
}

/**
 * Runs `body`, giving up after `ns`: returns `timeoutValue` if one is given,
 * else throws the {@linkcode Timeout} (gevent's `with_timeout`).
 *
 * @example A fallback value
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, s, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const v = yield* withTimeout(hub, ms(10), function* () {
 *       yield* hub.sleep(s(1));
 *       return "slow";
 *     }, { timeoutValue: "gave up" });
 *     sys.print(v);
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "gave up");
 * ```
 *
 * @typeParam R What `body` returns.
 * @typeParam V The fallback's type.
 * @param hub The hub.
 * @param ns The delay in nanoseconds.
 * @param body A generator function.
 * @param options `timeoutValue`: what to return on timeout instead of throwing.
 * @returns The operation, for `yield*`.
 * @throws {Timeout} On timeout, without `timeoutValue`.
 */
export function* withTimeout<R, V = never>(
  hub: Hub,
  ns: number,
  body: () => GreenletRoutine<R>,
  options: { readonly timeoutValue?: V } = {},
): GreenletRoutine<R | V> {
  const t = new Timeout(hub, ns);
  try {
    return yield* t.within(body);
  } catch (e) {
    if (e === t && Object.hasOwn(options, "timeoutValue")) return options.timeoutValue as V;
    throw e;
  }
}
