import assert from "node:assert/strict";
import { checkSeed, Rng } from "./rng.ts";

Deno.test("the same seed gives the same stream, another seed another", () => {
  const a = new Rng(123), b = new Rng(123), c = new Rng(124);
  const da = Array.from({ length: 8 }, () => a.nextUint32());
  const db = Array.from({ length: 8 }, () => b.nextUint32());
  const dc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(da, db);
  assert.notDeepEqual(da, dc);
});

Deno.test("xoshiro128** matches its reference output", () => {
  // Expected values from the reference C implementation with state {1, 2, 3, 4}.
  const r = new Rng(0);
  r._setState(1, 2, 3, 4);
  const got = Array.from({ length: 6 }, () => r.nextUint32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

Deno.test("a fork depends on the seed and label, not on draws made before", () => {
  const a = new Rng(9), b = new Rng(9);
  for (let i = 0; i < 100; i++) a.random();
  assert.equal(a.fork("net").random(), b.fork("net").random());
  assert.notEqual(b.fork("net").random(), b.fork("disk").random());
  assert.notEqual(b.fork("net").fork("x").random(), b.fork("net").random());
});

Deno.test("draws stay in range and have the right means", () => {
  const r = new Rng(5);
  let sumU = 0, sumE = 0, sumN = 0, sumN2 = 0;
  const n = 20_000;
  const counts = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const u = r.random();
    assert.ok(u >= 0 && u < 1);
    sumU += u;
    sumE += r.exponential(2);
    const z = r.normal(10, 3);
    sumN += z;
    sumN2 += (z - 10) ** 2;
    const d = r.int(1, 6);
    counts[d - 1]!++;
  }
  assert.ok(Math.abs(sumU / n - 0.5) < 0.01);
  assert.ok(Math.abs(sumE / n - 2) < 0.06);
  assert.ok(Math.abs(sumN / n - 10) < 0.1);
  assert.ok(Math.abs(Math.sqrt(sumN2 / n) - 3) < 0.1);
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 6) < 0.015);
  assert.equal(r.int(4, 4), 4);
  const u = r.uniform(2, 3);
  assert.ok(u >= 2 && u < 3);
});

Deno.test("pick, shuffle and chance", () => {
  const r = new Rng(1);
  const items = [1, 2, 3, 4, 5];
  assert.ok(items.includes(r.pick(items)));
  assert.deepEqual(r.shuffle(items.slice()).sort(), items);
  assert.equal(r.chance(0), false);
  assert.equal(r.chance(1), true);
});

Deno.test("bad seeds and bad parameters are rejected with the value named", () => {
  assert.throws(() => new Rng(-1), /seed "-1"/);
  assert.throws(() => new Rng(1.5), RangeError);
  assert.throws(() => new Rng(NaN), RangeError);
  assert.throws(() => new Rng(2 ** 53), RangeError);
  assert.throws(() => new Rng("7" as unknown as number), TypeError);
  assert.equal(checkSeed(2 ** 53 - 1), 2 ** 53 - 1);
  const r = new Rng(1);
  assert.throws(() => r.int(3, 1), /bounds "3", "1"/);
  assert.throws(() => r.int(0.5, 2), RangeError);
  assert.throws(() => r.uniform(NaN, 1), RangeError);
  assert.throws(() => r.exponential(0), /mean "0"/);
  assert.throws(() => r.normal(0, -1), RangeError);
  assert.throws(() => r.chance(1.5), /probability "1.5"/);
  assert.throws(() => r.pick([]), RangeError);
  assert.throws(() => r.fork(3 as unknown as string), TypeError);
});
