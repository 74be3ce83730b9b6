/**
 * Events: a flag greenlets wait to see set (gevent's `Event`).
 *
 * @module
 */

import { TIMEOUT } from "../kernel/simulation.ts";
import { checkTimeout } from "./_args.ts";
import { WaitList } from "./_wait_list.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import type { Hub } from "./hub.ts";

/**
 * A flag: `wait` blocks the calling greenlet until another one calls
 * `set`, which wakes every waiter (in the order they came); `clear` lowers
 * it again.
 *
 * @example One greenlet signals two
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const ready = new Event(hub);
 *     const waiters = ["a", "b"].map((name) =>
 *       hub.spawn(function* () {
 *         yield* ready.wait();
 *         sys.print(`${name} saw it`);
 *       })
 *     );
 *     hub.spawn(function* () {
 *       yield* hub.sleep(ms(1));
 *       ready.set();
 *     });
 *     yield* hub.joinAll(waiters);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["a saw it", "b saw it"]);
 * ```
 */
export class Event {
  /** The hub. */
  readonly hub: Hub;
  #flag = false;
  readonly #waiters = new WaitList("Event.wait()");

  /**
   * Makes a cleared event.
   *
   * @param hub The hub whose greenlets use it.
   */
  constructor(hub: Hub) {
    this.hub = hub;
  }

  /**
   * Whether the flag is set.
   *
   * @returns The flag.
   */
  isSet(): boolean {
    return this.#flag;
  }

  /** Sets the flag and wakes every waiting greenlet. */
  set(): void {
    this.#flag = true;
    this.#waiters.notifyAll(this.hub);
  }

  /** Lowers the flag. */
  clear(): void {
    this.#flag = false;
  }

  /**
   * Waits until the flag is set (or `timeout` runs out).
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives `true` unless the wait timed out.
   * @throws {RangeError} If the timeout is negative.
   * @throws {StateError} Outside the hub's greenlets.
   */
  *wait(timeout?: number | null): GreenletRoutine<boolean> {
    const t = checkTimeout("Event.wait", timeout);
    if (this.#flag) return true;
    if (t === 0) return false;
    const r = yield* this.#waiters.park(this.hub, t);
    return r !== TIMEOUT || this.#flag;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Event { ${this.#flag ? "set" : "clear"}, waiters: ${this.#waiters.length} }`;
  }
}
