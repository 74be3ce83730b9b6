/**
 * `multiprocessing.Value`: one C value in shared memory.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import {
  type Cells,
  checkSharedOptions,
  makeCells,
  readCell,
  type Typecode,
  writeCell,
} from "./_ctypes.ts";
import { callerThread, owe, oweSyscalls } from "./_context.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { ProcessError } from "./errors.ts";
import { RLock } from "./lock.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";
import { SemLock } from "./semlock.ts";

export type { Typecode } from "./_ctypes.ts";

/** Options of shared values and arrays. */
export interface SharedOptions {
  /**
   * `true` (default): a new `RLock` guards it; a lock: that one guards it;
   * `false`: no lock (raw shared memory).
   */
  readonly lock?: boolean | SemLock;
}

/** @ignore The lock a shared object gets from its options. */
export function lockFor(sys: Sys, lock: boolean | SemLock | undefined): SemLock | null {
  if (lock === undefined || lock === true) return new RLock(sys);
  if (lock === false) return null;
  if (lock instanceof SemLock) return lock;
  throw new TypeError(`Invalid lock "${String(lock)}": expected true, false or a Lock`);
}

/**
 * A C value in memory shared by processes (`multiprocessing.Value`): a
 * child sees what its parent writes and the other way round — nothing is
 * copied. `value` reads and writes the memory directly (a simulated
 * memory access is instantaneous, so `v.value += 1` is never torn here;
 * take `getLock()` around read-modify-write sequences that block in
 * between, as in CPython). `get` and `set` are CPython's synchronized
 * `v.value`: each takes and releases the lock. Integer typecodes wrap
 * around as C does.
 *
 * @example Ten processes add under the lock
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Process, Value } from "@iosim/iosim/mp";
 * function* add(sys: Sys, v: Value) {
 *   const lock = v.getLock();
 *   yield* lock.acquire();
 *   const x = v.value;
 *   yield* sys.compute(1_000);
 *   v.value = x + 1;
 *   yield* lock.release();
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const v = new Value(sys, "i", 0);
 *   const ps = [];
 *   for (let i = 0; i < 10; i++) {
 *     const p = new Process({ target: add, args: [v] });
 *     yield* p.start(sys);
 *     ps.push(p);
 *   }
 *   for (const p of ps) yield* p.join();
 *   sys.print(v.value);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "10");
 * ```
 */
export class Value {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** The C type. */
  readonly typecode: Typecode;
  readonly #cells: Cells;
  readonly #lock: SemLock | null;
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;

  /**
   * Allocates the value in shared memory.
   *
   * @param sys The creating thread's system calls.
   * @param typecode Its C type, as an array-module typecode (`"i"`, `"d"`...).
   * @param value Its initial value (default 0).
   * @param options Which lock guards it.
   * @throws {TypeError} If `sys` is not a `Sys`, the typecode is unknown, the value not
   *   a number, or `options` not an object.
   */
  constructor(sys: Sys, typecode: Typecode, value = 0, options: SharedOptions = {}) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    checkSharedOptions(options);
    this.#cells = makeCells(typecode, 1);
    writeCell(this.#cells, 0, value);
    this.typecode = typecode;
    this.#lock = lockFor(sys, options.lock);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    oweSyscalls(sys.thread, "mmap", 1, 0);
  }

  /** The value, read from shared memory without the lock. */
  get value(): number {
    return readCell(this.#cells, 0);
  }

  /** Writes shared memory without the lock. */
  set value(v: number) {
    writeCell(this.#cells, 0, v);
  }

  /**
   * The lock that guards it.
   *
   * @returns The lock.
   * @throws {ProcessError} If it was made with `lock: false`.
   */
  getLock(): SemLock {
    if (this.#lock === null) {
      throw new ProcessError(`Value("${this.typecode}") was made with lock=false: it has no lock`);
    }
    return this.#lock;
  }

  /**
   * Reads the value under its lock (CPython's synchronized `v.value`).
   *
   * @returns The operation, for `yield*`; it gives the value.
   */
  *get(): ThreadRoutine<number> {
    const t = callerThread(this.#sim, this.#host, "read a shared value");
    if (this.#lock !== null) yield* this.#lock.acquire();
    owe(t, this.#costs.lockNs);
    const v = this.value;
    if (this.#lock !== null) yield* this.#lock.release();
    return v;
  }

  /**
   * Writes the value under its lock.
   *
   * @param v The new value.
   * @returns The operation, for `yield*`.
   */
  *set(v: number): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "write a shared value");
    if (this.#lock !== null) yield* this.#lock.acquire();
    owe(t, this.#costs.lockNs);
    this.value = v;
    if (this.#lock !== null) yield* this.#lock.release();
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<Synchronized wrapper for c_${this.typecode}(${this.value})>`;
  }
}
