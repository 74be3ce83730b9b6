/**
 * A pollfd array that {@linkcode poll} can serve without walking it.
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import { POLLERR, POLLHUP, POLLNVAL } from "../os/events.ts";
import type { FdTable, FdWatcher } from "../os/fd_table.ts";
import type { File, WaitEntry } from "../os/file.ts";
import type { Thread } from "../os/thread.ts";
import type { PollResult } from "./poll.ts";

/** One entry: its place on the file's wait queue, kept between calls. */
class Watch implements WaitEntry {
  readonly exclusive = false;
  /** The events that wake it: those asked for, and errors and hang-ups. */
  mask: number;
  file: File | null = null;
  /** Must be looked at by the next call: new, changed, or its file signalled. */
  candidate = false;
  constructor(
    readonly set: PollSet,
    public pos: number,
    readonly fd: number,
    public events: number,
  ) {
    this.mask = events | POLLERR | POLLHUP;
  }
  _wake(_file: File, events: number): boolean {
    if ((events & this.mask) === 0) return false;
    return this.set._signalled(this);
  }
}

/**
 * The entries of a `poll` array, kept by the library between calls so that
 * a call costs simulation time in proportion to the entries (as the kernel
 * walks them all, the caller is charged for every one) but simulator time
 * only in proportion to what changed or became ready. Pass it to
 * {@linkcode poll} in place of an array; results come in array order.
 *
 * Entries are added at the end; deleting one moves the last entry into its
 * place, as servers do with their pollfd arrays. A descriptor that is closed
 * while in the set reports `POLLNVAL`, and one that is opened again is
 * watched afresh, as poll(2) looks each descriptor up on every call.
 *
 * @example A set of one socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { POLLIN } from "@iosim/iosim/os";
 * import { poll, PollSet } from "@iosim/iosim/io";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const set = new PollSet();
 *   set.set(y, POLLIN);
 *   yield* sys.send(x, "hi");
 *   sys.print(JSON.stringify(yield* poll(sys, set)));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, '[{"fd":4,"revents":1}]');
 * ```
 */
export class PollSet implements FdWatcher {
  readonly #watches: Watch[] = [];
  readonly #byFd = new Map<number, Watch>();
  /** Entries to look at on the next call. */
  #candidates: Watch[] = [];
  /** The table the watches are bound to: fds mean something only in one process. */
  #table: FdTable | null = null;
  /** The thread blocked in poll on this set, if any. */
  #sleeper: Thread | null = null;

  /** How many entries the set holds: what a call is charged for. */
  get size(): number {
    return this.#watches.length;
  }

  /**
   * Adds `fd` with `events`, or changes the events of an entry.
   *
   * @param fd The descriptor (a non-negative integer).
   * @param events The events of interest (`POLLIN`, `POLLOUT`, ...).
   * @throws {TypeError} If `fd` or `events` is not an integer.
   * @throws {RangeError} If `fd` is negative.
   */
  set(fd: number, events: number): void {
    if (typeof fd !== "number" || !Number.isInteger(fd)) {
      throw new TypeError(`Invalid fd "${String(fd)}" for a poll set: expected an integer`);
    }
    if (fd < 0) throw new RangeError(`Invalid fd "${fd}" for a poll set: it must not be negative`);
    if (typeof events !== "number" || !Number.isInteger(events)) {
      throw new TypeError(`Invalid events "${String(events)}" for fd ${fd}: expected an integer`);
    }
    const w = this.#byFd.get(fd);
    if (w !== undefined) {
      if (w.events === events) return;
      w.events = events;
      w.mask = events | POLLERR | POLLHUP;
      this.#mark(w);
      return;
    }
    const added = new Watch(this, this.#watches.length, fd, events);
    this.#watches.push(added);
    this.#byFd.set(fd, added);
    if (this.#table !== null) this.#bind(added);
    this.#mark(added);
  }

  /**
   * Removes `fd`: the last entry takes its place.
   *
   * @param fd The descriptor.
   * @returns Whether it was in the set.
   */
  delete(fd: number): boolean {
    const w = this.#byFd.get(fd);
    if (w === undefined) return false;
    this.#byFd.delete(fd);
    this.#unbind(w);
    const last = this.#watches.pop()!;
    if (last !== w) {
      last.pos = w.pos;
      this.#watches[w.pos] = last;
    }
    w.pos = -1;
    return true;
  }

  /**
   * Whether `fd` is in the set.
   *
   * @param fd The descriptor.
   * @returns Whether it is.
   */
  has(fd: number): boolean {
    return this.#byFd.has(fd);
  }

  /**
   * The entries, in array order.
   *
   * @returns Copies of the entries.
   */
  entries(): { fd: number; events: number }[] {
    return this.#watches.map((w) => ({ fd: w.fd, events: w.events }));
  }

  /** @ignore A descriptor of the bound table opened or closed. */
  _fdChanged(fd: number): void {
    const w = this.#byFd.get(fd);
    if (w !== undefined) this.#mark(w);
  }

  /** @ignore A watched file signalled: look at it next call, and wake the sleeper. */
  _signalled(w: Watch): boolean {
    this.#mark(w);
    const t = this.#sleeper;
    if (t === null) return false;
    this.#sleeper = null;
    t.task.sim.wake(t.task, 1);
    return true;
  }

  /**
   * @ignore One pass of poll: binds the set to `table`, looks at the entries
   * that may have changed, and gives the ready ones in array order.
   */
  _collect(table: FdTable): PollResult[] {
    if (this.#table !== table) this.#rebindAll(table);
    const seen = this.#candidates;
    this.#candidates = [];
    const out: Watch[] = [];
    const revents: number[] = [];
    for (const w of seen) {
      w.candidate = false;
      if (w.pos < 0) continue; // deleted since
      const file = table.get(w.fd) ?? null;
      if (file !== w.file) {
        this.#unbind(w);
        this.#bind(w);
      }
      const r = file === null ? POLLNVAL : file.poll() & w.mask;
      if (r === 0) continue;
      // Still ready: level-triggered, it is looked at again next call.
      this.#mark(w);
      out.push(w);
      revents[w.pos] = r;
    }
    out.sort((a, b) => a.pos - b.pos);
    return out.map((w) => ({ fd: w.fd, revents: revents[w.pos]! }));
  }

  /** @ignore A blocker for `thread`, woken when any watched file signals. */
  _sleep(thread: Thread): Blocker {
    this.#sleeper = thread;
    return {
      describe: () => `poll on ${this.#watches.length} fd(s)`,
      cancelWait: () => {
        if (this.#sleeper === thread) this.#sleeper = null;
      },
    };
  }

  #mark(w: Watch): void {
    if (w.candidate) return;
    w.candidate = true;
    this.#candidates.push(w);
  }

  #bind(w: Watch): void {
    const file = this.#table!.get(w.fd) ?? null;
    w.file = file;
    if (file !== null) file._addWait(w);
  }

  #unbind(w: Watch): void {
    if (w.file !== null) w.file._removeWait(w);
    w.file = null;
  }

  #rebindAll(table: FdTable): void {
    if (this.#table !== null) {
      const list = this.#table._watchers!;
      list.splice(list.indexOf(this), 1);
      if (list.length === 0) this.#table._watchers = null;
    }
    this.#table = table;
    (table._watchers ??= []).push(this);
    for (const w of this.#watches) {
      this.#unbind(w);
      this.#bind(w);
      this.#mark(w);
    }
  }
}
