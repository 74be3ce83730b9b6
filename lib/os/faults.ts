/**
 * Injected system-call faults: the failures a robust program must survive,
 * drawn from the simulation's seeded generator.
 *
 * @module
 */

import type { Rng } from "../kernel/rng.ts";
import type { Simulation } from "../kernel/simulation.ts";

/** What to inject, as per-call probabilities (0 to 1) and a delay. */
export interface SyscallFaults {
  /** A blocking call (recv, accept, select, epoll_wait, sleep...) fails with EINTR partway. */
  readonly eintr?: number;
  /** A recv returns fewer bytes than were there (at least one). */
  readonly shortRead?: number;
  /** A send accepts fewer bytes than it was given (at least one) and returns. */
  readonly shortWrite?: number;
  /** A call that makes a descriptor (socket, accept, pipe, epoll_create) fails with EMFILE. */
  readonly emfile?: number;
  /** A send fails with ENOBUFS before queueing anything. */
  readonly enobufs?: number;
  /** Each successful recv costs this much extra CPU: a slow reader whose windows fill. */
  readonly recvDelayNs?: number;
}

/** The kinds of probabilistic fault. */
export type SyscallFaultKind = "eintr" | "shortRead" | "shortWrite" | "emfile" | "enobufs";

const KINDS: readonly SyscallFaultKind[] = [
  "eintr",
  "shortRead",
  "shortWrite",
  "emfile",
  "enobufs",
];

/**
 * Checks a fault specification.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => checkSyscallFaults({ eintr: 1.5 }), /eintr "1.5"/);
 * ```
 *
 * @param f The faults.
 * @returns The same faults.
 * @throws {RangeError} If a probability is outside [0, 1] or the delay negative.
 * @throws {TypeError} If a field is not a number or unknown.
 */
export function checkSyscallFaults(f: SyscallFaults): SyscallFaults {
  if (f === null || typeof f !== "object") {
    throw new TypeError(`Invalid syscall faults "${String(f)}": expected an object`);
  }
  for (const [k, v] of Object.entries(f)) {
    if (![...KINDS, "recvDelayNs"].includes(k)) {
      throw new TypeError(
        `Unknown syscall fault "${k}": known are ${[...KINDS, "recvDelayNs"].join(", ")}`,
      );
    }
    if (typeof v !== "number") {
      throw new TypeError(`Invalid syscall fault ${k} "${String(v)}": expected a number`);
    }
    if (k === "recvDelayNs") {
      if (!Number.isFinite(v) || v < 0) {
        throw new RangeError(`Invalid syscall fault ${k} "${v}": expected ns >= 0`);
      }
    } else if (!(v >= 0 && v <= 1)) {
      throw new RangeError(`Invalid syscall fault ${k} "${v}": expected a probability from 0 to 1`);
    }
  }
  return f;
}

/**
 * Draws injected faults for one host, from its own forked stream (so
 * turning faults on does not shift any other random draw), counts them,
 * and records each in the trace as a `fault` record.
 */
export class FaultInjector {
  /** What is injected. */
  readonly faults: SyscallFaults;
  /** How many of each kind were injected. */
  readonly counts: Record<SyscallFaultKind, number> = {
    eintr: 0,
    shortRead: 0,
    shortWrite: 0,
    emfile: 0,
    enobufs: 0,
  };
  readonly #rng: Rng;
  readonly #sim: Simulation;
  readonly #host: string;

  /**
   * Makes an injector.
   *
   * @param sim The simulation (for the trace).
   * @param host The host's name.
   * @param rng The host's fault stream.
   * @param faults What to inject.
   */
  constructor(sim: Simulation, host: string, rng: Rng, faults: SyscallFaults) {
    this.faults = checkSyscallFaults(faults);
    this.#sim = sim;
    this.#host = host;
    this.#rng = rng;
  }

  /**
   * Whether to inject a fault of `kind` now (a seeded draw, none when off).
   *
   * @param kind The fault.
   * @param call The system call, for the trace.
   * @param task The task it hits, for the trace.
   * @returns True to inject.
   */
  roll(kind: SyscallFaultKind, call: string, task: number): boolean {
    const p = this.faults[kind] ?? 0;
    if (p <= 0 || !(p >= 1 || this.#rng.random() < p)) return false;
    this.counts[kind]++;
    const trace = this.#sim.trace;
    if (trace.enabled) trace.emit("fault", task, { kind, call, host: this.#host });
    return true;
  }

  /**
   * A uniform integer from `lo` to `hi` (for short reads and writes).
   *
   * @param lo The least.
   * @param hi The most.
   * @returns The draw.
   */
  int(lo: number, hi: number): number {
    return this.#rng.int(lo, hi);
  }

  /**
   * How long until an injected EINTR interrupts a wait (exponential, mean 50 µs).
   *
   * @returns Nanoseconds.
   */
  interruptAfter(): number {
    return Math.max(1, Math.round(this.#rng.exponential(50_000)));
  }
}
