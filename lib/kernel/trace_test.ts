import assert from "node:assert/strict";
import { Trace } from "./trace.ts";

function clock(): { now: number } {
  return { now: 0 };
}

Deno.test("the digest depends on every field of every record", () => {
  const digestOf = (...recs: [string, number, Record<string, unknown>][]): string => {
    const c = clock();
    const t = new Trace(c);
    for (const [kind, task, data] of recs) {
      c.now += 1;
      t.emit(kind, task, data as never);
    }
    return t.digest();
  };
  const base = digestOf(["print", 1, { text: "a", n: 1.5 }]);
  assert.equal(base, digestOf(["print", 1, { text: "a", n: 1.5 }]));
  assert.notEqual(base, digestOf(["print", 2, { text: "a", n: 1.5 }]));
  assert.notEqual(base, digestOf(["print", 1, { text: "b", n: 1.5 }]));
  assert.notEqual(base, digestOf(["print", 1, { text: "a", n: 1.25 }]));
  assert.notEqual(base, digestOf(["spawn", 1, { text: "a", n: 1.5 }]));
  assert.notEqual(base, digestOf(["print", 1, { text: "a", n: 1.5, x: [1, null, true] }]));
});

Deno.test("records are filtered by kind, task and time", () => {
  const c = clock();
  const t = new Trace(c);
  for (let i = 0; i < 10; i++) {
    c.now = i;
    t.emit(i % 2 === 0 ? "even" : "odd", i % 3, { i });
  }
  assert.equal(t.records().length, 10);
  assert.equal(t.records({ kind: "even" }).length, 5);
  assert.equal(t.records({ kind: ["even", "odd"], task: 0 }).length, 4);
  assert.deepEqual(t.records({ from: 3, to: 5 }).map((r) => r.t), [3, 4]);
});

Deno.test("sampling, kinds and limits keep fewer records but digest all", () => {
  const emitAll = (t: Trace): void => {
    for (let i = 0; i < 100; i++) t.emit(i % 4 === 0 ? "a" : "b", 0, { i });
  };
  const full = new Trace(clock());
  const sampled = new Trace(clock(), { sample: 10 });
  const onlyA = new Trace(clock(), { kinds: ["a"] });
  const limited = new Trace(clock(), { limit: 7 });
  const digestOnly = new Trace(clock(), { record: false });
  for (const t of [full, sampled, onlyA, limited, digestOnly]) emitAll(t);
  assert.equal(sampled.records().length, 10);
  assert.equal(onlyA.records().length, 25);
  assert.equal(limited.records().length, 7);
  assert.equal(limited.dropped, 93);
  assert.equal(digestOnly.records().length, 0);
  for (const t of [sampled, onlyA, limited, digestOnly]) {
    assert.equal(t.digest(), full.digest());
    assert.equal(t.count, 100);
  }
});

Deno.test("a disabled trace keeps nothing and its digest never changes", () => {
  const t = new Trace(clock(), false);
  const before = t.digest();
  t.emit("x", 1, { a: 1 });
  assert.equal(t.enabled, false);
  assert.equal(t.records().length, 0);
  assert.equal(t.digest(), before);
});

Deno.test("bad trace options are rejected", () => {
  assert.throws(() => new Trace(clock(), { sample: 0 }), /sample "0"/);
  assert.throws(() => new Trace(clock(), { limit: -1 }), RangeError);
});
