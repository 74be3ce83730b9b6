/**
 * The thread-per-connection server.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { ThreadBody } from "../os/process.ts";
import { countError, serveBlocking } from "./_blocking.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * A server that starts a thread per accepted connection (pthread_create),
 * each serving its connection with blocking calls until EOF. The main thread
 * blocks in accept. Every thread pays its creation, a stack (8 MiB reserved,
 * 32 KiB resident by default) and a context switch at each wake-up; at the
 * host's thread limit pthread_create fails with EAGAIN and the connection is
 * closed (counted in `stats.errors`).
 *
 * @example One thread per client
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, ServerStats, threadServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const served = new ServerStats();
 * const srv = net.addHost("srv").spawn("threads", threadServer({ ...ex, port: 80 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 4, rounds: 2, stats }));
 * sim.run();
 * assert.equal(stats.completed, 8);
 * assert.equal(srv.threads.length, 1 + 4);
 * ```
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function threadServer(
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
        yield* sys.spawnThread("conn", (t) => serveBlocking(t, fd, opts, stats));
      } catch (e) {
        if (!isErrno(e, "EAGAIN")) throw e;
        countError(stats, "EAGAIN");
        yield* sys.close(fd);
        stats.closed++;
      }
    }
  };
}
