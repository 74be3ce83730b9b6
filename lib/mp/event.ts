/**
 * `multiprocessing.Event`: a flag in shared memory that processes wait for.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { callerThread, checkTimeout, currentThread, objectId, owe, pay } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";

/**
 * A flag shared by processes (`multiprocessing.Event`): `set` raises it and
 * wakes every waiter, `clear` lowers it, `wait` blocks until it is raised
 * (or a timeout runs out) and says whether it is.
 *
 * @example A child waits for its parent's signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Event, Process } from "@iosim/iosim/mp";
 * function* waiter(sys: Sys, e: Event) {
 *   sys.print("flag:", yield* e.wait());
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const e = new Event(sys);
 *   const p = new Process({ target: waiter, args: [e] });
 *   yield* p.start(sys);
 *   yield* sys.sleep(ms(10));
 *   yield* e.set();
 *   yield* p.join();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "flag: true");
 * assert.ok(sim.output[0]!.t >= ms(10));
 * ```
 */
export class Event {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #waiters: WaitQueue;
  readonly #id: number;
  #flag = false;

  /**
   * Makes an event, not set.
   *
   * @param sys The creating thread's system calls.
   * @throws {TypeError} If `sys` is not a `Sys`.
   */
  constructor(sys: Sys) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#id = objectId(sys.host.sim);
    this.#waiters = new WaitQueue(this.#sim, `Event#${this.#id}`, this.#costs.futexNs);
  }

  /**
   * Whether it is set.
   *
   * @returns The flag.
   */
  isSet(): boolean {
    const t = currentThread(this.#sim);
    if (t !== null) owe(t, 2 * this.#costs.lockNs);
    return this.#flag;
  }

  /**
   * Sets the flag and wakes every waiter.
   *
   * @returns The operation, for `yield*`.
   */
  *set(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "set", this);
    owe(t, 2 * this.#costs.lockNs);
    this.#flag = true;
    if (this.#waiters.size > 0) {
      if (t.pending) yield* pay(t);
      this.#waiters.wakeAll(t);
    }
  }

  /**
   * Clears the flag.
   *
   * @returns The operation, for `yield*`.
   */
  // deno-lint-ignore require-yield
  *clear(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "clear", this);
    owe(t, 2 * this.#costs.lockNs);
    this.#flag = false;
  }

  /**
   * Blocks until the flag is set, or until `timeout` runs out; then says
   * whether it is set. As in CPython, it waits once and reports the flag
   * as it finds it: a `clear` right after the `set` may win the race.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the flag.
   * @throws {RangeError} If `timeout` is negative.
   */
  *wait(timeout?: number | null): ThreadRoutine<boolean> {
    const limit = checkTimeout("wait", timeout);
    const t = callerThread(this.#sim, this.#host, "wait on", this);
    owe(t, 2 * this.#costs.lockNs);
    if (!this.#flag && limit !== 0) yield* this.#waiters.wait(t, limit);
    return this.#flag;
  }

  /**
   * Describes the event for messages.
   *
   * @returns e.g. `Event#1`.
   */
  describe(): string {
    return `Event#${this.#id}`;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<Event#${this.#id} ${this.#flag ? "set" : "unset"}>`;
  }
}
