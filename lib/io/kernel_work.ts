/**
 * The kernel's own work for asynchronous I/O (POSIX aio, io_uring): what it
 * costs to submit a request, and where the time the kernel spends doing the
 * I/O — waiting for readiness, the protocol work and the copy — is counted.
 *
 * @module
 */

import type { Host } from "../os/host.ts";

/**
 * What asynchronous I/O costs the submitting thread (the rest is the
 * kernel's, see {@linkcode KernelUsage}). Estimated, not measured here:
 * io_uring issues a NOP SQE in about 50-100 ns on a modern x86-64 kernel
 * (Axboe, "Efficient IO with io_uring", 2019, and liburing's `nop` benchmark),
 * and setting a ring up (allocating and mapping the rings) takes some
 * microseconds.
 */
export interface AsyncCosts {
  /** The kernel's work to take one request (an SQE or an aiocb), on the submitting thread. */
  readonly submitNs: number;
  /** io_uring_setup(2)'s work besides the system call: allocating and mapping the rings. */
  readonly setupNs: number;
}

/**
 * The defaults: 100 ns per request, 10 µs per ring set up.
 *
 * @example The default submission cost
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_ASYNC_COSTS.submitNs, 100);
 * ```
 */
export const DEFAULT_ASYNC_COSTS: Readonly<AsyncCosts> = Object.freeze({
  submitNs: 100,
  setupNs: 10_000,
});

/**
 * Makes asynchronous-I/O costs from the defaults and `overrides`.
 *
 * @example Cheaper submissions, and a bad figure
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(asyncCosts({ submitNs: 50 }).submitNs, 50);
 * assert.throws(() => asyncCosts({ submitNs: -1 }), RangeError);
 * ```
 *
 * @param overrides The figures to change.
 * @returns The complete costs.
 * @throws {RangeError} If a name is unknown or a figure negative or not finite.
 * @throws {TypeError} If a figure is not a number.
 */
export function asyncCosts(overrides: Partial<AsyncCosts> = {}): AsyncCosts {
  if (overrides === null || typeof overrides !== "object") {
    throw new TypeError(`Invalid async costs "${String(overrides)}": expected an object`);
  }
  const out: Record<string, number> = { ...DEFAULT_ASYNC_COSTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_ASYNC_COSTS, key)) {
      throw new RangeError(`Unknown async cost "${key}": known costs are submitNs, setupNs`);
    }
    if (typeof value !== "number") {
      throw new TypeError(`Invalid async cost ${key} "${String(value)}": expected a number`);
    }
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Invalid async cost ${key} "${value}": expected a finite number >= 0`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as AsyncCosts;
}

/**
 * The time a host's kernel spent doing asynchronous I/O for its processes,
 * which no process thread is charged for:
 *
 * - `waitNs`: requests waiting for their file to be ready (phase 1), summed
 *   over requests (they overlap);
 * - `workNs`: the protocol work of each request (what a thread's recv or
 *   send would charge as system-call time);
 * - `copyNs`: copying between kernel buffers and the user's (phase 2), at
 *   the host's `copyBytesPerNs`.
 *
 * The work and the copy delay each completion by their length, but they do
 * not occupy one of the host's cores in the simulation (as softirq work does
 * not): on Linux they run in kernel context (io_uring's task_work and io-wq
 * threads, which the submitter's system time partly absorbs), here they are
 * kept apart so that the process's figures show what the model frees it
 * from.
 *
 * @example Reading the kernel's figures
 * ```ts
 * import assert from "node:assert/strict";
 * const k = new KernelUsage();
 * k.workNs = 2_100;
 * k.copyNs = 50;
 * assert.equal(k.cpuNs, 2_150);
 * assert.equal(k.toJSON().copyNs, 50);
 * ```
 */
export class KernelUsage {
  /** Requests completed (failed and cancelled ones included). */
  ops = 0;
  /** Bytes copied. */
  bytes = 0;
  /** Time requests spent waiting for readiness, summed. */
  waitNs = 0;
  /** Protocol work. */
  workNs = 0;
  /** Copying (phase 2). */
  copyNs = 0;

  /** The kernel's CPU time: work plus copies. */
  get cpuNs(): number {
    return this.workNs + this.copyNs;
  }

  /**
   * The figures as a plain object.
   *
   * @returns Every field and `cpuNs`.
   */
  toJSON(): Record<string, number> {
    return {
      ops: this.ops,
      bytes: this.bytes,
      waitNs: this.waitNs,
      workNs: this.workNs,
      copyNs: this.copyNs,
      cpuNs: this.cpuNs,
    };
  }
}

const usages = new WeakMap<Host, KernelUsage>();
const costsByHost = new WeakMap<Host, AsyncCosts>();

/**
 * The asynchronous-I/O costs of `host`: the defaults until
 * {@linkcode setAsyncCosts} changes them.
 *
 * @example Defaults, then changed
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const host = new Host(new Simulation());
 * assert.equal(hostAsyncCosts(host).submitNs, DEFAULT_ASYNC_COSTS.submitNs);
 * setAsyncCosts(host, { submitNs: 0 });
 * assert.equal(hostAsyncCosts(host).submitNs, 0);
 * ```
 *
 * @param host The host.
 * @returns Its costs.
 */
export function hostAsyncCosts(host: Host): AsyncCosts {
  return costsByHost.get(host) ?? DEFAULT_ASYNC_COSTS;
}

/**
 * Sets the asynchronous-I/O costs of `host` (the defaults with `overrides`).
 *
 * @example Free submissions on one host
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const host = new Host(new Simulation());
 * assert.equal(setAsyncCosts(host, { submitNs: 0 }).setupNs, DEFAULT_ASYNC_COSTS.setupNs);
 * assert.throws(() => setAsyncCosts(host, { bogus: 1 } as never), /Unknown async cost "bogus"/);
 * ```
 *
 * @param host The host.
 * @param overrides The figures to change.
 * @returns The new costs.
 * @throws {RangeError} If a name is unknown or a figure negative or not finite.
 * @throws {TypeError} If a figure is not a number.
 */
export function setAsyncCosts(host: Host, overrides: Partial<AsyncCosts>): AsyncCosts {
  const c = asyncCosts(overrides);
  costsByHost.set(host, c);
  return c;
}

/**
 * The kernel's asynchronous-I/O usage on `host` (made on first use).
 *
 * @example One record per host
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const host = new Host(new Simulation());
 * assert.equal(kernelUsage(host), kernelUsage(host));
 * assert.equal(kernelUsage(host).ops, 0);
 * ```
 *
 * @param host The host.
 * @returns Its usage record.
 * @throws {TypeError} If `host` is not an object.
 */
export function kernelUsage(host: Host): KernelUsage {
  if (host === null || typeof host !== "object") {
    throw new TypeError(`Invalid host "${String(host)}": expected a Host`);
  }
  let u = usages.get(host);
  if (u === undefined) usages.set(host, u = new KernelUsage());
  return u;
}
