/**
 * The temporary wait-queue entries that select(2) and poll(2) put on every
 * file they watch while the caller sleeps (Linux's poll_table).
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import type { File, WaitEntry } from "../os/file.ts";
import type { Thread } from "../os/thread.ts";

class Entry implements WaitEntry {
  readonly exclusive = false;
  constructor(readonly table: PollTable, readonly mask: number) {}
  _wake(): boolean {
    return this.table.wake();
  }
}

/** The entries of one sleeping select/poll call; any readiness wakes it. */
export class PollTable implements Blocker {
  readonly #thread: Thread;
  readonly #call: string;
  readonly #files: File[] = [];
  readonly #entries: Entry[] = [];
  #armed = false;

  constructor(thread: Thread, call: string) {
    this.#thread = thread;
    this.#call = call;
  }

  /** Watches `file` for `mask`. */
  add(file: File, mask: number): void {
    const e = new Entry(this, mask);
    file._addWait(e);
    this.#files.push(file);
    this.#entries.push(e);
    this.#armed = true;
  }

  /** A watched file became ready: wake the caller once. */
  wake(): boolean {
    if (!this.#armed) return false;
    this.cancelWait();
    const task = this.#thread.task;
    task.sim.wake(task, 1);
    return true;
  }

  describe(): string {
    return `${this.#call} on ${this.#files.length} fd(s)`;
  }

  cancelWait(): void {
    this.#armed = false;
    for (let i = 0; i < this.#files.length; i++) this.#files[i]!._removeWait(this.#entries[i]!);
    this.#files.length = 0;
    this.#entries.length = 0;
  }
}
