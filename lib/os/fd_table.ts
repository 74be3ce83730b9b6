/**
 * A process's file descriptor table.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { type File, TtyFile } from "./file.ts";

/** RLIMIT_NOFILE's usual soft limit on Linux. */
export const DEFAULT_NOFILE = 1024;
/** RLIMIT_NOFILE's usual hard limit (systemd's default). */
export const DEFAULT_NOFILE_HARD = 1_048_576;

/** @ignore Something that must hear when a descriptor of a table opens or closes. */
export interface FdWatcher {
  /** `fd` now refers to another file, or to none. */
  _fdChanged(fd: number): void;
}

/**
 * Descriptors 0, 1 and 2 are the terminal; new descriptors take the lowest
 * free number (POSIX), and none may reach the soft RLIMIT_NOFILE.
 *
 * @example Lowest free descriptor first
 * ```ts
 * import assert from "node:assert/strict";
 * import { TtyFile } from "@iosim/iosim/os";
 * const table = new FdTable();
 * const a = table.install(new TtyFile()), b = table.install(new TtyFile());
 * assert.deepEqual([a, b], [3, 4]);
 * table.remove(3);
 * assert.equal(table.install(new TtyFile()), 3);
 * ```
 */
export class FdTable {
  /** @ignore Told of every descriptor that opens or closes (the poll sets bound here). */
  _watchers: FdWatcher[] | null = null;
  /** @ignore The simulation of the table's process: files of another one are refused. */
  _sim: Simulation | null = null;
  readonly #files: (File | null)[] = [];
  /** Closed descriptors below the top, as a binary min-heap: O(log n) lowest-free. */
  readonly #holes: number[] = [];
  #open = 0;
  /** The soft RLIMIT_NOFILE: descriptors must stay below it. */
  limit: number;
  /** The hard RLIMIT_NOFILE: how far `setrlimit` may raise `limit`. */
  hardLimit: number;

  /**
   * Makes a table with the terminal on 0, 1 and 2.
   *
   * @param limit The soft limit.
   * @param hardLimit The hard limit.
   */
  constructor(limit: number = DEFAULT_NOFILE, hardLimit: number = DEFAULT_NOFILE_HARD) {
    this.limit = limit;
    this.hardLimit = hardLimit;
    const tty = new TtyFile();
    for (let i = 0; i < 3; i++) this.#put(i, tty);
  }

  /** How many descriptors are open. */
  get size(): number {
    return this.#open;
  }

  /** One more than the highest descriptor ever used. */
  get span(): number {
    return this.#files.length;
  }

  /**
   * The file behind `fd`.
   *
   * @param fd The descriptor.
   * @returns The file, or `undefined` if `fd` is not open.
   */
  get(fd: number): File | undefined {
    return this.#files[fd] ?? undefined;
  }

  /**
   * Opens the lowest free descriptor on `file`.
   *
   * @param file The file.
   * @returns The descriptor, or -1 when the limit is reached (EMFILE).
   * @throws {TypeError} If `file` belongs to another simulation than the table's process.
   */
  install(file: File): number {
    this.#admit(file);
    const fd = this.nextFree();
    if (fd < 0) return -1;
    if (this.#holes.length > 0) heapPop(this.#holes);
    this.#put(fd, file);
    return fd;
  }

  /**
   * The descriptor the next `install` would use.
   *
   * @returns The lowest free descriptor, or -1 when it would reach the limit (EMFILE).
   */
  nextFree(): number {
    const holes = this.#holes, files = this.#files;
    // Drop holes that dup2 filled since they were made.
    while (holes.length > 0 && files[holes[0]!] !== null) heapPop(holes);
    const fd = holes.length > 0 ? holes[0]! : files.length;
    return fd >= this.limit ? -1 : fd;
  }

  /**
   * Opens `file` on descriptor `fd` exactly (dup2), closing what was there.
   *
   * @param fd The descriptor.
   * @param file The file.
   * @returns The file that was open on `fd`, if any.
   * @throws {TypeError} If `file` belongs to another simulation than the table's process.
   */
  installAt(fd: number, file: File): File | undefined {
    this.#admit(file);
    const old = this.remove(fd);
    this.#put(fd, file);
    return old;
  }

  /**
   * Closes `fd` in this table.
   *
   * @param fd The descriptor.
   * @returns The file it referred to, or `undefined` if it was not open.
   */
  remove(fd: number): File | undefined {
    const file = this.#files[fd];
    if (file === null || file === undefined) return undefined;
    this.#files[fd] = null;
    this.#open--;
    file._refs--;
    heapPush(this.#holes, fd);
    if (this._watchers !== null) { for (const w of this._watchers) w._fdChanged(fd); }
    return file;
  }

  /**
   * Every open descriptor with its file, in order.
   *
   * @returns Pairs of descriptor and file.
   */
  entries(): [number, File][] {
    const out: [number, File][] = [];
    this.#files.forEach((f, fd) => {
      if (f !== null && f !== undefined) out.push([fd, f]);
    });
    return out;
  }

  /**
   * Calls `fn` for every open descriptor, in order, without building a list
   * (a process may hold a million).
   *
   * @param fn Called with each file and its descriptor.
   */
  forEach(fn: (file: File, fd: number) => void): void {
    const files = this.#files;
    for (let fd = 0; fd < files.length; fd++) {
      const f = files[fd];
      if (f !== null && f !== undefined) fn(f, fd);
    }
  }

  /** A file of another simulation would wake, and send, over there: refuse it. */
  #admit(file: File): void {
    const sim = this._sim;
    if (sim === null || file._claim(sim)) return;
    throw new TypeError(
      `Cannot open a descriptor on ${file.describe()}: it belongs to another simulation`,
    );
  }

  #put(fd: number, file: File): void {
    while (this.#files.length < fd) {
      heapPush(this.#holes, this.#files.length);
      this.#files.push(null);
    }
    this.#files[fd] = file;
    this.#open++;
    file._refs++;
    if (this._watchers !== null) { for (const w of this._watchers) w._fdChanged(fd); }
  }
}

function heapPush(h: number[], x: number): void {
  let i = h.length;
  h.push(x);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= x) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = x;
}

function heapPop(h: number[]): void {
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1]! < h[c]!) c++;
    if (h[c]! >= last) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
}
