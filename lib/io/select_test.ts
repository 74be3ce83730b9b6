import assert from "node:assert/strict";
import { Interrupt } from "../kernel/errors.ts";
import { ms, Simulation } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import { DEFAULT_COSTS, type ThreadRoutine } from "../os/mod.ts";
import { FD_SETSIZE, select } from "./select.ts";
import { errnoOf, run, texts } from "./_testing.ts";

const C = DEFAULT_COSTS;

/** Runs an operation and gives the name and message of what it threw. */
function* thrownBy(op: ThreadRoutine<unknown>): ThreadRoutine<string> {
  try {
    yield* op;
    return "ok";
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

Deno.test("select rejects fd 1024 with Python's error, before any system call", () => {
  let syscalls = -1;
  const sim = run(function* (sys) {
    const before = sys.thread.usage.syscalls;
    for (const lists of [[[FD_SETSIZE], [], []], [[], [1024], []], [[], [], [5000]]]) {
      const [r, w, x] = lists as [number[], number[], number[]];
      sys.print(yield* thrownBy(select(sys, r, w, x, 0)));
    }
    syscalls = sys.thread.usage.syscalls - before;
    // 1023 is in range: it fails only because it is not open.
    sys.print(yield* errnoOf(select(sys, [1023], [], [], 0)));
  });
  assert.equal(FD_SETSIZE, 1024);
  const lines = texts(sim);
  for (const line of lines.slice(0, 3)) {
    assert.match(line, /^RangeError: filedescriptor out of range in select\(\)/);
  }
  assert.equal(lines[3], "EBADF");
  assert.equal(syscalls, 0);
});

Deno.test("select rejects negative fds", () => {
  const sim = run(function* (sys) {
    sys.print(yield* thrownBy(select(sys, [-1], [], [], 0)));
    sys.print(yield* thrownBy(select(sys, [], [], [-7], 0)));
  });
  for (const line of texts(sim)) {
    assert.match(line, /^RangeError: filedescriptor out of range in select\(\)/);
  }
});

Deno.test("select rejects lists that are not arrays of integers", () => {
  const sim = run(function* (sys) {
    sys.print(yield* thrownBy(select(sys, "3" as unknown as number[], [], [], 0)));
    sys.print(yield* thrownBy(select(sys, [1.5], [], [], 0)));
    sys.print(yield* thrownBy(select(sys, [], [], [], Number.NaN)));
  });
  const lines = texts(sim);
  assert.equal(lines.length, 3);
  for (const line of lines) assert.match(line, /^TypeError: /);
});

Deno.test("select rejects a negative timeout, as Python does", () => {
  const sim = run(function* (sys) {
    sys.print(yield* thrownBy(select(sys, [], [], [], -1)));
  });
  assert.match(texts(sim)[0]!, /^RangeError: .*timeout must be non-negative/);
});

Deno.test("select fails with EBADF for a descriptor that is not open", () => {
  const sim = run(function* (sys) {
    const [x] = yield* sys.socketpair();
    sys.print(yield* errnoOf(select(sys, [x], [], [17], 0)));
    yield* sys.close(x);
    sys.print(yield* errnoOf(select(sys, [], [x], [], 0)));
  });
  assert.deepEqual(texts(sim), ["EBADF", "EBADF"]);
});

Deno.test("select returns the ready subset of each list", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.send(x, "ping");
    // y has data; both are writable; nothing is exceptional.
    const result = yield* select(sys, [x, y], [y, x], [x, y], 0);
    sys.print(JSON.stringify({ x, y, result }));
  });
  assert.deepEqual(JSON.parse(texts(sim)[0]!), { x: 3, y: 4, result: [[4], [4, 3], []] });
});

Deno.test("select reports a listening socket with a pending connection as readable", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  net.addHost("server").spawn("srv", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 9000]);
    yield* sys.listen(ls);
    sys.print("idle", JSON.stringify(yield* select(sys, [ls], [], [], 0)));
    const [r] = yield* select(sys, [ls], [], []);
    const { fd } = yield* sys.accept(ls);
    sys.print("ready", JSON.stringify(r), fd);
  });
  net.addHost("client").spawn("cli", function* (sys) {
    yield* sys.sleep(ms(1));
    yield* sys.connect(yield* sys.socket(), ["server", 9000]);
  });
  sim.run();
  assert.deepEqual(texts(sim), ["idle [[],[],[]]", "ready [3] 4"]);
});

Deno.test("select reports a socket at EOF as readable", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.close(x);
    const [r] = yield* select(sys, [y], [], [], ms(1));
    sys.print(JSON.stringify(r), (yield* sys.recv(y, 10)).length);
  });
  assert.deepEqual(texts(sim), ["[4] 0"]);
});

Deno.test("select's cost grows with nfds: a high fd costs more than a low one", () => {
  let low = 0, high = 0, highFd = 0;
  run(function* (sys) {
    const [x] = yield* sys.socketpair();
    for (let i = 0; i < 500; i++) highFd = yield* sys.socket();
    const u = sys.thread.usage;
    // One writable descriptor each time: only its number differs.
    let before = u.syscallNs;
    const a = yield* select(sys, [], [x], [], 0);
    low = u.syscallNs - before;
    before = u.syscallNs;
    const b = yield* select(sys, [], [highFd], [], 0);
    high = u.syscallNs - before;
    assert.deepEqual([a[1], b[1]], [[x], [highFd]]);
  });
  assert.equal(highFd, 504);
  assert.equal(low, C.syscallNs + C.selectBaseNs + 4 * C.selectPerFdNs);
  assert.equal(high, C.syscallNs + C.selectBaseNs + 505 * C.selectPerFdNs);
  assert.ok(high > 10 * low);
});

Deno.test("select costs two syscalls per ready read", () => {
  let reads = 0, syscalls = 0, wakeups = 0, selectNs = 0;
  run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const writer = yield* sys.spawnThread("writer", function* (w) {
      for (let i = 0; i < 5; i++) {
        yield* w.sleep(ms(1));
        yield* w.send(x, `m${i}`);
      }
      yield* w.sleep(ms(1));
      yield* w.close(x);
    });
    const u = sys.thread.usage;
    const calls0 = u.syscalls, wake0 = u.wakeups;
    for (;;) {
      const before = u.syscallNs;
      const [r] = yield* select(sys, [y], [], []);
      selectNs += u.syscallNs - before;
      assert.deepEqual(r, [y]);
      const data = yield* sys.recv(y, 64);
      if (data.length === 0) break;
      reads++;
    }
    syscalls = u.syscalls - calls0;
    wakeups = u.wakeups - wake0;
    yield* sys.joinThread(writer);
  });
  assert.equal(reads, 5);
  // Five reads and the EOF: one select and one recv each, though every select slept.
  assert.equal(wakeups, 6);
  assert.equal(syscalls, 12);
  // Each select scans nfds = 5 twice (before sleeping and after the wake-up), entering once.
  assert.equal(selectNs, 6 * (C.syscallNs + 2 * (C.selectBaseNs + 5 * C.selectPerFdNs)));
});

Deno.test("select with a timeout returns empty lists at the deadline", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const t0 = sys.now;
    const result = yield* select(sys, [y], [], [y], ms(10));
    elapsed = sys.now - t0;
    sys.print(JSON.stringify(result));
  });
  assert.deepEqual(texts(sim), ["[[],[],[]]"]);
  // The timer fires at exactly 10 ms; the thread then wakes and scans once more.
  assert.equal(elapsed, ms(10) + C.wakeupNs + C.selectBaseNs + 5 * C.selectPerFdNs);
});

Deno.test("select with a zero timeout polls and returns at once", () => {
  let elapsed = -1, wakeups = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* select(sys, [y], [], [], 0)));
    elapsed = sys.now - t0;
    wakeups = sys.thread.usage.wakeups;
  });
  assert.deepEqual(texts(sim), ["[[],[],[]]"]);
  assert.equal(elapsed, C.syscallNs + C.selectBaseNs + 5 * C.selectPerFdNs);
  assert.equal(wakeups, 0);
});

Deno.test("select with empty lists sleeps for the timeout", () => {
  let elapsed = -1;
  run(function* (sys) {
    const t0 = sys.now;
    assert.deepEqual(yield* select(sys, [], [], [], ms(3)), [[], [], []]);
    elapsed = sys.now - t0;
  });
  assert.equal(elapsed, ms(3) + C.wakeupNs + C.selectBaseNs);
});

Deno.test("select blocks without using CPU while waiting", () => {
  let phase1 = 0, cpu = 0, syscall = 0, returned = 0;
  run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const writer = yield* sys.spawnThread("writer", function* (w) {
      yield* w.sleep(ms(50));
      yield* w.send(x, "late");
    });
    const u = sys.thread.usage;
    const p0 = u.phase1Ns, c0 = u.cpuNs, s0 = u.syscallNs;
    const [r] = yield* select(sys, [y], [], []);
    assert.deepEqual(r, [y]);
    returned = sys.now;
    phase1 = u.phase1Ns - p0;
    cpu = u.cpuNs - c0;
    syscall = u.syscallNs - s0;
    yield* sys.joinThread(writer);
  });
  assert.ok(returned > ms(50));
  assert.ok(phase1 > ms(49.9), `phase1Ns ${phase1}`);
  // CPU: entering, two scans and the context switch back from the writer; nothing while asleep.
  assert.equal(syscall, C.syscallNs + 2 * (C.selectBaseNs + 5 * C.selectPerFdNs));
  assert.equal(cpu, syscall + C.contextSwitchNs);
});

Deno.test("closing an fd that select is watching does not wake it; the next select fails with EBADF", () => {
  // Linux's do_select checks the descriptors once, on entry (max_select_fd):
  // a descriptor closed by another thread while select sleeps is skipped by
  // later scans, and only the next call fails with EBADF.
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const [u, v] = yield* sys.socketpair();
    const other = yield* sys.spawnThread("other", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.close(y);
      yield* t.sleep(ms(1));
      yield* t.send(u, "go");
    });
    const r = yield* select(sys, [y, v], [], [], ms(100));
    sys.print("woke at", Math.floor(sys.now / ms(1)), "ms with", JSON.stringify(r));
    sys.print("next select:", yield* errnoOf(select(sys, [y, v], [], [], 0)));
    yield* sys.joinThread(other);
  });
  assert.deepEqual(texts(sim), ["woke at 2 ms with [[6],[],[]]", "next select: EBADF"]);
});

Deno.test("a select watching only a descriptor that another thread closes sleeps until its timeout", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const closer = yield* sys.spawnThread("closer", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.close(y);
    });
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* select(sys, [y], [], [], ms(20))));
    elapsed = sys.now - t0;
    yield* sys.joinThread(closer);
  });
  assert.deepEqual(texts(sim), ["[[],[],[]]"]);
  assert.ok(elapsed >= ms(20), `returned after ${elapsed} ns`);
});

Deno.test("an interrupted select leaves no wait entries behind", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const waiter = yield* sys.spawnThread("waiter", function* (t) {
      try {
        yield* select(t, [y], [], [y]);
      } catch (e) {
        t.print(e instanceof Interrupt ? "interrupted" : String(e));
      }
    });
    yield* sys.sleep(ms(1));
    waiter.task.interrupt("test");
    yield* sys.sleep(ms(1));
    sys.print("wait queue empty:", sys.fileOf(y)!._wq === null);
    // Data now must not try to wake the thread that left.
    yield* sys.send(x, "late");
    yield* sys.joinThread(waiter);
  });
  assert.deepEqual(texts(sim), ["interrupted", "wait queue empty: true"]);
});

Deno.test("a select that returns leaves no wait entries on the files it watched", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const [, v] = yield* sys.socketpair();
    const writer = yield* sys.spawnThread("writer", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.send(x, "hi");
    });
    const [r] = yield* select(sys, [y, v], [], []);
    sys.print(JSON.stringify(r), sys.fileOf(y)!._wq === null, sys.fileOf(v)!._wq === null);
    yield* sys.joinThread(writer);
  });
  assert.deepEqual(texts(sim), ["[4] true true"]);
});
