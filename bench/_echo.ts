/** The echo workload the network and io_uring benchmarks share. */

import type { Network } from "../lib/net/mod.ts";
import { ClientStats, closedLoopClient } from "../lib/models/load.ts";

/** 64-byte requests and responses, 1 µs of service each. */
export const EXCHANGE = { requestBytes: 64, responseBytes: 64, serviceNs: 1_000 };

/**
 * Starts `connections` closed-loop clients (in processes of 1,000, on a
 * 4-core host "clients") against server:8080, `rounds` exchanges each, and
 * returns a check that every exchange completed (it throws if not).
 */
export function echoClients(
  net: Network,
  connections: number,
  rounds: number,
): () => number {
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
  return () => {
    const completed = all.reduce((n, s) => n + s.completed, 0);
    if (completed !== connections * rounds) {
      throw new Error(`only ${completed} of ${connections * rounds} exchanges completed`);
    }
    return completed;
  };
}
