import assert from "node:assert/strict";
import { forkCopy, pickle, SHARED, type SharePolicy } from "./pickle.ts";
import { PicklingError } from "./errors.ts";
import { pyRepr } from "./pyrepr.ts";

Deno.test("pickled sizes match CPython's pickle.dumps (protocol 5)", () => {
  // Measured with ForkingPickler.dumps on CPython 3.11.7.
  assert.equal(pickle("mainprocess").bytes, 26);
  assert.equal(pickle(7).bytes, 5);
  assert.equal(pickle([1, "x"]).bytes, 22);
  assert.equal(pickle({}).bytes, 5);
  assert.equal(pickle(300).bytes, 15);
  assert.equal(pickle(3.5).bytes, 21);
  assert.equal(pickle(2 ** 40).bytes, 20);
  assert.equal(pickle("x".repeat(300)).bytes, 318);
  assert.equal(pickle(new Set([1, 2])).bytes, 20);
  assert.equal(pickle(null).bytes, 4);
  assert.equal(pickle(Array.from({ length: 100 }, (_, i) => i)).bytes, 216);
  const d: Record<string, number> = {};
  for (let i = 0; i < 10; i++) d[String(i)] = i;
  assert.equal(pickle(d).bytes, 76);
});

Deno.test("a pickle is a deep copy that keeps shared references and cycles", () => {
  const shared = { n: 1 };
  const v: { a: typeof shared; b: typeof shared; self?: unknown } = { a: shared, b: shared };
  v.self = v;
  const c = pickle(v).value as typeof v;
  assert.notEqual(c, v);
  assert.equal(c.a, c.b);
  assert.notEqual(c.a, shared);
  assert.equal(c.self, c);
});

Deno.test("maps, sets, dates, typed arrays, errors and class instances survive", () => {
  class Point {
    constructor(public x: number, public y: number) {}
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  const err = new RangeError("bad");
  const v = {
    m: new Map([[1, "a"]]),
    s: new Set([1, 2]),
    d: new Date(5),
    u: new Uint8Array([1, 2]),
    e: err,
    p: new Point(3, 4),
  };
  const c = pickle(v).value as typeof v;
  assert.deepEqual([...c.m], [[1, "a"]]);
  assert.deepEqual([...c.s], [1, 2]);
  assert.equal(c.d.getTime(), 5);
  assert.deepEqual(c.u, new Uint8Array([1, 2]));
  assert.ok(c.e instanceof RangeError);
  assert.equal(c.e.message, "bad");
  assert.ok(c.p instanceof Point);
  assert.equal(c.p.norm(), 5);
});

Deno.test("unpicklable values are refused with the path where they were found", () => {
  const cases: [unknown, RegExp][] = [
    [{ f: () => 1 }, /Can't pickle function "f" at value\.f: functions cannot be sent/],
    [[1, Symbol("s")], /Can't pickle symbol "Symbol\(s\)" at value\[1\]/],
    [{ w: new WeakMap() }, /cannot pickle 'WeakMap' object/],
    [{ p: Promise.resolve() }, /cannot pickle 'Promise' object/],
    [(function* () {})(), /cannot pickle 'generator' object/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => pickle(value),
      (e) => e instanceof PicklingError && message.test(e.message),
    );
  }
  // The pool sends task functions by reference.
  const fn = () => 1;
  assert.equal(pickle([fn], { functions: true }).value instanceof Array, true);
  assert.equal((pickle([fn], { functions: true }).value as unknown[])[0], fn);
});

Deno.test("shared objects pass as themselves: inheritance-only ones cannot be pickled", () => {
  class Lockish {
    get [SHARED](): SharePolicy {
      return "inherit";
    }
  }
  class Proxyish {
    get [SHARED](): SharePolicy {
      return "reference";
    }
  }
  const l = new Lockish(), p = new Proxyish();
  assert.throws(
    () => pickle({ l }),
    /Lockish objects should only be shared between processes through inheritance \(found at value\.l\)/,
  );
  assert.equal((pickle({ p }).value as { p: unknown }).p, p);
  const copy = forkCopy({ l, p, data: [1] });
  assert.equal(copy.l, l);
  assert.equal(copy.p, p);
});

Deno.test("forkCopy copies data, keeps functions and symbols", () => {
  const sym = Symbol("k");
  const f = () => 2;
  const v = { a: [1, { b: 2 }], f, sym };
  const c = forkCopy(v);
  assert.deepEqual(c.a, v.a);
  assert.notEqual(c.a, v.a);
  assert.equal(c.f, f);
  assert.equal(c.sym, sym);
  assert.equal(forkCopy(5), 5);
});

Deno.test("pyRepr prints as Python prints", () => {
  assert.equal(
    pyRepr({ a: [1, 2.5, null, true, false], b: "x'y" }),
    `{'a': [1, 2.5, None, True, False], 'b': "x'y"}`,
  );
  assert.equal(pyRepr(new Set()), "set()");
  assert.equal(pyRepr(new Uint8Array([104, 105, 0])), "b'hi\\x00'");
  assert.equal(pyRepr(new KeyError2("k")), "KeyError2('k')");
  assert.equal(pyRepr("a\nb"), "'a\\nb'");
});

class KeyError2 extends Error {
  constructor(m: string) {
    super(m);
    this.name = "KeyError2";
  }
}

Deno.test("pickle names options that are not an object", () => {
  for (const v of [null, 5, "functions"]) {
    assert.throws(() => pickle({ a: 1 }, v as never), {
      name: "TypeError",
      message: `Invalid pickle options "${String(v)}": expected an object`,
    });
  }
  assert.deepEqual(pickle({ a: 1 }, {}).value, { a: 1 });
});
