/**
 * A first-in, first-out queue with O(1) `shift`. `Array.prototype.shift`
 * moves every element once an array is too big for V8 to trim in place
 * (some thousands of elements), which made a 200,000-deep accept queue
 * quadratic.
 *
 * Internal.
 *
 * @module
 */

/** A FIFO queue: push at the back, shift from the front. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** How many items are queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Drop the consumed half so a long-lived queue does not grow without bound.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The front item, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#head === this.#items.length ? undefined : this.#items[this.#head];
  }

  /** Removes the first occurrence of `item` (O(n): for rare cases); returns whether it was there. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Empties the queue. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** The queued items, front first (a copy). */
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
}
