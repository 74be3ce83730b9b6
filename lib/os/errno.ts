/**
 * Error numbers and the error a failed system call throws.
 *
 * @module
 */

/** The messages of `strerror(3)` on Linux, by errno name. */
export const ERRNO_MESSAGES = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  ECHILD: "No child processes",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EEXIST: "File exists",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOSPC: "No space left on device",
  EPIPE: "Broken pipe",
  EDEADLK: "Resource deadlock avoided",
  ENOTSOCK: "Socket operation on non-socket",
  EDESTADDRREQ: "Destination address required",
  EMSGSIZE: "Message too long",
  EPROTOTYPE: "Protocol wrong type for socket",
  EOPNOTSUPP: "Operation not supported",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENETUNREACH: "Network is unreachable",
  ECONNABORTED: "Software caused connection abort",
  ECONNRESET: "Connection reset by peer",
  ENOBUFS: "No buffer space available",
  EISCONN: "Transport endpoint is already connected",
  ENOTCONN: "Transport endpoint is not connected",
  ETIMEDOUT: "Connection timed out",
  ECONNREFUSED: "Connection refused",
  EHOSTUNREACH: "No route to host",
  EALREADY: "Operation already in progress",
  EINPROGRESS: "Operation now in progress",
  ECANCELED: "Operation canceled",
} as const;

/** An errno name, such as `"EAGAIN"`. */
export type Errno = keyof typeof ERRNO_MESSAGES;

/**
 * What a simulated system call throws when it fails as Linux would: the
 * errno name is in `errno` (and `code`, as Node.js names it), the call in
 * `syscall`.
 *
 * @example Catching EAGAIN
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new SysError("EAGAIN", "recv", "fd 4 has no data");
 * assert.equal(err.errno, "EAGAIN");
 * assert.equal(err.message, "recv failed: fd 4 has no data (EAGAIN: Resource temporarily unavailable)");
 * ```
 */
export class SysError extends Error {
  /** The errno name. */
  declare readonly errno: Errno;
  /** The errno name again, as Node.js's `err.code`. */
  declare readonly code: Errno;
  /** The system call that failed. */
  declare readonly syscall: string;

  /**
   * Makes the error.
   *
   * @param errno The errno name.
   * @param syscall The system call, such as `"recv"`.
   * @param detail What went wrong, in words, when more can be said than the errno.
   */
  constructor(errno: Errno, syscall: string, detail?: string) {
    const what = ERRNO_MESSAGES[errno] ?? "Unknown error";
    const message = `${syscall} failed: ${
      detail === undefined ? "" : `${detail} `
    }(${errno}: ${what})`;
    if (errno === "EAGAIN" || errno === "EINPROGRESS") {
      // The everyday flow of non-blocking code, a million times in a C1M run.
      // Error's constructor costs about 1 µs here, more than the simulated
      // call, so these are made without it: the same fields, no stack frames.
      const quick = Object.create(new.target.prototype) as {
        -readonly [K in keyof SysError]: SysError[K];
      };
      quick.message = message;
      quick.name = "SysError";
      quick.errno = errno;
      quick.code = errno;
      quick.syscall = syscall;
      quick.stack = `SysError: ${message}`;
      return quick;
    }
    super(message);
    this.name = "SysError";
    this.errno = errno;
    this.code = errno;
    this.syscall = syscall;
  }
}

/**
 * Whether `e` is a {@linkcode SysError} with the given errno.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isErrno(new SysError("EPIPE", "send"), "EPIPE"), true);
 * assert.equal(isErrno(new Error("x"), "EPIPE"), false);
 * ```
 *
 * @param e Anything thrown.
 * @param errno The errno name to look for.
 * @returns Whether it matches.
 */
export function isErrno(e: unknown, errno: Errno): e is SysError {
  return e instanceof SysError && e.errno === errno;
}
