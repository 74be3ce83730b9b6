import assert from "node:assert/strict";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/network.ts";
import type { ThreadBody } from "../os/process.ts";
import { blockingServer } from "./blocking_server.ts";
import { busyPollServer } from "./busy_poll_server.ts";
import { epollServer } from "./epoll_server.ts";
import { ClientStats, closedLoopClient } from "./load.ts";
import { pollServer } from "./poll_server.ts";
import { preforkServer, PreforkStats } from "./prefork_server.ts";
import { processServer } from "./process_server.ts";
import { ServerStats } from "./server.ts";
import { sigioServer } from "./sigio_server.ts";
import { threadServer } from "./thread_server.ts";

const EX = { requestBytes: 64, responseBytes: 64, serviceNs: 1_000 };

function world(cores = 1) {
  const sim = new Simulation();
  const net = new Network(sim);
  const srv = net.addHost("srv", { cores });
  const cli = net.addHost("cli", { cores: 4 });
  return { sim, net, srv, cli };
}

function load(connections: number, rounds: number, extra: Record<string, number> = {}) {
  const stats = new ClientStats();
  const body = closedLoopClient({
    ...EX,
    server: ["srv", 80],
    connections,
    rounds,
    stats,
    ...extra,
  });
  return { stats, body };
}

Deno.test("the iterative server makes the second client wait for the first to finish", () => {
  const { sim, srv, cli } = world();
  srv.spawn("iter", blockingServer({ ...EX, port: 80 }), { privileged: true, daemon: true });
  const first = load(1, 5, { thinkNs: ms(1) }), second = load(1, 1);
  cli.spawn("first", first.body);
  cli.spawn("second", second.body, { delay: us(500) });
  sim.run();
  assert.equal(first.stats.completed, 5);
  assert.equal(second.stats.completed, 1);
  // Its one request waited until the first client hung up, about 4 ms later.
  assert.ok(second.stats.latencies[0]! > ms(3.5), `${second.stats.latencies[0]}`);
});

Deno.test("thread-per-connection threads end with their connections", () => {
  const { sim, srv, cli } = world();
  const stats = new ServerStats();
  const p = srv.spawn("threads", threadServer({ ...EX, port: 80 }, stats), {
    privileged: true,
    daemon: true,
  });
  const c = load(5, 3);
  cli.spawn("load", c.body);
  sim.run();
  assert.equal(c.stats.completed, 15);
  assert.equal(stats.closed, 5);
  assert.equal(p.threads.length, 6);
  assert.equal(p.liveThreads.length, 1);
  assert.equal(srv.threadCount, 1);
  assert.ok(p.usage().syscallNs >= 5 * srv.costs.threadCreateNs);
});

Deno.test("the forking server's parent pays the forks, closes its copies and reaps", () => {
  const { sim, srv, cli } = world();
  const p = srv.spawn("forking", processServer({ ...EX, port: 80 }), {
    privileged: true,
    daemon: true,
  });
  const c = load(3, 2);
  cli.spawn("load", c.body);
  cli.spawn("late", load(1, 1).body, { delay: ms(10) });
  sim.run();
  assert.equal(c.stats.completed, 6);
  const children = [...srv.processes.values()].filter((q) => q.name === "conn");
  assert.equal(children.length, 4);
  assert.ok(children.every((q) => !q.alive));
  // Stdio and the listening socket are all the parent holds; three children were reaped.
  assert.equal(p.fds.size, 4);
  assert.equal(p.children.length, 1);
  assert.ok(p.usage().syscallNs >= 4 * srv.costs.forkNs);
});

Deno.test("a busy poller wastes less with a pause between empty passes", () => {
  const run = (pollGapNs: number) => {
    const { sim, srv } = world();
    const p = srv.spawn("spin", busyPollServer({ ...EX, port: 80, pollGapNs }), {
      privileged: true,
      daemon: true,
    });
    sim.run({ until: ms(2) });
    return p.usage();
  };
  const spin = run(0), nap = run(us(50));
  assert.ok(spin.wastedNs > 10 * nap.wastedNs, `${spin.wastedNs} vs ${nap.wastedNs}`);
  assert.ok(nap.userNs > ms(1.5));
  assert.throws(() => busyPollServer({ ...EX, port: 80, pollGapNs: -1 }), /pollGapNs "-1"/);
});

Deno.test("SIGIO coalesces: a burst while it is pending gives fewer handler runs than events", () => {
  const { sim, srv, cli } = world();
  const stats = new ServerStats();
  const p = srv.spawn("sigio", sigioServer({ ...EX, port: 80, serviceNs: us(50) }, stats), {
    privileged: true,
    daemon: true,
  });
  const c = load(8, 3);
  cli.spawn("load", c.body);
  sim.run();
  assert.equal(c.stats.completed, 24);
  assert.equal(stats.served, 24);
  assert.ok(p.signals.coalesced > 0, `coalesced ${p.signals.coalesced}`);
  // The handler loops until EAGAIN over every socket, so nothing is lost.
  assert.equal(stats.loops, p.signals.delivered);
});

Deno.test("a queued real-time signal carries the fd: the handler serves that socket only", () => {
  const run = (queued: boolean): { eagainPerRun: number; coalesced: number } => {
    const { sim, srv, cli } = world();
    const p = srv.spawn("sigio", sigioServer({ ...EX, port: 80, queued }), {
      privileged: true,
      daemon: true,
    });
    const c = load(10, 4);
    cli.spawn("load", c.body);
    sim.run();
    assert.equal(c.stats.completed, 40);
    return {
      eagainPerRun: p.usage().eagain / p.signals.delivered,
      coalesced: p.signals.coalesced,
    };
  };
  const plain = run(false), rt = run(true);
  // Plain SIGIO tries all ten sockets per run; the queued signal names one.
  assert.ok(
    plain.eagainPerRun > 5 * rt.eagainPerRun,
    `${plain.eagainPerRun} vs ${rt.eagainPerRun}`,
  );
  assert.ok(plain.coalesced > 0);
  assert.equal(rt.coalesced, 0);
});

Deno.test("SIGIO's main thread computes useful work between signals", () => {
  const { sim, srv, cli } = world();
  const p = srv.spawn("sigio", sigioServer({ ...EX, port: 80, usefulWorkNs: us(100) }), {
    privileged: true,
    daemon: true,
  });
  const c = load(2, 5);
  cli.spawn("load", c.body);
  sim.run({ until: ms(5) });
  assert.equal(c.stats.completed, 10);
  assert.ok(p.usage().userNs > ms(4), `${p.usage().userNs}`);
  assert.throws(() => sigioServer({ ...EX, port: 80, usefulWorkNs: NaN }), RangeError);
});

Deno.test("the poll server keeps its array as connections come and go", () => {
  const { sim, srv, cli } = world();
  const stats = new ServerStats();
  srv.spawn("poll", pollServer({ ...EX, port: 80 }, stats), { privileged: true, daemon: true });
  const a = load(6, 2), b = load(4, 5);
  cli.spawn("a", a.body);
  cli.spawn("b", b.body, { delay: us(300) });
  cli.spawn("c", load(3, 1).body, { delay: ms(3) });
  sim.run();
  assert.equal(a.stats.completed + b.stats.completed, 32);
  assert.equal(stats.served, 35);
  assert.equal(stats.closed, 13);
});

Deno.test("edge-triggered epoll with a read budget still serves everything", () => {
  const { sim, srv, cli } = world();
  const stats = new ServerStats();
  srv.spawn(
    "et",
    epollServer({ ...EX, port: 80, edgeTriggered: true, readsPerTurn: 1, readBytes: 64 }, stats),
    { privileged: true, daemon: true },
  );
  // Pipelined: one send carries many requests, read 64 bytes at a time.
  let answered = 0;
  cli.spawn("pipeline", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["srv", 80]);
    yield* sys.sendall(fd, new Uint8Array(64 * 50));
    while (answered < 64 * 50) answered += (yield* sys.recv(fd, 65536)).length;
  });
  const c = load(2, 3);
  cli.spawn("load", c.body);
  sim.run();
  assert.equal(answered, 64 * 50);
  assert.equal(c.stats.completed, 6);
  assert.equal(stats.served, 56);
  assert.throws(() => epollServer({ ...EX, port: 80, readsPerTurn: 0 }), /readsPerTurn "0"/);
  assert.throws(() => epollServer({ ...EX, port: 80, maxEvents: 1.5 }), /maxEvents "1.5"/);
});

Deno.test("prefork: without EPOLLEXCLUSIVE every worker wakes; blocking accept wakes one", () => {
  const run = (accept: "epoll" | "blocking", exclusive: boolean) => {
    const { sim, srv, cli } = world(4);
    const stats = new PreforkStats();
    srv.spawn(
      "master",
      preforkServer({ ...EX, port: 80, workers: 3, exclusive, accept }, stats),
      { privileged: true, daemon: true },
    );
    sim.run({ until: ms(2) });
    const workers = [...srv.processes.values()].filter((p) => p.name.startsWith("worker"));
    const before = workers.map((p) => p.usage().wakeups);
    const c = load(1, 2);
    cli.spawn("load", c.body);
    sim.run();
    assert.equal(c.stats.completed, 2);
    const woke = workers.map((p, i) => p.usage().wakeups - before[i]!);
    return { stats, woke };
  };
  const herd = run("epoll", false), one = run("epoll", true), acc = run("blocking", false);
  // The herd: the two workers that did not get the connection woke for it anyway.
  assert.deepEqual(herd.woke.slice(1), [1, 1]);
  assert.equal(herd.stats.acceptEagain, 2);
  assert.deepEqual(one.woke.slice(1), [0, 0]);
  assert.equal(one.stats.acceptEagain, 0);
  assert.equal(herd.woke[0], one.woke[0]);
  assert.deepEqual(acc.woke.slice(1), [0, 0]);
  assert.equal(acc.stats.workers.filter((w) => w.accepted === 1).length, 1);
  assert.throws(() => preforkServer({ ...EX, port: 80, workers: 0 }), /workers "0"/);
  assert.throws(
    () => preforkServer({ ...EX, port: 80, accept: "select" as never }),
    /accept mode "select"/,
  );
});

Deno.test("server options are checked when the server is made", () => {
  const makers: ((o: typeof EX & { port: number }) => ThreadBody<void>)[] = [
    blockingServer,
    threadServer,
    processServer,
    busyPollServer,
    pollServer,
    epollServer,
    sigioServer,
    preforkServer,
  ];
  for (const make of makers) {
    assert.throws(() => make({ ...EX, port: -1 }), /Invalid server port "-1"/);
    assert.throws(() => make({ ...EX, port: 80, requestBytes: 0 }), /requestBytes "0"/);
  }
});
