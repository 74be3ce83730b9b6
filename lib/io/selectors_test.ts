import assert from "node:assert/strict";
import { ms, Simulation } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import { DEFAULT_COSTS, fromBytes, SysError, type ThreadRoutine } from "../os/mod.ts";
import {
  type BaseSelector,
  EpollSelector,
  EVENT_READ,
  EVENT_WRITE,
  KeyError,
  openSelector,
  PollSelector,
  type SelectorKind,
  type SelectorReady,
  SelectSelector,
  ValueError,
} from "./selectors.ts";
import { run, texts } from "./_testing.ts";

const C = DEFAULT_COSTS;
const KINDS: readonly SelectorKind[] = ["epoll", "poll", "select"];

/** Runs an operation and names what it threw ("ok" if nothing). */
function* outcome(op: ThreadRoutine<unknown>): ThreadRoutine<string> {
  try {
    yield* op;
    return "ok";
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    if (e instanceof KeyError) return "KeyError";
    if (e instanceof ValueError) return "ValueError";
    return `unexpected ${String(e)}`;
  }
}

/** Ready keys as sorted `fd:mask:data` strings: kinds differ only in order. */
function show(ready: readonly SelectorReady<unknown>[]): string {
  return ready.map(([k, m]) => `${k.fd}:${m}:${String(k.data)}`).sort().join(" ");
}

Deno.test("openSelector makes an epoll selector by default, as DefaultSelector does on Linux", () => {
  const sim = run(function* (sys) {
    const sel = yield* openSelector(sys);
    sys.print(sel.kind, sel instanceof EpollSelector, (sel as EpollSelector).epfd);
    sys.print(sys.fileOf(3)?.kind);
    sys.print((yield* openSelector(sys, "poll")) instanceof PollSelector);
    sys.print((yield* openSelector(sys, "select")) instanceof SelectSelector);
    try {
      yield* openSelector(sys, "kqueue" as SelectorKind);
    } catch (e) {
      sys.print(e instanceof TypeError ? "TypeError" : String(e));
    }
  });
  assert.deepEqual(texts(sim), ["epoll true 3", "epoll", "true", "true", "TypeError"]);
});

Deno.test("the three selectors give the same results for the same workload", () => {
  function workload(kind: SelectorKind): string[] {
    const seen: string[] = [];
    run(function* (sys) {
      const [a, a2] = yield* sys.socketpair();
      const [b, b2] = yield* sys.socketpair();
      const [c, c2] = yield* sys.socketpair();
      const sel = yield* openSelector<string>(sys, kind);
      yield* sel.register(a2, EVENT_READ, "a");
      yield* sel.register(b2, EVENT_READ | EVENT_WRITE, "b");
      yield* sel.register(c2, EVENT_READ, "c");
      const step = function* (name: string, timeout: number | null) {
        seen.push(`${name}: ${show(yield* sel.select(timeout))}`);
      };
      yield* step("idle", 0);
      yield* sys.send(a, "1");
      yield* step("a sent", 0);
      yield* sel.modify(b2, EVENT_READ, "b-read");
      yield* sys.send(b, "2");
      yield* step("b modified and sent", 0);
      yield* sys.recv(a2, 8);
      yield* sel.unregister(b2);
      yield* step("a drained, b unregistered", 0);
      const late = yield* sys.spawnThread("late", function* (t) {
        yield* t.sleep(ms(3));
        yield* t.send(c, "3");
      });
      yield* step("waited", ms(10));
      seen.push(`woke before the timeout: ${sys.now < ms(10)}`);
      yield* sys.recv(c2, 8);
      yield* step("timed out", ms(1));
      yield* sys.joinThread(late);
      yield* sel.close();
    });
    return seen;
  }
  const epoll = workload("epoll");
  assert.deepEqual(epoll, [
    "idle: 6:2:b",
    "a sent: 4:1:a 6:2:b",
    "b modified and sent: 4:1:a 6:1:b-read",
    "a drained, b unregistered: ",
    "waited: 8:1:c",
    "woke before the timeout: true",
    "timed out: ",
  ]);
  assert.deepEqual(workload("poll"), epoll);
  assert.deepEqual(workload("select"), epoll);
});

Deno.test("registering an fd twice raises KeyError", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(x, EVENT_READ);
      sys.print(yield* outcome(sel.register(x, EVENT_WRITE)));
      sys.print(sel.getKey(x).events, sel.getMap().size);
    });
    assert.deepEqual(texts(sim), ["KeyError", "1 1"], kind);
  }
});

Deno.test("bad masks and bad file objects raise ValueError", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      for (const mask of [0, 4, 1.5, "x", -1, EVENT_READ | 8]) {
        sys.print("mask", mask, yield* outcome(sel.register(x, mask as number)));
      }
      for (const fileobj of [-1, 1.5, "3"]) {
        sys.print("fileobj", fileobj, yield* outcome(sel.register(fileobj as number, EVENT_READ)));
      }
      sys.print("registered", sel.getMap().size);
      yield* sel.register(x, EVENT_READ);
      sys.print("modify", yield* outcome(sel.modify(x, 0)), sel.getKey(x).events);
    });
    assert.deepEqual(texts(sim), [
      "mask 0 ValueError",
      "mask 4 ValueError",
      "mask 1.5 ValueError",
      "mask x ValueError",
      "mask -1 ValueError",
      "mask 9 ValueError",
      "fileobj -1 ValueError",
      "fileobj 1.5 ValueError",
      "fileobj 3 ValueError",
      "registered 0",
      "modify ValueError 1",
    ], kind);
  }
});

Deno.test("unregister, modify and getKey of an unknown fd raise KeyError", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(x, EVENT_READ);
      sys.print(yield* outcome(sel.unregister(y)));
      sys.print(yield* outcome(sel.modify(y, EVENT_READ)));
      try {
        sel.getKey(y);
      } catch (e) {
        sys.print(e instanceof KeyError ? `KeyError: ${e.message}` : String(e));
      }
      const key = yield* sel.unregister(x);
      sys.print(key.fd, sel.getMap().size, yield* outcome(sel.unregister(x)));
    });
    assert.deepEqual(
      texts(sim),
      ["KeyError", "KeyError", "KeyError: 4 is not registered", "3 0 KeyError"],
      kind,
    );
  }
});

Deno.test("modify changes a registration's events and data", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      const sel = yield* openSelector<string>(sys, kind);
      const first = yield* sel.register(y, EVENT_READ, "reader");
      yield* sys.send(x, "data");
      sys.print("read", show(yield* sel.select(0)));
      const second = yield* sel.modify(y, EVENT_WRITE, "writer");
      sys.print("write", show(yield* sel.select(0)));
      sys.print("keys", first.events, second.events, sel.getKey(y).data, sel.getKey(y) === second);
      // Same events, new data: no system call is needed.
      const calls = sys.thread.usage.syscalls;
      yield* sel.modify(y, EVENT_WRITE, "renamed");
      sys.print("data only", sys.thread.usage.syscalls - calls, show(yield* sel.select(0)));
      // Python's modify() without data clears it.
      yield* sel.modify(y, EVENT_READ | EVENT_WRITE);
      sys.print("both", show(yield* sel.select(0)));
    });
    assert.deepEqual(texts(sim), [
      "read 4:1:reader",
      "write 4:2:writer",
      "keys 1 2 writer true",
      "data only 0 4:2:renamed",
      "both 4:3:undefined",
    ], kind);
  }
});

Deno.test("the data slot carries a callback, called as key.data(key.fileobj, mask)", () => {
  type Callback = (fd: number, mask: number) => ThreadRoutine<void>;
  for (const kind of KINDS) {
    const sim = new Simulation();
    const net = new Network(sim);
    net.addHost("server").spawn("srv", function* (sys) {
      const sel = yield* openSelector<Callback>(sys, kind);
      let closed = 0;
      const read: Callback = function* (fd, mask) {
        const data = yield* sys.recv(fd, 1000);
        if (data.length > 0) {
          sys.print(`read fd ${fd} mask ${mask}: ${fromBytes(data)}`);
          yield* sys.send(fd, data);
        } else {
          yield* sel.unregister(fd);
          yield* sys.close(fd);
          closed++;
        }
      };
      const accept: Callback = function* (fd, mask) {
        const { fd: conn } = yield* sys.accept(fd);
        sys.print(`accept fd ${fd} mask ${mask} -> ${conn}`);
        yield* sys.setBlocking(conn, false);
        yield* sel.register(conn, EVENT_READ, read);
      };
      const ls = yield* sys.socket();
      yield* sys.bind(ls, ["0.0.0.0", 11234]);
      yield* sys.listen(ls);
      yield* sel.register(ls, EVENT_READ, accept);
      while (closed < 2) {
        for (const [key, mask] of yield* sel.select()) yield* key.data(key.fileobj, mask);
      }
      yield* sel.close();
    });
    for (let i = 0; i < 2; i++) {
      net.addHost(`client${i}`).spawn("cli", function* (sys) {
        yield* sys.sleep(ms(1 + 2 * i));
        const fd = yield* sys.socket();
        yield* sys.connect(fd, ["server", 11234]);
        yield* sys.send(fd, `hello ${i}`);
        sys.print(`echo ${fromBytes(yield* sys.recv(fd, 100))}`);
        yield* sys.close(fd);
      });
    }
    sim.run();
    // The epoll selector holds fd 3 itself.
    const [ls, conn] = kind === "epoll" ? [4, 5] : [3, 4];
    assert.deepEqual(texts(sim), [
      `accept fd ${ls} mask 1 -> ${conn}`,
      `read fd ${conn} mask 1: hello 0`,
      "echo hello 0",
      `accept fd ${ls} mask 1 -> ${conn}`,
      `read fd ${conn} mask 1: hello 1`,
      "echo hello 1",
    ], kind);
  }
});

Deno.test("EpollSelector.close closes its epoll fd", () => {
  const sim = run(function* (sys) {
    const [x] = yield* sys.socketpair();
    const sel = yield* EpollSelector.open(sys);
    yield* sel.register(x, EVENT_READ);
    const epfd = sel.epfd;
    sys.print(sys.fileOf(epfd)?.kind, sys.fileOf(x)!._wq !== null);
    yield* sel.close();
    sys.print(sys.fileOf(epfd) === undefined, sel.getMap().size, sys.fileOf(x)!._wq === null);
    sys.print(yield* outcome(sys.fcntl(epfd, "F_GETFL")));
    // Closing again is harmless, as in Python.
    sys.print(yield* outcome(sel.close()));
  });
  assert.deepEqual(texts(sim), ["epoll true", "true 0 true", "EBADF", "ok"]);
});

Deno.test("EpollSelector: registering a closed fd fails with EBADF and keeps no key", () => {
  const sim = run(function* (sys) {
    const [x] = yield* sys.socketpair();
    const sel = yield* EpollSelector.open(sys);
    yield* sys.close(x);
    sys.print(yield* outcome(sel.register(x, EVENT_READ)));
    sys.print(sel.getMap().size, yield* outcome(sel.unregister(x)));
  });
  assert.deepEqual(texts(sim), ["EBADF", "0 KeyError"]);
});

Deno.test("unregistering an fd that was already closed succeeds, as in Python", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(x, EVENT_READ);
      yield* sys.close(x);
      const key = yield* sel.unregister(x);
      sys.print(key.fd, sel.getMap().size);
    });
    assert.deepEqual(texts(sim), ["3 0"], kind);
  }
});

Deno.test("select reports only the registered events", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "data");
      const sel = yield* openSelector(sys, kind);
      // y is readable and writable, x writable only.
      yield* sel.register(y, EVENT_READ);
      yield* sel.register(x, EVENT_READ);
      sys.print(show(yield* sel.select(0)));
    });
    assert.deepEqual(texts(sim), ["4:1:undefined"], kind);
  }
});

Deno.test("a reset connection is reported for the registered events", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      const [u, v] = yield* sys.socketpair();
      yield* sys.send(y, "unread");
      yield* sys.send(v, "unread");
      yield* sys.close(x);
      yield* sys.close(u);
      yield* sys.sleep(ms(1));
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(y, EVENT_READ);
      yield* sel.register(v, EVENT_WRITE);
      sys.print(show(yield* sel.select(0)));
    });
    assert.deepEqual(texts(sim), ["4:1:undefined 6:2:undefined"], kind);
  }
});

Deno.test("selector timeouts: select(t) returns nothing after t, select(<= 0) polls", () => {
  for (const kind of KINDS) {
    let waited = -1, polled = -1;
    run(function* (sys) {
      const [, y] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(y, EVENT_READ);
      let t0 = sys.now;
      assert.deepEqual(yield* sel.select(ms(5)), []);
      waited = sys.now - t0;
      t0 = sys.now;
      assert.deepEqual(yield* sel.select(-1), []);
      assert.deepEqual(yield* sel.select(0), []);
      polled = sys.now - t0;
    });
    assert.ok(waited >= ms(5) && waited < ms(5.1), `${kind} waited ${waited}`);
    assert.ok(polled < ms(0.01), `${kind} polled for ${polled}`);
  }
});

Deno.test("a selector's wait blocks without using CPU", () => {
  for (const kind of KINDS) {
    let phase1 = 0, cpu = 0;
    run(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      const sel = yield* openSelector(sys, kind);
      yield* sel.register(y, EVENT_READ);
      const late = yield* sys.spawnThread("late", function* (t) {
        yield* t.sleep(ms(20));
        yield* t.send(x, "!");
      });
      const u = sys.thread.usage, p0 = u.phase1Ns, c0 = u.cpuNs;
      assert.equal((yield* sel.select()).length, 1);
      phase1 = u.phase1Ns - p0;
      cpu = u.cpuNs - c0;
      yield* sys.joinThread(late);
    });
    assert.ok(phase1 > ms(19.9), `${kind} phase1Ns ${phase1}`);
    assert.ok(cpu < ms(0.01), `${kind} cpuNs ${cpu}`);
  }
});

Deno.test("registering is an epoll_ctl call on epoll, and bookkeeping only on poll and select", () => {
  const calls: Record<string, number> = {};
  for (const kind of KINDS) {
    run(function* (sys) {
      const sel: BaseSelector = yield* openSelector(sys, kind);
      const before = sys.thread.usage.syscalls;
      for (let i = 0; i < 5; i++) yield* sel.register((yield* sys.socketpair())[0], EVENT_READ);
      // Five socketpair calls, plus the registrations' own.
      calls[kind] = sys.thread.usage.syscalls - before - 5;
    });
  }
  assert.deepEqual(calls, { epoll: 5, poll: 0, select: 0 });
});

Deno.test("SelectSelector cannot wait on fd 1024; PollSelector and EpollSelector can", () => {
  for (const kind of KINDS) {
    const sim = run(function* (sys) {
      const sel = yield* openSelector(sys, kind);
      let fd = -1;
      while (fd < 1024) fd = yield* sys.socket();
      // A fresh socket is writable.
      yield* sel.register(fd, EVENT_WRITE);
      try {
        sys.print(show(yield* sel.select(0)));
      } catch (e) {
        sys.print(e instanceof RangeError ? e.message.split(":")[0] : String(e));
      }
    }, { nofile: 2048 });
    const expected = kind === "select"
      ? "filedescriptor out of range in select()"
      : "1024:2:undefined";
    assert.deepEqual(texts(sim), [expected], kind);
  }
});

Deno.test("SelectSelector's wait costs O(highest fd); EpollSelector's does not", () => {
  const cost: Record<string, number> = {};
  for (const kind of ["select", "epoll"] as const) {
    run(function* (sys) {
      const sel = yield* openSelector(sys, kind);
      let fd = -1;
      for (let i = 0; i < 800; i++) fd = yield* sys.socket();
      yield* sel.register(fd, EVENT_WRITE);
      const before = sys.thread.usage.syscallNs;
      assert.equal((yield* sel.select(0)).length, 1);
      cost[kind] = sys.thread.usage.syscallNs - before;
    });
  }
  // The epoll selector's fd is 3, so the highest socket is 803 and select scans 804.
  assert.equal(cost.select, C.syscallNs + C.selectBaseNs + 803 * C.selectPerFdNs);
  assert.equal(cost.epoll, C.syscallNs + C.epollWaitNs + C.epollPerEventNs);
});
