/**
 * The poll(2) event loop.
 *
 * @module
 */

import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { poll } from "../io/poll.ts";
import { PollSet } from "../io/poll_set.ts";
import { acceptPending, CLOSED, type Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * A single-threaded poll server: every loop hands the kernel the whole
 * array, so each call costs O(connections), idle ones included. The array
 * is kept between calls, as C servers keep theirs (a closed connection's
 * entry is replaced by the last one).
 *
 * @example Serving two clients
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, pollServer, ServerStats } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const served = new ServerStats();
 * net.addHost("srv").spawn("poll", pollServer({ ...ex, port: 80 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 2, rounds: 3, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * assert.equal(served.served, 6);
 * ```
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function pollServer(
  opts: ServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    // Connections by descriptor, as a C server's array indexed by fd.
    const conns: (Conn | undefined)[] = [];
    // The pollfd array (a deletion moves the last entry into the hole).
    const fds = new PollSet();
    fds.set(ls, POLLIN);
    for (;;) {
      const ready = yield* poll(sys, fds);
      stats.loops++;
      for (const r of ready) {
        if (r.fd === ls) {
          yield* acceptPending(sys, ls, stats, function* (c) {
            conns[c.fd] = c;
            fds.set(c.fd, POLLIN);
          });
          continue;
        }
        const c = conns[r.fd];
        if (c === undefined || (r.revents & POLLNVAL)) continue;
        let state: number;
        if (r.revents & (POLLIN | POLLHUP | POLLERR)) {
          const before = c.served;
          state = yield* onReadable(sys, c, opts, 1);
          stats.served += c.served - before;
        } else state = yield* onWritable(sys, c);
        if (state === CLOSED) {
          conns[r.fd] = undefined;
          fds.delete(r.fd);
          stats.closed++;
        } else fds.set(r.fd, state === WANT_WRITE ? POLLIN | POLLOUT : POLLIN);
      }
    }
  };
}
