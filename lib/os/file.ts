/**
 * Open files: what a file descriptor refers to (a socket, a pipe, an epoll
 * instance), with its readiness and its wait queue.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { O_ASYNC, O_NONBLOCK, POLLOUT } from "./events.ts";

/** Which simulation each claimed file belongs to: kept aside, so that a file costs no field for it. */
const owners = new WeakMap<object, Simulation>();

/**
 * An entry in a file's wait queue, as in Linux: a blocked thread, an epoll
 * item, a select/poll table entry, or the SIGIO owner. When the file's
 * readiness changes, entries whose `mask` meets the change are woken in
 * order; after the first exclusive entry that accepts the wake-up, no further
 * exclusive entry is woken (`__wake_up_common` with nr_exclusive = 1).
 */
export interface WaitEntry {
  /** The events this entry cares about. */
  readonly mask: number;
  /** Whether waking it counts as the one exclusive wake-up. */
  readonly exclusive: boolean;
  /**
   * Called when `file` reports `events`; returns whether the entry accepted
   * the wake-up (a thread that already woke does not).
   */
  _wake(file: File, events: number): boolean;
  /** Called when the file is released (its last descriptor closed), if defined. */
  _released?(file: File): void;
}

/** @ignore Who gets SIGIO (or the F_SETSIG signal) when a file with O_ASYNC is ready. */
export interface AsyncOwner {
  /** Raises the signal for `events`. */
  notify(events: number): void;
}

/**
 * An open file description. Subclasses say what is ready (`poll`) and call
 * `_wake` when that changes or new data arrives; blocking system calls wait
 * on the file's queue. Several descriptors may share one description (after
 * `dup` or `fork`); it is released when the last one is closed.
 *
 * @example A file that is always writable
 * ```ts
 * import assert from "node:assert/strict";
 * import { POLLOUT } from "@iosim/iosim/os";
 * class Sink extends File {
 *   readonly kind = "sink";
 *   poll(): number {
 *     return POLLOUT;
 *   }
 * }
 * const f = new Sink();
 * assert.equal(f.poll() & POLLOUT, POLLOUT);
 * assert.equal(f.nonblocking, false);
 * ```
 */
export abstract class File {
  /** What kind of file this is: `"socket"`, `"pipe"`, `"epoll"`, `"tty"`. */
  abstract readonly kind: string;
  /** The file status flags (`O_NONBLOCK`, `O_ASYNC`). */
  flags = 0;
  /** @ignore How many descriptors refer to this file. */
  _refs = 0;
  /** @ignore The wait queue: null, one entry, or several. */
  _wq: WaitEntry | WaitEntry[] | null = null;
  /** @ignore Signal-driven I/O settings (F_SETOWN, F_SETSIG, the fd O_ASYNC was set on). */
  _async: AsyncOwner | null = null;

  /**
   * The events ready now (`POLLIN`, `POLLOUT`, `POLLHUP`, ...).
   *
   * @returns The ready mask.
   */
  abstract poll(): number;

  /** Whether `O_NONBLOCK` is set. */
  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }

  /**
   * Describes the file for messages and deadlock reports.
   *
   * @returns A short description.
   */
  describe(): string {
    return this.kind;
  }

  /**
   * @ignore Binds the file to `sim` as it enters a process of that
   * simulation; returns false if it belongs to another one. A file belongs
   * to the first simulation it enters; subclasses that know theirs from
   * birth (sockets, from their host's stack) say so instead.
   */
  _claim(sim: Simulation): boolean {
    const owner = owners.get(this);
    if (owner === undefined) owners.set(this, sim);
    return owner === undefined || owner === sim;
  }

  /** @ignore What the file does when the last descriptor referring to it is closed. */
  _release(): void {}

  /**
   * @ignore The last descriptor was closed: release the file, then tell the
   * wait-queue entries that outlive waits (epoll items) to let go of it, as
   * Linux's eventpoll_release does.
   */
  _closeLast(): void {
    this._release();
    const wq = this._wq;
    if (wq === null) return;
    for (const e of Array.isArray(wq) ? wq.slice() : [wq]) e._released?.(this);
  }

  /**
   * @ignore Which of `events` raise SIGIO. All by default; sockets raise
   * POLL_OUT only after a send found the buffer full (sk_wake_async with
   * SOCK_NOSPACE), not on every acknowledgement.
   */
  _asyncEvents(events: number): number {
    return events;
  }

  /** @ignore */
  _addWait(entry: WaitEntry): void {
    const wq = this._wq;
    if (wq === null) this._wq = entry;
    else if (Array.isArray(wq)) wq.push(entry);
    else this._wq = [wq, entry];
  }

  /** @ignore */
  _removeWait(entry: WaitEntry): void {
    const wq = this._wq;
    if (wq === entry) this._wq = null;
    else if (Array.isArray(wq)) {
      const i = wq.indexOf(entry);
      if (i >= 0) wq.splice(i, 1);
      if (wq.length === 1) this._wq = wq[0]!;
      else if (wq.length === 0) this._wq = null;
    }
  }

  /**
   * @ignore Reports `events` to the wait queue: every non-exclusive entry
   * interested in them, and the first exclusive one that accepts.
   */
  _wake(events: number): void {
    if (this._async !== null && (this.flags & O_ASYNC) !== 0) {
      const ev = this._asyncEvents(events);
      if (ev !== 0) this._async.notify(ev);
    }
    const wq = this._wq;
    if (wq === null) return;
    if (!Array.isArray(wq)) {
      if ((wq.mask & events) !== 0) wq._wake(this, events);
      return;
    }
    // Entries may remove themselves while being woken: walk a snapshot.
    const entries = wq.slice();
    let exclusiveDone = false;
    for (const e of entries) {
      if ((e.mask & events) === 0) continue;
      if (e.exclusive) {
        if (exclusiveDone) continue;
        if (e._wake(this, events)) exclusiveDone = true;
      } else e._wake(this, events);
    }
  }
}

/** Standard input, output and error: always writable, never readable. */
export class TtyFile extends File {
  /** It is a terminal. */
  readonly kind = "tty";

  /**
   * A terminal can always be written.
   *
   * @returns `POLLOUT`.
   */
  poll(): number {
    return POLLOUT;
  }
}
