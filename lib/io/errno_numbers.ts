/**
 * Linux's errno numbers, for results in the C style of io_uring's CQEs
 * (`res` is minus the errno when a request fails).
 *
 * @module
 */

import type { Errno } from "../os/errno.ts";

/**
 * An errno name an asynchronous request can end with: the system calls' own,
 * plus `ETIME` (an io_uring timeout that ran out).
 */
export type AsyncErrno = Errno | "ETIME";

/**
 * Linux x86-64's number for each errno name (asm-generic/errno-base.h, errno.h).
 *
 * @example Looking a number up
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(ERRNO_NUMBERS.EAGAIN, 11);
 * assert.equal(ERRNO_NUMBERS.ETIME, 62);
 * ```
 */
export const ERRNO_NUMBERS: { readonly [K in AsyncErrno]?: number } = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  EPIPE: 32,
  EDEADLK: 35,
  ETIME: 62,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
});

/**
 * The number Linux gives an errno name.
 *
 * @example A CQE's result for a cancelled request
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(errnoNumber("ECANCELED"), 125);
 * assert.equal(-errnoNumber("EBADF"), -9);
 * ```
 *
 * @param name The errno name.
 * @returns Its number (5, EIO's, for a name this table does not know).
 * @throws {TypeError} If `name` is not a string.
 */
export function errnoNumber(name: AsyncErrno): number {
  if (typeof name !== "string") {
    throw new TypeError(`Invalid errno "${String(name)}": expected a name such as "EAGAIN"`);
  }
  return ERRNO_NUMBERS[name] ?? 5;
}
