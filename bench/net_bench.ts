/** Network benchmarks: echo workloads against epoll, poll and select servers. */

import { Simulation } from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import type { ThreadBody } from "../lib/os/mod.ts";
import {
  ClientStats,
  closedLoopClient,
  epollServer,
  pollServer,
  selectServer,
  type ServerOptions,
} from "../lib/models/mod.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

const EXCHANGE = { requestBytes: 64, responseBytes: 64, serviceNs: 1_000 };

/** Runs `connections` clients (in processes of 1,000) against one server, `rounds` each. */
function echo(
  server: (opts: ServerOptions) => ThreadBody<void>,
  connections: number,
  rounds: number,
): { wallS: number; eventsPerS: number; bytesPerConn: number; completed: number } {
  const before = heapUsed();
  const sim = new Simulation({ seed: 1, trace: false });
  const net = new Network(sim);
  const srv = net.addHost("server", { cores: 1 });
  srv.spawn("server", server({ ...EXCHANGE, port: 8080 }), { daemon: true });
  const clients = net.addHost("clients", { cores: 4 });
  const all: ClientStats[] = [];
  const perProcess = 1_000;
  for (let i = 0; i < connections; i += perProcess) {
    const stats = new ClientStats();
    all.push(stats);
    clients.spawn(
      `load${i / perProcess}`,
      closedLoopClient({
        ...EXCHANGE,
        server: ["server", 8080],
        connections: Math.min(perProcess, connections - i),
        rounds,
        close: false,
        hold: true,
        connectSpreadNs: 10_000_000,
        stats,
      }),
      { daemon: true },
    );
  }
  const t0 = wallMs();
  sim.run();
  const wallS = (wallMs() - t0) / 1000;
  const completed = all.reduce((n, s) => n + s.completed, 0);
  if (completed !== connections * rounds) {
    throw new Error(`only ${completed} of ${connections * rounds} exchanges completed`);
  }
  const bytesPerConn = (heapUsed() - before) / connections;
  // Keep the world alive until the heap was measured.
  if (sim.now < 0) console.log(net);
  return { wallS, eventsPerS: sim.eventsProcessed / wallS, bytesPerConn, completed };
}

function line(name: string, r: ReturnType<typeof echo>): string {
  return benchLine(name, {
    wall_s: r.wallS,
    sim_events_per_s: Math.round(r.eventsPerS),
    bytes_per_conn: Math.round(r.bytesPerConn),
    exchanges: r.completed,
  });
}

/** The network benchmarks. */
export const benches: Bench[] = [
  {
    name: "net.epoll_echo10k",
    run: () => [line("net.epoll_echo10k", echo(epollServer, 10_000, 10))],
  },
  { name: "net.poll_echo1k", run: () => [line("net.poll_echo1k", echo(pollServer, 1_000, 10))] },
  {
    name: "net.select_echo1k",
    run: () => [line("net.select_echo1k", echo(selectServer, 1_000, 10))],
  },
];
