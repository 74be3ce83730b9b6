import assert from "node:assert/strict";
import { Interrupt } from "../kernel/errors.ts";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import {
  DEFAULT_COSTS,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
  POLLIN,
  type Sys,
  SysError,
  type Thread,
  type ThreadRoutine,
} from "../os/mod.ts";
import { Epoll, epollCreate, epollCtl, type EpollEvent, epollWait } from "./epoll.ts";
import { poll } from "./poll.ts";
import { select } from "./select.ts";
import { errnoOf, run, texts } from "./_testing.ts";

const C = DEFAULT_COSTS;

/** Events as `fd:mask` strings, for compact comparisons. */
function brief(events: readonly EpollEvent[]): string {
  return events.map((e) => `${e.fd}:${e.events}`).join(" ");
}

function epollOf(sys: Sys, epfd: number): Epoll {
  const f = sys.fileOf(epfd);
  assert.ok(f instanceof Epoll);
  return f;
}

Deno.test("epoll_create gives a new epoll descriptor with an empty interest list", () => {
  const sim = run(function* (sys) {
    const ep = yield* epollCreate(sys);
    const file = epollOf(sys, ep);
    sys.print(ep, file.kind, file.size, file.readyCount, file.describe());
  });
  assert.deepEqual(texts(sim), ["3 epoll 0 0 epoll (0 watched)"]);
});

Deno.test("epoll level-triggered reports again while data remains", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
    sys.print("idle", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.send(x, "hello");
    sys.print("first", brief(yield* epollWait(sys, ep, 8, 0)));
    sys.print("again", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.recv(y, 2);
    sys.print("partial", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.recv(y, 10);
    sys.print("drained", brief(yield* epollWait(sys, ep, 8, 0)));
  });
  assert.deepEqual(texts(sim), ["idle ", "first 4:1", "again 4:1", "partial 4:1", "drained "]);
});

Deno.test("epoll ET does not re-report after a partial read", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
    yield* sys.send(x, "hello");
    sys.print("first", brief(yield* epollWait(sys, ep, 8, 0)));
    sys.print("unread", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.recv(y, 2);
    sys.print("partial", brief(yield* epollWait(sys, ep, 8, 0)));
    // The data is still there, but no new arrival: a sleeping wait times out.
    const t0 = sys.now;
    const timed = yield* epollWait(sys, ep, 8, ms(5));
    sys.print("slept", brief(timed), sys.now - t0 >= ms(5));
    sys.print("left", (yield* sys.recv(y, 10)).length);
  });
  assert.deepEqual(texts(sim), ["first 4:1", "unread ", "partial ", "slept  true", "left 3"]);
});

Deno.test("epoll ET reports again when new data arrives", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
    yield* sys.send(x, "one");
    sys.print(brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.recv(y, 1);
    const sender = yield* sys.spawnThread("sender", function* (t) {
      yield* t.sleep(ms(2));
      yield* t.send(x, "two");
    });
    // Sleeps until the new arrival, although unread data was there all along.
    const events = yield* epollWait(sys, ep, 8);
    sys.print(brief(events), sys.now >= ms(2));
    // ET with a non-blocking fd: drain to EAGAIN.
    yield* sys.setBlocking(y, false);
    let got = "";
    for (;;) {
      try {
        got += new TextDecoder().decode(yield* sys.recv(y, 2));
      } catch (e) {
        if (e instanceof SysError && e.errno === "EAGAIN") break;
        throw e;
      }
    }
    sys.print(got);
    yield* sys.joinThread(sender);
  });
  assert.deepEqual(texts(sim), ["4:1", "4:1 true", "netwo"]);
});

Deno.test("EPOLLONESHOT disarms until EPOLL_CTL_MOD re-arms it", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLONESHOT);
    yield* sys.send(x, "a");
    sys.print("armed", brief(yield* epollWait(sys, ep, 8, 0)));
    sys.print("disarmed", brief(yield* epollWait(sys, ep, 8, 0)));
    // New data does not wake a sleeping wait while disarmed.
    const sender = yield* sys.spawnThread("sender", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.send(x, "b");
    });
    const t0 = sys.now;
    const slept = yield* epollWait(sys, ep, 8, ms(5));
    sys.print("new data", brief(slept), sys.now - t0 >= ms(5));
    sys.print("still registered", epollOf(sys, ep).size);
    yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", y, EPOLLIN | EPOLLONESHOT);
    sys.print("re-armed", brief(yield* epollWait(sys, ep, 8, 0)));
    sys.print("once", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.joinThread(sender);
  });
  assert.deepEqual(texts(sim), [
    "armed 4:1",
    "disarmed ",
    "new data  true",
    "still registered 1",
    "re-armed 4:1",
    "once ",
  ]);
});

Deno.test("epoll_ctl fails with EEXIST on a double ADD", () => {
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN)));
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLOUT)));
    sys.print(epollOf(sys, ep).size);
  });
  assert.deepEqual(texts(sim), ["ok", "EEXIST", "1"]);
});

Deno.test("epoll_ctl fails with ENOENT on MOD or DEL of an unregistered fd", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN);
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_MOD", y, EPOLLIN)));
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_DEL", y)));
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_DEL", x)));
    sys.print(yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_DEL", x)));
  });
  assert.deepEqual(texts(sim), ["ENOENT", "ENOENT", "ok", "ENOENT"]);
});

Deno.test("epoll_ctl and epoll_wait fail with EBADF on a closed fd", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* sys.close(y);
    sys.print("target", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN)));
    sys.print("target", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_DEL", 77)));
    yield* sys.close(ep);
    sys.print("epfd", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN)));
    sys.print("epfd", yield* errnoOf(epollWait(sys, ep, 8, 0)));
  });
  assert.deepEqual(texts(sim), ["target EBADF", "target EBADF", "epfd EBADF", "epfd EBADF"]);
});

Deno.test("epoll_ctl and epoll_wait fail with EINVAL for bad arguments", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    const ep2 = yield* epollCreate(sys);
    const cases: [string, ThreadRoutine<unknown>][] = [
      ["ctl on a socket", epollCtl(sys, x, "EPOLL_CTL_ADD", y, EPOLLIN)],
      ["wait on a socket", epollWait(sys, x, 8, 0)],
      ["adds itself", epollCtl(sys, ep, "EPOLL_CTL_ADD", ep, EPOLLIN)],
      ["maxevents 0", epollWait(sys, ep, 0, 0)],
      ["maxevents -1", epollWait(sys, ep, -1, 0)],
      ["maxevents 1.5", epollWait(sys, ep, 1.5, 0)],
      // Linux checks maxevents before looking the descriptor up.
      ["maxevents 0 on a closed fd", epollWait(sys, 99, 0, 0)],
      ["unknown op", epollCtl(sys, ep, "EPOLL_CTL_FOO" as "EPOLL_CTL_ADD", y, EPOLLIN)],
      ["unknown bits", epollCtl(sys, ep, "EPOLL_CTL_ADD", y, 1 << 20)],
      [
        "exclusive with oneshot",
        epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT),
      ],
      [
        "exclusive with rdhup",
        epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP),
      ],
      [
        "exclusive on an epoll fd",
        epollCtl(sys, ep, "EPOLL_CTL_ADD", ep2, EPOLLIN | EPOLLEXCLUSIVE),
      ],
    ];
    for (const [what, op] of cases) sys.print(what, yield* errnoOf(op));
    sys.print("interest list", epollOf(sys, ep).size);
    // MOD may not set EPOLLEXCLUSIVE, nor change a registration made with it.
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
    sys.print(
      "MOD with exclusive",
      yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_MOD", y, EPOLLIN | EPOLLEXCLUSIVE)),
    );
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN | EPOLLEXCLUSIVE | EPOLLET);
    sys.print("MOD of exclusive", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_MOD", x, EPOLLIN)));
    sys.print("DEL of exclusive", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_DEL", x)));
  });
  assert.deepEqual(texts(sim), [
    "ctl on a socket EINVAL",
    "wait on a socket EINVAL",
    "adds itself EINVAL",
    "maxevents 0 EINVAL",
    "maxevents -1 EINVAL",
    "maxevents 1.5 EINVAL",
    "maxevents 0 on a closed fd EINVAL",
    "unknown op EINVAL",
    "unknown bits EINVAL",
    "exclusive with oneshot EINVAL",
    "exclusive with rdhup EINVAL",
    "exclusive on an epoll fd EINVAL",
    "interest list 0",
    "MOD with exclusive EINVAL",
    "MOD of exclusive EINVAL",
    "DEL of exclusive ok",
  ]);
});

Deno.test("epoll reports only requested events", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLOUT);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN);
    yield* sys.send(x, "data");
    // y is readable and writable, but only EPOLLOUT was asked for; x is writable only.
    sys.print(brief(yield* epollWait(sys, ep, 8, 0)));
    yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", y, EPOLLIN | EPOLLOUT);
    sys.print(brief(yield* epollWait(sys, ep, 8, 0)));
  });
  assert.deepEqual(texts(sim), [`4:${EPOLLOUT}`, `4:${EPOLLIN | EPOLLOUT}`]);
});

Deno.test("EPOLLHUP and EPOLLERR are reported without being asked for", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, 0);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN | EPOLLET);
    yield* sys.send(y, "never read");
    yield* epollWait(sys, ep, 8, 0);
    // A close with unread data resets the connection.
    yield* sys.close(x);
    const events = yield* epollWait(sys, ep, 8, ms(1));
    sys.print(brief(events));
    sys.print(yield* errnoOf(sys.recv(y, 8)));
  });
  assert.deepEqual(texts(sim), [`4:${EPOLLERR | EPOLLHUP}`, "ECONNRESET"]);
});

Deno.test("EPOLLRDHUP is reported when the peer shuts down writing, if asked for", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const [u, v] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLRDHUP);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", v, EPOLLIN);
    yield* sys.shutdown(x, "SHUT_WR");
    yield* sys.shutdown(u, "SHUT_WR");
    const events = yield* epollWait(sys, ep, 8, ms(1));
    sys.print(brief(events));
    sys.print((yield* sys.recv(y, 8)).length);
  });
  assert.deepEqual(texts(sim), [`4:${EPOLLIN | EPOLLRDHUP} 6:${EPOLLIN}`, "0"]);
});

Deno.test("closing a registered socket removes it from the interest list", () => {
  const sim = run(function* (sys) {
    const ep = yield* epollCreate(sys);
    const [x, y] = yield* sys.socketpair();
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN, "old");
    yield* sys.send(x, "pending");
    sys.print("before", epollOf(sys, ep).size, epollOf(sys, ep).readyCount);
    const file = sys.fileOf(y)!;
    yield* sys.close(y);
    sys.print("after", epollOf(sys, ep).size, epollOf(sys, ep).readyCount, file._wq === null);
    sys.print("events", brief(yield* epollWait(sys, ep, 8, 0)));
    // A new socket gets the same number; it is a new registration, not EEXIST.
    const [u, v] = yield* sys.socketpair();
    sys.print("reused", u === y);
    sys.print("add", yield* errnoOf(epollCtl(sys, ep, "EPOLL_CTL_ADD", u, EPOLLIN, "new")));
    yield* sys.send(v, "hi");
    const events = yield* epollWait(sys, ep, 8, 0);
    sys.print("new", events.map((e) => `${e.fd}:${String(e.data)}`).join(" "));
  });
  assert.deepEqual(texts(sim), [
    "before 1 1",
    "after 0 0 true",
    "events ",
    "reused true",
    "add ok",
    "new 5:new",
  ]);
});

Deno.test("closing the epoll fd releases its registrations", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLOUT);
    sys.print(sys.fileOf(x)!._wq !== null, sys.fileOf(y)!._wq !== null);
    yield* sys.close(ep);
    sys.print(sys.fileOf(x)!._wq === null, sys.fileOf(y)!._wq === null);
    yield* sys.send(x, "no one listens");
  });
  assert.deepEqual(texts(sim), ["true true", "true true"]);
});

Deno.test("epoll_wait returns the registered data, the fd by default", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    const conn = { name: "conn-1" };
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLOUT);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLOUT, conn);
    const events = yield* epollWait<unknown>(sys, ep, 8, 0);
    sys.print(events[0]!.data, events[1]!.data === conn);
    yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", y, EPOLLOUT, "renamed");
    const again = yield* epollWait<unknown>(sys, ep, 8, 0);
    sys.print(again.map((e) => String(e.data)).join(","));
  });
  assert.deepEqual(texts(sim), ["3 true", "3,renamed"]);
});

Deno.test("a descriptor already ready when added is reported at once", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    yield* sys.send(x, "early");
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
    sys.print(brief(yield* epollWait(sys, ep, 8, 0)));
  });
  assert.deepEqual(texts(sim), ["4:1"]);
});

Deno.test("maxevents limits the batch and the rest come next call", () => {
  const sim = run(function* (sys) {
    const ep = yield* epollCreate(sys);
    const lt = yield* epollCreate(sys);
    const readers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [x, y] = yield* sys.socketpair();
      readers.push(y);
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
      yield* epollCtl(sys, lt, "EPOLL_CTL_ADD", y, EPOLLIN);
      yield* sys.send(x, "x");
    }
    sys.print("readers", readers.join(","));
    const fds = (events: EpollEvent[]) => events.map((e) => e.fd).join(",");
    for (let i = 0; i < 4; i++) sys.print("ET", fds(yield* epollWait(sys, ep, 2, 0)));
    // Level-triggered items reported go to the back of the ready list.
    for (let i = 0; i < 3; i++) sys.print("LT", fds(yield* epollWait(sys, lt, 2, 0)));
  });
  assert.deepEqual(texts(sim), [
    "readers 6,8,10,12,14",
    "ET 6,8",
    "ET 10,12",
    "ET 14",
    "ET ",
    "LT 6,8",
    "LT 10,12",
    "LT 14,6",
  ]);
});

Deno.test("epoll_wait with a timeout returns no events at the deadline", () => {
  let elapsed = -1;
  const sim = run(function* (sys) {
    const [, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
    const t0 = sys.now;
    sys.print(JSON.stringify(yield* epollWait(sys, ep, 8, ms(10))));
    elapsed = sys.now - t0;
  });
  assert.deepEqual(texts(sim), ["[]"]);
  assert.equal(elapsed, ms(10) + C.wakeupNs + C.epollWaitNs);
});

Deno.test("epoll_wait with a zero timeout returns at once", () => {
  let elapsed = -1;
  run(function* (sys) {
    const ep = yield* epollCreate(sys);
    const t0 = sys.now;
    assert.deepEqual(yield* epollWait(sys, ep, 8, 0), []);
    elapsed = sys.now - t0;
    assert.equal(sys.thread.usage.wakeups, 0);
  });
  assert.equal(elapsed, C.syscallNs + C.epollWaitNs);
});

Deno.test("epoll_wait blocks without using CPU while waiting", () => {
  let phase1 = 0, cpu = 0, syscall = 0, calls = 0;
  run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
    const writer = yield* sys.spawnThread("writer", function* (w) {
      yield* w.sleep(ms(50));
      yield* w.send(x, "late");
    });
    const u = sys.thread.usage;
    const p0 = u.phase1Ns, c0 = u.cpuNs, s0 = u.syscallNs, n0 = u.syscalls;
    const events = yield* epollWait(sys, ep, 8);
    assert.equal(brief(events), "4:1");
    phase1 = u.phase1Ns - p0;
    cpu = u.cpuNs - c0;
    syscall = u.syscallNs - s0;
    calls = u.syscalls - n0;
    yield* sys.joinThread(writer);
  });
  assert.ok(phase1 > ms(49.9), `phase1Ns ${phase1}`);
  assert.equal(calls, 1);
  // Entering, the fixed part before sleeping and after the wake-up, one event.
  assert.equal(syscall, C.syscallNs + 2 * C.epollWaitNs + C.epollPerEventNs);
  assert.equal(cpu, syscall + C.contextSwitchNs);
});

Deno.test("epoll costs: epoll_ctl is one call, epoll_wait grows with the events returned only", () => {
  const costs: number[] = [];
  let ctl = 0, ctlCalls = 0;
  run(function* (sys) {
    const ep = yield* epollCreate(sys);
    const writers: number[] = [];
    const u = sys.thread.usage;
    for (let i = 0; i < 20; i++) {
      const [x, y] = yield* sys.socketpair();
      writers.push(x);
      const s0 = u.syscallNs, n0 = u.syscalls;
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
      ctl = u.syscallNs - s0;
      ctlCalls = u.syscalls - n0;
    }
    for (const ready of [1, 4, 16]) {
      for (const x of writers.slice(0, ready)) yield* sys.send(x, "!");
      const s0 = u.syscallNs;
      const events = yield* epollWait(sys, ep, 64, 0);
      assert.equal(events.length, ready);
      costs.push(u.syscallNs - s0);
    }
  });
  assert.equal(ctl, C.syscallNs + C.epollCtlNs);
  assert.equal(ctlCalls, 1);
  assert.deepEqual(
    costs,
    [1, 4, 16].map((n) => C.syscallNs + C.epollWaitNs + n * C.epollPerEventNs),
  );
});

/** N threads of one process each wait on their own epoll for one shared listening socket. */
function herd(flags: number): { woken: number; reported: string[]; late: number } {
  const sim = new Simulation();
  const net = new Network(sim);
  const threads: Thread[] = [];
  const reported: string[] = [];
  net.addHost("server", { cores: 4 }).spawn("srv", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 8080]);
    yield* sys.listen(ls);
    for (let i = 0; i < 4; i++) {
      threads.push(
        yield* sys.spawnThread(`w${i}`, function* (t) {
          const ep = yield* epollCreate(t);
          yield* epollCtl(t, ep, "EPOLL_CTL_ADD", ls, EPOLLIN | flags);
          const events = yield* epollWait(t, ep, 8, ms(50));
          if (events.length > 0) reported.push(`w${i}`);
        }),
      );
    }
    for (const t of threads) yield* sys.joinThread(t);
  });
  net.addHost("client").spawn("cli", function* (sys) {
    yield* sys.sleep(ms(1));
    yield* sys.connect(yield* sys.socket(), ["server", 8080]);
  });
  // Before the 50 ms timeouts: who was woken by the one connection?
  sim.run({ until: ms(10) });
  const woken = threads.reduce((n, t) => n + t.usage.wakeups, 0);
  const early = reported.length;
  sim.run();
  return { woken, reported, late: reported.length - early };
}

Deno.test("without EPOLLEXCLUSIVE one connection wakes every epoll watching the listener", () => {
  const { woken, reported, late } = herd(0);
  assert.equal(woken, 4);
  assert.deepEqual(reported, ["w0", "w1", "w2", "w3"]);
  assert.equal(late, 0);
});

Deno.test("EPOLLEXCLUSIVE wakes one of several waiters", () => {
  const { woken, reported, late } = herd(EPOLLEXCLUSIVE);
  assert.equal(woken, 1);
  assert.equal(reported.length, 1);
  assert.equal(late, 0);
});

Deno.test("EPOLLEXCLUSIVE skips an epoll instance with no thread waiting", () => {
  // "busy" registers exclusively but is not in epoll_wait when the connection
  // comes: its instance queues the event without taking the one wake-up, which
  // goes on to "idle"'s instance, where a thread waits (ep_poll_callback's ewake).
  const sim = new Simulation();
  const net = new Network(sim);
  net.addHost("server", { cores: 2 }).spawn("srv", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 8081]);
    yield* sys.listen(ls);
    const busy = yield* sys.spawnThread("busy", function* (t) {
      const ep = yield* epollCreate(t);
      yield* epollCtl(t, ep, "EPOLL_CTL_ADD", ls, EPOLLIN | EPOLLEXCLUSIVE);
      yield* t.sleep(ms(5));
      t.print("busy sees", brief(yield* epollWait(t, ep, 8, 0)));
    });
    const idle = yield* sys.spawnThread("idle", function* (t) {
      const ep = yield* epollCreate(t);
      yield* epollCtl(t, ep, "EPOLL_CTL_ADD", ls, EPOLLIN | EPOLLEXCLUSIVE);
      const events = yield* epollWait(t, ep, 8, ms(20));
      t.print("idle woke", brief(events), t.now < ms(5));
    });
    yield* sys.joinThread(busy);
    yield* sys.joinThread(idle);
  });
  net.addHost("client").spawn("cli", function* (sys) {
    yield* sys.sleep(ms(1));
    yield* sys.connect(yield* sys.socket(), ["server", 8081]);
  });
  sim.run();
  assert.deepEqual(texts(sim), ["idle woke 3:1 true", "busy sees 3:1"]);
});

/** Three threads wait on one shared epoll instance for one socket. */
function shared(
  flags: number,
  consume: boolean,
): { reports: { thread: string; at: number }[]; wakeups: number } {
  const reports: { thread: string; at: number }[] = [];
  let wakeups = 0;
  run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | flags);
    const threads: Thread[] = [];
    for (let i = 0; i < 3; i++) {
      threads.push(
        yield* sys.spawnThread(`t${i}`, function* (t) {
          // A consumer serves until idle; an observer reports what one wait gives.
          for (;;) {
            const events = yield* epollWait(t, ep, 8, ms(20));
            if (events.length === 0) return;
            reports.push({ thread: `t${i}`, at: t.now });
            if (!consume) return;
            yield* t.recv(y, 64);
          }
        }),
      );
    }
    yield* sys.sleep(ms(1));
    yield* sys.send(x, "job");
    for (const t of threads) yield* sys.joinThread(t);
    wakeups = threads.reduce((n, t) => n + t.usage.wakeups, 0);
  }, { cores: 4 });
  return { reports, wakeups };
}

Deno.test("several threads in epoll_wait on one instance: one event wakes one thread", () => {
  for (const flags of [EPOLLET, EPOLLONESHOT]) {
    const { reports, wakeups } = shared(flags, false);
    assert.equal(reports.length, 1, `flags ${flags}: ${JSON.stringify(reports)}`);
    // The woken thread, and the other two when they time out.
    assert.equal(wakeups, 3);
  }
});

Deno.test("level-triggered: an unconsumed event taken by one thread wakes the next waiter", () => {
  // Linux's ep_done_scan wakes another waiter while the ready list is not
  // empty: a level-triggered event nobody read is seen by every waiting thread.
  const { reports } = shared(0, false);
  assert.deepEqual(reports.map((r) => r.thread).sort(), ["t0", "t1", "t2"]);
  // Sent at 1 ms: each thread is woken by the one before it, not by its 20 ms timeout.
  for (const r of reports) assert.ok(r.at < ms(1.2), JSON.stringify(reports));
});

Deno.test("level-triggered: an event consumed at once gives the next waiter a spurious wake-up only", () => {
  const { reports, wakeups } = shared(0, true);
  assert.equal(reports.length, 1, JSON.stringify(reports));
  // The reader, one thread woken for nothing, then three timeouts.
  assert.equal(wakeups, 5);
});

Deno.test("an epoll fd watched by another epoll becomes readable when its ready list is non-empty", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const inner = yield* epollCreate(sys);
    const outer = yield* epollCreate(sys);
    yield* epollCtl(sys, inner, "EPOLL_CTL_ADD", y, EPOLLIN);
    yield* epollCtl(sys, outer, "EPOLL_CTL_ADD", inner, EPOLLIN);
    sys.print("idle", brief(yield* epollWait(sys, outer, 8, 0)));
    const sender = yield* sys.spawnThread("sender", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.send(x, "nested");
    });
    // The outer wait sleeps until the inner instance gets a ready item.
    sys.print("outer", brief(yield* epollWait(sys, outer, 8)), sys.now >= ms(1));
    sys.print("inner", brief(yield* epollWait(sys, inner, 8, 0)));
    yield* sys.recv(y, 64);
    // Drained: the inner instance is no longer readable.
    sys.print("drained", brief(yield* epollWait(sys, outer, 8, 0)));
    yield* sys.joinThread(sender);
  });
  assert.deepEqual(texts(sim), ["idle ", "outer 5:1 true", "inner 4:1", "drained "]);
});

Deno.test("an epoll fd polled or selected is readable only while an item is ready", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN);
    const sender = yield* sys.spawnThread("sender", function* (t) {
      yield* t.sleep(ms(1));
      yield* t.send(x, "hi");
    });
    const ready = yield* poll(sys, [{ fd: ep, events: POLLIN }]);
    sys.print("poll", JSON.stringify(ready), sys.now >= ms(1));
    sys.print("select", JSON.stringify((yield* select(sys, [ep], [], [], 0))[0]));
    // Reported and requeued (level-triggered), then read: nothing is ready.
    sys.print("wait", brief(yield* epollWait(sys, ep, 8, 0)));
    yield* sys.recv(y, 64);
    sys.print("after read", JSON.stringify(yield* poll(sys, [{ fd: ep, events: POLLIN }], 0)));
    sys.print("select", JSON.stringify((yield* select(sys, [ep], [], [], 0))[0]));
    yield* sys.joinThread(sender);
  });
  assert.deepEqual(texts(sim), [
    `poll [{"fd":5,"revents":${POLLIN}}] true`,
    "select [5]",
    "wait 4:1",
    "after read []",
    "select []",
  ]);
});

Deno.test("a thread interrupted in epoll_wait is removed from the waiters", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
    const first = yield* sys.spawnThread("first", function* (t) {
      try {
        yield* epollWait(t, ep, 8);
        t.print("first got an event");
      } catch (e) {
        t.print(e instanceof Interrupt ? "first interrupted" : String(e));
      }
      // Busy elsewhere: it must not be handed the event.
      yield* t.sleep(ms(10));
    });
    const second = yield* sys.spawnThread("second", function* (t) {
      yield* t.sleep(us(10));
      const events = yield* epollWait(t, ep, 8, ms(20));
      t.print("second got", brief(events));
    });
    yield* sys.sleep(ms(1));
    first.task.interrupt("signal");
    yield* sys.sleep(ms(1));
    yield* sys.send(x, "for second");
    yield* sys.joinThread(first);
    yield* sys.joinThread(second);
  });
  assert.deepEqual(texts(sim), ["first interrupted", "second got 4:1"]);
});

Deno.test("an epoll_wait that times out leaves the waiters, so later events are not lost", () => {
  const sim = run(function* (sys) {
    const [x, y] = yield* sys.socketpair();
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
    sys.print("timed out", brief(yield* epollWait(sys, ep, 8, ms(1))));
    const other = yield* sys.spawnThread("other", function* (t) {
      t.print("other got", brief(yield* epollWait(t, ep, 8, ms(20))));
    });
    yield* sys.sleep(ms(2));
    yield* sys.send(x, "x");
    yield* sys.joinThread(other);
  });
  assert.deepEqual(texts(sim), ["timed out ", "other got 4:1"]);
});
