/**
 * What every reference server shares: its options and its listening socket.
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

/** Counters a server keeps, readable while it runs. */
export class ServerStats {
  /** Connections accepted. */
  accepted = 0;
  /** Requests served. */
  served = 0;
  /** Connections closed by the peer. */
  closed = 0;
  /** Loop iterations (calls of select, poll or epoll_wait). */
  loops = 0;
}

/** Checks server options. */
export function checkServer(opts: ServerOptions): ServerOptions {
  checkExchange(opts);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new RangeError(
      `Invalid server port "${String(opts.port)}": it must be an integer from 0 to 65535`,
    );
  }
  return opts;
}

/** Opens the listening socket: raises the fd limit, binds, listens. */
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
