/**
 * One workload description that the comparison harness runs under every
 * model: connections, active share, sizes, service time, think time or
 * arrival rate, duration or rounds, seed, cores, costs, link.
 *
 * @module
 */

import { checkSeed } from "../kernel/rng.ts";
import { type CostModel, costModel } from "../os/costs.ts";
import { DEFAULT_LINK, type LinkParams, linkParams } from "../net/path.ts";
import type { OpenLoopMode } from "./open_loop.ts";

/** A workload; every field is optional and has a default. */
export interface Workload {
  /** Connections to the server, active and idle together (default 10). */
  readonly connections?: number;
  /**
   * The share of connections that send requests, from 0 (exclusive) to 1
   * (default 1); the rest stay open and never send. The active count is
   * `Math.round(connections * activeShare)`, at least 1.
   */
  readonly activeShare?: number;
  /** Bytes per request (default 64). */
  readonly requestBytes?: number;
  /** Bytes per response (default 64). */
  readonly responseBytes?: number;
  /** Server CPU time per request, in nanoseconds (default 2,000). */
  readonly serviceNs?: number;
  /** Closed loop: pause between a response and the connection's next request (default 0). */
  readonly thinkNs?: number;
  /**
   * Open loop: mean requests per second over all active connections
   * (Poisson arrivals drawn from a fork of the seed). Without it the
   * clients run a closed loop.
   */
  readonly arrivalRate?: number;
  /**
   * Open loop: `"pool"` (default) sends each arrival on a free active
   * connection; `"connection"` opens a new connection per request (the
   * active connections are then not opened up front).
   */
  readonly openLoopMode?: OpenLoopMode;
  /** How long requests are measured, after setup (default 100 ms; not with `rounds`). */
  readonly durationNs?: number;
  /** Closed loop: requests per active connection, after which it closes (instead of a duration). */
  readonly rounds?: number;
  /** With `rounds`: give up waiting for the clients after this long (default 1 s). */
  readonly timeoutNs?: number;
  /** Open each client's connections over this long instead of all at once (default 0). */
  readonly connectSpreadNs?: number;
  /** The seed: of each model's simulation and of the arrivals (default 1). */
  readonly seed?: number;
  /** The server host's cores (default 1). */
  readonly cores?: number;
  /** The client host's cores (default 4). */
  readonly clientCores?: number;
  /** Cost-model overrides, for both hosts. */
  readonly costs?: Partial<CostModel>;
  /** The link between client and server (default: a 10 Gbit/s LAN, 50 µs one way). */
  readonly link?: Partial<LinkParams>;
  /** Worker processes of the prefork models (default 4). */
  readonly workers?: number;
  /** The server host's thread limit (default 32,768). */
  readonly maxThreads?: number;
}

/** A workload with every default filled in and the derived counts. */
export interface ResolvedWorkload {
  /** Connections, active and idle. */
  readonly connections: number;
  /** The active share given. */
  readonly activeShare: number;
  /** Connections that send requests. */
  readonly active: number;
  /** Connections that stay idle. */
  readonly idle: number;
  /** Bytes per request. */
  readonly requestBytes: number;
  /** Bytes per response. */
  readonly responseBytes: number;
  /** Server CPU per request. */
  readonly serviceNs: number;
  /** Closed-loop think time. */
  readonly thinkNs: number;
  /** Open-loop arrivals per second, or `null` for a closed loop. */
  readonly arrivalRate: number | null;
  /** How open-loop requests travel. */
  readonly openLoopMode: OpenLoopMode;
  /** The measured window, or `null` with `rounds`. */
  readonly durationNs: number | null;
  /** Requests per active connection, or `null` for a duration. */
  readonly rounds: number | null;
  /** The cap on a rounds run. */
  readonly timeoutNs: number;
  /** The spread of connection attempts. */
  readonly connectSpreadNs: number;
  /** The seed. */
  readonly seed: number;
  /** Server cores. */
  readonly cores: number;
  /** Client cores. */
  readonly clientCores: number;
  /** The complete cost model. */
  readonly costs: CostModel;
  /** The complete link. */
  readonly link: LinkParams;
  /** Prefork workers. */
  readonly workers: number;
  /** The server host's thread limit. */
  readonly maxThreads: number;
}

const FIELDS = [
  "connections",
  "activeShare",
  "requestBytes",
  "responseBytes",
  "serviceNs",
  "thinkNs",
  "arrivalRate",
  "openLoopMode",
  "durationNs",
  "rounds",
  "timeoutNs",
  "connectSpreadNs",
  "seed",
  "cores",
  "clientCores",
  "costs",
  "link",
  "workers",
  "maxThreads",
];

function num(name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new TypeError(`Invalid workload ${name} "${String(v)}": expected a number`);
  }
  return v;
}

function count(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = num(name, v);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Invalid workload ${name} "${n}": it must be a positive integer`);
  }
  return n;
}

function nanos(name: string, v: unknown, dflt: number, positive = false): number {
  if (v === undefined) return dflt;
  const n = num(name, v);
  if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) {
    throw new RangeError(
      `Invalid workload ${name} "${n}": it must be a finite number ${positive ? "> 0" : ">= 0"}`,
    );
  }
  return n;
}

/**
 * Checks a workload and fills in its defaults.
 *
 * @example Defaults, and an error that names the value
 * ```ts
 * import assert from "node:assert/strict";
 * const w = resolveWorkload({ connections: 1000, activeShare: 0.01 });
 * assert.equal(w.active, 10);
 * assert.equal(w.idle, 990);
 * assert.equal(w.durationNs, 100_000_000);
 * assert.throws(() => resolveWorkload({ requestBytes: -5 }), /Invalid workload requestBytes "-5"/);
 * assert.throws(() => resolveWorkload({ connections: 0 }), RangeError);
 * ```
 *
 * @param workload The workload.
 * @returns The complete workload.
 * @throws {TypeError} If a field has the wrong type.
 * @throws {RangeError} If a field is unknown or out of range, or fields conflict.
 */
export function resolveWorkload(workload: Workload = {}): ResolvedWorkload {
  if (workload === null || typeof workload !== "object") {
    throw new TypeError(`Invalid workload "${String(workload)}": expected an object`);
  }
  for (const key of Object.keys(workload)) {
    if (!FIELDS.includes(key)) {
      throw new RangeError(
        `Unknown workload field "${key}": known fields are ${FIELDS.join(", ")}`,
      );
    }
  }
  const w = workload;
  const connections = count("connections", w.connections, 10);
  const activeShare = w.activeShare === undefined ? 1 : num("activeShare", w.activeShare);
  if (!(activeShare > 0 && activeShare <= 1)) {
    throw new RangeError(
      `Invalid workload activeShare "${activeShare}": it must be above 0 and at most 1`,
    );
  }
  const active = Math.min(connections, Math.max(1, Math.round(connections * activeShare)));
  const arrivalRate = w.arrivalRate === undefined ? null : num("arrivalRate", w.arrivalRate);
  if (arrivalRate !== null && !(arrivalRate > 0 && Number.isFinite(arrivalRate))) {
    throw new RangeError(
      `Invalid workload arrivalRate "${arrivalRate}": it must be a positive number of requests per second`,
    );
  }
  const openLoopMode = w.openLoopMode ?? "pool";
  if (openLoopMode !== "pool" && openLoopMode !== "connection") {
    throw new RangeError(
      `Invalid workload openLoopMode "${String(openLoopMode)}": expected "pool" or "connection"`,
    );
  }
  const rounds = w.rounds === undefined ? null : count("rounds", w.rounds, 1);
  if (rounds !== null && w.durationNs !== undefined) {
    throw new RangeError(
      `Invalid workload: rounds "${rounds}" and durationNs "${
        String(w.durationNs)
      }" exclude each other`,
    );
  }
  if (rounds !== null && arrivalRate !== null) {
    throw new RangeError(
      `Invalid workload rounds "${rounds}": an open loop (arrivalRate) runs for durationNs`,
    );
  }
  const durationNs = rounds === null ? nanos("durationNs", w.durationNs, 100_000_000, true) : null;
  const seed = w.seed === undefined ? 1 : checkSeed(num("seed", w.seed), "workload seed");
  if (w.costs !== undefined && (w.costs === null || typeof w.costs !== "object")) {
    throw new TypeError(`Invalid workload costs "${String(w.costs)}": expected an object`);
  }
  if (w.link !== undefined && (w.link === null || typeof w.link !== "object")) {
    throw new TypeError(`Invalid workload link "${String(w.link)}": expected an object`);
  }
  const requestBytes = count("requestBytes", w.requestBytes, 64);
  const responseBytes = count("responseBytes", w.responseBytes, 64);
  return Object.freeze({
    connections,
    activeShare,
    active,
    idle: connections - active,
    requestBytes,
    responseBytes,
    serviceNs: nanos("serviceNs", w.serviceNs, 2_000),
    thinkNs: nanos("thinkNs", w.thinkNs, 0),
    arrivalRate,
    openLoopMode,
    durationNs,
    rounds,
    timeoutNs: nanos("timeoutNs", w.timeoutNs, 1_000_000_000, true),
    connectSpreadNs: nanos("connectSpreadNs", w.connectSpreadNs, 0),
    seed,
    cores: count("cores", w.cores, 1),
    clientCores: count("clientCores", w.clientCores, 4),
    costs: costModel(w.costs ?? {}),
    link: linkParams(w.link ?? {}, DEFAULT_LINK),
    workers: count("workers", w.workers, 4),
    maxThreads: count("maxThreads", w.maxThreads, 32_768),
  });
}
