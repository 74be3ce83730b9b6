/**
 * Argument checks shared by `Host.spawn` and `Sys.fork`.
 *
 * @module
 */

import type { OnError } from "./process.ts";

const ON_ERROR: readonly OnError[] = ["raise", "exit"];

/**
 * Checks an `onError` option.
 *
 * @param v The value given.
 * @returns It, when it is one of the valid values.
 * @throws {RangeError} Otherwise, listing them.
 */
export function checkOnError(v: unknown): OnError {
  if (!ON_ERROR.includes(v as OnError)) {
    throw new RangeError(
      `Invalid onError "${String(v)}": expected ${ON_ERROR.map((x) => `"${x}"`).join(" or ")}`,
    );
  }
  return v as OnError;
}

/**
 * Checks a process's start delay as `sim.spawn` would, so that a bad one is
 * refused before anything is registered.
 *
 * @param v The value given.
 * @returns It, when it is a number of nanoseconds from 0 to 2^53 - 1.
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is negative, NaN, infinite or above 2^53 - 1.
 */
export function checkSpawnDelay(v: unknown): number {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid spawn delay "${String(v)}": it must be a number of nanoseconds`);
  }
  if (!(v >= 0) || v > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `Invalid spawn delay "${v}": it must be a finite number of nanoseconds >= 0 (at most 2^53 - 1)`,
    );
  }
  return v;
}
