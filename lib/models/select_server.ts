/**
 * The select(2) event loop.
 *
 * @module
 */

import type { ThreadBody } from "../os/process.ts";
import { select } from "../io/select.ts";
import { acceptPending, CLOSED, type Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * A single-threaded select server. Each call scans every descriptor below
 * the highest one, and a ready read takes two system calls (select, then
 * recv); a descriptor of 1024 or more cannot be put in an fd_set, so the
 * loop fails with "filedescriptor out of range in select()" once a
 * connection gets one.
 *
 * @example Serving two clients
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, selectServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * net.addHost("srv").spawn("select", selectServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 2, rounds: 3, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * ```
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function selectServer(
  opts: ServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const conns = new Map<number, Conn>();
    const writing = new Set<number>();
    for (;;) {
      const [readable, writable] = yield* select(sys, [ls, ...conns.keys()], [...writing], []);
      stats.loops++;
      for (const fd of readable) {
        if (fd === ls) {
          yield* acceptPending(sys, ls, stats, function* (c) {
            conns.set(c.fd, c);
          });
          continue;
        }
        const c = conns.get(fd)!;
        const before = c.served;
        const state = yield* onReadable(sys, c, opts, 1);
        stats.served += c.served - before;
        if (state === CLOSED) {
          conns.delete(fd);
          writing.delete(fd);
          stats.closed++;
        } else if (state === WANT_WRITE) writing.add(fd);
      }
      for (const fd of writable) {
        const c = conns.get(fd);
        if (c === undefined) continue;
        if ((yield* onWritable(sys, c)) !== WANT_WRITE) writing.delete(fd);
      }
    }
  };
}
