/**
 * The request/response protocol every reference server speaks, and latency
 * statistics.
 *
 * @module
 */

/**
 * One request/response exchange: the client sends `requestBytes`, the
 * server reads them all, computes for `serviceNs`, and answers with
 * `responseBytes`.
 */
export interface Exchange {
  /** Bytes per request. */
  readonly requestBytes: number;
  /** Bytes per response. */
  readonly responseBytes: number;
  /** CPU time the server spends per request. */
  readonly serviceNs: number;
}

/** A small exchange: 64-byte requests and responses, 2 µs of work. */
export const SMALL_EXCHANGE: Exchange = Object.freeze({
  requestBytes: 64,
  responseBytes: 64,
  serviceNs: 2_000,
});

/**
 * Checks an exchange.
 *
 * @example A zero-byte request is refused
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => checkExchange({ requestBytes: 0, responseBytes: 1, serviceNs: 0 }), RangeError);
 * ```
 *
 * @param ex The exchange.
 * @returns The same exchange.
 * @throws {RangeError} If a size is not a positive integer or the service time is negative.
 */
export function checkExchange(ex: Exchange): Exchange {
  for (const key of ["requestBytes", "responseBytes"] as const) {
    const v = ex[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`Invalid ${key} "${String(v)}": it must be a positive integer`);
    }
  }
  if (typeof ex.serviceNs !== "number" || !(ex.serviceNs >= 0) || !Number.isFinite(ex.serviceNs)) {
    throw new RangeError(
      `Invalid serviceNs "${String(ex.serviceNs)}": it must be a finite number >= 0`,
    );
  }
  return ex;
}

/** Latency percentiles, in nanoseconds. */
export interface LatencyStats {
  /** How many samples. */
  readonly count: number;
  /** The mean. */
  readonly mean: number;
  /** The median. */
  readonly p50: number;
  /** The 99th percentile. */
  readonly p99: number;
  /** The largest. */
  readonly max: number;
}

/**
 * Percentiles of a sample (nearest rank).
 *
 * @example Median and maximum of five samples
 * ```ts
 * import assert from "node:assert/strict";
 * const s = latencyStats([5, 1, 3, 2, 4]);
 * assert.equal(s.p50, 3);
 * assert.equal(s.max, 5);
 * ```
 *
 * @param samples The samples (any order; not changed).
 * @returns The statistics (zeros when empty).
 */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { count: n, mean: sum / n, p50: rank(0.5), p99: rank(0.99), max: sorted[n - 1]! };
}
