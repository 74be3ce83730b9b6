import assert from "node:assert/strict";
import { formatTime, ms, ns, s, us } from "./time.ts";

Deno.test("time helpers convert to whole nanoseconds", () => {
  assert.equal(ns(3), 3);
  assert.equal(us(1.5), 1500);
  assert.equal(ms(2), 2_000_000);
  assert.equal(s(1), 1_000_000_000);
  assert.equal(s(0.1) + s(0.2), s(0.3));
});

Deno.test("formatTime picks the largest unit and trims zeros", () => {
  assert.equal(formatTime(0), "0 ns");
  assert.equal(formatTime(999), "999 ns");
  assert.equal(formatTime(1000), "1 µs");
  assert.equal(formatTime(1_500_000), "1.5 ms");
  assert.equal(formatTime(123_456_789), "123.5 ms");
  assert.equal(formatTime(4.5e9), "4.5 s");
  assert.equal(formatTime(-2_000), "-2 µs");
  assert.equal(formatTime(Infinity), "Infinity");
});

Deno.test("time helpers reject NaN, infinities and non-numbers", () => {
  assert.throws(() => ms(NaN), TypeError);
  assert.throws(() => s(Infinity), /not finite/);
  assert.throws(() => us("3" as unknown as number), /microseconds "3"/);
});
