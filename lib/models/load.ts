/**
 * Load generators: clients that drive a server with the request/response
 * protocol and record latencies.
 *
 * @module
 */

import type { Event } from "../kernel/event.ts";
import { isErrno, SysError } from "../os/errno.ts";
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { type AddressLike, toAddress } from "../os/sys.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { Fifo } from "../kernel/fifo.ts";
import { checkExchange, type Exchange, type LatencyStats, latencyStats } from "./protocol.ts";
import { checkCount, checkNs, raiseNofile } from "./_args.ts";

/**
 * What a load generator records.
 *
 * @example Latency percentiles of what was recorded
 * ```ts
 * import assert from "node:assert/strict";
 * const stats = new ClientStats();
 * stats.latencies.push(30, 10, 20);
 * stats.failures.ECONNREFUSED = 2;
 * assert.equal(stats.latency.p50, 20);
 * assert.equal(stats.failed, 2);
 * ```
 */
export class ClientStats {
  /** Each request's latency: from sending it (open loop: from its arrival) to receiving the whole response. */
  readonly latencies: number[] = [];
  /** Requests answered. */
  completed = 0;
  /** Requests started (sent, or arrived in an open loop). */
  sent = 0;
  /** Connections established. */
  connected = 0;
  /** Connections that failed, by errno name. */
  readonly failures: Record<string, number> = {};
  /** When the first request could go (after the connections were set up, with a start gate). */
  startedAt: number = -1;
  /** When the last exchange ended. */
  finishedAt: number = -1;

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

  /**
   * Counts a failure.
   *
   * @param errno The errno name.
   */
  fail(errno: string): void {
    this.failures[errno] = (this.failures[errno] ?? 0) + 1;
  }
}

/** Options of {@linkcode closedLoopClient}. */
export interface ClientOptions extends Exchange {
  /** The server's address. */
  readonly server: AddressLike;
  /** How many connections to open. */
  readonly connections: number;
  /** Requests per connection; `Infinity` to go on until the simulation stops. */
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
  /**
   * A start gate: set up every connection first, then wait for this event
   * before sending the first request (so setup is not measured).
   */
  readonly start?: Event<unknown>;
  /** Where to record what happened. */
  readonly stats: ClientStats;
}

const CONNECTING = 0, SENDING = 1, RECEIVING = 2, THINKING = 3, DONE = 4, READY = 5;

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
 * @example Two connections, three rounds each
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, epollServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 100, responseBytes: 1000, serviceNs: 0 };
 * net.addHost("srv").spawn("epoll", epollServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 2, rounds: 3, thinkNs: us(50), stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * assert.equal(stats.sent, 6);
 * assert.ok(stats.latency.p50 > us(100)); // a round trip over the 50 µs link
 * ```
 *
 * @param opts Server, connection count, rounds, exchange, think time, start gate, stats.
 * @returns The client's main thread body.
 * @throws {RangeError} If a count is not a positive integer or a time is negative.
 * @throws {TypeError} If a count or time is not a number.
 */
export function closedLoopClient(opts: ClientOptions): ThreadBody<void> {
  checkExchange(opts);
  checkCount("connections", opts.connections);
  checkCount("rounds", opts.rounds, true);
  const server = toAddress(opts.server);
  const think = checkNs("thinkNs", opts.thinkNs ?? 0);
  const spread = checkNs("connectSpreadNs", opts.connectSpreadNs ?? 0);
  const stats = opts.stats;
  const request = new Uint8Array(opts.requestBytes);
  return function* (sys) {
    yield* raiseNofile(sys);
    const ep = yield* epollCreate(sys);
    const byFd = new Map<number, Client>();
    const thinking = new Fifo<Client>();
    let active = 0, connecting = 0;
    let started = opts.start === undefined;
    if (started) stats.startedAt = sys.now;
    const fail = function* (c: Client, e: unknown): ThreadRoutine<void> {
      if (!(e instanceof SysError)) throw e;
      stats.fail(e.errno);
      if (c.state === CONNECTING) connecting--;
      c.state = DONE;
      active--;
      byFd.delete(c.fd);
      yield* sys.close(c.fd);
    };
    const send = function* (c: Client): ThreadRoutine<void> {
      if (c.out === null) {
        c.out = request;
        c.sentAt = sys.now;
        stats.sent++;
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
      connecting++;
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
      if (!started && connecting === 0) {
        // Every connection is up (or failed): wait for the start.
        yield* sys.thread.waitEvent(opts.start!);
        started = true;
        stats.startedAt = sys.now;
        for (const c of [...byFd.values()]) if (c.state === READY) yield* send(c);
        continue;
      }
      let timeout: number | null = null;
      if (thinking.length > 0) timeout = Math.max(0, thinking.peek()!.wakeAt - sys.now);
      const events = yield* epollWait(sys, ep, 1024, timeout);
      while (thinking.length > 0 && thinking.peek()!.wakeAt <= sys.now) {
        const c = thinking.shift()!;
        if (c.state === THINKING) yield* send(c);
      }
      for (const ev of events) {
        const c = byFd.get(ev.fd);
        if (c === undefined) continue;
        if (c.state === CONNECTING) {
          const failed = (ev.events & (EPOLLERR | EPOLLHUP)) !== 0;
          if (!started && failed) {
            yield* surfaceError(sys, c.fd, (e) => fail(c, e));
            continue;
          }
          connecting--;
          if (!failed) stats.connected++;
          if (!started) {
            c.state = READY;
            yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", c.fd, 0);
            continue;
          }
          c.state = SENDING;
          yield* send(c);
          continue;
        }
        if (c.state === SENDING) {
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

/** A failed non-blocking connect: a recv reports its errno. */
function* surfaceError(
  sys: Sys,
  fd: number,
  onError: (e: SysError) => ThreadRoutine<void>,
): ThreadRoutine<void> {
  try {
    yield* sys.recv(fd, 1);
  } catch (e) {
    if (e instanceof SysError) return yield* onError(e);
    throw e;
  }
  yield* onError(new SysError("ECONNRESET", "connect", "the connection closed at once"));
}

/** Options of {@linkcode idleClient}. */
export interface IdleClientOptions {
  /** The server's address. */
  readonly server: AddressLike;
  /** How many connections to open. */
  readonly connections: number;
  /** Open them over this long instead of all at once (default 0). */
  readonly connectSpreadNs?: number;
  /** Counts connections made (`connected`) and failed. */
  readonly stats: ClientStats;
}

/**
 * Opens `connections` connections and keeps them open without ever sending:
 * the idle clients of a C10K workload. The process blocks forever once they
 * are set up; spawn it as a daemon.
 *
 * @example Ten idle connections
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, epollServer, idleClient, ServerStats } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const served = new ServerStats();
 * net.addHost("srv").spawn("epoll", epollServer({ port: 80, requestBytes: 1, responseBytes: 1, serviceNs: 0 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("idle", idleClient({ server: ["srv", 80], connections: 10, stats }), { daemon: true });
 * sim.run({ until: ms(5) });
 * assert.equal(stats.connected, 10);
 * assert.equal(served.open, 10);
 * ```
 *
 * @param opts Server, connection count, spread, stats.
 * @returns The client's main thread body.
 * @throws {RangeError} If the count is not a positive integer or the spread is negative.
 * @throws {TypeError} If an option is not a number.
 */
export function idleClient(opts: IdleClientOptions): ThreadBody<void> {
  checkCount("connections", opts.connections);
  const spread = checkNs("connectSpreadNs", opts.connectSpreadNs ?? 0);
  const server = toAddress(opts.server);
  const stats = opts.stats;
  return function* (sys) {
    yield* raiseNofile(sys);
    const ep = yield* epollCreate(sys);
    let waiting = 0;
    for (let i = 0; i < opts.connections; i++) {
      if (spread > 0 && i > 0) yield* sys.sleep(spread / opts.connections);
      const fd = yield* sys.socket();
      yield* sys.setBlocking(fd, false);
      try {
        yield* sys.connect(fd, server);
      } catch (e) {
        if (!isErrno(e, "EINPROGRESS")) {
          if (!(e instanceof SysError)) throw e;
          stats.fail(e.errno);
          yield* sys.close(fd);
          continue;
        }
      }
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, EPOLLOUT);
      waiting++;
    }
    while (waiting > 0) {
      for (const ev of yield* epollWait(sys, ep, 1024)) {
        waiting--;
        if ((ev.events & (EPOLLERR | EPOLLHUP)) !== 0) {
          yield* surfaceError(sys, ev.fd, function* (e) {
            stats.fail(e.errno);
            yield* sys.close(ev.fd);
          });
          continue;
        }
        stats.connected++;
        // Keep watching only for the server closing the connection.
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", ev.fd, 0);
      }
    }
    yield* epollWait(sys, ep, 1);
  };
}
