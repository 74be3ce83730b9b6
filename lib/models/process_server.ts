/**
 * The process-per-connection server.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { ThreadBody } from "../os/process.ts";
import { countError, serveBlocking } from "./_blocking.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * The classic forking server: the parent blocks in accept and forks a child
 * per connection; the child closes its copy of the listening socket, serves
 * the connection with blocking calls until EOF and exits; the parent closes
 * its copy of the connection and reaps finished children (waitpid WNOHANG)
 * after each accept. Every connection pays a fork (150 µs by default,
 * charged to the parent) and a process's memory (1 MiB resident, an 8 MiB
 * stack reserved). A failed fork (EAGAIN at the host's thread limit) closes
 * the connection and is counted in `stats.errors`.
 *
 * @example A child per client
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, processServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const host = net.addHost("srv");
 * host.spawn("forking", processServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 3, rounds: 2, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * assert.equal(host.processes.size, 1 + 3);
 * ```
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in (shared with the children).
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function processServer(
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
      try {
        yield* sys.fork("conn", function* (child) {
          yield* child.close(ls);
          yield* serveBlocking(child, fd, opts, stats);
        }, { daemon: true });
      } catch (e) {
        if (!isErrno(e, "EAGAIN")) throw e;
        countError(stats, "EAGAIN");
        stats.closed++;
      }
      yield* sys.close(fd);
      // Reap the children that have finished, without waiting.
      try {
        while ((yield* sys.waitpid(-1, { nohang: true })) !== null);
      } catch (e) {
        if (!isErrno(e, "ECHILD")) throw e;
      }
    }
  };
}
