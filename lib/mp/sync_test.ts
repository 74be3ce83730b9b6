import assert from "node:assert/strict";
import { ms } from "../kernel/time.ts";
import type { HostOptions } from "../os/host.ts";
import type { ThreadBody } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { Barrier } from "./barrier.ts";
import { Condition } from "./condition.ts";
import { Event } from "./event.ts";
import { Lock, RLock } from "./lock.ts";
import { Process } from "./process.ts";
import { BoundedSemaphore, Semaphore } from "./semaphore.ts";
import { SemLock } from "./semlock.ts";
import { SharedArray } from "./shared_array.ts";
import { Value } from "./shared_value.ts";
import { attempt, world as mpWorld } from "./_testing.ts";

const world = (body: ThreadBody<void>, options: HostOptions = { cores: 4 }) =>
  mpWorld(body, options);

Deno.test("a lock excludes: holders never overlap, whatever the cores", () => {
  const spans: [number, number][] = [];
  function* run(sys: Sys, l: Lock): ThreadRoutine<void> {
    yield* l.acquire();
    const t0 = sys.now;
    yield* sys.compute(ms(1));
    spans.push([t0, sys.now]);
    yield* l.release();
  }
  world(function* (sys) {
    const l = new Lock(sys);
    const ps = [];
    for (let i = 0; i < 10; i++) {
      const p = new Process({ target: run, args: [l] });
      yield* p.start(sys);
      ps.push(p);
    }
    for (const p of ps) yield* p.join();
  });
  spans.sort((a, b) => a[0] - b[0]);
  assert.equal(spans.length, 10);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i]![0] >= spans[i - 1]![1], `span ${i} starts inside span ${i - 1}`);
  }
});

Deno.test("contended locks cost futex calls and wake-ups; uncontended ones do not", () => {
  function* hold(sys: Sys, l: Lock): ThreadRoutine<void> {
    yield* l.acquire();
    yield* sys.sleep(ms(5));
    yield* l.release();
  }
  const figures: number[] = [];
  world(function* (sys) {
    const l = new Lock(sys);
    const before = sys.thread.usage.syscalls;
    yield* l.acquire();
    yield* l.release();
    figures.push(sys.thread.usage.syscalls - before);
    const p = new Process({ target: hold, args: [l] });
    yield* p.start(sys);
    yield* sys.sleep(ms(2));
    const t0 = sys.now, calls = sys.thread.usage.syscalls;
    yield* l.acquire();
    figures.push(sys.now - t0, sys.thread.usage.syscalls - calls);
    yield* l.release();
  });
  assert.equal(figures[0], 0);
  assert.ok(figures[1]! >= ms(3), `waited ${figures[1]}`);
  assert.ok(figures[2]! >= 1);
});

Deno.test("acquire with a timeout gives up; acquire(false) does not wait", () => {
  const { out } = world(function* (sys) {
    const l = new Lock(sys);
    yield* l.acquire();
    const t0 = sys.now;
    sys.print(yield* l.acquire(false), sys.now - t0 < 1000);
    sys.print(yield* l.acquire(true, ms(5)), Math.round((sys.now - t0) / 1e6));
  });
  assert.deepEqual(out, ["false true", "false 5"]);
});

Deno.test("releasing a free lock is a ValueError; an RLock only by its owner", () => {
  function* other(sys: Sys, r: RLock): ThreadRoutine<void> {
    yield* attempt(sys, () => r.release());
  }
  const { out } = world(function* (sys) {
    const l = new Lock(sys);
    yield* attempt(sys, () => l.release());
    const r = new RLock(sys);
    yield* r.acquire();
    const p = new Process({ target: other, args: [r] });
    yield* p.start(sys);
    yield* p.join();
    yield* r.release();
  });
  assert.match(out[0]!, /^ValueError: semaphore or lock released too many times \(Lock#\d+\)$/);
  assert.match(out[1]!, /^ProcessError: attempt to release recursive lock not owned by thread/);
});

Deno.test("a semaphore lets n processes in at once", () => {
  let inside = 0, most = 0;
  function* run(sys: Sys, s: Semaphore): ThreadRoutine<void> {
    yield* s.acquire();
    most = Math.max(most, ++inside);
    yield* sys.sleep(ms(10));
    inside--;
    yield* s.release();
  }
  const { sim } = world(function* (sys) {
    const s = new Semaphore(sys, 3);
    for (let i = 0; i < 9; i++) yield* new Process({ target: run, args: [s] }).start(sys);
  });
  assert.equal(most, 3);
  assert.ok(sim.now >= ms(30));
});

Deno.test("a bounded semaphore refuses one release too many", () => {
  const { out } = world(function* (sys) {
    const s = new BoundedSemaphore(sys, 2);
    yield* s.acquire();
    yield* attempt(sys, () => s.release());
    yield* attempt(sys, () => s.release());
    assert.throws(() => new Semaphore(sys, -1), /must be >= 0/);
  });
  assert.equal(out[0], "ok");
  assert.match(out[1]!, /^ValueError: semaphore or lock released too many times/);
});

Deno.test("an event wakes every waiter; wait times out when it is not set", () => {
  function* waiter(sys: Sys, e: Event): ThreadRoutine<void> {
    const ok = yield* e.wait();
    sys.print("woken", ok, Math.round(sys.now / 1e6) >= 20);
  }
  const { out } = world(function* (sys) {
    const e = new Event(sys);
    sys.print(yield* e.wait(ms(1)), e.isSet());
    for (let i = 0; i < 3; i++) yield* new Process({ target: waiter, args: [e] }).start(sys);
    yield* sys.sleep(ms(20));
    yield* e.set();
    yield* sys.sleep(ms(1));
    yield* e.clear();
    sys.print(e.isSet());
  });
  assert.equal(out[0], "false false");
  assert.equal(out.filter((l) => l === "woken true true").length, 3);
});

Deno.test("a condition needs its lock; notify wakes one waiter at a time", () => {
  const order: string[] = [];
  function* consumer(sys: Sys, c: Condition, v: Value, name: string): ThreadRoutine<void> {
    yield* c.acquire();
    yield* c.waitFor(() => v.value > 0);
    v.value--;
    order.push(`${name}@${Math.round(sys.now / 1e6)}`);
    yield* c.release();
  }
  const { out } = world(function* (sys) {
    const c = new Condition(sys);
    const v = new Value(sys, "i", 0);
    yield* attempt(sys, () => c.wait());
    yield* attempt(sys, () => c.notify());
    for (const name of ["a", "b"]) {
      yield* new Process({ target: consumer, args: [c, v, name] }).start(sys);
    }
    yield* sys.sleep(ms(10));
    for (const at of [10, 20]) {
      yield* c.acquire();
      v.value++;
      yield* c.notify();
      yield* c.release();
      if (at === 10) yield* sys.sleep(ms(10));
    }
  });
  assert.match(
    out[0]!,
    /^ProcessError: lock is not owned: acquire\(\) Condition#\d+ before using wait\(\)$/,
  );
  assert.match(out[1]!, /^ProcessError: lock is not owned/);
  assert.equal(order.length, 2);
  const [first, second] = order.map((o) => Number(o.split("@")[1]));
  assert.equal(second! - first!, 10);
});

Deno.test("a barrier releases its parties together; a timeout breaks it", () => {
  function* party(sys: Sys, b: Barrier, delay: number): ThreadRoutine<void> {
    yield* sys.sleep(ms(delay));
    const i = yield* b.wait();
    sys.print(`index ${i} at ${Math.round(sys.now / 1e6)}`);
  }
  function* lonely(sys: Sys, b: Barrier): ThreadRoutine<void> {
    yield* attempt(sys, () => b.wait(ms(5)));
  }
  let actionRan = 0;
  const { out } = world(function* (sys) {
    const b = new Barrier(sys, 3, {
      // deno-lint-ignore require-yield
      *action() {
        actionRan++;
      },
    });
    for (const d of [10, 20, 30]) yield* new Process({ target: party, args: [b, d] }).start(sys);
    yield* sys.sleep(ms(50));
    const b2 = new Barrier(sys, 2);
    const p = new Process({ target: lonely, args: [b2] });
    yield* p.start(sys);
    yield* p.join();
    sys.print(b2.broken);
    yield* b2.reset();
    sys.print(b2.broken);
  });
  assert.deepEqual(out.slice(0, 3).map((l) => l.slice(0, 7)).sort(), [
    "index 0",
    "index 1",
    "index 2",
  ]);
  assert.equal(new Set(out.slice(0, 3).map((l) => l.split(" at ")[1])).size, 1);
  assert.ok(Number(out[0]!.split(" at ")[1]) >= 30);
  assert.match(out[3]!, /^BrokenBarrierError: Barrier#\d+: wait timed out, the barrier is broken$/);
  assert.deepEqual(out.slice(4), ["true", "false"]);
  assert.equal(actionRan, 1);
});

Deno.test("shared memory is shared: a child's writes show in the parent", () => {
  function* writer(_sys: Sys, v: Value, a: SharedArray): ThreadRoutine<void> {
    v.value = 3.5;
    yield* a.setItem(-1, 300);
  }
  const { out } = world(function* (sys) {
    const v = new Value(sys, "d", 0);
    const a = new SharedArray(sys, "b", [1, 2, 3]);
    const p = new Process({ target: writer, args: [v, a] });
    yield* p.start(sys);
    yield* p.join();
    // "b" is a signed char: 300 wraps to 44, as in C.
    sys.print(v.value, a.toArray(), yield* v.get());
    assert.throws(() => a.get(3), /invalid index "3"/);
    assert.throws(() => new Value(sys, "z" as never), /Invalid typecode "z"/);
    assert.throws(() => new Value(sys, "i", 0, { lock: false }).getLock(), /lock=false/);
  });
  assert.deepEqual(out, ["3.5 [1,2,44] 3.5"]);
});

Deno.test("unlocked read-modify-write loses updates when processes interleave; the lock fixes it", () => {
  function* add(sys: Sys, v: Value, locked: boolean): ThreadRoutine<void> {
    for (let i = 0; i < 50; i++) {
      if (locked) yield* v.getLock().acquire();
      const x = v.value;
      yield* sys.compute(20_000);
      v.value = x + 1;
      if (locked) yield* v.getLock().release();
    }
  }
  const results: number[] = [];
  for (const locked of [false, true]) {
    world(function* (sys) {
      const v = new Value(sys, "i", 0);
      const ps = [];
      for (let i = 0; i < 4; i++) {
        const p = new Process({ target: add, args: [v, locked] });
        yield* p.start(sys);
        ps.push(p);
      }
      for (const p of ps) yield* p.join();
      results.push(v.value);
    });
  }
  assert.ok(results[0]! < 200, `unlocked total ${results[0]}`);
  assert.equal(results[1], 200);
});

Deno.test("lock and semaphore constructors name a bad sys, kind or value", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (v: unknown): any => v;
  assert.throws(() => new Lock(bad(null)), { name: "TypeError", message: /sys "null"/ });
  assert.throws(() => new RLock(bad(5)), { name: "TypeError", message: /sys "5"/ });
  // deno-lint-ignore require-yield
  const { out } = world(function* (sys) {
    const tries: [string, () => unknown][] = [
      ["kind", () => new SemLock(sys, bad("bogus"), 1, 1)],
      ["1.5", () => new Semaphore(sys, 1.5)],
      ["Infinity", () => new BoundedSemaphore(sys, Infinity)],
      ["max NaN", () => new SemLock(sys, "semaphore", 1, NaN)],
      ["max -1", () => new SemLock(sys, "semaphore", 0, -1)],
      ["max '1'", () => new SemLock(sys, "semaphore", 0, bad("1"))],
      ["-1", () => new Semaphore(sys, -1)],
    ];
    for (const [what, make] of tries) {
      try {
        make();
        sys.print(`${what}: ok`);
      } catch (e) {
        sys.print(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    // A whole value is kept as given (it used to be floored silently).
    sys.print(new Semaphore(sys, 3).getValue());
  });
  assert.deepEqual(out, [
    'kind: RangeError: Invalid semaphore kind "bogus": expected "semaphore" or "recursive"',
    '1.5: RangeError: Invalid semaphore value "1.5": expected a whole number',
    'Infinity: RangeError: Invalid semaphore value "Infinity": expected a whole number',
    'max NaN: RangeError: Invalid semaphore maxValue "NaN": expected a number >= 0',
    'max -1: RangeError: Invalid semaphore maxValue "-1": expected a number >= 0',
    `max '1': TypeError: Invalid semaphore maxValue "1": expected a number`,
    '-1: ValueError: semaphore initial value must be >= 0, not "-1"',
    "3",
  ]);
});

Deno.test("condition, barrier and shared memory name bad arguments when called", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (v: unknown): any => v;
  const { out } = world(function* (sys) {
    const c = new Condition(sys);
    yield* c.acquire();
    yield* attempt(sys, () => c.notify(bad("2")));
    yield* attempt(sys, () => c.waitFor(bad(5)));
    yield* c.release();
    yield* attempt(sys, function* () {
      new Barrier(sys, 2, bad(null));
    });
    yield* attempt(sys, function* () {
      new Barrier(sys, 1, bad({ action: 5 }));
    });
    for (const code of ["toString", "constructor", "__proto__"]) {
      yield* attempt(sys, function* () {
        new Value(sys, bad(code), 1);
      });
    }
    yield* attempt(sys, function* () {
      new Value(sys, "i", 1, bad(null));
    });
    yield* attempt(sys, function* () {
      new SharedArray(sys, "d", bad("5"));
    });
    yield* attempt(sys, function* () {
      new SharedArray(sys, "d", 2, bad(7));
    });
  });
  assert.deepEqual(out, [
    'TypeError: Invalid notify count "2": expected a number',
    'TypeError: Invalid predicate "5": expected a function',
    'TypeError: Invalid barrier options "null": expected an object',
    'TypeError: Invalid barrier action "5": expected a generator function',
    'TypeError: Invalid typecode "toString": expected one of b B h H i I l L q Q f d',
    'TypeError: Invalid typecode "constructor": expected one of b B h H i I l L q Q f d',
    'TypeError: Invalid typecode "__proto__": expected one of b B h H i I l L q Q f d',
    'TypeError: Invalid shared memory options "null": expected an object',
    'TypeError: Invalid array size or values "5": expected a number or an array',
    'TypeError: Invalid shared memory options "7": expected an object',
  ]);
});

Deno.test("an array too large to allocate is a RangeError naming its size", () => {
  const { out } = world(function* (sys) {
    yield* attempt(sys, function* () {
      new SharedArray(sys, "d", 2 ** 40);
    });
  });
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^RangeError: Invalid array size "1099511627776": cannot allocate it/);
});
