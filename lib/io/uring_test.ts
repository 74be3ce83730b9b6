import assert from "node:assert/strict";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import { copyTime, DEFAULT_COSTS } from "../os/costs.ts";
import { SysError } from "../os/errno.ts";
import type { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate } from "./epoll.ts";
import { type Cqe, IORING_SQ_CQ_OVERFLOW, type IoUring, ioUringSetup } from "./uring.ts";
import { kernelUsage, setAsyncCosts } from "./kernel_work.ts";

const QUIET = { contextSwitchNs: 0, wakeupNs: 0, syscallNs: 0, signalNs: 0 };
const decode = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array(0));

function world(costs: Record<string, number> = {}): { sim: Simulation; net: Network; host: Host } {
  const sim = new Simulation();
  const net = new Network(sim);
  return { sim, net, host: net.addHost("box", { cores: 2, costs }) };
}

function errnoOf(e: unknown): string {
  if (e instanceof SysError) return e.errno;
  throw e;
}

/** Runs `body` in a process and returns its printed lines. */
function run(
  body: (sys: Sys) => ThreadRoutine<void>,
  costs: Record<string, number> = {},
): string[] {
  const { sim, host } = world(costs);
  host.spawn("p", body);
  sim.run();
  return sim.output.map((l) => l.text);
}

function* all(ring: IoUring, n: number): ThreadRoutine<Cqe[]> {
  const out: Cqe[] = [];
  while (out.length < n) {
    yield* ring.waitCqes(1);
    out.push(...yield* ring.peekBatch());
  }
  return out;
}

Deno.test("io_uring_setup wants a power of two: EINVAL otherwise, with the value in the message", () => {
  const out = run(function* (sys) {
    for (
      const [entries, params] of [[6, {}], [0, {}], [65536, {}], [8, { cqEntries: 4 }], [8, {
        cqEntries: 12,
      }]] as const
    ) {
      try {
        yield* ioUringSetup(sys, entries, params);
        sys.print("ok");
      } catch (e) {
        sys.print(errnoOf(e), (e as Error).message.includes(`"`) ? "quoted" : "");
      }
    }
    const ring = yield* ioUringSetup(sys, 16);
    sys.print(ring.sqEntries, ring.cqEntries, ring.fd);
  });
  assert.deepEqual(out, [
    "EINVAL quoted",
    "EINVAL quoted",
    "EINVAL quoted",
    "EINVAL quoted",
    "EINVAL quoted",
    "16 32 3",
  ]);
});

Deno.test("more SQEs than the SQ ring holds is a clear error; submitting frees the slots", () => {
  const out = run(function* (sys) {
    const ring = yield* ioUringSetup(sys, 2);
    ring.prep({ op: "nop", userData: 1 });
    ring.prep({ op: "nop", userData: 2 });
    sys.print("space", ring.sqSpaceLeft);
    try {
      ring.prep({ op: "nop", userData: 3 });
    } catch (e) {
      sys.print((e as Error).name, (e as Error).message);
    }
    sys.print("submitted", yield* ring.submit(), "space", ring.sqSpaceLeft);
    ring.prep({ op: "nop", userData: 3 });
    yield* ring.submit();
    sys.print((yield* ring.peekBatch()).map((c) => c.userData).join(","));
  });
  assert.deepEqual(out, [
    "space 0",
    'RangeError Cannot queue SQE "nop" (userData 3): the submission queue is full (2 entries); submit first',
    "submitted 2 space 2",
    "1,2,3",
  ]);
});

Deno.test("one io_uring_enter is one system call, however many SQEs it submits", () => {
  const { sim, host } = world();
  const p = host.spawn("p", function* (sys) {
    const ring = yield* ioUringSetup(sys, 64);
    const before = sys.thread.usage.syscalls;
    for (let i = 0; i < 64; i++) ring.prep({ op: "nop", userData: i });
    const t0 = sys.now;
    yield* ring.submitAndWait(64);
    sys.print(sys.thread.usage.syscalls - before, sys.now - t0);
  });
  sim.run();
  // One entry, plus the per-SQE kernel work.
  assert.equal(sim.output[0]!.text, `1 ${DEFAULT_COSTS.syscallNs + 64 * 100}`);
  assert.equal(p.usage().copyNs, 0);
});

Deno.test("completions come out of order and match their userData", () => {
  const out = run(function* (sys) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < 3; i++) pairs.push(yield* sys.socketpair());
    const ring = yield* ioUringSetup(sys, 8);
    pairs.forEach(([, b], i) => ring.prep({ op: "recv", fd: b, len: 32, userData: 100 + i }));
    yield* ring.submit();
    yield* sys.spawnThread("peer", function* (t) {
      for (const i of [2, 0, 1]) {
        yield* t.sleep(us(20));
        yield* t.send(pairs[i]![0], `for ${100 + i}`);
      }
    });
    for (const c of yield* all(ring, 3)) sys.print(c.userData, decode(c.data), c.res);
  }, QUIET);
  assert.deepEqual(out, ["102 for 102 7", "100 for 100 7", "101 for 101 7"]);
});

Deno.test("a full CQ overflows without losing a CQE: the flag is set, the order kept, flushed on GETEVENTS", () => {
  const out = run(function* (sys) {
    const ring = yield* ioUringSetup(sys, 4, { cqEntries: 4 });
    let next = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) ring.prep({ op: "nop", userData: next++ });
      yield* ring.submit();
    }
    sys.print(
      "ready",
      ring.cqReady,
      "overflow",
      ring.overflowPending,
      "flag",
      (ring.sqFlags & IORING_SQ_CQ_OVERFLOW) !== 0,
    );
    // Taking from the CQ does not flush: only io_uring_enter with GETEVENTS does.
    const first = yield* ring.peekBatch();
    sys.print("first", first.map((c) => c.userData).join(","), "ready", ring.cqReady);
    const syscalls = sys.thread.usage.syscalls;
    // The CQ is empty and the flag set: peekBatch enters the kernel to flush, as liburing does.
    const second = yield* ring.peekBatch();
    sys.print(
      "second",
      second.map((c) => c.userData).join(","),
      sys.thread.usage.syscalls - syscalls,
    );
    sys.print("overflow", ring.overflowPending, "flag", ring.sqFlags & IORING_SQ_CQ_OVERFLOW);
    yield* ring.getEvents();
    const third = yield* ring.peekBatch();
    sys.print("third", third.map((c) => c.userData).join(","));
    sys.print("overflowed", ring.overflowed, "dropped", ring.dropped, "flag", ring.sqFlags);
  });
  assert.deepEqual(out, [
    "ready 4 overflow 8 flag true",
    "first 0,1,2,3 ready 0",
    "second 4,5,6,7 1",
    "overflow 4 flag 2",
    "third 8,9,10,11",
    "overflowed 8 dropped 0 flag 0",
  ]);
});

Deno.test("new completions queue behind overflowed ones, even when the CQ has room", () => {
  const out = run(function* (sys) {
    const ring = yield* ioUringSetup(sys, 2, { cqEntries: 2 });
    for (let round = 0; round < 2; round++) {
      ring.prep({ op: "nop", userData: 2 * round });
      ring.prep({ op: "nop", userData: 2 * round + 1 });
      yield* ring.submit();
    }
    yield* ring.peekBatch(); // 0, 1 leave the CQ; 2, 3 still overflowed
    ring.prep({ op: "nop", userData: 4 });
    yield* ring.submit(); // a submit without GETEVENTS does not flush
    sys.print("ready", ring.cqReady, "overflow", ring.overflowPending);
    const seen: number[] = [];
    for (;;) {
      const batch = yield* ring.peekBatch();
      if (batch.length === 0) break;
      seen.push(...batch.map((c) => c.userData));
    }
    sys.print(seen.join(","));
  });
  assert.deepEqual(out, ["ready 0 overflow 3", "2,3,4"]);
});

Deno.test("cancel: the target completes with ECANCELED, the cancel with 0; ENOENT; EALREADY when running", () => {
  const out = run(function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const ring = yield* ioUringSetup(sys, 8);
    ring.prep({ op: "recv", fd: b, len: 8, userData: 1 });
    ring.prep({ op: "cancel", target: 1, userData: 2 });
    ring.prep({ op: "cancel", target: 77, userData: 3 });
    yield* ring.submitAndWait(3);
    for (const c of yield* ring.peekBatch()) sys.print(c.userData, c.res, c.error);
    // Data is there: the recv starts inline and is copying when the cancel comes.
    yield* sys.send(a, new Uint8Array(100_000));
    ring.prep({ op: "recv", fd: b, len: 100_000, userData: 4 });
    ring.prep({ op: "cancel", target: 4, userData: 5 });
    yield* ring.submit();
    for (const c of yield* all(ring, 2)) sys.print(c.userData, c.res, c.error);
  });
  assert.deepEqual(out, [
    "1 -125 ECANCELED",
    "2 0 null",
    "3 -2 ENOENT",
    "5 -114 EALREADY",
    "4 100000 null",
  ]);
});

Deno.test("timeout SQEs: -ETIME when the time runs out, 0 after `count` completions, ECANCELED when cancelled", () => {
  const { sim, host } = world(QUIET);
  host.spawn("p", function* (sys) {
    const ring = yield* ioUringSetup(sys, 8);
    const t0 = sys.now;
    ring.prep({ op: "timeout", ns: us(250), userData: 1 });
    yield* ring.submitAndWait(1);
    const [c] = yield* ring.peekBatch();
    sys.print(c!.userData, c!.res, c!.error, sys.now - t0);
    ring.prep({ op: "timeout", ns: ms(10), count: 2, userData: 2 });
    ring.prep({ op: "nop", userData: 3 });
    ring.prep({ op: "nop", userData: 4 });
    yield* ring.submitAndWait(3);
    sys.print((yield* ring.peekBatch()).map((e) => `${e.userData}:${e.res}`).join(" "));
    ring.prep({ op: "timeout", ns: ms(10), userData: 5 });
    ring.prep({ op: "cancel", target: 5, userData: 6 });
    yield* ring.submitAndWait(2);
    sys.print((yield* ring.peekBatch()).map((e) => `${e.userData}:${e.error ?? e.res}`).join(" "));
    sys.print("now", sys.now < ms(1));
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), [
    `1 -62 ETIME ${us(250) + 100}`, // the SQE's submission, then the timer
    "3:0 4:0 2:0",
    "5:ECANCELED 6:0",
    "now true",
  ]);
});

Deno.test("bad requests give errors in their CQEs: EBADF, ENOTSOCK, EINVAL, EOPNOTSUPP", () => {
  const out = run(function* (sys) {
    const [r] = yield* sys.pipe();
    const ep = yield* epollCreate(sys);
    const u = yield* sys.socket("dgram");
    const [, b] = yield* sys.socketpair();
    const ring = yield* ioUringSetup(sys, 8);
    ring.prep({ op: "recv", fd: 99, len: 8, userData: 1 });
    ring.prep({ op: "recv", fd: r, len: 8, userData: 2 });
    ring.prep({ op: "read", fd: ep, len: 8, userData: 3 });
    ring.prep({ op: "accept", fd: u, userData: 4 });
    ring.prep({ op: "recv", fd: b, len: -5, userData: 5 });
    ring.prep({ op: "write", fd: -1, data: "x", userData: 6 });
    yield* ring.submitAndWait(6);
    for (const c of yield* ring.peekBatch()) sys.print(c.userData, c.res, c.error);
  });
  assert.deepEqual(out, [
    "1 -9 EBADF",
    "2 -88 ENOTSOCK",
    "3 -22 EINVAL",
    "4 -95 EOPNOTSUPP",
    "5 -22 EINVAL",
    "6 -9 EBADF",
  ]);
});

Deno.test("malformed SQEs throw at prep: unknown op, bad userData, bad fields", () => {
  const out = run(function* (sys) {
    const ring = yield* ioUringSetup(sys, 8);
    const bad: unknown[] = [
      { op: "splice", userData: 1 },
      { op: "nop", userData: -1 },
      { op: "nop", userData: "1" },
      { op: "recv", fd: "3", len: 1, userData: 1 },
      { op: "timeout", ns: -5, userData: 1 },
      { op: "connect", fd: 3, address: ["x", 99999], userData: 1 },
      null,
    ];
    for (const sqe of bad) {
      try {
        ring.prep(sqe as never);
        sys.print("accepted");
      } catch (e) {
        sys.print((e as Error).name);
      }
    }
    try {
      yield* ring.waitCqes(17);
    } catch (e) {
      sys.print(errnoOf(e));
    }
  });
  assert.deepEqual(out, [
    "TypeError",
    "RangeError",
    "TypeError",
    "TypeError",
    "RangeError",
    "RangeError",
    "TypeError",
    "EINVAL",
  ]);
});

Deno.test("waitCqes returns at the timeout, and fails with EINTR when a handler runs", () => {
  const { sim, host } = world(QUIET);
  const p = host.spawn("p", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* () {}, { restart: true });
    const [, b] = yield* sys.socketpair();
    const ring = yield* ioUringSetup(sys, 8);
    ring.prep({ op: "recv", fd: b, len: 8, userData: 1 });
    yield* ring.submit();
    const t0 = sys.now;
    sys.print("ready", yield* ring.waitCqes(1, us(100)), sys.now - t0);
    try {
      yield* ring.waitCqes(1);
    } catch (e) {
      sys.print(errnoOf(e), sys.now);
    }
    sys.print("in flight", ring.inFlight);
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(500));
    yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), [
    `ready 0 ${us(100)}`,
    `EINTR ${us(500)}`,
    "in flight 1",
  ]);
});

Deno.test("an echo server on io_uring: accept, recv, send; the kernel copies, the process does not", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  const srv = net.addHost("server");
  const p = srv.spawn("uring", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 9000]);
    yield* sys.listen(ls);
    const ring = yield* ioUringSetup(sys, 8);
    ring.prep({ op: "accept", fd: ls, userData: 1 });
    yield* ring.submitAndWait(1);
    const [acc] = yield* ring.peekBatch();
    const fd = acc!.res;
    ring.prep({ op: "recv", fd, len: 1000, userData: 2 });
    yield* ring.submitAndWait(1);
    const [got] = yield* ring.peekBatch();
    ring.prep({ op: "send", fd, data: got!.data!, userData: 3 });
    yield* ring.submitAndWait(1);
    const [sent] = yield* ring.peekBatch();
    sys.print("accepted fd", fd, "echoed", sent!.res);
  });
  net.addHost("client").spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    const ring = yield* ioUringSetup(sys, 4);
    ring.prep({ op: "connect", fd, address: ["server", 9000], userData: 9 });
    yield* ring.submitAndWait(1);
    const [c] = yield* ring.peekBatch();
    sys.print("connect", c!.res);
    yield* sys.send(fd, "x".repeat(500));
    let n = 0;
    while (n < 500) n += (yield* sys.recv(fd, 1000)).length;
    sys.print("client got", n);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text).sort(), [
    "accepted fd 5 echoed 500",
    "client got 500",
    "connect 0",
  ]);
  assert.equal(p.usage().copyNs, 0);
  const k = kernelUsage(srv);
  assert.equal(k.copyNs, 2 * copyTime(DEFAULT_COSTS, 500));
  assert.equal(k.workNs, DEFAULT_COSTS.socketNs + DEFAULT_COSTS.recvNs + DEFAULT_COSTS.sendNs);
});

Deno.test("read and write on pipes; a closed ring's descriptor fails with EBADF", () => {
  const out = run(function* (sys) {
    const [r, w] = yield* sys.pipe();
    const ring = yield* ioUringSetup(sys, 4);
    ring.prep({ op: "read", fd: r, len: 16, userData: 1 });
    ring.prep({ op: "write", fd: w, data: "through the pipe", userData: 2 });
    yield* ring.submit();
    for (const c of yield* all(ring, 2)) sys.print(c.userData, c.res, decode(c.data));
    ring.prep({ op: "read", fd: r, len: 16, userData: 3 });
    yield* ring.submit();
    yield* sys.close(ring.fd);
    try {
      yield* ring.submit();
    } catch (e) {
      sys.print(errnoOf(e));
    }
    try {
      ring.prep({ op: "nop", userData: 4 });
    } catch (e) {
      sys.print(errnoOf(e));
    }
  });
  assert.deepEqual(out, ["2 16 ", "1 16 through the pipe", "EBADF", "EBADF"]);
});

Deno.test("the submit cost is configurable per host", () => {
  const { sim, host } = world();
  setAsyncCosts(host, { submitNs: 0, setupNs: 0 });
  host.spawn("p", function* (sys) {
    yield* sys.compute(1); // the first context switch
    const t0 = sys.now;
    const ring = yield* ioUringSetup(sys, 4);
    ring.prep({ op: "nop", userData: 1 });
    ring.prep({ op: "nop", userData: 2 });
    yield* ring.submit();
    sys.print(sys.now - t0);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, String(2 * DEFAULT_COSTS.syscallNs));
});

Deno.test("a completion during a signal handler does not cut the handler short; the wait ends with EINTR", () => {
  const { sim, host } = world(QUIET);
  let handlerDone = -1;
  const p = host.spawn("p", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* (h) {
      yield* h.compute(us(50));
      handlerDone = h.now;
    });
    const [a, b] = yield* sys.socketpair();
    const ring = yield* ioUringSetup(sys, 8);
    ring.prep({ op: "recv", fd: b, len: 8, userData: 1 });
    yield* sys.spawnThread("peer", function* (t) {
      yield* t.sleep(us(120));
      yield* t.send(a, "late");
    });
    try {
      yield* ring.submitAndWait(1);
    } catch (e) {
      sys.print(errnoOf(e), sys.now >= us(150));
    }
    yield* ring.waitCqes(1);
    sys.print(decode((yield* ring.peekBatch())[0]!.data));
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(100));
    yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.ok(handlerDone >= us(150));
  assert.deepEqual(sim.output.map((l) => l.text), ["EINTR true", "late"]);
});

Deno.test("closing the ring abandons its requests: nothing completes into it, nothing leaks", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const ls = yield* sys.socket();
    yield* sys.listen(ls);
    const ring = yield* ioUringSetup(sys, 4);
    ring.prep({ op: "recv", fd: b, len: 8, userData: 1 });
    ring.prep({ op: "accept", fd: ls, userData: 2 });
    ring.prep({ op: "timeout", ns: us(50), userData: 3 });
    yield* ring.submit();
    sys.print("in flight", ring.inFlight);
    yield* sys.close(ring.fd);
    sys.print("after close", ring.inFlight);
    yield* sys.send(a, "data");
    yield* sys.sleep(us(100));
    // The recv was abandoned: the data is still in the socket (fds: 3 stdio + 3 sockets).
    sys.print(decode(yield* sys.recv(b, 8)), sys.process.fds.size);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["in flight 3", "after close 0", "data 6"]);
});
