/**
 * What multiprocessing's own work costs: pickling, the Python code around
 * each queue and pipe call, process start-up. System calls (fork, pipe
 * reads and writes, futex waits) are charged by the OS layer's cost model.
 *
 * @module
 */

import { Host } from "../os/host.ts";

/**
 * The CPU time of multiprocessing's Python-level work, in nanoseconds
 * (sizes in bytes). The system calls underneath are charged separately by
 * the host's OS cost model, so each figure here is the measured total minus
 * what the OS model charges for the calls it makes.
 */
export interface MpCosts {
  /** `ForkingPickler.dumps` of a small object: the fixed part. */
  readonly pickleNs: number;
  /** Pickling, per value inside the object (list items, dict keys and values). */
  readonly pickleItemNs: number;
  /** Pickling bandwidth for the bytes produced, bytes per nanosecond. */
  readonly pickleBytesPerNs: number;
  /** `pickle.loads` of a small object: the fixed part. */
  readonly unpickleNs: number;
  /** Unpickling, per value inside the object. */
  readonly unpickleItemNs: number;
  /** Unpickling bandwidth, bytes per nanosecond. */
  readonly unpickleBytesPerNs: number;
  /** `Queue.put` in the caller: semaphore, buffer lock, append, notify. */
  readonly putNs: number;
  /** The feeder thread's loop, per item, besides pickling and its write(2). */
  readonly feederNs: number;
  /** `Queue.get` besides its two read(2) calls and unpickling. */
  readonly getNs: number;
  /** `SimpleQueue.put` besides pickling and its write(2). */
  readonly simplePutNs: number;
  /** `SimpleQueue.get` besides its reads and unpickling. */
  readonly simpleGetNs: number;
  /** `Connection.send` besides pickling and its write(2). */
  readonly sendNs: number;
  /** `Connection.recv` besides its reads and unpickling. */
  readonly recvNs: number;
  /** An uncontended acquire or release of a lock in shared memory (an atomic op). */
  readonly lockNs: number;
  /** A futex wait or wake's kernel work, besides the system call's entry. */
  readonly futexNs: number;
  /** `Process.start` in the parent besides fork(2): Popen, the sentinel pipe. */
  readonly startNs: number;
  /** A child's bootstrap before its target runs (page faults after fork, `_bootstrap`). */
  readonly bootstrapNs: number;
  /** A child's exit after its target returns (finalizers, flushing, teardown). */
  readonly exitNs: number;
  /** The manager server's dispatch of one request, besides (un)pickling and I/O. */
  readonly managerDispatchNs: number;
  /** The pool's bookkeeping per task at each of its steps (ApplyResult, cache, handlers). */
  readonly poolTaskNs: number;
  /**
   * How much CPU debt a thread may run ahead before it is slept off. Calls
   * that find their data ready charge their cost and return without a
   * simulated step; the debt is paid at the next blocking call, before
   * anything that would wake another thread, or when it reaches this
   * bound. 0 makes every call a step of its own.
   */
  readonly lazyFlushNs: number;
}

/**
 * Defaults measured with CPython 3.11.7 (fork start method) on the
 * project's machine (2 vCPUs, Linux 6.18) by `bench/native/mp_cpython.py`,
 * medians of repeated runs (runs vary by 10-30% on this shared VM):
 *
 * | measured | figure | default |
 * | --- | --- | --- |
 * | `ForkingPickler.dumps` of a str, an int, a small tuple | 1.23-1.31 µs | `pickleNs` 1.2 µs |
 * | dumps of a list of 100 / 10,000 ints | +6.5 ns per item | `pickleItemNs` 7 |
 * | dumps of 1 MiB of bytes | 21 µs (49 B/ns) | `pickleBytesPerNs` 50 |
 * | `pickle.loads`, small objects | 90-123 ns | `unpickleNs` 100 |
 * | loads of lists of ints | 7-12 ns per item | `unpickleItemNs` 10 |
 * | loads of 1 MiB of bytes | 18 µs (58 B/ns) | `unpickleBytesPerNs` 50 |
 * | `Queue.put` of a small str | 430 ns | `putNs` 430 |
 * | put + feeder until flushed, per item | 3.04 µs | `feederNs` 750 (+ pickling + write) |
 * | `Queue.get` from a filled pipe | 2.02 µs | `getNs` 550 (+ 2 reads + loads) |
 * | `SimpleQueue.put` / `get` | 2.56 / 1.83 µs | `simplePutNs` 700, `simpleGetNs` 430 |
 * | `Connection.send` / `recv` of a small str | 2.09 / 1.61 µs | `sendNs` 250, `recvNs` 200 |
 * | `Lock` acquire + release, uncontended | 64 ns | `lockNs` 30 each |
 * | `Process.start()` returns | 384 µs | `startNs` 230 µs + OS `forkNs` 150 µs |
 * | start returned → target runs | 741 µs | `bootstrapNs` 700 µs (+ wake-up) |
 * | target returns → `join()` returns | 485 µs | `exitNs` 450 µs (+ wake-up) |
 * | manager `d[k] = v` round trip | 21-33 µs | `managerDispatchNs` 2 µs (+ I/O, pickling, 2 wake-ups) |
 *
 * Not measured, estimated: `futexNs` (futex(2)'s work on top of the
 * system call entry), `poolTaskNs`. The OS model charges a pipe read or
 * write 650 ns (syscall entry + AF_UNIX work); CPython's `os.read` and
 * `os.write` of 20 bytes take 0.32 µs here, so pipe-heavy figures land a
 * little above CPython's. The simulation has no GIL: a process's feeder and
 * handler threads run in parallel with its main thread where CPython would
 * take turns.
 */
export const DEFAULT_MP_COSTS: Readonly<MpCosts> = Object.freeze({
  pickleNs: 1_200,
  pickleItemNs: 7,
  pickleBytesPerNs: 50,
  unpickleNs: 100,
  unpickleItemNs: 10,
  unpickleBytesPerNs: 50,
  putNs: 430,
  feederNs: 750,
  getNs: 550,
  simplePutNs: 700,
  simpleGetNs: 430,
  sendNs: 250,
  recvNs: 200,
  lockNs: 30,
  futexNs: 200,
  startNs: 230_000,
  bootstrapNs: 700_000,
  exitNs: 450_000,
  managerDispatchNs: 2_000,
  poolTaskNs: 1_000,
  lazyFlushNs: 20_000,
});

const hostCosts = new WeakMap<Host, MpCosts>();

/**
 * The multiprocessing costs in force on `host` (the defaults unless
 * {@linkcode setMpCosts} changed them).
 *
 * @example Defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const host = new Host(new Simulation());
 * assert.equal(mpCosts(host).pickleNs, DEFAULT_MP_COSTS.pickleNs);
 * ```
 *
 * @param host The host.
 * @returns Its costs.
 * @throws {TypeError} If `host` is not a `Host`.
 */
export function mpCosts(host: Host): MpCosts {
  const costs = hostCosts.get(host);
  if (costs !== undefined) return costs;
  checkHost(host);
  return DEFAULT_MP_COSTS;
}

function checkHost(host: unknown): void {
  if (!(host instanceof Host)) {
    throw new TypeError(`Invalid host "${String(host)}": expected a Host`);
  }
}

function checkSize(what: string, n: unknown): void {
  if (typeof n !== "number" || !(n >= 0 && n < Infinity)) {
    throw new RangeError(`Invalid pickled ${what} "${String(n)}": expected a finite number >= 0`);
  }
}

/**
 * Changes the multiprocessing costs of `host`, from the defaults.
 *
 * @example Free pickling
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const host = new Host(new Simulation());
 * setMpCosts(host, { pickleNs: 0 });
 * assert.equal(mpCosts(host).pickleNs, 0);
 * assert.throws(() => setMpCosts(host, { pickleNs: -1 }), RangeError);
 * ```
 *
 * @param host The host.
 * @param overrides The figures to change.
 * @returns The complete costs now in force.
 * @throws {RangeError} For an unknown name, or a figure that is negative, not finite, or a zero bandwidth.
 * @throws {TypeError} If `host` is not a `Host`, or a figure is not a number.
 */
export function setMpCosts(host: Host, overrides: Partial<MpCosts>): MpCosts {
  checkHost(host);
  if (overrides === null || typeof overrides !== "object") {
    throw new TypeError(`Invalid mp cost overrides "${String(overrides)}": expected an object`);
  }
  const out: Record<string, number> = { ...DEFAULT_MP_COSTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_MP_COSTS, key)) {
      throw new RangeError(
        `Unknown mp cost "${key}": known costs are ${Object.keys(DEFAULT_MP_COSTS).join(", ")}`,
      );
    }
    if (typeof value !== "number") {
      throw new TypeError(`Invalid mp cost ${key} "${String(value)}": expected a number`);
    }
    const positive = key.endsWith("BytesPerNs");
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new RangeError(
        `Invalid mp cost ${key} "${value}": expected a finite number ${positive ? "> 0" : ">= 0"}`,
      );
    }
    out[key] = value;
  }
  const costs = Object.freeze(out) as unknown as MpCosts;
  hostCosts.set(host, costs);
  return costs;
}

/**
 * The CPU time to pickle a value of `bytes` bytes holding `items` values.
 *
 * @example Pickling a 26-byte string
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pickleTime(DEFAULT_MP_COSTS, 100, 1), 1_200 + 7 + 2);
 * ```
 *
 * @param costs The costs.
 * @param bytes The pickled size.
 * @param items How many values it holds.
 * @returns Nanoseconds.
 * @throws {RangeError} If `bytes` or `items` is negative, NaN or infinite.
 */
export function pickleTime(costs: MpCosts, bytes: number, items: number): number {
  if (!(bytes >= 0 && items >= 0 && bytes + items < Infinity)) {
    checkSize("bytes", bytes);
    checkSize("items", items);
  }
  return costs.pickleNs + items * costs.pickleItemNs + Math.ceil(bytes / costs.pickleBytesPerNs);
}

/**
 * The CPU time to unpickle a value of `bytes` bytes holding `items` values.
 *
 * @example Unpickling a 26-byte string
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(unpickleTime(DEFAULT_MP_COSTS, 100, 1), 100 + 10 + 2);
 * ```
 *
 * @param costs The costs.
 * @param bytes The pickled size.
 * @param items How many values it holds.
 * @returns Nanoseconds.
 * @throws {RangeError} If `bytes` or `items` is negative, NaN or infinite.
 */
export function unpickleTime(costs: MpCosts, bytes: number, items: number): number {
  if (!(bytes >= 0 && items >= 0 && bytes + items < Infinity)) {
    checkSize("bytes", bytes);
    checkSize("items", items);
  }
  return costs.unpickleNs + items * costs.unpickleItemNs +
    Math.ceil(bytes / costs.unpickleBytesPerNs);
}
