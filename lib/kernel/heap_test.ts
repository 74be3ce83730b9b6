import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { EventHeap } from "./heap.ts";

Deno.test("heap pops by time, then by key", () => {
  const heap = new EventHeap(16);
  heap.push(5, 2, 1);
  heap.push(5, 1, 2);
  heap.push(1, 9, 3);
  heap.push(7, 0, 4);
  const order: number[] = [];
  while (heap.size > 0) order.push(heap.pop());
  assert.deepEqual(order, [3, 2, 1, 4]);
  assert.equal(heap.pop(), -1);
  assert.equal(heap.peekTime(), Infinity);
});

Deno.test("heap grows past its initial capacity and keeps order", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1000), fc.nat(50)), { maxLength: 300 }), (entries) => {
      const heap = new EventHeap(16);
      entries.forEach(([t, k], i) => heap.push(t, k * 1000 + i, i));
      const expected = entries.map(([t, k], i) => ({ t, key: k * 1000 + i, i }))
        .sort((a, b) => a.t - b.t || a.key - b.key).map((e) => e.i);
      const got: number[] = [];
      while (heap.size > 0) got.push(heap.pop());
      assert.deepEqual(got, expected);
    }),
  );
});

Deno.test("heap reports the popped time and clears", () => {
  const heap = new EventHeap();
  heap.push(42, 0, 7);
  assert.equal(heap.peekId(), 7);
  assert.equal(heap.pop(), 7);
  assert.equal(heap.poppedTime, 42);
  heap.push(1, 0, 1);
  heap.clear();
  assert.equal(heap.size, 0);
  assert.equal(heap.peekId(), -1);
});
