import assert from "node:assert/strict";
import { TimeoutError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import { Network } from "../net/network.ts";
import { isErrno } from "../os/errno.ts";
import type { Host } from "../os/host.ts";
import type { Process } from "../os/process.ts";
import { fromBytes, type Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { ConcurrentObjectUseError } from "./errors.ts";
import { type BlockingIo, GreenIo, patchAll } from "./green_io.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import { type Hub, runHub } from "./hub.ts";

/** A world: the app process on "box" (with a hub) and `extra` set up first. */
function run(
  main: (hub: Hub, sys: Sys) => GreenletRoutine<void>,
  extra: (net: Network, box: Host) => void = () => {},
): { lines: string[]; proc: Process; sim: Simulation; hub: Hub } {
  const sim = new Simulation();
  const net = new Network(sim, { link: { latency: ms(10) } });
  const box = net.addHost("box");
  extra(net, box);
  let theHub: Hub | null = null;
  const proc = box.spawn("app", function* (sys) {
    yield* runHub(sys, (hub) => {
      theHub = hub;
      return main(hub, sys);
    }, { reportErrors: false });
  }, { onError: "exit" });
  sim.run({ until: proc.exited });
  if (proc.error !== undefined) throw proc.error;
  return { lines: sim.output.map((l) => l.text), proc, sim, hub: theHub! };
}

/** A server that answers each connection with `reply` after `delay`. */
function slowServer(delay: number, reply: string) {
  return function* (sys: Sys): ThreadRoutine<void> {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 8080]);
    yield* sys.listen(ls);
    for (;;) {
      const { fd } = yield* sys.accept(ls);
      yield* sys.spawnThread("conn", function* (t) {
        yield* t.recv(fd, 100);
        yield* t.sleep(delay);
        yield* t.sendall(fd, reply);
        yield* t.close(fd);
      });
    }
  };
}

function* fetch(io: BlockingIo, host: string): ThreadRoutine<string> {
  const fd = yield* io.socket();
  yield* io.connect(fd, [host, 8080]);
  yield* io.sendall(fd, "GET");
  let text = "";
  for (;;) {
    const b = yield* io.recv(fd, 1024);
    if (b.length === 0) break;
    text += fromBytes(b);
  }
  yield* io.close(fd);
  return text;
}

function crawl(patch: boolean): { lines: string[]; took: number } {
  let took = 0;
  const { lines } = run(function* (hub, sys) {
    const io: BlockingIo = patch ? patchAll(hub) : sys;
    const t0 = sys.now;
    const gs = [["a", "slow"], ["b", "fast"]].map(([host]) =>
      hub.spawn(function* () {
        io.print(`get ${host}`);
        io.print(`${host}: ${yield* fetch(io, host!)}`);
      })
    );
    yield* hub.joinAll(gs, { raiseError: true });
    took = sys.now - t0;
  }, (net) => {
    net.addHost("a").spawn("httpd", slowServer(ms(300), "slow page"), { daemon: true });
    net.addHost("b").spawn("httpd", slowServer(ms(100), "fast page"), { daemon: true });
  });
  return { lines, took };
}

Deno.test("patched, fetches overlap (≈ the slowest); unpatched, they add up", () => {
  const patched = crawl(true), unpatched = crawl(false);
  assert.deepEqual(patched.lines, ["get a", "get b", "b: fast page", "a: slow page"]);
  assert.deepEqual(unpatched.lines, ["get a", "a: slow page", "get b", "b: fast page"]);
  // Each fetch: connect (1 RTT = 20 ms) + request/response (1 RTT) + the server's delay.
  assert.ok(patched.took > ms(340) && patched.took < ms(345), `patched ${patched.took}`);
  assert.ok(unpatched.took > ms(480) && unpatched.took < ms(490), `unpatched ${unpatched.took}`);
});

Deno.test("green sockets park greenlets on the hub's epoll, one epoll_ctl per wait", () => {
  const { lines, proc, hub, sim } = run(function* (hub, sys) {
    const io = patchAll(hub);
    const [x, y] = yield* sys.socketpair();
    const reader = hub.spawn(function* () {
      for (let i = 0; i < 3; i++) io.print(fromBytes(yield* io.recv(y, 64)));
    });
    for (const word of ["one", "two", "three"]) {
      yield* hub.sleep(ms(1));
      yield* io.send(x, word);
    }
    yield* reader.join();
    io.print(io.waits);
  });
  assert.deepEqual(lines, ["one", "two", "three", "3"]);
  // Three waits: one EPOLL_CTL_ADD then two MODs re-arming the one-shot registration.
  const u = proc.usage();
  assert.equal(u.eagain, 3);
  assert.ok(hub.polls >= 3);
  const ctl = sim.trace.records({ kind: "span" }).filter((r) => r.data?.call === "epoll_ctl");
  assert.equal(ctl.length, 3);
});

Deno.test("a green echo server serves many clients on one thread", () => {
  const n = 50;
  let served = 0;
  const { lines, hub } = run(function* (hub, sys) {
    const io = patchAll(hub);
    const ls = yield* io.socket();
    yield* io.bind(ls, ["0.0.0.0", 7007]);
    yield* io.listen(ls);
    const server = hub.spawn(function* () {
      for (;;) {
        const { fd } = yield* io.accept(ls);
        hub.spawn(function* () {
          for (;;) {
            const data = yield* io.recv(fd, 1024);
            if (data.length === 0) break;
            yield* io.sendall(fd, data);
          }
          yield* io.close(fd);
          served++;
        });
      }
    });
    const clients = Array.from({ length: n }, (_, i) =>
      hub.spawn(function* () {
        const fd = yield* io.socket();
        yield* io.connect(fd, ["localhost", 7007]);
        yield* io.sendall(fd, `hi ${i}`);
        const reply = fromBytes(yield* io.recv(fd, 64));
        yield* io.close(fd);
        return reply;
      }));
    yield* hub.joinAll(clients, { raiseError: true });
    sys.print(clients.every((c, i) => c.value === `hi ${i}`));
    yield* hub.sleep(ms(1));
    yield* server.kill();
  });
  assert.deepEqual(lines, ["true"]);
  assert.equal(served, n);
  assert.equal(hub.runtime.peakLive >= 2 * n, true);
});

Deno.test("connect errors and timeouts surface as in Python", () => {
  const { lines } = run(function* (hub, sys) {
    const io = patchAll(hub);
    const fd = yield* io.socket();
    try {
      yield* io.connect(fd, ["peer", 9]);
    } catch (e) {
      sys.print(isErrno(e, "ECONNREFUSED"));
    }
    const [x, y] = yield* sys.socketpair();
    yield* io.settimeout(y, ms(5));
    sys.print(io.gettimeout(y), io.gettimeout(x));
    const t0 = sys.now;
    try {
      yield* io.recv(y, 10);
    } catch (e) {
      sys.print(e instanceof TimeoutError, Math.round((sys.now - t0) / 1e6), (e as Error).message);
    }
    yield* io.setBlocking(y, false);
    try {
      yield* io.recv(y, 10);
    } catch (e) {
      sys.print(isErrno(e, "EAGAIN"), io.gettimeout(y));
    }
    yield* io.setBlocking(y, true);
    sys.print(io.gettimeout(y));
    assert.throws(() => io.settimeout(y, -1).next(), RangeError);
  }, (net) => {
    net.addHost("peer");
  });
  assert.deepEqual(lines, [
    "true",
    "5000000 null",
    "true 5 recv on fd 6 timed out after 5 ms",
    "true 0",
    "null",
  ]);
});

Deno.test("two greenlets reading one socket is a ConcurrentObjectUseError", () => {
  const { lines } = run(function* (hub, sys) {
    const io = patchAll(hub);
    const [x, y] = yield* sys.socketpair();
    const first = hub.spawn(function* () {
      return fromBytes(yield* io.recv(y, 10));
    });
    const second = hub.spawn(function* () {
      return fromBytes(yield* io.recv(y, 10));
    });
    yield* hub.sleep(us(1));
    yield* io.send(x, "data");
    yield* hub.joinAll([first, second]);
    sys.print(first.value, second.exception instanceof ConcurrentObjectUseError);
    sys.print((second.exception as Error).message);
  });
  assert.deepEqual(lines, [
    "data true",
    'Cannot wait for recv on fd "5": greenlet "Greenlet-0" already waits for recv on it',
  ]);
});

Deno.test("closing a socket wakes the greenlet waiting on it with EBADF", () => {
  const { lines } = run(function* (hub, sys) {
    const io = patchAll(hub);
    const [, y] = yield* sys.socketpair();
    const reader = hub.spawn(function* () {
      yield* io.recv(y, 10);
    });
    yield* hub.sleep(us(1));
    yield* io.close(y);
    yield* reader.join();
    const e = reader.exception as Error;
    sys.print(isErrno(e, "EBADF"), e.message);
  });
  assert.deepEqual(lines, [
    "true recv failed: fd 5 was closed by another greenlet (EBADF: Bad file descriptor)",
  ]);
});

Deno.test("Sys and GreenIo both satisfy BlockingIo; green sleep is the hub's", () => {
  const { lines, proc } = run(function* (hub, sys) {
    const plain: BlockingIo = sys;
    const green: BlockingIo = patchAll(hub);
    assert.ok(green instanceof GreenIo);
    assert.equal((green as GreenIo).sys, plain);
    const t0 = sys.now;
    const a = hub.spawn(function* () {
      yield* green.sleep(ms(10));
    });
    const b = hub.spawn(function* () {
      yield* green.sleep(ms(10));
    });
    yield* hub.joinAll([a, b]);
    green.print(Math.round((green.now - t0) / 1e6));
    yield* green.compute(ms(1));
  });
  assert.deepEqual(lines, ["10"]);
  assert.equal(proc.usage().userNs >= ms(1), true);
});
