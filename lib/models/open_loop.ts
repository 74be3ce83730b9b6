/**
 * The open-loop load generator: requests arrive at a rate, whether or not
 * earlier ones were answered.
 *
 * @module
 */

import type { Event } from "../kernel/event.ts";
import type { Rng } from "../kernel/rng.ts";
import { isErrno, SysError } from "../os/errno.ts";
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { type AddressLike, toAddress } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { Fifo } from "../kernel/fifo.ts";
import { checkExchange, type Exchange } from "./protocol.ts";
import type { ClientStats } from "./load.ts";
import { checkCount, checkNs, raiseNofile } from "./_args.ts";

/**
 * How an open-loop client carries its requests: `"pool"` keeps
 * `connections` connections open and sends each arrival on a free one (an
 * arrival that finds none waits, and its latency counts the wait);
 * `"connection"` opens a new connection per request and closes it after the
 * response (its latency counts the handshake).
 */
export type OpenLoopMode = "pool" | "connection";

/** Options of {@linkcode openLoopClient}. */
export interface OpenLoopOptions extends Exchange {
  /** The server's address. */
  readonly server: AddressLike;
  /** Mean arrivals per second (a Poisson process). */
  readonly rate: number;
  /** Where arrival gaps are drawn from: a fork of a seeded generator, so every model gets the same arrivals. */
  readonly rng: Rng;
  /** `"pool"` (default) or `"connection"`. */
  readonly mode?: OpenLoopMode;
  /** The pool's size (default 1; `"pool"` mode only). */
  readonly connections?: number;
  /** Stop arrivals this long after the start (default: never). */
  readonly durationNs?: number;
  /** A start gate: set up the pool first, then wait for this event. */
  readonly start?: Event<unknown>;
  /** Where to record what happened; latencies run from each request's arrival. */
  readonly stats: ClientStats;
}

const CONNECTING = 0, SENDING = 1, RECEIVING = 2, FREE = 3, DONE = 4;

class Request {
  state = CONNECTING;
  got = 0;
  arrivedAt = 0;
  /** A request is assigned to it and not yet answered. */
  busy = false;
  out: Uint8Array | null = null;
  constructor(readonly fd: number) {}
}

/**
 * An open-loop load generator in one process: arrivals at exponentially
 * distributed gaps with mean `1 / rate`, drawn from `rng`, so the offered
 * load does not slow down when the server does (no coordinated omission).
 * Latency runs from a request's arrival to its whole response.
 *
 * @example A thousand requests a second on a pool of two connections
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Rng, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, epollServer, openLoopClient } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * net.addHost("srv").spawn("epoll", epollServer({ ...ex, port: 80 }), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", openLoopClient({ ...ex, server: ["srv", 80], rate: 1000, connections: 2, durationNs: ms(100), rng: new Rng(7).fork("arrivals"), stats }), { daemon: true });
 * sim.run({ until: ms(110) });
 * assert.ok(stats.sent > 70 && stats.sent < 130, `${stats.sent} arrivals`);
 * assert.equal(stats.completed, stats.sent);
 * ```
 *
 * @param opts Server, rate, generator, mode, pool size, duration, start gate, stats.
 * @returns The client's main thread body.
 * @throws {RangeError} If the rate is not positive, a count not a positive integer, a time negative, or the mode unknown.
 * @throws {TypeError} If a number is not a number.
 */
export function openLoopClient(opts: OpenLoopOptions): ThreadBody<void> {
  checkExchange(opts);
  const server = toAddress(opts.server);
  if (typeof opts.rate !== "number") {
    throw new TypeError(`Invalid rate "${String(opts.rate)}": expected requests per second`);
  }
  if (!(opts.rate > 0) || !Number.isFinite(opts.rate)) {
    throw new RangeError(`Invalid rate "${opts.rate}": it must be a positive finite number`);
  }
  const mode = opts.mode ?? "pool";
  if (mode !== "pool" && mode !== "connection") {
    throw new RangeError(
      `Invalid open-loop mode "${String(mode)}": expected "pool" or "connection"`,
    );
  }
  const pool = mode === "pool" ? checkCount("connections", opts.connections ?? 1) : 0;
  const duration = opts.durationNs === undefined
    ? Infinity
    : checkNs("durationNs", opts.durationNs);
  const meanGap = 1e9 / opts.rate;
  const { rng, stats } = opts;
  const request = new Uint8Array(opts.requestBytes);
  return function* (sys) {
    yield* raiseNofile(sys);
    const ep = yield* epollCreate(sys);
    const byFd = new Map<number, Request>();
    const free = new Fifo<Request>();
    const waiting = new Fifo<number>(); // arrival times of requests waiting for a free connection
    let outstanding = 0;

    const done = function* (r: Request, errno: string | null): ThreadRoutine<void> {
      if (errno !== null) stats.fail(errno);
      if (r.busy) {
        r.busy = false;
        outstanding--;
      }
      free.remove(r);
      r.state = DONE;
      byFd.delete(r.fd);
      yield* sys.close(r.fd);
    };
    const send = function* (r: Request): ThreadRoutine<void> {
      if (r.out === null) r.out = request;
      try {
        const n = yield* sys.send(r.fd, r.out);
        r.out = n === r.out.length ? null : r.out.subarray(n);
      } catch (e) {
        if (!isErrno(e, "EAGAIN")) {
          if (!(e instanceof SysError)) throw e;
          return yield* done(r, e.errno);
        }
      }
      const next = r.out === null ? RECEIVING : SENDING;
      if (next !== r.state) {
        r.state = next;
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", r.fd, next === RECEIVING ? EPOLLIN : EPOLLOUT);
      }
    };
    const open = function* (): ThreadRoutine<Request | null> {
      const fd = yield* sys.socket();
      yield* sys.setBlocking(fd, false);
      const r = new Request(fd);
      try {
        yield* sys.connect(fd, server);
      } catch (e) {
        if (!isErrno(e, "EINPROGRESS")) {
          if (!(e instanceof SysError)) throw e;
          stats.fail(e.errno);
          yield* sys.close(fd);
          return null;
        }
      }
      byFd.set(fd, r);
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, EPOLLOUT);
      return r;
    };
    const dispatch = function* (r: Request, arrivedAt: number): ThreadRoutine<void> {
      r.arrivedAt = arrivedAt;
      r.out = null;
      r.busy = true;
      outstanding++;
      r.state = FREE;
      yield* send(r);
    };

    // Set up the pool, then wait for the start.
    for (let i = 0; i < pool; i++) yield* open();
    let connecting = byFd.size;
    while (connecting > 0) {
      for (const ev of yield* epollWait(sys, ep, 1024)) {
        const r = byFd.get(ev.fd)!;
        connecting--;
        if ((ev.events & (EPOLLERR | EPOLLHUP)) !== 0) {
          yield* done(r, "ECONNREFUSED");
          continue;
        }
        stats.connected++;
        r.state = FREE;
        free.push(r);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", r.fd, 0);
      }
    }
    if (opts.start !== undefined) yield* sys.thread.waitEvent(opts.start);
    const t0 = sys.now, end = t0 + duration;
    stats.startedAt = t0;
    let clock = t0 + rng.exponential(meanGap);
    let next = Math.round(clock);
    for (;;) {
      const timeout = next < end ? Math.max(0, next - sys.now) : null;
      if (timeout === null && outstanding === 0 && waiting.length === 0) break;
      const events = yield* epollWait(sys, ep, 1024, timeout);
      while (next < end && next <= sys.now) {
        stats.sent++;
        if (mode === "connection") {
          const r = yield* open();
          if (r !== null) {
            r.arrivedAt = next;
            r.busy = true;
            outstanding++;
          }
        } else {
          const r = free.shift();
          if (r !== undefined) yield* dispatch(r, next);
          else waiting.push(next);
        }
        clock += rng.exponential(meanGap);
        next = Math.round(clock);
      }
      for (const ev of events) {
        const r = byFd.get(ev.fd);
        if (r === undefined) continue;
        if (r.state === CONNECTING) {
          if ((ev.events & (EPOLLERR | EPOLLHUP)) === 0) stats.connected++;
          r.state = SENDING;
          yield* send(r);
          continue;
        }
        if (r.state === SENDING) {
          yield* send(r);
          continue;
        }
        if ((ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) === 0) continue;
        let data: Uint8Array;
        try {
          data = yield* sys.recv(r.fd, 65536);
        } catch (e) {
          if (isErrno(e, "EAGAIN")) continue;
          if (!(e instanceof SysError)) throw e;
          yield* done(r, e.errno);
          continue;
        }
        if (data.length === 0) {
          yield* done(r, "ECONNRESET");
          continue;
        }
        r.got += data.length;
        if (r.got < opts.responseBytes) continue;
        r.got -= opts.responseBytes;
        stats.latencies.push(sys.now - r.arrivedAt);
        stats.completed++;
        r.busy = false;
        outstanding--;
        stats.finishedAt = sys.now;
        if (mode === "connection") {
          yield* done(r, null);
          continue;
        }
        const queued = waiting.shift();
        if (queued !== undefined) {
          yield* dispatch(r, queued);
          continue;
        }
        r.state = FREE;
        free.push(r);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", r.fd, 0);
      }
      if (mode === "pool" && free.length === 0 && byFd.size === 0 && waiting.length > 0) {
        // Every pool connection failed: the waiting requests fail with them.
        for (let n = waiting.length; n > 0; n--) stats.fail("ECONNRESET");
        waiting.clear();
      }
    }
    stats.finishedAt = sys.now;
  };
}
