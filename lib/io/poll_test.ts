import assert from "node:assert/strict";
import { Interrupt } from "../kernel/errors.ts";
import { ms, Simulation } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import {
  DEFAULT_COSTS,
  EPOLLIN,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLRDHUP,
} from "../os/mod.ts";
import { epollCreate, epollCtl, epollWait } from "./epoll.ts";
import { poll, type PollFd } from "./poll.ts";
import { errnoOf, run, texts } from "./_testing.ts";

const C = DEFAULT_COSTS;

Deno.test("poll reports POLLNVAL for an fd that is not open, without failing", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.close(x);
    const ready = yield* poll(sys, [{ fd: x, events: POLLIN }, { fd: 99, events: 0 }], 0);
    sys.print(JSON.stringify(ready), y);
  });
  assert.deepEqual(JSON.parse(texts(sim)[0]!.split(" ")[0]!), [
    { fd: 3, revents: POLLNVAL },
    { fd: 99, revents: POLLNVAL },
  ]);
});

Deno.test("poll ignores entries with a negative fd", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* poll(sys, [{ fd: -1, events: POLLIN | POLLOUT }], ms(2))));
    elapsed = sys.now - t0;
  });
  assert.deepEqual(texts(sim), ["[]"]);
  assert.equal(elapsed, ms(2) + C.wakeupNs + C.pollBaseNs + C.pollPerFdNs);
});

Deno.test("poll rejects malformed entries with TypeError", () => {
  const sim = run(function* (sys) {
    for (
      const bad of [
        "x",
        [{ fd: 1.5, events: POLLIN }],
        [{ fd: 3 }],
        [null],
      ] as unknown as PollFd[][]
    ) {
      try {
        yield* poll(sys, bad, 0);
        sys.print("ok");
      } catch (e) {
        sys.print(e instanceof TypeError ? "TypeError" : String(e));
      }
    }
  });
  assert.deepEqual(texts(sim), ["TypeError", "TypeError", "TypeError", "TypeError"]);
});

Deno.test("poll fails with EINVAL when the array is longer than RLIMIT_NOFILE", () => {
  const sim = run(function* (sys) {
    const fds = Array.from({ length: 65 }, () => ({ fd: -1, events: POLLIN }));
    sys.print(yield* errnoOf(poll(sys, fds, 0)));
    sys.print(yield* errnoOf(poll(sys, fds.slice(1), 0)));
  }, { nofile: 64 });
  assert.deepEqual(texts(sim), ["EINVAL", "ok"]);
});

Deno.test("poll reports only the requested events, in array order", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.send(x, "data");
    // y is readable and writable; x is writable only.
    const ready = yield* poll(sys, [
      { fd: y, events: POLLOUT },
      { fd: x, events: POLLIN },
      { fd: y, events: POLLIN },
      { fd: x, events: POLLIN | POLLOUT },
    ], 0);
    sys.print(JSON.stringify(ready));
  });
  assert.deepEqual(JSON.parse(texts(sim)[0]!), [
    { fd: 4, revents: POLLOUT },
    { fd: 4, revents: POLLIN },
    { fd: 3, revents: POLLOUT },
  ]);
});

Deno.test("poll reports POLLIN at EOF, and POLLHUP once both directions are shut", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  net.addHost("server").spawn("srv", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 7000]);
    yield* sys.listen(ls);
    const { fd } = yield* sys.accept(ls);
    const want = POLLIN | POLLRDHUP;
    // The client sends and closes: data, then EOF.
    const first = yield* poll(sys, [{ fd, events: want }]);
    sys.print("data", first[0]!.revents);
    sys.print("read", (yield* sys.recv(fd, 64)).length);
    const eof = yield* poll(sys, [{ fd, events: want }]);
    sys.print("eof", eof[0]!.revents);
    yield* sys.shutdown(fd, "SHUT_WR");
    const hup = yield* poll(sys, [{ fd, events: POLLIN }], 0);
    sys.print("shut", hup[0]!.revents);
    sys.print("read", (yield* sys.recv(fd, 64)).length);
  });
  net.addHost("client").spawn("cli", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 7000]);
    yield* sys.send(fd, "bye");
    yield* sys.sleep(ms(1));
    yield* sys.close(fd);
  });
  sim.run();
  assert.deepEqual(texts(sim), [
    `data ${POLLIN}`,
    "read 3",
    `eof ${POLLIN | POLLRDHUP}`,
    `shut ${POLLIN | POLLHUP}`,
    "read 0",
  ]);
});

Deno.test({
  // Linux's AF_UNIX socketpair sets the survivor's sk_shutdown to
  // SHUTDOWN_MASK when the peer closes (unix_release_sock), so poll reports
  // POLLHUP as well as POLLIN.
  name: "poll reports POLLHUP when the peer of a socketpair closes",
  fn() {
    const sim = run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      yield* sys.close(x);
      const ready = yield* poll(sys, [{ fd: y, events: POLLIN }], 0);
      sys.print(ready[0]!.revents);
    });
    assert.deepEqual(texts(sim), [String(POLLIN | POLLHUP)]);
  },
});

Deno.test("poll reports POLLERR and POLLHUP unasked when the connection is reset", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.send(y, "never read");
    // Closing with unread data resets the connection (RFC 2525).
    yield* sys.close(x);
    const ready = yield* poll(sys, [{ fd: y, events: 0 }], ms(1));
    sys.print(ready[0]!.revents);
    sys.print(yield* errnoOf(sys.recv(y, 10)));
  });
  assert.deepEqual(texts(sim), [String(POLLERR | POLLHUP), "ECONNRESET"]);
});

Deno.test("poll's per-call cost grows with idle connections and epoll_wait's does not", () => {
  function measure(idle: number): { poll: number; epoll: number } {
    const costs = { poll: 0, epoll: 0 };
    run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      const ep = yield* epollCreate(sys);
      const fds: PollFd[] = [{ fd: y, events: POLLIN }];
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
      while (fds.length <= idle) {
        // Both ends of an idle pair: writable, never readable.
        for (const fd of yield* sys.socketpair()) {
          if (fds.length > idle) break;
          fds.push({ fd, events: POLLIN });
          yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, EPOLLIN);
        }
      }
      yield* sys.send(x, "ping");
      const u = sys.thread.usage;
      let before = u.syscallNs;
      const ready = yield* poll(sys, fds, 0);
      costs.poll = u.syscallNs - before;
      before = u.syscallNs;
      const events = yield* epollWait(sys, ep, 16, 0);
      costs.epoll = u.syscallNs - before;
      assert.deepEqual(ready, [{ fd: y, revents: POLLIN }]);
      assert.deepEqual(events.map((e) => [e.fd, e.events]), [[y, EPOLLIN]]);
    }, { nofile: 4096 });
    return costs;
  }
  const few = measure(10), many = measure(1000);
  assert.equal(few.poll, C.syscallNs + C.pollBaseNs + 11 * C.pollPerFdNs);
  assert.equal(many.poll, C.syscallNs + C.pollBaseNs + 1001 * C.pollPerFdNs);
  assert.ok(many.poll > 50 * few.poll / 2, `poll: ${few.poll} vs ${many.poll} ns`);
  assert.equal(few.epoll, C.syscallNs + C.epollWaitNs + C.epollPerEventNs);
  assert.equal(many.epoll, few.epoll);
});

Deno.test("poll with a timeout returns an empty array at the deadline", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* poll(sys, [{ fd: y, events: POLLIN }], ms(10))));
    elapsed = sys.now - t0;
  });
  assert.deepEqual(texts(sim), ["[]"]);
  // Timer at 10 ms, the wake-up, then one more walk of the array.
  assert.equal(elapsed, ms(10) + C.wakeupNs + C.pollBaseNs + C.pollPerFdNs);
});

Deno.test("poll with a zero timeout returns at once", () => {
  let elapsed = -1;
  run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const t0 = sys.now;
    assert.deepEqual(yield* poll(sys, [{ fd: y, events: POLLIN }], 0), []);
    elapsed = sys.now - t0;
    assert.equal(sys.thread.usage.wakeups, 0);
  });
  assert.equal(elapsed, C.syscallNs + C.pollBaseNs + C.pollPerFdNs);
});

Deno.test("poll blocks without using CPU while waiting, and is one system call", () => {
  let phase1 = 0, cpu = 0, syscall = 0, calls = 0, wakeups = 0;
  run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const writer = yield* sys.spawnThread("writer", function* (w) {
      yield* w.sleep(ms(50));
      yield* w.send(x, "late");
    });
    const u = sys.thread.usage;
    const p0 = u.phase1Ns, c0 = u.cpuNs, s0 = u.syscallNs, n0 = u.syscalls, w0 = u.wakeups;
    const ready = yield* poll(sys, [{ fd: y, events: POLLIN }, { fd: x, events: POLLIN }]);
    assert.deepEqual(ready, [{ fd: y, revents: POLLIN }]);
    phase1 = u.phase1Ns - p0;
    cpu = u.cpuNs - c0;
    syscall = u.syscallNs - s0;
    calls = u.syscalls - n0;
    wakeups = u.wakeups - w0;
    yield* sys.joinThread(writer);
  });
  assert.ok(phase1 > ms(49.9), `phase1Ns ${phase1}`);
  assert.equal(calls, 1);
  assert.equal(wakeups, 1);
  // Entering once, walking the two entries before sleeping and after the wake-up.
  assert.equal(syscall, C.syscallNs + 2 * (C.pollBaseNs + 2 * C.pollPerFdNs));
  assert.equal(cpu, syscall + C.contextSwitchNs);
});

Deno.test("a listening socket polls readable when a connection waits", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  net.addHost("server").spawn("srv", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 7001]);
    yield* sys.listen(ls);
    const ready = yield* poll(sys, [{ fd: ls, events: POLLIN }]);
    sys.print(JSON.stringify(ready), (yield* sys.accept(ls)).fd);
  });
  net.addHost("client").spawn("cli", function* (sys) {
    yield* sys.connect(yield* sys.socket(), ["server", 7001]);
  });
  sim.run();
  assert.deepEqual(texts(sim), [`[{"fd":3,"revents":${POLLIN}}] 4`]);
});

Deno.test("closing a polled fd does not wake poll; the next walk reports POLLNVAL", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const closer = yield* sys.spawnThread("closer", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.close(y);
    });
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* poll(sys, [{ fd: y, events: POLLIN }], ms(10))));
    elapsed = sys.now - t0;
    yield* sys.joinThread(closer);
  });
  assert.deepEqual(texts(sim), [`[{"fd":4,"revents":${POLLNVAL}}]`]);
  assert.ok(elapsed >= ms(10), `returned after ${elapsed} ns`);
});

Deno.test("an interrupted poll leaves no wait entries behind", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const waiter = yield* sys.spawnThread("waiter", function* (t) {
      try {
        yield* poll(t, [{ fd: y, events: POLLIN }]);
      } catch (e) {
        t.print(e instanceof Interrupt ? "interrupted" : String(e));
      }
    });
    yield* sys.sleep(ms(1));
    waiter.task.interrupt("test");
    yield* sys.sleep(ms(1));
    sys.print("wait queue empty:", sys.fileOf(y)!._wq === null);
    yield* sys.send(x, "late");
    yield* sys.joinThread(waiter);
  });
  assert.deepEqual(texts(sim), ["interrupted", "wait queue empty: true"]);
});
