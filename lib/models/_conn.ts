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

/** Server-side state of a connection. */
export class Conn {
  /** Bytes of the current request received so far. */
  got = 0;
  /** Response bytes not yet accepted by the socket. */
  out: Uint8Array | null = null;
  /** Requests served. */
  served = 0;
  constructor(readonly fd: number) {}
}

const zeros = new Map<number, Uint8Array>();
function response(n: number): Uint8Array {
  let b = zeros.get(n);
  if (b === undefined) zeros.set(n, b = new Uint8Array(n));
  return b;
}

/**
 * Handles readability: one recv, or (`drain`, for edge-triggered epoll)
 * recvs until EAGAIN; serves every complete request and writes responses.
 * Closes the descriptor at EOF or on a reset.
 */
export function* onReadable(
  sys: Sys,
  c: Conn,
  ex: Exchange,
  drain: boolean,
): ThreadRoutine<number> {
  for (;;) {
    let data: Uint8Array;
    try {
      data = yield* sys.recv(c.fd, 65536);
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
      c.out = c.out === null
        ? response(ex.responseBytes)
        : concat(c.out, response(ex.responseBytes));
    }
    if (!drain) break;
  }
  return yield* onWritable(sys, c);
}

/** Writes queued response bytes until done or the socket is full. */
export function* onWritable(sys: Sys, c: Conn): ThreadRoutine<number> {
  while (c.out !== null) {
    let n: number;
    try {
      n = yield* sys.send(c.fd, c.out);
    } catch (e) {
      if (isErrno(e, "EAGAIN")) return WANT_WRITE;
      if (isErrno(e, "EPIPE") || isErrno(e, "ECONNRESET")) return yield* close(sys, c);
      throw e;
    }
    c.out = n === c.out.length ? null : c.out.subarray(n);
  }
  return OPEN;
}

function* close(sys: Sys, c: Conn): ThreadRoutine<number> {
  yield* sys.close(c.fd);
  return CLOSED;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
