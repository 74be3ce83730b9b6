/**
 * Links between hosts: latency, bandwidth, jitter and loss, one direction
 * at a time.
 *
 * @module
 */

import type { Rng } from "../kernel/rng.ts";

/** The properties of a link. */
export interface LinkParams {
  /** One-way propagation delay, in nanoseconds. */
  readonly latency: number;
  /** Bytes per nanosecond (1.25 is 10 Gbit/s); `Infinity` for no serialisation delay. */
  readonly bandwidth: number;
  /** Extra delay drawn uniformly from [0, jitter) per packet, in nanoseconds. */
  readonly jitter: number;
  /** The probability that a packet is lost (TCP then retransmits it after a timeout). */
  readonly loss: number;
}

/** A 10 Gbit/s LAN: 50 µs one way, no jitter, no loss. */
export const DEFAULT_LINK: LinkParams = Object.freeze({
  latency: 50_000,
  bandwidth: 1.25,
  jitter: 0,
  loss: 0,
});

/** The loopback device: delivery is done inside the sender's system call. */
export const LOOPBACK_LINK: LinkParams = Object.freeze({
  latency: 0,
  bandwidth: Infinity,
  jitter: 0,
  loss: 0,
});

/**
 * Checks link parameters, filling the missing ones from `base`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(linkParams({ latency: 1000 }).bandwidth, DEFAULT_LINK.bandwidth);
 * assert.throws(() => linkParams({ loss: 2 }), RangeError);
 * ```
 *
 * @param params The parameters given.
 * @param base Where the others come from.
 * @returns Complete parameters.
 * @throws {RangeError} If a value is out of range.
 * @throws {TypeError} If a value is not a number.
 */
export function linkParams(
  params: Partial<LinkParams>,
  base: LinkParams = DEFAULT_LINK,
): LinkParams {
  const out = { ...base, ...params };
  for (const key of ["latency", "bandwidth", "jitter", "loss"] as const) {
    const v = out[key];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new TypeError(`Invalid link ${key} "${String(v)}": expected a number`);
    }
  }
  if (!Number.isFinite(out.latency) || out.latency < 0) {
    throw new RangeError(`Invalid link latency "${out.latency}": expected nanoseconds >= 0`);
  }
  if (!(out.bandwidth > 0)) {
    throw new RangeError(`Invalid link bandwidth "${out.bandwidth}": expected bytes per ns > 0`);
  }
  if (!Number.isFinite(out.jitter) || out.jitter < 0) {
    throw new RangeError(`Invalid link jitter "${out.jitter}": expected nanoseconds >= 0`);
  }
  if (!(out.loss >= 0 && out.loss <= 1)) {
    throw new RangeError(`Invalid link loss "${out.loss}": expected a probability from 0 to 1`);
  }
  return Object.freeze(out);
}

/**
 * One direction of a link: it serialises packets at its bandwidth (a packet
 * waits for the ones before it), adds latency and jitter, and loses some.
 *
 * @example Serialisation and latency
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "@iosim/iosim/kernel";
 * const path = new Path("a", "b", linkParams({ latency: 1000, bandwidth: 1 }), new Rng(1));
 * assert.equal(path.arrival(0, 500), 1500);
 * assert.equal(path.arrival(0, 500), 2000); // waits for the first packet
 * ```
 */
export class Path {
  /** Where packets come from. */
  readonly from: string;
  /** Where they go. */
  readonly to: string;
  /** The link's properties. */
  params: LinkParams;
  /** Bytes carried so far. */
  bytes = 0;
  /** Packets carried so far (lost ones included). */
  packets = 0;
  /** Packets lost so far. */
  lost = 0;
  readonly #rng: Rng;
  #busyUntil = 0;

  /**
   * Makes a path.
   *
   * @param from The sending host's name.
   * @param to The receiving host's name.
   * @param params The link's properties.
   * @param rng Where jitter and loss are drawn from.
   */
  constructor(from: string, to: string, params: LinkParams, rng: Rng) {
    this.from = from;
    this.to = to;
    this.params = params;
    this.#rng = rng;
  }

  /**
   * When a packet of `bytes` sent at `now` arrives: after the packets ahead
   * of it are serialised, its own serialisation, the latency and jitter.
   *
   * @param now The time it is handed to the link.
   * @param bytes Its size.
   * @returns The arrival time.
   */
  arrival(now: number, bytes: number): number {
    const p = this.params;
    this.packets++;
    this.bytes += bytes;
    let t = now;
    if (p.bandwidth !== Infinity) {
      const start = Math.max(now, this.#busyUntil);
      this.#busyUntil = start + Math.ceil(bytes / p.bandwidth);
      t = this.#busyUntil;
    }
    t += p.latency;
    if (p.jitter > 0) t += Math.floor(this.#rng.random() * p.jitter);
    return t;
  }

  /**
   * Whether the next packet is lost (a seeded draw; no draw when loss is 0).
   *
   * @returns True if lost.
   */
  drops(): boolean {
    const loss = this.params.loss;
    if (loss <= 0) return false;
    const lost = loss >= 1 || this.#rng.random() < loss;
    if (lost) this.lost++;
    return lost;
  }
}
