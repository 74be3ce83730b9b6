/**
 * A FIFO of greenlets parked on one thing (an event, a queue's getters, a
 * semaphore), with the description a `LoopExit` report shows.
 *
 * @module
 */

import type { Op } from "../kernel/op.ts";
import type { GreenBlocker, Greenlet } from "./greenlet.ts";
import type { Hub } from "./hub.ts";

/** @ignore Greenlets waiting on one thing, woken first come, first served. */
export class WaitList implements GreenBlocker {
  #items: (Greenlet<unknown, never> | null)[] = [];
  #head = 0;
  #count = 0;
  readonly #what: string | (() => string);

  /** @param what What the greenlets wait on, for reports. */
  constructor(what: string | (() => string)) {
    this.#what = what;
  }

  /** How many greenlets wait. */
  get length(): number {
    return this.#count;
  }

  /** Describes the wait for `LoopExit` reports. */
  describe(): string {
    return typeof this.#what === "string" ? this.#what : this.#what();
  }

  /** Forgets `g` (its wait timed out or was cut short). */
  cancelWait(g: Greenlet<unknown, never>): void {
    const items = this.#items;
    for (let i = this.#head; i < items.length; i++) {
      if (items[i] === g) {
        items[i] = null;
        this.#count--;
        return;
      }
    }
  }

  /**
   * Parks the current greenlet at the end of the list: `yield*` the result,
   * which gives `true` when woken by `notify...` and `TIMEOUT` on timeout.
   */
  park(hub: Hub, timeout?: number): Op<unknown> {
    const op = hub._park(this, timeout);
    this.#items.push(hub.runtime.current);
    this.#count++;
    return op;
  }

  /** Wakes the first waiter; returns whether there was one. */
  notifyOne(hub: Hub): boolean {
    const items = this.#items;
    while (this.#head < items.length) {
      const g = items[this.#head];
      items[this.#head++] = null;
      if (g === null || g === undefined) continue;
      this.#count--;
      this.#compact();
      if (hub._wake(g, true)) return true;
    }
    this.#compact();
    return false;
  }

  /** Wakes every waiter; returns how many. */
  notifyAll(hub: Hub): number {
    let n = 0;
    while (this.notifyOne(hub)) n++;
    return n;
  }

  /** The waiting greenlets, first first. */
  waiters(): Greenlet<unknown, never>[] {
    return this.#items.slice(this.#head).filter((g) => g !== null) as Greenlet<unknown, never>[];
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
