/**
 * The hub's timers: one min-heap ordered by (due time, insertion), items
 * kept in a slot table so that cancelling is O(1) (mark and skip on pop).
 *
 * @module
 */

import { EventHeap } from "../kernel/heap.ts";

/** Something a hub timer fires: it records its slot so it can be cancelled. */
export interface TimerItem {
  /** The slot while scheduled, else -1. */
  _tslot: number;
}

/** @ignore The timer queue of one hub. */
export class TimerQueue<T extends TimerItem> {
  readonly #heap = new EventHeap(64);
  readonly #items: (T | null)[] = [];
  readonly #free: number[] = [];
  #seq = 0;
  #count = 0;

  /** How many timers are set. */
  get size(): number {
    return this.#count;
  }

  /** Sets `item` to fire at `due`. */
  add(due: number, item: T): void {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#items.length;
    this.#items[slot] = item;
    item._tslot = slot;
    this.#heap.push(due, this.#seq++, slot);
    this.#count++;
  }

  /** Cancels `item`'s timer, if set. */
  cancel(item: T): void {
    const slot = item._tslot;
    if (slot >= 0 && this.#items[slot] === item) {
      this.#items[slot] = null;
      item._tslot = -1;
      this.#count--;
    }
  }

  /** The earliest due time, or Infinity. */
  nextDue(): number {
    this.#drop();
    return this.#heap.peekTime();
  }

  /** Removes and returns the earliest item due at or before `now`, or null. */
  popDue(now: number): T | null {
    this.#drop();
    if (this.#heap.peekTime() > now) return null;
    const slot = this.#heap.pop();
    const item = this.#items[slot]!;
    this.#items[slot] = null;
    this.#free.push(slot);
    item._tslot = -1;
    this.#count--;
    return item;
  }

  #drop(): void {
    const heap = this.#heap, items = this.#items;
    while (heap.size > 0) {
      const slot = heap.peekId();
      if (items[slot] !== null) return;
      heap.pop();
      this.#free.push(slot);
    }
  }
}
