/**
 * Argument checks and setup steps shared by the load generators.
 *
 * @module
 */

import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";

/** Checks a count option: a positive integer (or Infinity where allowed). */
export function checkCount(name: string, v: unknown, infinite = false): number {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid ${name} "${String(v)}": expected a number`);
  }
  if (!(Number.isSafeInteger(v) && v >= 1) && !(infinite && v === Infinity)) {
    throw new RangeError(
      `Invalid ${name} "${String(v)}": it must be a positive integer${
        infinite ? " or Infinity" : ""
      }`,
    );
  }
  return v;
}

/** Checks a duration option: a finite number of nanoseconds >= 0. */
export function checkNs(name: string, v: unknown): number {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid ${name} "${String(v)}": expected a number of nanoseconds`);
  }
  if (!(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`Invalid ${name} "${String(v)}": it must be a finite number >= 0`);
  }
  return v;
}

/** Raises RLIMIT_NOFILE to the hard limit, as load generators do. */
export function* raiseNofile(sys: Sys): ThreadRoutine<void> {
  const fds = sys.process.fds;
  if (fds.limit < fds.hardLimit) yield* sys.setrlimitNofile(fds.hardLimit);
}
