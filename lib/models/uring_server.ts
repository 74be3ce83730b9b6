/**
 * The io_uring server: accepts, reads and writes are all requests on one
 * ring, submitted in batches and reaped from the completion queue.
 *
 * @module
 */

import type { ThreadBody } from "../os/process.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { type IoUring, ioUringSetup, type Sqe } from "../io/uring.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the io_uring server. */
export interface UringServerOptions extends ServerOptions {
  /** SQ entries (a power of two; default 4,096; the CQ has twice as many). */
  readonly ringEntries?: number;
  /** Bytes each recv asks for (default 65,536). */
  readonly readBytes?: number;
}

/**
 * The server's counters plus the ring's: SQEs submitted, io_uring_enter
 * calls, completions that overflowed the CQ.
 *
 * @example Fresh counters
 * ```ts
 * import assert from "node:assert/strict";
 * const stats = new UringServerStats();
 * assert.equal(stats.submitted + stats.enters + stats.overflowed + stats.served, 0);
 * ```
 */
export class UringServerStats extends ServerStats {
  /** Completions that went through the CQ overflow list. */
  overflowed = 0;
  /** SQEs submitted. */
  submitted = 0;
  /** io_uring_enter calls that submitted or waited. */
  enters = 0;
}

const ACCEPT = 0, RECV = 1, SEND = 2;

const responses = new Map<number, Uint8Array>();
function response(n: number): Uint8Array {
  let b = responses.get(n);
  if (b === undefined) responses.set(n, b = new Uint8Array(n));
  return b;
}

/**
 * An io_uring server in one thread: an accept request is always pending on
 * the listening socket; each connection has a recv pending; a full request
 * is served and answered with a send (partial sends are resubmitted). Each
 * loop is one io_uring_enter that submits everything queued since the last
 * one and waits for at least one completion, then reaps the completion
 * queue in user space. The kernel does both phases of every read: the
 * process's `copyNs` stays 0 (see `kernelUsage` for the kernel's copies).
 * A `userData` packs the descriptor and the kind of request
 * (`fd * 4 + kind`).
 *
 * @example Serving four clients
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const served = new UringServerStats();
 * const srv = net.addHost("srv").spawn("uring", uringServer({ ...ex, port: 80, ringEntries: 8 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 4, rounds: 3, stats }));
 * sim.run();
 * assert.equal(stats.completed, 12);
 * assert.equal(served.served, 12);
 * assert.equal(srv.usage().copyNs, 0);
 * assert.ok(served.enters < served.submitted);
 * ```
 *
 * @param opts Port, exchange, ring size, read size.
 * @param stats Counters to fill in (`loops` counts waits for completions).
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function uringServer(
  opts: UringServerOptions,
  stats: ServerStats = new UringServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  const entries = opts.ringEntries ?? 4096;
  const readBytes = opts.readBytes ?? 65536;
  if (!Number.isSafeInteger(readBytes) || readBytes < 1) {
    throw new RangeError(`Invalid readBytes "${String(readBytes)}": it must be a positive integer`);
  }
  const extra = stats instanceof UringServerStats ? stats : null;
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const ring = yield* ioUringSetup(sys, entries);
    const conns = new Map<number, UringConn>();
    const queue = function* (sqe: Sqe): ThreadRoutine<void> {
      if (ring.sqSpaceLeft === 0) yield* enter(ring, extra, false);
      ring.prep(sqe);
    };
    // One send in flight per connection keeps the byte stream in order (as IOSQE_IO_LINK would).
    const send = function* (fd: number, c: UringConn, bytes: number): ThreadRoutine<void> {
      c.queued += bytes;
      if (c.sending > 0 || c.queued === 0) return;
      c.sending = c.queued;
      c.queued = 0;
      yield* queue({ op: "send", fd, data: response(c.sending), userData: fd * 4 + SEND });
    };
    yield* queue({ op: "accept", fd: ls, userData: ls * 4 + ACCEPT });
    for (;;) {
      yield* enter(ring, extra, true);
      stats.loops++;
      for (const cqe of yield* ring.peekBatch()) {
        const fd = Math.floor(cqe.userData / 4), kind = cqe.userData % 4;
        if (kind === ACCEPT) {
          if (cqe.error === null) {
            stats.accepted++;
            conns.set(cqe.res, new UringConn());
            yield* queue({ op: "recv", fd: cqe.res, len: readBytes, userData: cqe.res * 4 + RECV });
          } else stats.errors[cqe.error] = (stats.errors[cqe.error] ?? 0) + 1;
          yield* queue({ op: "accept", fd: ls, userData: ls * 4 + ACCEPT });
          continue;
        }
        const c = conns.get(fd);
        if (c === undefined) continue;
        if (kind === SEND) {
          // (A send of a closed connection whose descriptor was reused completes to nobody.)
          if (c.sending === 0) continue;
          const left = cqe.error === null ? c.sending - cqe.res : 0;
          c.sending = 0;
          // A short send: the rest goes first in the next one (the responses are all zeros).
          if (cqe.error === null) yield* send(fd, c, left);
          continue;
        }
        if (cqe.res <= 0) {
          // EOF, a reset, or a cancelled request: the connection is over.
          conns.delete(fd);
          stats.closed++;
          yield* sys.close(fd);
          continue;
        }
        c.got += cqe.res;
        let answers = 0;
        while (c.got >= opts.requestBytes) {
          c.got -= opts.requestBytes;
          if (opts.serviceNs > 0) yield* sys.compute(opts.serviceNs);
          answers++;
        }
        stats.served += answers;
        if (answers > 0) yield* send(fd, c, answers * opts.responseBytes);
        yield* queue({ op: "recv", fd, len: readBytes, userData: fd * 4 + RECV });
      }
      if (extra !== null) extra.overflowed = ring.overflowed;
    }
  };
}

/** A connection's state: request bytes received, response bytes in flight and waiting. */
class UringConn {
  got = 0;
  sending = 0;
  queued = 0;
}

function* enter(
  ring: IoUring,
  extra: UringServerStats | null,
  wait: boolean,
): ThreadRoutine<void> {
  const n = wait ? yield* ring.submitAndWait(1) : yield* ring.submit();
  if (extra !== null) {
    extra.enters++;
    extra.submitted += n;
  }
}
