/**
 * The signal-driven (SIGIO) server.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import { O_ASYNC, O_NONBLOCK } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { type SignalInfo, SIGNALS, SIGRTMIN } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { acceptPending, CLOSED, type Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the SIGIO server. */
export interface SigioServerOptions extends ServerOptions {
  /**
   * Use a queued real-time signal (F_SETSIG SIGRTMIN+1) that carries the
   * descriptor, so the handler serves only that socket; by default plain
   * SIGIO, which does not queue and does not say which socket is ready, so
   * the handler must try every one until EAGAIN.
   */
  readonly queued?: boolean;
  /**
   * CPU work the main thread does between signals, in chunks of this many
   * nanoseconds (default 0: it waits in pause()).
   */
  readonly usefulWorkNs?: number;
}

/**
 * A signal-driven server: `F_SETOWN` + `O_ASYNC` on the listening socket and
 * on each connection make the kernel raise SIGIO when one becomes ready, and
 * the handler does the I/O — accepting and reading until EAGAIN, since a
 * burst of readiness while SIGIO is pending gives one handler run. Phase 1
 * costs the process nothing: its main thread sleeps in pause() or, with
 * `usefulWorkNs`, computes; phase 2 (the copy) happens in the handler's
 * recv. With TCP every readiness change raises the signal, so the handler
 * also runs for events that bring no request.
 *
 * @example Serving two clients from a handler
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, sigioServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const srv = net.addHost("srv").spawn("sigio", sigioServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 2, rounds: 3, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * // A SIGIO raised while one is pending merges into it: standard signals do not queue.
 * assert.ok(srv.signals.delivered > 0 && srv.signals.coalesced > 0);
 * ```
 *
 * @param opts Port, exchange, signal kind, background work.
 * @param stats Counters to fill in (`loops` counts handler runs).
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function sigioServer(
  opts: SigioServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  const work = opts.usefulWorkNs ?? 0;
  if (typeof work !== "number" || !(work >= 0) || !Number.isFinite(work)) {
    throw new RangeError(`Invalid usefulWorkNs "${String(work)}": it must be a finite number >= 0`);
  }
  const queued = opts.queued ?? false;
  const signo = queued ? SIGRTMIN + 1 : SIGNALS.SIGIO;
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const conns = new Map<number, Conn>();

    const arm = function* (s: Sys, fd: number): ThreadRoutine<void> {
      yield* s.fcntl(fd, "F_SETOWN", s.pid);
      if (queued) yield* s.fcntl(fd, "F_SETSIG", signo);
      yield* s.fcntl(fd, "F_SETFL", O_NONBLOCK | O_ASYNC);
    };
    const acceptAll = function* (s: Sys): ThreadRoutine<Conn[]> {
      const fresh: Conn[] = [];
      yield* acceptPending(s, ls, stats, function* (c) {
        conns.set(c.fd, c);
        fresh.push(c);
      }, arm);
      return fresh;
    };
    const serve = function* (s: Sys, c: Conn): ThreadRoutine<void> {
      const before = c.served;
      // Until EAGAIN: no new signal comes for data already waiting.
      let state = yield* onReadable(s, c, opts, Infinity);
      if (state === WANT_WRITE) state = yield* onWritable(s, c);
      stats.served += c.served - before;
      if (state === CLOSED) {
        conns.delete(c.fd);
        stats.closed++;
      }
    };
    const handler = function* (s: Sys, info: SignalInfo): ThreadRoutine<void> {
      stats.loops++;
      if (queued && info.fd !== undefined && info.fd !== ls) {
        const c = conns.get(info.fd);
        if (c !== undefined) yield* serve(s, c);
        return;
      }
      const fresh = yield* acceptAll(s);
      if (queued) {
        for (const c of fresh) yield* serve(s, c);
        return;
      }
      // Plain SIGIO says nothing about which socket: try them all.
      for (const c of [...conns.values()]) yield* serve(s, c);
    };

    yield* sys.sigaction(signo, handler, { restart: true });
    yield* arm(sys, ls);
    // Connections that came before O_ASYNC was set raised no signal.
    for (const c of yield* acceptAll(sys)) yield* serve(sys, c);
    for (;;) {
      if (work > 0) {
        yield* sys.compute(work);
        continue;
      }
      try {
        yield* sys.pause();
      } catch (e) {
        if (!isErrno(e, "EINTR")) throw e;
      }
    }
  };
}
