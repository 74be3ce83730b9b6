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
  /** Fault rules that apply to this path (kept by the network). */
  rules: FaultRule[] = [];
  /** How many partitions cut this path now. */
  blocked = 0;
  /** Whether the last packet sent was duplicated. */
  duplicated = false;
  /** Packets duplicated so far. */
  duplicates = 0;
  /** Packets held back so that later ones overtook them. */
  reordered = 0;
  /** Packets lost to partitions. */
  cut = 0;
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
   * @param bandwidth The rate to serialise at (default: the link's).
   * @returns The arrival time.
   */
  arrival(now: number, bytes: number, bandwidth: number = this.params.bandwidth): number {
    const p = this.params;
    this.packets++;
    this.bytes += bytes;
    let t = now;
    if (bandwidth !== Infinity) {
      const start = Math.max(now, this.#busyUntil);
      this.#busyUntil = start + Math.ceil(bytes / bandwidth);
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

  /**
   * Sends a packet through the link and the fault rules that apply to this
   * path: returns its arrival time, or -1 when it is lost (a partition cuts
   * the path, a rule drops it, or the link loses it). `duplicated` then says
   * whether a rule duplicated it. Draws come from the network's seeded
   * stream, only when a rule or the link needs one.
   *
   * @example A rule that drops everything
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "@iosim/iosim/kernel";
   * const path = new Path("a", "b", linkParams({ latency: 1000 }), new Rng(1));
   * assert.equal(path.send(0, 100) > 0, true);
   * path.rules.push({ drop: 1 });
   * assert.equal(path.send(0, 100), -1);
   * ```
   *
   * @param now When the packet is handed to the link.
   * @param bytes Its size.
   * @returns The arrival time, or -1.
   */
  send(now: number, bytes: number): number {
    this.duplicated = false;
    if (this.blocked > 0) {
      this.packets++;
      this.lost++;
      this.cut++;
      return -1;
    }
    // A bandwidth cap makes the path's bottleneck slower: packets queue behind it.
    let bandwidth = this.params.bandwidth;
    for (const r of this.rules) {
      if (r.bandwidth !== undefined && r.bandwidth < bandwidth) bandwidth = r.bandwidth;
    }
    let t = this.arrival(now, bytes, bandwidth);
    if (this.drops()) return -1;
    for (const r of this.rules) {
      if (r.drop !== undefined && r.drop > 0 && (r.drop >= 1 || this.#rng.random() < r.drop)) {
        this.lost++;
        return -1;
      }
      if (r.delay !== undefined) t += r.delay;
      if (r.jitter !== undefined && r.jitter > 0) t += Math.floor(this.#rng.random() * r.jitter);
      if (r.reorder !== undefined && r.reorder > 0 && this.#rng.random() < r.reorder) {
        // Held back long enough for the packets behind it to overtake.
        t += Math.max(1, 2 * this.params.latency + (r.delay ?? 0));
        this.reordered++;
      }
      if (r.duplicate !== undefined && r.duplicate > 0 && this.#rng.random() < r.duplicate) {
        this.duplicated = true;
      }
    }
    if (this.duplicated) this.duplicates++;
    return t;
  }
}

/**
 * What a fault rule does to each packet on the paths it applies to. Every
 * probability is drawn per packet from the network's seeded stream.
 */
export interface FaultRule {
  /** Probability that a packet is lost (TCP retransmits it; a datagram is gone). */
  readonly drop?: number;
  /** Probability that a packet is delivered twice (TCP ignores the copy). */
  readonly duplicate?: number;
  /** Extra one-way delay, in nanoseconds. */
  readonly delay?: number;
  /** Extra random delay from [0, jitter), in nanoseconds. */
  readonly jitter?: number;
  /** Probability that a packet is held back so later ones overtake it (TCP restores order). */
  readonly reorder?: number;
  /** A bandwidth cap, in bytes per nanosecond. */
  readonly bandwidth?: number;
}

/**
 * Checks a fault rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => checkFaultRule({ drop: 2 }), /drop "2"/);
 * ```
 *
 * @param rule The rule.
 * @returns The rule.
 * @throws {RangeError} If a probability is outside [0, 1] or a time or bandwidth is negative.
 * @throws {TypeError} If a field is not a number.
 */
export function checkFaultRule(rule: FaultRule): FaultRule {
  if (rule === null || typeof rule !== "object") {
    throw new TypeError(`Invalid fault rule "${String(rule)}": expected an object`);
  }
  for (const key of ["drop", "duplicate", "reorder"] as const) {
    const v = rule[key];
    if (v === undefined) continue;
    if (typeof v !== "number") {
      throw new TypeError(`Invalid fault ${key} "${String(v)}": expected a number`);
    }
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(`Invalid fault ${key} "${v}": expected a probability from 0 to 1`);
    }
  }
  for (const key of ["delay", "jitter"] as const) {
    const v = rule[key];
    if (v === undefined) continue;
    if (typeof v !== "number") {
      throw new TypeError(`Invalid fault ${key} "${String(v)}": expected nanoseconds`);
    }
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`Invalid fault ${key} "${v}": expected nanoseconds >= 0`);
    }
  }
  if (rule.bandwidth !== undefined) {
    if (typeof rule.bandwidth !== "number") {
      throw new TypeError(`Invalid fault bandwidth "${String(rule.bandwidth)}"`);
    }
    if (!(rule.bandwidth > 0)) {
      throw new RangeError(
        `Invalid fault bandwidth "${rule.bandwidth}": expected bytes per ns > 0`,
      );
    }
  }
  return rule;
}
