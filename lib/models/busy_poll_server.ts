/**
 * The non-blocking busy-poll server.
 *
 * @module
 */

import type { ThreadBody } from "../os/process.ts";
import { acceptPending, CLOSED, type Conn, onReadable, onWritable } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the busy-poll server. */
export interface BusyPollServerOptions extends ServerOptions {
  /** CPU time spent between two passes that found nothing (default 0: spin). */
  readonly pollGapNs?: number;
}

/**
 * One thread spinning over non-blocking sockets: each pass tries accept on
 * the listening socket and recv on every connection, and every try that
 * finds nothing fails with EAGAIN. Phase 1 is spent on the CPU: the failed
 * calls are counted as wasted time (`usage.wastedNs`), and the core stays
 * busy even when every client is idle. The server never blocks, so run its
 * simulation with `until`.
 *
 * @example It burns its core while nothing happens
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { busyPollServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const p = net.addHost("srv").spawn("spin", busyPollServer({ port: 80, requestBytes: 64, responseBytes: 64, serviceNs: 0 }), { privileged: true, daemon: true });
 * sim.run({ until: ms(1) });
 * assert.ok(p.usage().wastedNs > ms(0.9));
 * assert.ok(p.usage().eagain > 100);
 * ```
 *
 * @param opts Port, exchange, pause between empty passes.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function busyPollServer(
  opts: BusyPollServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  const gap = opts.pollGapNs ?? 0;
  if (typeof gap !== "number" || !(gap >= 0) || !Number.isFinite(gap)) {
    throw new RangeError(`Invalid pollGapNs "${String(gap)}": it must be a finite number >= 0`);
  }
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    let conns: Conn[] = [];
    for (;;) {
      stats.loops++;
      let progress = false;
      yield* acceptPending(sys, ls, stats, function* (c) {
        conns.push(c);
        progress = true;
      });
      let closed = 0;
      for (const c of conns) {
        const before = c.served;
        // One recv per connection per pass; a pending response is retried first.
        const state = c.pending > 0
          ? yield* onWritable(sys, c)
          : yield* onReadable(sys, c, opts, 1);
        if (c.served !== before) progress = true;
        stats.served += c.served - before;
        if (state === CLOSED) {
          closed++;
          stats.closed++;
        }
      }
      if (closed > 0) conns = conns.filter((c) => !c.closed);
      if (!progress && gap > 0) yield* sys.compute(gap);
    }
  };
}
