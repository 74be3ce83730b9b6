/**
 * Argument checks shared by the hub and its primitives.
 *
 * @module
 */

import { quote } from "./_shared.ts";

/**
 * Checks a delay in nanoseconds: a finite number >= 0.
 *
 * @param what What the delay is for, for the message.
 * @param d The value.
 * @returns The delay.
 */
export function checkDelay(what: string, d: unknown): number {
  if (typeof d !== "number") {
    throw new TypeError(`Invalid ${what} "${quote(d)}": it must be a number of nanoseconds`);
  }
  if (!(d >= 0) || !Number.isFinite(d)) {
    throw new RangeError(`Invalid ${what} "${d}": it must be a finite number of nanoseconds >= 0`);
  }
  return d;
}

/**
 * Checks a timeout in nanoseconds: `undefined` or `null` (wait forever) or a
 * number >= 0 (`Infinity` also waits forever).
 *
 * @param what What the timeout is for, for the message.
 * @param t The value.
 * @returns The timeout, or `undefined` for none.
 */
export function checkTimeout(what: string, t: unknown): number | undefined {
  if (t === undefined || t === null || t === Infinity) return undefined;
  if (typeof t !== "number") {
    throw new TypeError(
      `Invalid ${what} timeout "${quote(t)}": it must be a number of nanoseconds or null`,
    );
  }
  if (!(t >= 0)) {
    throw new RangeError(`Invalid ${what} timeout "${t}": it must be >= 0 nanoseconds`);
  }
  return t;
}

/**
 * Checks an `Error` to raise.
 *
 * @param what What the error is for, for the message.
 * @param e The value.
 * @returns The error.
 */
export function checkError(what: string, e: unknown): Error {
  if (!(e instanceof Error)) {
    throw new TypeError(`Invalid ${what} "${quote(e)}": it must be an Error`);
  }
  return e;
}

/**
 * Checks a generator function.
 *
 * @param what What the function is for, for the message.
 * @param fn The value.
 */
export function checkFunction(what: string, fn: unknown): void {
  if (typeof fn !== "function") {
    throw new TypeError(`Invalid ${what} "${quote(fn)}": it must be a generator function`);
  }
}
