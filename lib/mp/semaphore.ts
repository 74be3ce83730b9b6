/**
 * Process semaphores: `Semaphore` and `BoundedSemaphore`.
 *
 * @module
 */

import type { Sys } from "../os/sys.ts";
import { SemLock } from "./semlock.ts";

/**
 * A counting semaphore shared by processes (`multiprocessing.Semaphore`):
 * `acquire` takes one unit, blocking at zero; `release` gives one back,
 * without an upper bound.
 *
 * @example Two units
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Semaphore } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const s = new Semaphore(sys, 2);
 *   yield* s.acquire();
 *   yield* s.release();
 *   yield* s.release();
 *   sys.print(s.getValue());
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "3");
 * ```
 */
export class Semaphore extends SemLock {
  /**
   * Makes a semaphore.
   *
   * @param sys The creating thread's system calls.
   * @param value The initial value (default 1).
   * @throws {ValueError} If `value` is negative.
   * @throws {RangeError} If `value` is not a whole number.
   * @throws {TypeError} If `sys` is not a `Sys` or `value` not a number.
   */
  constructor(sys: Sys, value = 1) {
    super(sys, "semaphore", value, Number.MAX_SAFE_INTEGER);
  }
}

/**
 * A semaphore that may not be released above its initial value
 * (`multiprocessing.BoundedSemaphore`): one release too many raises
 * `ValueError`.
 *
 * @example Releasing too often
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { BoundedSemaphore } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const s = new BoundedSemaphore(sys, 1);
 *   try {
 *     yield* s.release();
 *   } catch (e) {
 *     sys.print((e as Error).name);
 *   }
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "ValueError");
 * ```
 */
export class BoundedSemaphore extends SemLock {
  /**
   * Makes a bounded semaphore.
   *
   * @param sys The creating thread's system calls.
   * @param value The initial and highest value (default 1).
   * @throws {ValueError} If `value` is negative.
   * @throws {RangeError} If `value` is not a whole number.
   * @throws {TypeError} If `sys` is not a `Sys` or `value` not a number.
   */
  constructor(sys: Sys, value = 1) {
    super(sys, "semaphore", value, value);
  }
}
