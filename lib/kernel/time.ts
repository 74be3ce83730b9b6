/**
 * Virtual time. A time or a duration is a `number` of nanoseconds, exact up
 * to 2^53 ns (about 104 days of simulated time).
 *
 * @module
 */

/** A point in virtual time or a duration, in nanoseconds. */
export type Nanos = number;

function checkAmount(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Cannot convert ${name} "${String(value)}": it is not a number`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot convert ${name} "${value}": it is not finite`);
  }
}

/**
 * A duration given in nanoseconds, rounded to a whole nanosecond.
 *
 * @example Whole nanoseconds
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(ns(1.6), 2);
 * ```
 *
 * @param n The number of nanoseconds.
 * @returns The duration in nanoseconds.
 * @throws {TypeError} If `n` is not a number.
 * @throws {RangeError} If `n` is not finite.
 */
export function ns(n: number): Nanos {
  checkAmount("nanoseconds", n);
  return Math.round(n);
}

/**
 * A duration given in microseconds.
 *
 * @example Microseconds to nanoseconds
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(us(40), 40_000);
 * ```
 *
 * @param n The number of microseconds.
 * @returns The duration in nanoseconds.
 * @throws {TypeError} If `n` is not a number.
 * @throws {RangeError} If `n` is not finite.
 */
export function us(n: number): Nanos {
  checkAmount("microseconds", n);
  return Math.round(n * 1e3);
}

/**
 * A duration given in milliseconds.
 *
 * @example Milliseconds to nanoseconds
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(ms(1.5), 1_500_000);
 * ```
 *
 * @param n The number of milliseconds.
 * @returns The duration in nanoseconds.
 * @throws {TypeError} If `n` is not a number.
 * @throws {RangeError} If `n` is not finite.
 */
export function ms(n: number): Nanos {
  checkAmount("milliseconds", n);
  return Math.round(n * 1e6);
}

/**
 * A duration given in seconds.
 *
 * @example Seconds to nanoseconds
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(s(0.5), 500_000_000);
 * ```
 *
 * @param n The number of seconds.
 * @returns The duration in nanoseconds.
 * @throws {TypeError} If `n` is not a number.
 * @throws {RangeError} If `n` is not finite.
 */
export function s(n: number): Nanos {
  checkAmount("seconds", n);
  return Math.round(n * 1e9);
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [1e9, "s"],
  [1e6, "ms"],
  [1e3, "µs"],
];

/**
 * Formats a duration with the largest unit that keeps the number at least 1,
 * and at most four significant digits: `1.5 ms`, `250 ns`, `2 s`.
 *
 * @example Formatting durations
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(1_500_000), "1.5 ms");
 * assert.equal(formatTime(250), "250 ns");
 * assert.equal(formatTime(2e9), "2 s");
 * ```
 *
 * @param t A time or duration in nanoseconds.
 * @returns The formatted text.
 */
export function formatTime(t: Nanos): string {
  if (!Number.isFinite(t)) return String(t);
  const abs = Math.abs(t);
  for (const [size, unit] of UNITS) {
    if (abs >= size) return `${trimNumber(t / size)} ${unit}`;
  }
  return `${trimNumber(t)} ns`;
}

/** Four significant digits at most, no trailing zeros. */
function trimNumber(x: number): string {
  const abs = Math.abs(x);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return String(Number(x.toFixed(digits)));
}
