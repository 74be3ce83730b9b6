import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { ms } from "../kernel/mod.ts";
import { POLLIN, POLLNVAL, POLLOUT } from "../os/mod.ts";
import { poll, type PollFd } from "./poll.ts";
import { PollSet } from "./poll_set.ts";
import { run } from "./_testing.ts";

Deno.test("a poll set blocks until an entry is ready, and times out", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const set = new PollSet();
    set.set(y, POLLIN);
    const none = yield* poll(sys, set, ms(5));
    sys.print(`timeout: ${JSON.stringify(none)} at ${Math.floor(sys.now / 1e6)} ms`);
    yield* sys.spawnThread("writer", function* (t) {
      yield* t.sleep(ms(3));
      yield* t.send(x, "hi");
    });
    sys.print(`ready: ${JSON.stringify(yield* poll(sys, set))} at ${Math.floor(sys.now / 1e6)} ms`);
  });
  assert.deepEqual(sim.output.map((l) => l.text), [
    "timeout: [] at 5 ms",
    'ready: [{"fd":4,"revents":1}] at 8 ms',
  ]);
});

Deno.test("a closed descriptor reports POLLNVAL; reopened, it is watched afresh", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const set = new PollSet();
    set.set(y, POLLIN);
    assert.deepEqual(yield* poll(sys, set, 0), []);
    yield* sys.close(y);
    assert.deepEqual(yield* poll(sys, set, 0), [{ fd: y, revents: POLLNVAL }]);
    assert.deepEqual(yield* poll(sys, set, 0), [{ fd: y, revents: POLLNVAL }]);
    // The lowest free descriptor is y again: now a fresh, writable pair end.
    const [p] = yield* sys.socketpair();
    assert.equal(p, y);
    set.set(y, POLLOUT);
    assert.deepEqual(yield* poll(sys, set, 0), [{ fd: y, revents: POLLOUT }]);
    yield* sys.close(x);
    sys.print("done");
  });
  assert.equal(sim.output[0]!.text, "done");
});

Deno.test("a poll set is charged for every entry, like an array", () => {
  const charged = (useSet: boolean) => {
    let cost = 0;
    run(function* (sys) {
      const fds: PollFd[] = [];
      const set = new PollSet();
      for (let i = 0; i < 100; i++) {
        const [a] = yield* sys.socketpair();
        fds.push({ fd: a, events: POLLIN });
        set.set(a, POLLIN);
      }
      const before = sys.thread.usage.syscallNs;
      yield* poll(sys, useSet ? set : fds, 0);
      cost = sys.thread.usage.syscallNs - before;
    });
    return cost;
  };
  assert.equal(charged(true), charged(false));
  assert.ok(charged(true) > 100 * 20);
});

Deno.test("a poll set rejects bad entries with the value named", () => {
  const set = new PollSet();
  assert.throws(() => set.set(-1, POLLIN), { name: "RangeError", message: /fd "-1"/ });
  assert.throws(() => set.set(1.5, POLLIN), { name: "TypeError", message: /fd "1.5"/ });
  assert.throws(() => set.set("3" as unknown as number, POLLIN), TypeError);
  assert.throws(() => set.set(3, Number.NaN), { name: "TypeError", message: /events "NaN"/ });
  assert.equal(set.size, 0);
  assert.equal(set.delete(3), false);
});

/** One step of a random program run against both forms. */
type Op =
  | { op: "open" }
  | { op: "send"; pick: number }
  | { op: "drain"; pick: number }
  | { op: "close"; pick: number }
  | { op: "watch"; pick: number; events: number }
  | { op: "unwatch"; pick: number }
  | { op: "poll" };

const ops: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ op: "open" as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("send" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drain" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("close" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("watch" as const),
      pick: fc.nat(),
      events: fc.constantFrom(POLLIN, POLLOUT, POLLIN | POLLOUT),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("unwatch" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ op: "poll" as const }) },
);

Deno.test("a poll set gives exactly what poll on the same array gives", () => {
  let nonEmpty = 0;
  fc.assert(
    fc.property(fc.array(ops, { minLength: 10, maxLength: 80 }), (program) => {
      run(function* (sys) {
        const open: number[] = [];
        const watched: number[] = []; // descriptors ever watched, some closed since
        const array: PollFd[] = [];
        const set = new PollSet();
        const pick = (list: number[], i: number) => list[i % list.length]!;
        for (const step of program) {
          switch (step.op) {
            case "open": {
              const [a, b] = yield* sys.socketpair();
              open.push(a, b);
              break;
            }
            case "send":
              if (open.length > 0) {
                yield* sys.setBlocking(pick(open, step.pick), false);
                try {
                  yield* sys.send(pick(open, step.pick), "x");
                } catch { /* EPIPE, EAGAIN: either way the same for both */ }
              }
              break;
            case "drain":
              if (open.length > 0) {
                yield* sys.setBlocking(pick(open, step.pick), false);
                try {
                  yield* sys.recv(pick(open, step.pick), 100);
                } catch { /* EAGAIN */ }
              }
              break;
            case "close":
              if (open.length > 0) {
                const fd = pick(open, step.pick);
                open.splice(open.indexOf(fd), 1);
                yield* sys.close(fd);
              }
              break;
            case "watch": {
              const pool = [...open, ...watched];
              if (pool.length === 0) break;
              const fd = pick(pool, step.pick);
              const i = array.findIndex((p) => p.fd === fd);
              if (i >= 0) array[i] = { fd, events: step.events };
              else array.push({ fd, events: step.events });
              set.set(fd, step.events);
              if (!watched.includes(fd)) watched.push(fd);
              break;
            }
            case "unwatch": {
              if (array.length === 0) break;
              const fd = array[step.pick % array.length]!.fd;
              const i = array.findIndex((p) => p.fd === fd);
              const last = array.pop()!;
              if (i < array.length) array[i] = last;
              set.delete(fd);
              break;
            }
            case "poll": {
              const fromArray = yield* poll(sys, array, 0);
              const fromSet = yield* poll(sys, set, 0);
              assert.deepEqual(fromSet, fromArray);
              if (fromSet.length > 0) nonEmpty++;
              assert.deepEqual(set.entries(), array);
            }
          }
        }
        assert.deepEqual(yield* poll(sys, set, 0), yield* poll(sys, array, 0));
      });
    }),
    { numRuns: 200, seed: 42 },
  );
  // The comparisons were not all of empty results.
  assert.ok(nonEmpty > 100, `${nonEmpty} non-empty polls`);
});
