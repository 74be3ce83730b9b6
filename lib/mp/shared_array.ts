/**
 * `multiprocessing.Array`: a C array in shared memory.
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
import { IndexError, ProcessError } from "./errors.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";
import type { SemLock } from "./semlock.ts";
import { lockFor, type SharedOptions } from "./shared_value.ts";

/**
 * A C array in memory shared by processes (`multiprocessing.Array`,
 * exported as `Array` too): every process reads and writes the same
 * memory. `get` and `set` access it directly; `getItem` and `setItem`
 * take the lock for each access, as CPython's synchronized array does.
 *
 * @example Children fill their own slots
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Process, SharedArray } from "@iosim/iosim/mp";
 * function* fill(sys: Sys, a: SharedArray, i: number) {
 *   yield* a.setItem(i, i * i);
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const a = new SharedArray(sys, "i", 4);
 *   for (let i = 0; i < 4; i++) {
 *     const p = new Process({ target: fill, args: [a, i] });
 *     yield* p.start(sys);
 *     yield* p.join();
 *   }
 *   sys.print(a.toArray());
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "[0,1,4,9]");
 * ```
 */
export class SharedArray {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** The C type of its elements. */
  readonly typecode: Typecode;
  /** How many elements it has. */
  readonly length: number;
  readonly #cells: Cells;
  readonly #lock: SemLock | null;
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;

  /**
   * Allocates the array in shared memory.
   *
   * @param sys The creating thread's system calls.
   * @param typecode The elements' C type.
   * @param sizeOrValues How many elements (zeroed), or their initial values.
   * @param options Which lock guards it.
   * @throws {TypeError} If `sys` is not a `Sys`, the typecode is unknown, a value not a
   *   number, `sizeOrValues` neither a number nor an array, or `options` not an object.
   * @throws {RangeError} If the size is not an integer >= 0, or too large to allocate.
   */
  constructor(
    sys: Sys,
    typecode: Typecode,
    sizeOrValues: number | readonly number[],
    options: SharedOptions = {},
  ) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    if (typeof sizeOrValues !== "number" && !Array.isArray(sizeOrValues)) {
      throw new TypeError(
        `Invalid array size or values "${String(sizeOrValues)}": expected a number or an array`,
      );
    }
    checkSharedOptions(options);
    const init = typeof sizeOrValues === "number" ? null : sizeOrValues;
    const n = init === null ? sizeOrValues as number : init.length;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Invalid array size "${String(sizeOrValues)}": expected an integer >= 0`,
      );
    }
    try {
      this.#cells = makeCells(typecode, n);
    } catch (e) {
      // The engine's own message ("Array buffer allocation failed") names no size.
      if (!(e instanceof RangeError)) throw e;
      throw new RangeError(`Invalid array size "${n}": cannot allocate it (${e.message})`);
    }
    if (init !== null) init.forEach((v, i) => writeCell(this.#cells, i, v));
    this.typecode = typecode;
    this.length = n;
    this.#lock = lockFor(sys, options.lock);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    oweSyscalls(sys.thread, "mmap", 1, 0);
  }

  /**
   * Reads element `i` without the lock.
   *
   * @param i The index (negative counts from the end, as in Python).
   * @returns The value.
   * @throws {IndexError} If `i` is out of range.
   */
  get(i: number): number {
    return readCell(this.#cells, this.#index(i));
  }

  /**
   * Writes element `i` without the lock.
   *
   * @param i The index (negative counts from the end).
   * @param v The value.
   * @throws {IndexError} If `i` is out of range.
   */
  set(i: number, v: number): void {
    writeCell(this.#cells, this.#index(i), v);
  }

  /**
   * Reads element `i` under the lock.
   *
   * @param i The index.
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {IndexError} If `i` is out of range.
   */
  *getItem(i: number): ThreadRoutine<number> {
    const t = callerThread(this.#sim, this.#host, "read a shared array");
    const k = this.#index(i);
    if (this.#lock !== null) yield* this.#lock.acquire();
    owe(t, this.#costs.lockNs);
    const v = readCell(this.#cells, k);
    if (this.#lock !== null) yield* this.#lock.release();
    return v;
  }

  /**
   * Writes element `i` under the lock.
   *
   * @param i The index.
   * @param v The value.
   * @returns The operation, for `yield*`.
   * @throws {IndexError} If `i` is out of range.
   */
  *setItem(i: number, v: number): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "write a shared array");
    const k = this.#index(i);
    if (this.#lock !== null) yield* this.#lock.acquire();
    owe(t, this.#costs.lockNs);
    writeCell(this.#cells, k, v);
    if (this.#lock !== null) yield* this.#lock.release();
  }

  /**
   * A copy of the elements.
   *
   * @returns The values.
   */
  toArray(): number[] {
    return Array.from(this.#cells as ArrayLike<number | bigint>, (x) => Number(x));
  }

  /**
   * The lock that guards it.
   *
   * @returns The lock.
   * @throws {ProcessError} If it was made with `lock: false`.
   */
  getLock(): SemLock {
    if (this.#lock === null) {
      throw new ProcessError(`Array("${this.typecode}") was made with lock=false: it has no lock`);
    }
    return this.#lock;
  }

  #index(i: number): number {
    const k = Number.isInteger(i) && i < 0 ? i + this.length : i;
    if (!Number.isInteger(k) || k < 0 || k >= this.length) {
      throw new IndexError(`invalid index "${i}" for an array of length ${this.length}`);
    }
    return k;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<SynchronizedArray wrapper for c_${this.typecode}_Array_${this.length}>`;
  }
}
