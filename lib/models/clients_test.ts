import assert from "node:assert/strict";
import { ms, Rng, Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/network.ts";
import { epollServer } from "./epoll_server.ts";
import { ClientStats, closedLoopClient, idleClient } from "./load.ts";
import { openLoopClient } from "./open_loop.ts";
import { ServerStats } from "./server.ts";

const EX = { requestBytes: 64, responseBytes: 64, serviceNs: 1_000 };

function world(withServer = true) {
  const sim = new Simulation();
  const net = new Network(sim);
  const srv = net.addHost("srv");
  const served = new ServerStats();
  if (withServer) {
    srv.spawn("epoll", epollServer({ ...EX, port: 80 }, served), {
      privileged: true,
      daemon: true,
    });
  }
  return { sim, cli: net.addHost("cli", { cores: 2 }), served };
}

Deno.test("a closed loop with a start gate connects first and sends nothing until the start", () => {
  const { sim, cli, served } = world();
  const go = sim.event<void>("go");
  const stats = new ClientStats();
  cli.spawn(
    "load",
    closedLoopClient({ ...EX, server: ["srv", 80], connections: 5, rounds: 2, start: go, stats }),
  );
  // Nothing is left to do but wait for the gate.
  assert.equal(sim.run({ until: ms(5), deadlock: "report" }).stop, "deadlock");
  assert.equal(stats.connected, 5);
  assert.equal(served.accepted, 5);
  assert.equal(stats.sent, 0);
  const gateAt = sim.now;
  go.succeed();
  sim.run();
  assert.equal(stats.completed, 10);
  assert.ok(stats.startedAt >= gateAt && gateAt > 0);
});

Deno.test("a closed loop with Infinity rounds runs until the simulation stops", () => {
  const { sim, cli } = world();
  const stats = new ClientStats();
  cli.spawn(
    "load",
    closedLoopClient({ ...EX, server: ["srv", 80], connections: 2, rounds: Infinity, stats }),
    { daemon: true },
  );
  sim.run({ until: ms(10) });
  assert.ok(stats.completed > 50, `${stats.completed}`);
  assert.ok(stats.sent - stats.completed <= 2);
  assert.throws(
    () => closedLoopClient({ ...EX, server: ["srv", 80], connections: 1, rounds: 0, stats }),
    /rounds "0"/,
  );
  assert.throws(
    () =>
      closedLoopClient({
        ...EX,
        server: ["srv", 80],
        connections: 1,
        rounds: 1,
        thinkNs: -1,
        stats,
      }),
    /thinkNs "-1"/,
  );
});

Deno.test("idle connections to a port nobody listens on fail with ECONNREFUSED", () => {
  const { sim, cli } = world(false);
  const stats = new ClientStats();
  cli.spawn("idle", idleClient({ server: ["srv", 80], connections: 3, stats }), { daemon: true });
  sim.run({ until: ms(5) });
  assert.equal(stats.connected, 0);
  assert.deepEqual(stats.failures, { ECONNREFUSED: 3 });
});

Deno.test("a gated closed loop whose connections are all refused ends without waiting", () => {
  const { sim, cli } = world(false);
  const go = sim.event<void>("go");
  const stats = new ClientStats();
  cli.spawn(
    "load",
    closedLoopClient({ ...EX, server: ["srv", 80], connections: 2, rounds: 1, start: go, stats }),
  );
  sim.run();
  assert.deepEqual(stats.failures, { ECONNREFUSED: 2 });
  assert.equal(stats.sent, 0);
});

Deno.test("open-loop arrivals depend on the generator's seed only", () => {
  const arrivals = (seed: number, serviceNs: number) => {
    const sim = new Simulation();
    const net = new Network(sim);
    net.addHost("srv").spawn("epoll", epollServer({ ...EX, serviceNs, port: 80 }), {
      privileged: true,
      daemon: true,
    });
    const stats = new ClientStats();
    net.addHost("cli").spawn(
      "load",
      openLoopClient({
        ...EX,
        server: ["srv", 80],
        rate: 5000,
        connections: 3,
        durationNs: ms(20),
        rng: new Rng(seed).fork("arrivals"),
        stats,
      }),
    );
    sim.run();
    return stats;
  };
  const a = arrivals(1, 1_000), b = arrivals(1, 50_000), c = arrivals(2, 1_000);
  assert.equal(a.sent, b.sent);
  assert.notEqual(a.sent, c.sent);
  assert.equal(a.completed, a.sent);
  assert.equal(b.completed, b.sent);
  // A slower server: the same arrivals wait longer.
  assert.ok(b.latency.p50 > a.latency.p50);
});

Deno.test("an open loop on a one-connection pool queues arrivals and counts the wait", () => {
  const { sim, cli } = world();
  const stats = new ClientStats();
  cli.spawn(
    "load",
    openLoopClient({
      ...EX,
      server: ["srv", 80],
      rate: 50_000, // a request every 20 µs; a round trip takes over 100 µs
      connections: 1,
      durationNs: ms(2),
      rng: new Rng(1).fork("arrivals"),
      stats,
    }),
  );
  sim.run();
  assert.equal(stats.completed, stats.sent);
  assert.ok(stats.latency.max > ms(5), `${stats.latency.max}`);
});

Deno.test("an open loop can open a connection per request", () => {
  const { sim, cli, served } = world();
  const stats = new ClientStats();
  cli.spawn(
    "load",
    openLoopClient({
      ...EX,
      server: ["srv", 80],
      rate: 2000,
      mode: "connection",
      durationNs: ms(20),
      rng: new Rng(1).fork("arrivals"),
      stats,
    }),
  );
  sim.run();
  assert.ok(stats.sent > 20);
  assert.equal(stats.completed, stats.sent);
  assert.equal(served.accepted, stats.sent);
  assert.equal(served.closed, stats.sent);
  // Each latency includes the handshake: two round trips.
  assert.ok(stats.latency.p50 > us(200), `${stats.latency.p50}`);
});

Deno.test("open-loop options are checked", () => {
  const base = { ...EX, server: ["srv", 80] as const, rng: new Rng(1), stats: new ClientStats() };
  assert.throws(() => openLoopClient({ ...base, rate: 0 }), /rate "0"/);
  assert.throws(() => openLoopClient({ ...base, rate: "1" as never }), TypeError);
  assert.throws(() => openLoopClient({ ...base, rate: 1, mode: "x" as never }), /mode "x"/);
  assert.throws(() => openLoopClient({ ...base, rate: 1, connections: 0 }), /connections "0"/);
  assert.throws(() => openLoopClient({ ...base, rate: 1, durationNs: -5 }), /durationNs "-5"/);
});
