/**
 * Readiness bits shared by poll(2) and epoll(7) (their values on Linux), and
 * the file status flags used with fcntl(2).
 *
 * @module
 */

/** There is data to read (or a connection to accept). */
export const POLLIN = 0x001;
/** There is urgent data to read. */
export const POLLPRI = 0x002;
/** Writing will not block. */
export const POLLOUT = 0x004;
/** An error condition (always reported, never requested). */
export const POLLERR = 0x008;
/** Hang up: the peer closed or reset (always reported). */
export const POLLHUP = 0x010;
/** The descriptor is not open (poll only). */
export const POLLNVAL = 0x020;
/** The peer shut down its writing half. */
export const POLLRDHUP = 0x2000;

/** epoll's names for the same bits. */
export const EPOLLIN: number = POLLIN;
/** Urgent data. */
export const EPOLLPRI: number = POLLPRI;
/** Writable. */
export const EPOLLOUT: number = POLLOUT;
/** Error (always reported). */
export const EPOLLERR: number = POLLERR;
/** Hang up (always reported). */
export const EPOLLHUP: number = POLLHUP;
/** Peer shut down writing. */
export const EPOLLRDHUP: number = POLLRDHUP;
/** Wake only one of the epoll instances that watch the fd with this flag. */
export const EPOLLEXCLUSIVE = 1 << 28;
/** Report once, then disarm until EPOLL_CTL_MOD. */
export const EPOLLONESHOT = 1 << 30;
/** Edge-triggered: report only new arrivals since the last report. */
export const EPOLLET = 0x80000000;

/** Non-blocking mode (fcntl F_SETFL). */
export const O_NONBLOCK = 0o4000;
/** Signal-driven I/O: raise SIGIO on readiness (fcntl F_SETFL, with F_SETOWN). */
export const O_ASYNC = 0o20000;

/**
 * Names the bits of an event mask, for messages and traces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(maskNames(POLLIN | POLLOUT), "IN|OUT");
 * assert.equal(maskNames(0), "0");
 * ```
 *
 * @param mask The mask.
 * @returns The names joined with `|`.
 */
export function maskNames(mask: number): string {
  const names: string[] = [];
  const table: [number, string][] = [
    [POLLIN, "IN"],
    [POLLPRI, "PRI"],
    [POLLOUT, "OUT"],
    [POLLERR, "ERR"],
    [POLLHUP, "HUP"],
    [POLLNVAL, "NVAL"],
    [POLLRDHUP, "RDHUP"],
    [EPOLLEXCLUSIVE, "EXCLUSIVE"],
    [EPOLLONESHOT, "ONESHOT"],
    [EPOLLET, "ET"],
  ];
  for (const [bit, name] of table) if ((mask & bit) !== 0) names.push(name);
  return names.length === 0 ? "0" : names.join("|");
}
