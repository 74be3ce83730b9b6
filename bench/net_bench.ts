/** Network benchmarks: echo workloads against epoll, poll and select servers. */

import { Simulation } from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import type { ThreadBody } from "../lib/os/mod.ts";
import { epollServer, pollServer, selectServer, type ServerOptions } from "../lib/models/mod.ts";
import { echoClients, EXCHANGE } from "./_echo.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

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
  const completedAll = echoClients(net, connections, rounds);
  const t0 = wallMs();
  sim.run();
  const wallS = (wallMs() - t0) / 1000;
  const completed = completedAll();
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
