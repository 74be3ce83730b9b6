import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import { Rng } from "../kernel/rng.ts";
import { copyTime, type CostModel } from "../os/costs.ts";
import { type Errno, SysError } from "../os/errno.ts";
import { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { Network, type NetworkOptions } from "./network.ts";
import { DEFAULT_LINK, linkParams, LOOPBACK_LINK, Path } from "./path.ts";
import { HostStack } from "./stack.ts";

const FREE: Partial<CostModel> = {
  syscallNs: 0,
  sendNs: 0,
  recvNs: 0,
  contextSwitchNs: 0,
  wakeupNs: 0,
  socketNs: 0,
  closeNs: 0,
};

function world(options: NetworkOptions = {}, seed = 1): [Simulation, Network, Host, Host] {
  const sim = new Simulation({ seed });
  const net = new Network(sim, options);
  return [sim, net, net.addHost("server", { costs: FREE }), net.addHost("client", { costs: FREE })];
}

function* attempt<T>(op: ThreadRoutine<T>): ThreadRoutine<T | Errno> {
  try {
    return yield* op;
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
}

function* listenOn(sys: Sys, port: number): ThreadRoutine<number> {
  const ls = yield* sys.socket();
  yield* sys.bind(ls, ["0.0.0.0", port]);
  yield* sys.listen(ls);
  return ls;
}

// ---- hosts -----------------------------------------------------------------

Deno.test("addHost makes a host with a network stack, findable by name", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  const a = net.addHost("a", { cores: 4 }), b = net.addHost("b");
  assert.deepEqual(net.hosts, [a, b]);
  assert.equal(net.host("a"), a);
  assert.equal(net.host("zzz"), undefined);
  assert.equal(a.cpu.cores, 4);
  assert.ok(a.stack instanceof HostStack);
  assert.equal((a.stack as HostStack).network, net);
});

Deno.test("a second host with the same name, or a reserved name, is a RangeError", () => {
  const net = new Network(new Simulation());
  net.addHost("a");
  assert.throws(() => net.addHost("a"), RangeError);
  for (const name of ["localhost", "127.0.0.1", "::1", "0.0.0.0"]) {
    assert.throws(() => net.addHost(name), RangeError, name);
  }
});

Deno.test("attach rejects a host of another simulation or one already on a network", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  assert.throws(() => net.attach(new Host(new Simulation(), { name: "x" })), TypeError);
  const h = new Host(sim, { name: "h" });
  net.attach(h);
  assert.equal(net.host("h"), h);
  assert.throws(() => new Network(sim).attach(h), TypeError);
});

Deno.test("attach of something that is not a Host is a TypeError naming the value", () => {
  const net = new Network(new Simulation());
  for (const [v, text] of [[null, "null"], [undefined, "undefined"], ["h", "h"]] as const) {
    assert.throws(() => net.attach(v as never), {
      name: "TypeError",
      message: `Invalid host "${text}": expected a Host`,
    });
  }
  assert.deepEqual(net.hosts, []);
});

// ---- links and paths -------------------------------------------------------

Deno.test("linkParams fills gaps from the base and checks every value", () => {
  assert.deepEqual(linkParams({}), DEFAULT_LINK);
  assert.deepEqual(linkParams({ jitter: 5 }, LOOPBACK_LINK), { ...LOOPBACK_LINK, jitter: 5 });
  assert.throws(() => linkParams({ latency: -1 }), RangeError);
  assert.throws(() => linkParams({ latency: Infinity }), RangeError);
  assert.throws(() => linkParams({ bandwidth: 0 }), RangeError);
  assert.throws(() => linkParams({ jitter: -1 }), RangeError);
  assert.throws(() => linkParams({ loss: 1.5 }), RangeError);
  assert.throws(() => linkParams({ loss: "0.1" as unknown as number }), TypeError);
  assert.throws(() => linkParams({ latency: NaN }), TypeError);
  assert.ok(Object.isFrozen(linkParams({ latency: 3 })));
});

Deno.test("a path serialises packets at its bandwidth and adds its latency", () => {
  const path = new Path("a", "b", linkParams({ latency: 1000, bandwidth: 2 }), new Rng(1));
  assert.equal(path.arrival(0, 100), 50 + 1000);
  assert.equal(path.arrival(0, 100), 100 + 1000); // behind the first
  assert.equal(path.arrival(500, 1), 501 + 1000); // the link was idle again
  assert.equal(path.packets, 3);
  assert.equal(path.bytes, 201);
  assert.equal(path.drops(), false);
  assert.equal(path.lost, 0);
});

Deno.test("an infinite-bandwidth path only adds latency", () => {
  const path = new Path("a", "b", linkParams({ latency: 7, bandwidth: Infinity }), new Rng(1));
  assert.equal(path.arrival(10, 1e9), 17);
  assert.equal(path.arrival(10, 1e9), 17);
});

Deno.test("a path's jitter is drawn from the seed: same seed, same delays", () => {
  const delays = (seed: number): number[] => {
    const path = new Path(
      "a",
      "b",
      linkParams({ latency: 0, bandwidth: Infinity, jitter: 1000 }),
      new Rng(seed),
    );
    return Array.from({ length: 20 }, () => path.arrival(0, 1));
  };
  assert.deepEqual(delays(1), delays(1));
  assert.notDeepEqual(delays(1), delays(2));
  for (const d of delays(3)) assert.ok(d >= 0 && d < 1000);
});

Deno.test("a path with loss 1 drops everything and counts it; loss 0 draws nothing", () => {
  const all = new Path("a", "b", linkParams({ loss: 1 }), new Rng(1));
  assert.deepEqual([all.drops(), all.drops()], [true, true]);
  assert.equal(all.lost, 2);
  const rng = new Rng(5), twin = new Rng(5);
  const none = new Path("a", "b", linkParams({ loss: 0 }), rng);
  none.drops();
  assert.equal(rng.random(), twin.random()); // no draw was taken
});

Deno.test("link sets both directions, or one with oneWay, and updates paths already in use", () => {
  const sim = new Simulation();
  const net = new Network(sim, { link: { latency: 10 } });
  net.addHost("a");
  net.addHost("b");
  const ab = net.path("a", "b");
  assert.equal(ab.params.latency, 10);
  net.link("a", "b", { latency: 99 });
  assert.equal(ab.params.latency, 99);
  assert.equal(net.path("b", "a").params.latency, 99);
  net.link("a", "b", { latency: 5 }, true);
  assert.equal(net.path("a", "b").params.latency, 5);
  assert.equal(net.path("b", "a").params.latency, 99);
  // The rest comes from the default link.
  assert.equal(net.path("a", "b").params.bandwidth, DEFAULT_LINK.bandwidth);
  assert.throws(() => net.link("a", "nowhere", { latency: 1 }), RangeError);
  assert.throws(() => net.path("nowhere", "a"), RangeError);
  assert.throws(() => net.link("a", "b", { loss: 3 }), RangeError);
  assert.equal(net.path("a", "a").params, net.path("a", "a").params);
  assert.equal(net.path("a", "a").params.latency, LOOPBACK_LINK.latency);
});

Deno.test("link accepts a Host as well as a name, but not a stranger with the same name", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { latency: 42 });
  assert.equal(net.path(a, "b").params.latency, 42);
  assert.throws(() => net.path(new Host(sim, { name: "a" }), b), RangeError);
});

Deno.test("a link from a host to itself is refused: the host uses its loopback device", () => {
  const sim = new Simulation();
  const net = new Network(sim, { loopback: { latency: 7 } });
  const a = net.addHost("a");
  for (const [x, y] of [["a", "a"], [a, "a"], [a, a]] as const) {
    assert.throws(() => net.link(x, y, { latency: 99 }), {
      name: "RangeError",
      message: /Cannot link host "a" to itself: .*loopback/,
    });
  }
  assert.throws(() => net.link("a", "a", { latency: 99 }, true), RangeError);
  assert.equal(net.path("a", "a").params.latency, 7);
});

Deno.test("addFault of something that is not an object is a TypeError naming the value", () => {
  const net = new Network(new Simulation());
  net.addHost("a");
  net.addHost("b");
  for (const [v, text] of [[null, "null"], [undefined, "undefined"], [0.5, "0.5"]] as const) {
    assert.throws(() => net.addFault(v as never), {
      name: "TypeError",
      message: `Invalid fault rule "${text}": expected an object`,
    });
  }
  assert.equal(net.path("a", "b").rules.length, 0);
});

// ---- virtual times ---------------------------------------------------------

Deno.test("virtual times of a request and reply over a link with 100 µs latency and 1 B/ns", () => {
  const [sim, , server, client] = world({ link: { latency: us(100), bandwidth: 1 } });
  const L = us(100), H = 52; // one-way latency; bytes of header per segment
  const copy = copyTime(server.costs, 1000);
  const times: Record<string, number> = {};
  server.spawn("server", function* (sys) {
    const ls = yield* listenOn(sys, 8080);
    const { fd } = yield* sys.accept(ls);
    times.accepted = sys.now;
    const req = yield* sys.recv(fd, 4096);
    times.request = sys.now;
    yield* sys.send(fd, req);
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 8080]);
    times.connected = sys.now;
    yield* sys.send(fd, new Uint8Array(1000));
    yield* sys.recv(fd, 4096);
    times.reply = sys.now;
  });
  sim.run();
  const syn = H + L, synAck = 2 * (H + L), ack = synAck + H + L;
  // The data leaves once the link has finished sending the ACK (H ns after synAck).
  const request = synAck + H + (1000 + H) + L;
  const reply = request + 2 * copy + (1000 + H) + L;
  assert.ok(syn < synAck);
  assert.deepEqual(times, {
    connected: synAck,
    accepted: ack,
    request: request + copy,
    reply: reply + copy,
  });
});

Deno.test("a bulk transfer over a slow link takes at least its serialisation time", () => {
  const [sim, , server, client] = world({ link: { latency: us(50), bandwidth: 0.1 } });
  let received = 0, doneAt = 0, startAt = 0;
  server.spawn("server", function* (sys) {
    const { fd } = yield* sys.accept(yield* listenOn(sys, 8080));
    for (;;) {
      const n = (yield* sys.recv(fd, 65536)).length;
      if (n === 0) break;
      received += n;
    }
    doneAt = sys.now;
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 8080]);
    startAt = sys.now;
    yield* sys.sendall(fd, new Uint8Array(100_000));
    yield* sys.close(fd);
  });
  sim.run();
  assert.equal(received, 100_000);
  const wire = 100_000 / 0.1; // 1 ms at 100 MB/s
  const elapsed = doneAt - startAt;
  assert.ok(elapsed >= wire, `${elapsed} < ${wire}`);
  assert.ok(elapsed < wire * 1.5, `${elapsed} is far above ${wire}`);
});

Deno.test("loopback connections are instant: latency 0 and no serialisation", () => {
  const sim = new Simulation();
  const host = new Network(sim).addHost("box", { costs: FREE });
  let at = -1;
  host.spawn("server", function* (sys) {
    const { fd } = yield* sys.accept(yield* listenOn(sys, 8080));
    yield* sys.recv(fd, 100);
    at = sys.now;
  });
  host.spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["localhost", 8080]);
    yield* sys.send(fd, "x");
  });
  sim.run();
  assert.equal(at, 2 * copyTime(host.costs, 1));
});

Deno.test("a lossy link delays segments by the retransmission timeout but a stream stays whole and in order", () => {
  const [sim, net, server, client] = world({ link: { latency: us(100), loss: 0.3 } }, 7);
  const sent = new Uint8Array(50_000).map((_, i) => i % 251);
  const got: number[] = [];
  let doneAt = 0;
  server.spawn("server", function* (sys) {
    const { fd } = yield* sys.accept(yield* listenOn(sys, 8080));
    for (;;) {
      const chunk = yield* sys.recv(fd, 8192);
      if (chunk.length === 0) break;
      got.push(...chunk);
    }
    doneAt = sys.now;
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    // A SYN may be lost too: connect retries after 1 s.
    yield* sys.connect(fd, ["server", 8080]);
    yield* sys.sendall(fd, sent);
    yield* sys.close(fd);
  });
  sim.run();
  assert.deepEqual(got, [...sent]);
  assert.ok(net.path("client", "server").lost > 0);
  assert.ok(doneAt > ms(200), "at least one 200 ms retransmission timeout");
});

Deno.test("the same seed gives the same trace digest through a jittery, lossy network", () => {
  const digest = (seed: number): [string, number] => {
    const [sim, , server, client] = world(
      { link: { latency: us(100), jitter: us(50), loss: 0.1 } },
      seed,
    );
    server.spawn("server", function* (sys) {
      const { fd } = yield* sys.accept(yield* listenOn(sys, 8080));
      while ((yield* sys.recv(fd, 1000)).length > 0) {
        // drain
      }
    });
    client.spawn("client", function* (sys) {
      const fd = yield* sys.socket();
      yield* attempt(sys.connect(fd, ["server", 8080]));
      yield* attempt(sys.sendall(fd, new Uint8Array(20_000)));
      yield* sys.close(fd);
    });
    sim.run();
    return [sim.trace.digest(), sim.now];
  };
  assert.deepEqual(digest(3), digest(3));
  assert.notDeepEqual(digest(3), digest(4));
});
