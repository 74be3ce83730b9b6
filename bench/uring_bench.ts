/**
 * The io_uring benchmark: an echo workload of 10,000 connections, 10 rounds
 * each, against the io_uring server.
 *
 * Run alone: `deno run --allow-read --v8-flags=--expose-gc bench/uring_bench.ts`.
 */

import { Simulation } from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import { kernelUsage } from "../lib/io/kernel_work.ts";

import { uringServer, UringServerStats } from "../lib/models/uring_server.ts";
import { echoClients, EXCHANGE } from "./_echo.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

function uringEcho10k(): string[] {
  const name = "models.uring_echo10k";
  const connections = 10_000, rounds = 10;
  const before = heapUsed();
  const sim = new Simulation({ seed: 1, trace: false });
  const net = new Network(sim);
  const srv = net.addHost("server", { cores: 1 });
  const served = new UringServerStats();
  const server = srv.spawn(
    "uring",
    uringServer({ ...EXCHANGE, port: 8080, ringEntries: 4096 }, served),
    { daemon: true },
  );
  const completedAll = echoClients(net, connections, rounds);
  const t0 = wallMs();
  sim.run();
  const wallS = (wallMs() - t0) / 1000;
  const completed = completedAll();
  const bytesPerConn = (heapUsed() - before) / connections;
  const u = server.usage();
  const line = benchLine(name, {
    wall_s: wallS,
    sim_events_per_s: Math.round(sim.eventsProcessed / wallS),
    exchanges: completed,
    bytes_per_conn: Math.round(bytesPerConn),
    server_copy_ns: u.copyNs,
    kernel_copy_ns: kernelUsage(srv).copyNs,
    server_cpu_per_req_ns: Math.round(u.cpuNs / completed),
    kernel_cpu_per_req_ns: Math.round(kernelUsage(srv).cpuNs / completed),
    syscalls_per_req: u.syscalls / completed,
    sqes_per_enter: served.submitted / served.enters,
    cq_overflowed: served.overflowed,
  });
  if (sim.now < 0) console.log(net);
  return [line];
}

/** The io_uring benchmarks. */
export const benches: Bench[] = [{ name: "models.uring_echo10k", run: uringEcho10k }];

if (import.meta.main) {
  for (const b of benches) for (const line of await b.run()) console.log(line);
}
