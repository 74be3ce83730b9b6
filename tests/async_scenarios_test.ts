import assert from "node:assert/strict";
import { Simulation } from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import type { ThreadBody } from "../lib/os/process.ts";
import { copyTime, DEFAULT_COSTS } from "../lib/os/costs.ts";
import { kernelUsage } from "../lib/io/kernel_work.ts";
import { ClientStats, closedLoopClient } from "../lib/models/load.ts";
import { epollServer } from "../lib/models/epoll_server.ts";
import { ServerStats } from "../lib/models/server.ts";
import { aioServer } from "../lib/models/aio_server.ts";
import { uringServer, UringServerStats } from "../lib/models/uring_server.ts";
import { runScenario, toJson } from "../lib/scenario/run.ts";
import { type Figures, MODELS, scenario as fiveModels } from "../sims/five_models.ts";
import { scenario as sigioBurst } from "../sims/sigio_burst.ts";

type FiveMetrics = Record<(typeof MODELS)[number], Figures>;

function five(params: Record<string, unknown> = {}): FiveMetrics {
  return toJson(runScenario(fiveModels, { params })).metrics as unknown as FiveMetrics;
}

Deno.test("five models: blocking and select spend no CPU waiting in phase 1; non-blocking does", () => {
  const m = five();
  for (const model of ["blocking", "select"] as const) {
    const f = m[model];
    // Blocked through phase 1: only the call that starts the wait runs on the CPU.
    assert.ok(f.phase1CpuNs < 3_000, `${model} phase 1 CPU ${f.phase1CpuNs}`);
    assert.ok(
      f.phase1Ns > 0.95 * f.phase1WallNs,
      `${model} blocked ${f.phase1Ns} of ${f.phase1WallNs}`,
    );
    assert.equal(f.wastedNs, 0);
    assert.equal(f.usefulComputeNs, 0);
  }
  const nb = m.nonblocking;
  assert.equal(nb.phase1Ns, 0);
  // Every failed recv is wasted CPU (about 250 ns each, as measured here).
  assert.ok(nb.wastedNs >= 5 * 250, `non-blocking wasted ${nb.wastedNs}`);
  assert.ok(nb.phase1CpuNs > 0.95 * nb.phase1WallNs);
  assert.equal(m.blocking.syscalls, 1);
  assert.equal(m.select.syscalls, 2); // select, then recv
  assert.ok(nb.syscalls > 5);
});

Deno.test("five models: only aio frees the process during phase 2 — the kernel copies", () => {
  const m = five();
  const copy = copyTime(DEFAULT_COSTS, 65536);
  for (const model of ["blocking", "nonblocking", "select", "sigio"] as const) {
    assert.equal(m[model].phase2Ns, copy, `${model} copies on its own CPU`);
    assert.equal(m[model].kernelCopyNs, 0);
  }
  const aio = m.aio;
  assert.equal(aio.phase2Ns, 0);
  assert.equal(aio.kernelCopyNs, copy);
  assert.equal(aio.phase1Ns, 0);
  assert.equal(aio.blockedNs, 0);
  // It computed through both phases: useful work for as long as the two lasted (less the signal).
  assert.ok(aio.usefulComputeNs > aio.phase1WallNs + aio.phase2WallNs - 5_000);
  // SIGIO computes through phase 1 but not phase 2, which its handler spends copying.
  assert.equal(m.sigio.phase1Ns, 0);
  assert.ok(m.sigio.usefulComputeNs > 0.9 * m.sigio.phase1WallNs);
  // Whoever could work while waiting finishes first.
  const order = MODELS.slice().sort((a, b) => m[a].finishedNs - m[b].finishedNs);
  assert.deepEqual(order.slice(0, 2), ["aio", "sigio"]);
  assert.deepEqual(order.slice(3).sort(), ["blocking", "select"]);
});

Deno.test("five models draws a timeline per model with both phases and where each process was", () => {
  const report = runScenario(fiveModels, { params: { width: 100 } }).report!;
  const lines = report.split("\n");
  for (const model of MODELS) assert.ok(lines.some((l) => l.startsWith(`${model} — `)), model);
  const row = (label: string) => lines.filter((l) => l.startsWith(label))[0] ?? "";
  assert.match(row("blocking[1000]"), /~{10,}r*s*=+#+/);
  assert.match(row("select[1000]"), /~{10,}r*s*=+#+/);
  assert.match(row("nonblocking[1000]"), /(!#+){3,}/);
  assert.match(row("sigio[1000] "), /#{10,}S=+#/);
  assert.match(row("aio[1000] "), /#{20,}S?#+/);
  assert.match(row("aio[1000]/kernel: aio"), /~{10,}s*=/);
  assert.ok(lines.filter((l) => l.startsWith("request ")).length === 5);
  assert.ok(lines.every((l) => l.length <= 160));
});

Deno.test("five models: the same seed gives the same digest", () => {
  const a = runScenario(fiveModels, { seed: 3 }), b = runScenario(fiveModels, { seed: 3 });
  assert.equal(a.digest, b.digest);
});

Deno.test("SIGIO coalesces: five arrivals, one handler run; a loop reads all, a single read loses track of four", () => {
  const json = toJson(runScenario(sigioBurst, {}));
  const m = json.metrics as Record<string, Record<string, number>>;
  for (const v of ["loop", "once"]) {
    assert.equal(m[v]!.arrivals, 5);
    assert.equal(m[v]!.sigioRaised, 5);
    assert.equal(m[v]!.coalesced, 4);
    assert.equal(m[v]!.handlerRuns, 1);
  }
  assert.equal(m.loop!.readByHandler, 5);
  assert.equal(m.loop!.stillQueued, 0);
  assert.equal(m.once!.readByHandler, 1);
  // Nothing is lost in the socket: the four are still queued, and a later loop reads them.
  assert.equal(m.once!.stillQueued, 4);
  assert.equal(m.once!.readLater, 4);
  assert.ok(json.output.includes("a later read loop finds the other 4"));
});

Deno.test("sigio_burst scales with the burst: one run however many arrive", () => {
  const m = toJson(runScenario(sigioBurst, { params: { burst: 20 } })).metrics as Record<
    string,
    Record<string, number>
  >;
  assert.equal(m.loop!.handlerRuns, 1);
  assert.equal(m.loop!.readByHandler, 20);
  assert.equal(m.once!.stillQueued, 19);
});

const EX = { requestBytes: 512, responseBytes: 512, serviceNs: 2_000, port: 8080 };

/** Runs an echo workload against `server` and returns the server's figures. */
function echo(server: (stats: ServerStats) => ThreadBody<void>, connections = 20, rounds = 5) {
  const sim = new Simulation({ seed: 1 });
  const net = new Network(sim);
  const host = net.addHost("srv");
  const stats = new ServerStats();
  const p = host.spawn("server", server(stats), { daemon: true });
  const client = new ClientStats();
  net.addHost("cli").spawn(
    "load",
    closedLoopClient({ ...EX, server: ["srv", 8080], connections, rounds, stats: client }),
  );
  sim.run();
  return { usage: p.usage(), client, stats, kernel: kernelUsage(host), digest: sim.trace.digest() };
}

Deno.test("only the aio and io_uring servers leave their process free of phase 2", () => {
  const epoll = echo((s) => epollServer(EX, s));
  const aio = echo((s) => aioServer(EX, s));
  const uring = echo((s) => uringServer(EX, s));
  for (const r of [epoll, aio, uring]) assert.equal(r.client.completed, 100);
  assert.ok(epoll.usage.copyNs > 0);
  assert.equal(epoll.kernel.copyNs, 0);
  for (const r of [aio, uring]) {
    assert.equal(r.usage.copyNs, 0);
    // The kernel copied every request in and every response out.
    assert.equal(r.kernel.bytes, 2 * 100 * 512);
    assert.equal(r.stats.served, 100);
  }
});

Deno.test("the io_uring server batches: fewer io_uring_enter calls than requests submitted", () => {
  const sim = new Simulation({ seed: 1 });
  const net = new Network(sim);
  const stats = new UringServerStats();
  const p = net.addHost("srv").spawn("uring", uringServer({ ...EX, ringEntries: 16 }, stats), {
    daemon: true,
  });
  const client = new ClientStats();
  net.addHost("cli", { cores: 2 }).spawn(
    "load",
    closedLoopClient({ ...EX, server: ["srv", 8080], connections: 200, rounds: 3, stats: client }),
  );
  sim.run();
  assert.equal(client.completed, 600);
  assert.ok(
    stats.submitted > 2 * stats.enters,
    `${stats.submitted} SQEs in ${stats.enters} enters`,
  );
  // 200 connections with a recv each in flight through a 16-entry SQ and a 32-entry CQ: no CQE lost.
  assert.equal(stats.served, 600);
  // Besides the closes, less than one system call per request.
  assert.ok(p.usage().syscalls - stats.closed < 600, `${p.usage().syscalls} syscalls`);
});

Deno.test("the asynchronous servers give the same result for the same seed", () => {
  assert.equal(echo((s) => aioServer(EX, s)).digest, echo((s) => aioServer(EX, s)).digest);
  assert.equal(echo((s) => uringServer(EX, s)).digest, echo((s) => uringServer(EX, s)).digest);
});
