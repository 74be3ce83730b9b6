/**
 * Load generators: clients that drive a server with the request/response
 * protocol and record latencies.
 *
 * @module
 */

import { isErrno, SysError } from "../os/errno.ts";
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { type AddressLike, toAddress } from "../os/sys.ts";

import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { checkExchange, type Exchange, type LatencyStats, latencyStats } from "./protocol.ts";

/** What a load generator records. */
export class ClientStats {
  /** Each request's latency: from sending it to receiving the whole response. */
  readonly latencies: number[] = [];
  /** Requests answered. */
  completed = 0;
  /** Connections that failed, by errno name. */
  readonly failures: Record<string, number> = {};
  /** When the first connection was opened. */
  startedAt = -1;
  /** When the last exchange ended. */
  finishedAt = -1;

  /** Latency percentiles. */
  get latency(): LatencyStats {
    return latencyStats(this.latencies);
  }

  /** Connections that failed, all errnos together. */
  get failed(): number {
    let n = 0;
    for (const v of Object.values(this.failures)) n += v;
    return n;
  }
}

/** Options of {@linkcode closedLoopClient}. */
export interface ClientOptions extends Exchange {
  /** The server's address. */
  readonly server: AddressLike;
  /** How many connections to open. */
  readonly connections: number;
  /** Requests per connection. */
  readonly rounds: number;
  /** Pause between a response and the next request (default 0). */
  readonly thinkNs?: number;
  /** Open the connections over this long instead of all at once (default 0). */
  readonly connectSpreadNs?: number;
  /** Close each connection after its last round (default true). */
  readonly close?: boolean;
  /**
   * After the last round, keep the process (and its open connections)
   * alive, blocked forever — spawn it as a daemon (default false).
   */
  readonly hold?: boolean;
  /** Where to record what happened. */
  readonly stats: ClientStats;
}

const CONNECTING = 0, SENDING = 1, RECEIVING = 2, THINKING = 3, DONE = 4;

class Client {
  state = CONNECTING;
  left: number;
  got = 0;
  sentAt = 0;
  out: Uint8Array | null = null;
  wakeAt = 0;
  constructor(readonly fd: number, rounds: number) {
    this.left = rounds;
  }
}

/**
 * A closed-loop load generator in one process: `connections` connections,
 * each sending a request, waiting for the whole response, thinking, and
 * repeating `rounds` times. It multiplexes them with epoll (as wrk does), so
 * the client side stays cheap at 10,000+ connections.
 *
 * @param opts Server, connection count, rounds, exchange, think time, stats.
 * @returns The client's main thread body.
 * @throws {RangeError} If a count is not a positive integer.
 */
export function closedLoopClient(opts: ClientOptions): ThreadBody<void> {
  checkExchange(opts);
  for (const key of ["connections", "rounds"] as const) {
    if (!Number.isSafeInteger(opts[key]) || opts[key] < 1) {
      throw new RangeError(`Invalid ${key} "${String(opts[key])}": it must be a positive integer`);
    }
  }
  const server = toAddress(opts.server);
  const think = opts.thinkNs ?? 0, spread = opts.connectSpreadNs ?? 0;
  const stats = opts.stats;
  const request = new Uint8Array(opts.requestBytes);
  return function* (sys) {
    const fds = sys.process.fds;
    if (fds.limit < fds.hardLimit) yield* sys.setrlimitNofile(fds.hardLimit);
    const ep = yield* epollCreate(sys);
    const byFd = new Map<number, Client>();
    const thinking: Client[] = [];
    let active = 0;
    stats.startedAt = sys.now;
    const fail = function* (c: Client, e: unknown): ThreadRoutine<void> {
      if (!(e instanceof SysError)) throw e;
      stats.failures[e.errno] = (stats.failures[e.errno] ?? 0) + 1;
      c.state = DONE;
      active--;
      byFd.delete(c.fd);
      yield* sys.close(c.fd);
    };
    const send = function* (c: Client): ThreadRoutine<void> {
      if (c.out === null) {
        c.out = request;
        c.sentAt = sys.now;
      }
      try {
        const n = yield* sys.send(c.fd, c.out);
        c.out = n === c.out.length ? null : c.out.subarray(n);
      } catch (e) {
        if (!isErrno(e, "EAGAIN")) return yield* fail(c, e);
      }
      const next = c.out === null ? RECEIVING : SENDING;
      if (next !== c.state) {
        c.state = next;
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", c.fd, next === RECEIVING ? EPOLLIN : EPOLLOUT);
      }
    };
    for (let i = 0; i < opts.connections; i++) {
      if (spread > 0 && i > 0) yield* sys.sleep(spread / opts.connections);
      const fd = yield* sys.socket();
      yield* sys.setBlocking(fd, false);
      const c = new Client(fd, opts.rounds);
      byFd.set(fd, c);
      active++;
      try {
        yield* sys.connect(fd, server);
      } catch (e) {
        if (!isErrno(e, "EINPROGRESS")) {
          yield* fail(c, e);
          continue;
        }
      }
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, EPOLLOUT);
    }
    while (active > 0) {
      let timeout: number | null = null;
      if (thinking.length > 0) timeout = Math.max(0, thinking[0]!.wakeAt - sys.now);
      const events = yield* epollWait(sys, ep, 1024, timeout);
      while (thinking.length > 0 && thinking[0]!.wakeAt <= sys.now) {
        const c = thinking.shift()!;
        if (c.state === THINKING) {
          c.state = SENDING;
          yield* send(c);
        }
      }
      for (const ev of events) {
        const c = byFd.get(ev.fd);
        if (c === undefined) continue;
        if (c.state === CONNECTING || c.state === SENDING) {
          if (c.state === CONNECTING) c.state = SENDING;
          yield* send(c);
          continue;
        }
        if (c.state !== RECEIVING || (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) === 0) continue;
        let data: Uint8Array;
        try {
          data = yield* sys.recv(c.fd, 65536);
        } catch (e) {
          if (!isErrno(e, "EAGAIN")) yield* fail(c, e);
          continue;
        }
        if (data.length === 0) {
          yield* fail(
            c,
            new SysError("ECONNRESET", "recv", "the server closed the connection early"),
          );
          continue;
        }
        c.got += data.length;
        if (c.got < opts.responseBytes) continue;
        c.got -= opts.responseBytes;
        stats.latencies.push(sys.now - c.sentAt);
        stats.completed++;
        if (--c.left === 0) {
          c.state = DONE;
          active--;
          byFd.delete(c.fd);
          if (opts.close !== false) yield* sys.close(c.fd);
        } else if (think > 0) {
          c.state = THINKING;
          c.wakeAt = sys.now + think;
          yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", c.fd, 0);
          thinking.push(c);
        } else {
          c.state = SENDING;
          yield* send(c);
        }
      }
    }
    stats.finishedAt = sys.now;
    if (opts.hold === true) yield* epollWait(sys, ep, 1);
  };
}
