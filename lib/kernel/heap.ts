/**
 * The event heap: a binary min-heap of `(time, key, id)` entries kept in
 * parallel typed arrays, so that pushing and popping allocate nothing.
 *
 * @module
 */

/**
 * A binary min-heap ordered by `time`, then by `key`. Entries are plain
 * numbers held in three parallel typed arrays that double when full; the
 * simulation folds an event's priority and insertion sequence into `key`.
 *
 * @example Popping in order
 * ```ts
 * import assert from "node:assert/strict";
 * const heap = new EventHeap();
 * heap.push(20, 0, 1);
 * heap.push(10, 1, 2);
 * heap.push(10, 0, 3);
 * assert.equal(heap.pop(), 3);
 * assert.equal(heap.pop(), 2);
 * assert.equal(heap.poppedTime, 10);
 * assert.equal(heap.pop(), 1);
 * assert.equal(heap.size, 0);
 * ```
 */
export class EventHeap {
  #times: Float64Array;
  #keys: Float64Array;
  #ids: Int32Array;
  #size = 0;
  /** The time of the entry returned by the last {@linkcode EventHeap.pop}. */
  poppedTime = 0;

  /**
   * Makes an empty heap.
   *
   * @param capacity How many entries fit before the arrays first grow.
   */
  constructor(capacity = 1024) {
    const cap = Math.max(16, capacity | 0);
    this.#times = new Float64Array(cap);
    this.#keys = new Float64Array(cap);
    this.#ids = new Int32Array(cap);
  }

  /** How many entries the heap holds. */
  get size(): number {
    return this.#size;
  }

  /** The earliest entry's time, or `Infinity` when the heap is empty. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#times[0]!;
  }

  /** The earliest entry's id, or `-1` when the heap is empty. */
  peekId(): number {
    return this.#size === 0 ? -1 : this.#ids[0]!;
  }

  /**
   * Adds an entry.
   *
   * @param time When the entry is due.
   * @param key The tie-breaker among entries due at the same time.
   * @param id The caller's handle for the entry.
   */
  push(time: number, key: number, id: number): void {
    if (this.#size === this.#times.length) this.#grow();
    const times = this.#times, keys = this.#keys, ids = this.#ids;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && keys[parent]! < key)) break;
      times[i] = pt;
      keys[i] = keys[parent]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
    ids[i] = id;
  }

  /**
   * Removes the earliest entry and returns its id; its time is left in
   * {@linkcode EventHeap.poppedTime}.
   *
   * @returns The id, or `-1` when the heap is empty.
   */
  pop(): number {
    const n = this.#size;
    if (n === 0) return -1;
    const times = this.#times, keys = this.#keys, ids = this.#ids;
    const top = ids[0]!;
    this.poppedTime = times[0]!;
    const last = n - 1;
    this.#size = last;
    if (last === 0) return top;
    const time = times[last]!, key = keys[last]!, id = ids[last]!;
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      let ct = times[child]!, ck = keys[child]!;
      const right = child + 1;
      if (right < last) {
        const rt = times[right]!, rk = keys[right]!;
        if (rt < ct || (rt === ct && rk < ck)) {
          child = right;
          ct = rt;
          ck = rk;
        }
      }
      if (time < ct || (time === ct && key < ck)) break;
      times[i] = ct;
      keys[i] = ck;
      ids[i] = ids[child]!;
      i = child;
    }
    times[i] = time;
    keys[i] = key;
    ids[i] = id;
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.#size = 0;
  }

  #grow(): void {
    const cap = this.#times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.#times);
    const keys = new Float64Array(cap);
    keys.set(this.#keys);
    const ids = new Int32Array(cap);
    ids.set(this.#ids);
    this.#times = times;
    this.#keys = keys;
    this.#ids = ids;
  }
}
