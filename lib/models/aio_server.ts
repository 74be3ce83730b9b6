/**
 * The POSIX aio server: every read and write is an asynchronous request the
 * kernel carries out; a queued real-time signal tells the process which one
 * finished.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { ThreadBody } from "../os/process.ts";
import { SIGRTMIN } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import {
  type Aiocb,
  aioError,
  aioRead,
  aioReturn,
  type AioSignalInfo,
  aioWrite,
  type SigEvent,
} from "../io/aio.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** Options of the aio server. */
export interface AioServerOptions extends ServerOptions {
  /** Bytes each aio_read asks for (default 65,536). */
  readonly readBytes?: number;
  /**
   * CPU work the main thread does between completions, in chunks of this
   * many nanoseconds (default 0: it waits in pause()).
   */
  readonly usefulWorkNs?: number;
}

/**
 * The signal that reports a finished read: queued, and carrying the control block.
 *
 * @example A real-time signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIGRTMIN } from "@iosim/iosim/os";
 * assert.ok(AIO_SERVER_SIGNAL > SIGRTMIN);
 * ```
 */
export const AIO_SERVER_SIGNAL: number = SIGRTMIN + 2;

const responses = new Map<number, Uint8Array>();
function response(n: number): Uint8Array {
  let b = responses.get(n);
  if (b === undefined) responses.set(n, b = new Uint8Array(n));
  return b;
}

/**
 * A POSIX aio server (Stevens' asynchronous model): an acceptor thread
 * blocks in accept(2) (aio has no accept) and starts an aio_read on each new
 * connection; the kernel waits for the request and copies it into the
 * process's buffer; a real-time signal carrying the control block
 * (SIGEV_SIGNAL with `AIO_SERVER_SIGNAL`) tells the main thread it
 * *finished*; the main thread serves the request, answers with an
 * aio_write, and starts the next aio_read. Neither phase of a read costs
 * the process anything but the submission and the signal: its threads'
 * `copyNs` stays 0, the copies are the kernel's (see `kernelUsage`).
 *
 * @example Serving three clients
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, ServerStats } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 1000 };
 * const served = new ServerStats();
 * const srv = net.addHost("srv").spawn("aio", aioServer({ ...ex, port: 80 }, served), { privileged: true, daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 80], connections: 3, rounds: 2, stats }));
 * sim.run();
 * assert.equal(stats.completed, 6);
 * assert.equal(served.served, 6);
 * assert.equal(srv.usage().copyNs, 0);
 * ```
 *
 * @param opts Port, exchange, read size, background work.
 * @param stats Counters to fill in (`loops` counts completions handled).
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function aioServer(
  opts: AioServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  const readBytes = opts.readBytes ?? 65536;
  if (!Number.isSafeInteger(readBytes) || readBytes < 1) {
    throw new RangeError(`Invalid readBytes "${String(readBytes)}": it must be a positive integer`);
  }
  const work = opts.usefulWorkNs ?? 0;
  if (typeof work !== "number" || !(work >= 0) || !Number.isFinite(work)) {
    throw new RangeError(`Invalid usefulWorkNs "${String(work)}": it must be a finite number >= 0`);
  }
  const notify: SigEvent = { notify: "SIGEV_SIGNAL", signo: AIO_SERVER_SIGNAL };
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, false);
    const got = new Map<number, number>();
    const done: Aiocb<Uint8Array>[] = [];
    yield* sys.sigaction(AIO_SERVER_SIGNAL, function* (_h, info) {
      done.push((info as AioSignalInfo).aiocb as Aiocb<Uint8Array>);
    });
    // The acceptor: aio cannot accept, so a thread blocks in accept(2) and starts each read.
    yield* sys.spawnThread("acceptor", function* (t: Sys): ThreadRoutine<void> {
      yield* t.sigprocmask("SIG_BLOCK", [AIO_SERVER_SIGNAL]);
      for (;;) {
        let fd: number;
        try {
          fd = (yield* t.accept(ls)).fd;
        } catch (e) {
          if (isErrno(e, "EMFILE")) {
            stats.errors.EMFILE = (stats.errors.EMFILE ?? 0) + 1;
            yield* t.sleep(1_000_000);
            continue;
          }
          throw e;
        }
        stats.accepted++;
        got.set(fd, 0);
        yield* aioRead(t, { fd, nbytes: readBytes, sigevent: notify });
      }
    });
    for (;;) {
      while (done.length > 0) {
        const cb = done.shift()!;
        stats.loops++;
        const fd = cb.fd;
        if (aioError(cb) !== 0) {
          // A reset or a cancelled read: the connection is over.
          try {
            aioReturn(cb);
          } catch {
            // the errno was read by aio_error
          }
          yield* closeConn(sys, fd, got, stats);
          continue;
        }
        const data = aioReturn(cb);
        if (data.length === 0) {
          yield* closeConn(sys, fd, got, stats);
          continue;
        }
        let have = got.get(fd)! + data.length;
        let answers = 0;
        while (have >= opts.requestBytes) {
          have -= opts.requestBytes;
          if (opts.serviceNs > 0) yield* sys.compute(opts.serviceNs);
          answers++;
        }
        got.set(fd, have);
        stats.served += answers;
        if (answers > 0) {
          const out = answers === 1
            ? response(opts.responseBytes)
            : response(answers * opts.responseBytes);
          // The write's completion is not awaited: a failure shows in the next read.
          yield* aioWrite(sys, { fd, data: out });
        }
        yield* aioRead(sys, { fd, nbytes: readBytes, sigevent: notify });
      }
      if (work > 0) yield* sys.compute(work);
      else {
        try {
          yield* sys.pause();
        } catch (e) {
          if (!isErrno(e, "EINTR")) throw e;
        }
      }
    }
  };
}

function* closeConn(
  sys: Sys,
  fd: number,
  got: Map<number, number>,
  stats: ServerStats,
): ThreadRoutine<void> {
  if (!got.delete(fd)) return;
  stats.closed++;
  yield* sys.close(fd);
}
