/**
 * A queue of byte chunks.
 *
 * @module
 */

/** A byte count must be an integer: a fraction or NaN would corrupt `length`. */
function checkCount(call: string, n: unknown): number {
  if (Number.isInteger(n)) return n as number;
  if (typeof n !== "number") {
    throw new TypeError(`Invalid byte count "${String(n)}" for ${call}: expected a number`);
  }
  throw new RangeError(`Invalid byte count "${n}" for ${call}: expected an integer`);
}

/**
 * Bytes queued as the chunks they arrived in: pushing keeps the chunk,
 * taking returns a view when the bytes lie in one chunk and a copy only when
 * they span several. Chunks must not be changed after they are pushed.
 *
 * @example Taking across chunks
 * ```ts
 * import assert from "node:assert/strict";
 * const q = new ByteQueue();
 * q.push(new Uint8Array([1, 2]));
 * q.push(new Uint8Array([3, 4, 5]));
 * assert.deepEqual(q.take(3), new Uint8Array([1, 2, 3]));
 * assert.equal(q.length, 2);
 * assert.deepEqual(q.take(10), new Uint8Array([4, 5]));
 * ```
 */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #length = 0;

  /** How many bytes are queued. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends a chunk.
   *
   * @param chunk The bytes (kept, not copied).
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Removes and returns up to `n` bytes from the front (none if `n` <= 0).
   *
   * @param n The most bytes to take: an integer.
   * @returns The bytes.
   * @throws {TypeError} If `n` is not a number.
   * @throws {RangeError} If `n` is not an integer (NaN, 1.5, Infinity).
   */
  take(n: number): Uint8Array {
    return this.#read(checkCount("take", n), true);
  }

  /**
   * Returns up to `n` bytes from the front without removing them (none if `n` <= 0).
   *
   * @param n The most bytes to look at: an integer.
   * @returns The bytes.
   * @throws {TypeError} If `n` is not a number.
   * @throws {RangeError} If `n` is not an integer (NaN, 1.5, Infinity).
   */
  peek(n: number): Uint8Array {
    return this.#read(checkCount("peek", n), false);
  }

  /** Drops every queued byte. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#length = 0;
  }

  #read(n: number, consume: boolean): Uint8Array {
    n = Math.min(n, this.#length);
    if (n <= 0) return new Uint8Array(0);
    const first = this.#chunks[this.#head]!;
    const avail = first.length - this.#offset;
    if (n <= avail) {
      const out = first.subarray(this.#offset, this.#offset + n);
      if (consume) this.#advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0, i = this.#head, off = this.#offset;
    while (filled < n) {
      const c = this.#chunks[i]!;
      const k = Math.min(c.length - off, n - filled);
      out.set(c.subarray(off, off + k), filled);
      filled += k;
      off += k;
      if (off === c.length) {
        i++;
        off = 0;
      }
    }
    if (consume) this.#advance(n);
    return out;
  }

  #advance(n: number): void {
    this.#length -= n;
    while (n > 0) {
      const c = this.#chunks[this.#head]!;
      const k = Math.min(c.length - this.#offset, n);
      this.#offset += k;
      n -= k;
      if (this.#offset === c.length) {
        this.#chunks[this.#head] = undefined as unknown as Uint8Array;
        this.#head++;
        this.#offset = 0;
      }
    }
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
