/**
 * The iterative blocking server: one connection at a time.
 *
 * @module
 */

import type { ThreadBody } from "../os/process.ts";
import { serveBlocking } from "./_blocking.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * An iterative server with blocking calls: accept one connection, serve it
 * until the client closes it, then accept the next. Both phases of every
 * read happen inside a blocking `recv`, so the process spends no CPU while
 * it waits — and serves nobody else meanwhile: the other clients wait in
 * the accept queue, and an idle connection stalls the server for good.
 *
 * @example Three clients served one after another
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { blockingServer, ClientStats, closedLoopClient, ServerStats } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const served = new ServerStats();
 * net.addHost("srv").spawn("iterative", blockingServer({ ...ex, port: 80 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 3, rounds: 2, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * assert.equal(served.accepted, 3);
 * ```
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function blockingServer(
  opts: ServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, false);
    for (;;) {
      const { fd } = yield* sys.accept(ls);
      stats.accepted++;
      stats.loops++;
      yield* serveBlocking(sys, fd, opts, stats);
    }
  };
}
