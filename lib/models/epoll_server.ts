/**
 * The epoll event loop, level- or edge-triggered.
 *
 * @module
 */

import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import type { Sys } from "../os/sys.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import {
  acceptPending,
  CLOSED,
  type Conn,
  onReadable,
  onWritable,
  READ_BYTES,
  WANT_WRITE,
} from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the epoll server. */
export interface EpollServerOptions extends ServerOptions {
  /** Edge-triggered (drain every socket to EAGAIN) instead of level-triggered. */
  readonly edgeTriggered?: boolean;
  /** epoll_wait's maxevents (default 1024). */
  readonly maxEvents?: number;
  /**
   * The most recv calls per connection per turn (default: 1 level-triggered,
   * `Infinity` edge-triggered — drain to EAGAIN). Edge-triggered with a
   * finite budget, a connection whose turn ends on the budget is kept on a
   * user-space list and served again after the next `epoll_wait(0)`, since
   * no new edge will announce the data it still holds: the fair loop.
   */
  readonly readsPerTurn?: number;
  /** Bytes asked of each recv (default 65,536). */
  readonly readBytes?: number;
}

function positive(name: string, v: number, allowInfinity: boolean): number {
  const ok = typeof v === "number" &&
    (Number.isSafeInteger(v) ? v >= 1 : allowInfinity && v === Infinity);
  if (!ok) {
    throw new RangeError(
      `Invalid ${name} "${String(v)}": it must be a positive integer${
        allowInfinity ? " or Infinity" : ""
      }`,
    );
  }
  return v;
}

/**
 * A single-threaded epoll server: one epoll_wait per loop, whose cost does
 * not depend on how many connections are idle. It accepts until EAGAIN.
 * Level-triggered, it reads once per event; edge-triggered, it drains each
 * socket until EAGAIN, as ET requires — or, with `readsPerTurn`, reads a
 * bounded amount per turn and remembers the sockets it has not drained.
 *
 * @example Serving one request
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, epollServer } from "@iosim/iosim/models";
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
 * @param opts Port, exchange, trigger mode, read budget.
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
  const maxEvents = positive("maxEvents", opts.maxEvents ?? 1024, false);
  const budget = positive("readsPerTurn", opts.readsPerTurn ?? (et ? Infinity : 1), true);
  const readBytes = positive("readBytes", opts.readBytes ?? READ_BYTES, false);
  const readMask = EPOLLIN | (et ? EPOLLET : 0);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const ep = yield* epollCreate(sys);
    yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", ls, readMask);
    // Each registration carries its Conn as epoll_event.data (data.ptr in C):
    // no table from descriptors to connections is needed.
    const writing = new Set<Conn>();
    // Edge-triggered connections whose last turn ended on the read budget.
    let carry: Conn[] = [];

    const after = function* (c: Conn, state: number): ThreadRoutine<void> {
      if (state === CLOSED) {
        writing.delete(c);
        stats.closed++;
      } else if (state === WANT_WRITE && !writing.has(c)) {
        writing.add(c);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", c.fd, readMask | EPOLLOUT, c);
      } else if (state !== WANT_WRITE && writing.has(c)) {
        writing.delete(c);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", c.fd, readMask, c);
      }
    };
    const turn = function* (s: Sys, c: Conn): ThreadRoutine<number> {
      const before = c.served;
      const state = yield* onReadable(s, c, opts, budget, readBytes);
      stats.served += c.served - before;
      return state;
    };

    for (;;) {
      const events = yield* epollWait(sys, ep, maxEvents, carry.length > 0 ? 0 : null);
      stats.loops++;
      const next: Conn[] = [];
      for (const ev of events) {
        if (ev.fd === ls) {
          // Until EAGAIN: edge-triggered must, level-triggered saves wake-ups.
          yield* acceptPending(sys, ls, stats, function* (c) {
            yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", c.fd, readMask, c);
          });
          continue;
        }
        // A connection closed earlier in this batch: its descriptor may be reused already.
        const c = ev.data as Conn;
        if (c.closed) continue;
        let state = -1;
        if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          if (et && c.more) continue; // on the carry list: served below
          state = yield* turn(sys, c);
          if (et && c.more) next.push(c);
        } else if (ev.events & EPOLLOUT) {
          state = yield* onWritable(sys, c);
        }
        yield* after(c, state);
      }
      for (const c of carry) {
        if (c.closed) continue;
        yield* after(c, yield* turn(sys, c));
        if (c.more) next.push(c);
      }
      carry = next;
    }
  };
}
