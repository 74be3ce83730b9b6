/**
 * The epoll event loop, level- or edge-triggered.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { CLOSED, Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the epoll server. */
export interface EpollServerOptions extends ServerOptions {
  /** Edge-triggered (drain every socket to EAGAIN) instead of level-triggered. */
  readonly edgeTriggered?: boolean;
  /** epoll_wait's maxevents (default 1024). */
  readonly maxEvents?: number;
}

/**
 * A single-threaded epoll server: one epoll_wait per loop, whose cost does
 * not depend on how many connections are idle. Level-triggered, it reads
 * once per event; edge-triggered, it drains each socket (and the accept
 * queue) until EAGAIN, as ET requires.
 *
 * @example Serving one request
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * net.addHost("srv").spawn("epoll", epollServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 3, rounds: 2, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * ```
 *
 * @param opts Port, exchange, trigger mode.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function epollServer(
  opts: EpollServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  const et = opts.edgeTriggered ?? false;
  const maxEvents = opts.maxEvents ?? 1024;
  const readMask = EPOLLIN | (et ? EPOLLET : 0);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", ls, readMask);
    const conns = new Map<number, Conn>();
    const writing = new Set<number>();
    for (;;) {
      const events = yield* epollWait(sys, ep, maxEvents);
      stats.loops++;
      for (const ev of events) {
        if (ev.fd === ls) {
          // Accept what is pending: all of it when edge-triggered, one otherwise.
          do {
            let fd: number;
            try {
              fd = (yield* sys.accept(ls)).fd;
            } catch (e) {
              if (isErrno(e, "EAGAIN") || isErrno(e, "EMFILE")) break;
              throw e;
            }
            yield* sys.setBlocking(fd, false);
            yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, readMask);
            conns.set(fd, new Conn(fd));
            stats.accepted++;
          } while (et);
          continue;
        }
        const c = conns.get(ev.fd);
        if (c === undefined) continue;
        let state = -1;
        if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          const before = c.served;
          state = yield* onReadable(sys, c, opts, et);
          stats.served += c.served - before;
        } else if (ev.events & EPOLLOUT) {
          state = yield* onWritable(sys, c);
        }
        if (state === CLOSED) {
          conns.delete(ev.fd);
          writing.delete(ev.fd);
          stats.closed++;
        } else if (state === WANT_WRITE && !writing.has(ev.fd)) {
          writing.add(ev.fd);
          yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", ev.fd, readMask | EPOLLOUT);
        } else if (state !== WANT_WRITE && writing.has(ev.fd)) {
          writing.delete(ev.fd);
          yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", ev.fd, readMask);
        }
      }
    }
  };
}
