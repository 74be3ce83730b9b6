/**
 * The server side of one connection, shared by the event-driven servers:
 * read requests, compute, queue responses, write what the socket takes.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import type { Exchange } from "./protocol.ts";

/** What a connection needs after an event. */
export const OPEN = 0, WANT_WRITE = 1, CLOSED = 2;

/**
 * User-space bytes an event loop keeps per connection: this record, the
 * loop's map entry and its share of bookkeeping (an estimate; the 64 KiB read
 * buffer is shared by all connections).
 */
export const CONN_STATE_BYTES = 256;

/** The default size of one recv. */
export const READ_BYTES = 65536;

/** Server-side state of a connection. */
export class Conn {
  /** Bytes of the current request received so far. */
  got = 0;
  /** Response bytes computed and not yet accepted by the socket. */
  pending = 0;
  /** Requests served. */
  served = 0;
  /** The last read turn ended on its budget, not on EAGAIN: more may be waiting. */
  more = false;
  /** The descriptor was closed (EOF, reset). */
  closed = false;
  constructor(readonly fd: number) {}
}

let zeros = new Uint8Array(READ_BYTES);

/** `n` bytes of response (all zeros), shared: send copies what it accepts. */
export function responseBytes(n: number): Uint8Array {
  if (zeros.length < n) zeros = new Uint8Array(n);
  return zeros.subarray(0, n);
}

/**
 * Handles readability: up to `maxReads` recvs (Infinity: until EAGAIN, as
 * edge-triggered epoll and signal-driven I/O need), serving every complete
 * request, then writes the responses. Closes the descriptor at EOF or on a
 * reset. When the budget runs out first, `c.more` is set: the socket may
 * still hold data that no new edge will announce.
 */
export function* onReadable(
  sys: Sys,
  c: Conn,
  ex: Exchange,
  maxReads: number,
  readBytes: number = READ_BYTES,
): ThreadRoutine<number> {
  c.more = false;
  for (let reads = 0;; reads++) {
    if (reads >= maxReads) {
      c.more = true;
      break;
    }
    let data: Uint8Array;
    try {
      data = yield* sys.recv(c.fd, readBytes);
    } catch (e) {
      if (isErrno(e, "EAGAIN")) break;
      if (isErrno(e, "ECONNRESET")) return yield* close(sys, c);
      throw e;
    }
    if (data.length === 0) return yield* close(sys, c);
    c.got += data.length;
    while (c.got >= ex.requestBytes) {
      c.got -= ex.requestBytes;
      if (ex.serviceNs > 0) yield* sys.compute(ex.serviceNs);
      c.served++;
      c.pending += ex.responseBytes;
    }
  }
  return yield* onWritable(sys, c);
}

/** Writes queued response bytes until done or the socket is full. */
export function* onWritable(sys: Sys, c: Conn): ThreadRoutine<number> {
  while (c.pending > 0) {
    let n: number;
    try {
      n = yield* sys.send(c.fd, responseBytes(Math.min(c.pending, READ_BYTES)));
    } catch (e) {
      if (isErrno(e, "EAGAIN")) return WANT_WRITE;
      if (isErrno(e, "EPIPE") || isErrno(e, "ECONNRESET")) return yield* close(sys, c);
      throw e;
    }
    c.pending -= n;
  }
  return OPEN;
}

function* close(sys: Sys, c: Conn): ThreadRoutine<number> {
  c.more = false;
  c.closed = true;
  yield* sys.close(c.fd);
  return CLOSED;
}

/**
 * Accepts every pending connection, until EAGAIN, as an event loop must
 * when its listening socket is readable (EMFILE stops it too: the rest wait
 * in the backlog). Each new descriptor is set up (made non-blocking unless
 * `setup` says otherwise), handed to `add` as a Conn, then counted in
 * `stats.accepted`.
 */
export function* acceptPending(
  sys: Sys,
  ls: number,
  stats: { accepted: number },
  add: (c: Conn) => ThreadRoutine<void>,
  setup: (sys: Sys, fd: number) => ThreadRoutine<void> = (s, fd) => s.setBlocking(fd, false),
): ThreadRoutine<void> {
  for (;;) {
    let fd: number;
    try {
      fd = (yield* sys.accept(ls)).fd;
    } catch (e) {
      if (isErrno(e, "EAGAIN") || isErrno(e, "EMFILE")) return;
      throw e;
    }
    yield* setup(sys, fd);
    yield* add(new Conn(fd));
    stats.accepted++;
  }
}
