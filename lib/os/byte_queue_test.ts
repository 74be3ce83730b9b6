import assert from "node:assert/strict";
import { ByteQueue } from "./byte_queue.ts";

function bytes(...xs: number[]): Uint8Array {
  return new Uint8Array(xs);
}

Deno.test("a ByteQueue returns bytes in the order they were pushed, across chunks", () => {
  const q = new ByteQueue();
  q.push(bytes(1, 2, 3));
  q.push(bytes());
  q.push(bytes(4));
  q.push(bytes(5, 6));
  assert.equal(q.length, 6);
  assert.deepEqual(q.take(2), bytes(1, 2));
  assert.deepEqual(q.take(3), bytes(3, 4, 5));
  assert.deepEqual(q.take(99), bytes(6));
  assert.equal(q.length, 0);
  assert.deepEqual(q.take(5), bytes());
});

Deno.test("peek looks without consuming", () => {
  const q = new ByteQueue();
  q.push(bytes(1, 2));
  q.push(bytes(3));
  assert.deepEqual(q.peek(3), bytes(1, 2, 3));
  assert.deepEqual(q.peek(1), bytes(1));
  assert.equal(q.length, 3);
  assert.deepEqual(q.take(3), bytes(1, 2, 3));
});

Deno.test("bytes within one chunk come back as a view, not a copy", () => {
  const chunk = bytes(1, 2, 3, 4);
  const q = new ByteQueue();
  q.push(chunk);
  const part = q.take(2);
  assert.equal(part.buffer, chunk.buffer);
  assert.deepEqual(part, bytes(1, 2));
});

Deno.test("take of zero or a negative count returns nothing and consumes nothing", () => {
  const q = new ByteQueue();
  q.push(bytes(1));
  assert.deepEqual(q.take(0), bytes());
  assert.deepEqual(q.take(-3), bytes());
  assert.equal(q.length, 1);
});

Deno.test("clear drops everything", () => {
  const q = new ByteQueue();
  q.push(bytes(1, 2));
  q.take(1);
  q.clear();
  assert.equal(q.length, 0);
  q.push(bytes(9));
  assert.deepEqual(q.take(5), bytes(9));
});

Deno.test("many small chunks stay in order through the queue's compaction", () => {
  const q = new ByteQueue();
  const expected: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 30; i++) {
      const chunk = bytes(next % 256, (next + 1) % 256);
      next += 2;
      q.push(chunk);
      expected.push(...chunk);
    }
    // Take an odd amount so reads straddle chunks.
    const got = q.take(37);
    assert.deepEqual([...got], expected.splice(0, got.length));
  }
  assert.deepEqual([...q.take(q.length)], expected);
});

Deno.test("take and peek refuse a count that is not an integer, leaving the queue intact", () => {
  const q = new ByteQueue();
  assert.throws(() => q.peek(NaN), { name: "RangeError", message: /byte count "NaN" for peek/ });
  q.push(bytes(1, 2, 3));
  assert.throws(() => q.take(1.5), { name: "RangeError", message: /byte count "1\.5" for take/ });
  assert.throws(() => q.take(NaN), RangeError);
  assert.throws(() => q.take(Infinity), RangeError);
  assert.throws(() => q.take("2" as unknown as number), {
    name: "TypeError",
    message: /byte count "2" for take: expected a number/,
  });
  assert.equal(q.length, 3);
  // Integers out of range are fine: none, or everything.
  assert.equal(q.take(-1).length, 0);
  assert.deepEqual(q.peek(2 ** 53), bytes(1, 2, 3));
  assert.deepEqual(q.take(3), bytes(1, 2, 3));
  assert.equal(q.length, 0);
});
