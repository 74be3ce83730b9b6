import assert from "node:assert/strict";
import { Simulation, TIMEOUT } from "../kernel/simulation.ts";
import { ms } from "../kernel/time.ts";
import { POLLIN, POLLOUT } from "./events.ts";
import { File, TtyFile, type WaitEntry } from "./file.ts";
import { Host } from "./host.ts";
import type { Sys } from "./sys.ts";
import type { ThreadRoutine } from "./thread.ts";

/** A file whose readiness a test sets by hand. */
class Flag extends File {
  readonly kind = "flag";
  ready = 0;
  poll(): number {
    return this.ready;
  }
  raise(events: number): void {
    this.ready |= events;
    this._wake(events);
  }
}

/** A wait-queue entry that records its wake-ups; `accepts` says whether it takes them. */
class Probe implements WaitEntry {
  woken: number[] = [];
  constructor(
    readonly mask: number,
    readonly exclusive: boolean,
    readonly accepts = true,
    readonly log: string[] = [],
    readonly name = "",
  ) {}
  _wake(_file: File, events: number): boolean {
    this.woken.push(events);
    this.log.push(this.name);
    return this.accepts;
  }
}

Deno.test("a wake-up reaches every non-exclusive entry whose mask meets the events", () => {
  const f = new Flag();
  const reader = new Probe(POLLIN, false), writer = new Probe(POLLOUT, false);
  const both = new Probe(POLLIN | POLLOUT, false);
  for (const e of [reader, writer, both]) f._addWait(e);
  f._wake(POLLIN);
  assert.deepEqual([reader.woken, writer.woken, both.woken], [[POLLIN], [], [POLLIN]]);
});

Deno.test("only the first exclusive entry that accepts is woken; non-exclusive ones all are", () => {
  const f = new Flag();
  const log: string[] = [];
  const entries = [
    new Probe(POLLIN, true, false, log, "busy"), // declines: it already woke
    new Probe(POLLIN, true, true, log, "taker"),
    new Probe(POLLIN, true, true, log, "left out"),
    new Probe(POLLIN, false, true, log, "watcher"),
  ];
  for (const e of entries) f._addWait(e);
  f._wake(POLLIN);
  assert.deepEqual(log, ["busy", "taker", "watcher"]);
});

Deno.test("entries can be removed, and removing the last leaves an empty queue", () => {
  const f = new Flag();
  const a = new Probe(POLLIN, false), b = new Probe(POLLIN, false);
  f._addWait(a);
  f._addWait(b);
  f._removeWait(a);
  assert.equal(f._wq, b);
  f._removeWait(b);
  assert.equal(f._wq, null);
  f._wake(POLLIN);
  assert.deepEqual(a.woken, []);
  f._removeWait(a); // removing an absent entry does nothing
  assert.equal(f._wq, null);
});

Deno.test("a terminal is always writable and never readable", () => {
  const t = new TtyFile();
  assert.equal(t.poll(), POLLOUT);
  assert.equal(t.kind, "tty");
  assert.equal(t.describe(), "tty");
});

// ---- threads waiting on files ----------------------------------------------

/**
 * Waits as a system call does: waitFile returns 0 after sleeping off CPU
 * debt (a spurious wake-up), so callers loop.
 */
function* waitReady(
  sys: Sys,
  f: File,
  call: string,
  fd: number,
  options: { exclusive?: boolean; timeout?: number } = {},
): ThreadRoutine<number | typeof TIMEOUT> {
  for (;;) {
    const r = yield* sys.thread.waitFile(f, POLLIN, call, fd, options);
    if (r !== 0) return r;
  }
}

Deno.test("one readiness change wakes one of two threads in an exclusive wait", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", cores: 2 });
  const f = new Flag();
  const woke: string[] = [];
  for (const name of ["a", "b"]) {
    host.spawn(name, function* (sys) {
      const r = yield* waitReady(sys, f, "accept", -1, { exclusive: true, timeout: ms(5) });
      woke.push(`${name}:${r === TIMEOUT ? "timeout" : r}`);
    });
  }
  sim.schedule(ms(1), () => f.raise(POLLIN));
  sim.run();
  assert.deepEqual(woke, ["a:1", "b:timeout"]);
});

Deno.test("one readiness change wakes every thread in a shared wait (the thundering herd)", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", cores: 3 });
  const f = new Flag();
  let woken = 0;
  for (const name of ["a", "b", "c"]) {
    host.spawn(name, function* (sys) {
      yield* waitReady(sys, f, "read", -1);
      woken++;
    });
  }
  sim.schedule(ms(1), () => f.raise(POLLIN));
  sim.run();
  assert.equal(woken, 3);
});

Deno.test("a thread's wait on a file counts as phase 1 and leaves the queue when it times out", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", costs: { wakeupNs: 0 } });
  const f = new Flag();
  const p = host.spawn("reader", function* (sys) {
    return (yield* waitReady(sys, f, "recv", 3, { timeout: ms(2) })) === TIMEOUT ? 1 : 0;
  });
  sim.run();
  assert.equal(p.exitCode, 1);
  assert.equal(p.usage().phase1Ns, ms(2));
  assert.equal(f._wq, null);
});

Deno.test("a thread blocked on a file is named in the deadlock report", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box" });
  const f = new Flag();
  host.spawn("stuck", function* (sys) {
    yield* waitReady(sys, f, "recv", 4);
  });
  const r = sim.run({ deadlock: "report" });
  assert.equal(r.stop, "deadlock");
  assert.deepEqual(r.blocked.map((b) => [b.name, b.waitingOn]), [
    ["stuck[1000]", "recv on fd 4 (flag)"],
  ]);
});
