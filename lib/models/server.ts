/**
 * What every reference server shares: its options, its counters and its
 * listening socket.
 *
 * @module
 */

import type { AddressLike, Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { checkExchange, type Exchange } from "./protocol.ts";

/** Options of a reference server. */
export interface ServerOptions extends Exchange {
  /** The port to listen on. */
  readonly port: number;
  /** The address to bind (default `"0.0.0.0"`). */
  readonly host?: string;
  /** The listen backlog (default 4096, capped by somaxconn). */
  readonly backlog?: number;
  /** Raise RLIMIT_NOFILE to the hard limit first (default true), as servers do. */
  readonly raiseNofile?: boolean;
}

/**
 * Counters a server keeps, readable while it runs.
 *
 * @example Fresh counters
 * ```ts
 * import assert from "node:assert/strict";
 * const stats = new ServerStats();
 * assert.equal(stats.accepted, 0);
 * assert.deepEqual(stats.errors, {});
 * ```
 */
export class ServerStats {
  /** Connections accepted. */
  accepted = 0;
  /** Requests served. */
  served = 0;
  /** Connections closed (at the peer's EOF or reset). */
  closed = 0;
  /** Loop iterations (calls of select, poll or epoll_wait; passes of a busy poll; signal handler runs). */
  loops = 0;
  /** Calls that failed and cost the server a connection, by errno (EAGAIN from pthread_create or fork, EMFILE). */
  readonly errors: Record<string, number> = {};

  /** Connections open now: accepted and not yet closed. */
  get open(): number {
    return this.accepted - this.closed;
  }
}

/**
 * Checks server options.
 *
 * @example A bad port
 * ```ts
 * import assert from "node:assert/strict";
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 0 };
 * assert.equal(checkServer({ ...ex, port: 80 }).port, 80);
 * assert.throws(() => checkServer({ ...ex, port: 70000 }), /Invalid server port "70000"/);
 * ```
 *
 * @param opts The options.
 * @returns The same options.
 * @throws {RangeError} If the port or a size of the exchange is out of range.
 */
export function checkServer<O extends ServerOptions>(opts: O): O {
  checkExchange(opts);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new RangeError(
      `Invalid server port "${String(opts.port)}": it must be an integer from 0 to 65535`,
    );
  }
  return opts;
}

/**
 * Opens the listening socket: raises the fd limit, binds, listens.
 *
 * @example A listening socket on port 8080
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("srv").spawn("s", function* (sys) {
 *   const ls = yield* listenOn(sys, { port: 8080, requestBytes: 1, responseBytes: 1, serviceNs: 0 }, true);
 *   sys.print((yield* sys.getsockname(ls)).port);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "8080");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param opts Port, address, backlog.
 * @param nonblocking Whether to set O_NONBLOCK on the listening socket.
 * @returns The operation, for `yield*`; it gives the listening descriptor.
 * @throws {SysError} EADDRINUSE, EACCES (a port below 1024 without privilege), EMFILE.
 */
export function* listenOn(
  sys: Sys,
  opts: ServerOptions,
  nonblocking: boolean,
): ThreadRoutine<number> {
  if (opts.raiseNofile !== false) {
    const fds = sys.process.fds;
    if (fds.limit < fds.hardLimit) yield* sys.setrlimitNofile(fds.hardLimit);
  }
  const ls = yield* sys.socket();
  if (nonblocking) yield* sys.setBlocking(ls, false);
  const addr: AddressLike = [opts.host ?? "0.0.0.0", opts.port];
  yield* sys.bind(ls, addr);
  yield* sys.listen(ls, opts.backlog ?? 4096);
  return ls;
}
