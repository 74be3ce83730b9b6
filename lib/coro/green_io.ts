/**
 * Green sockets — what gevent's monkey patching buys: blocking-style socket
 * calls that park the calling greenlet, not the thread.
 *
 * @module
 */

import { TimeoutError } from "../kernel/errors.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { formatTime } from "../kernel/time.ts";
import { isErrno } from "../os/errno.ts";
import { EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ShutdownHow, SocketType } from "../os/socket_api.ts";
import { type AcceptResult, type AddressLike, type Data, type Sys, toBytes } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { checkTimeout } from "./_args.ts";
import type { Hub } from "./hub.ts";

/**
 * The blocking-style calls simulated programs use, as written in the
 * article's Python: both the thread's plain `Sys` (unpatched: a call that
 * waits blocks the whole thread) and {@linkcode GreenIo} (patched: it parks
 * only the calling greenlet) provide them, so the same program runs either
 * way.
 */
export interface BlockingIo {
  /** The virtual time, in nanoseconds. */
  readonly now: number;
  /**
   * Prints a line.
   *
   * @param values What to print, joined with spaces.
   */
  print(...values: unknown[]): void;
  /**
   * Computes (CPU work holds the thread whatever the patching).
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   */
  compute(ns: number): ThreadRoutine<void>;
  /**
   * Sleeps (`time.sleep`).
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   */
  sleep(ns: number): ThreadRoutine<void>;
  /**
   * socket(2).
   *
   * @param type Stream or datagram.
   * @returns The operation, for `yield*`; it gives the descriptor.
   */
  socket(type?: SocketType): ThreadRoutine<number>;
  /**
   * bind(2).
   *
   * @param fd The socket.
   * @param address Where.
   * @returns The operation, for `yield*`.
   */
  bind(fd: number, address: AddressLike): ThreadRoutine<void>;
  /**
   * listen(2).
   *
   * @param fd The socket.
   * @param backlog The accept queue's length.
   * @returns The operation, for `yield*`.
   */
  listen(fd: number, backlog?: number): ThreadRoutine<void>;
  /**
   * accept(2).
   *
   * @param fd The listening socket.
   * @returns The operation, for `yield*`; it gives the connection.
   */
  accept(fd: number): ThreadRoutine<AcceptResult>;
  /**
   * connect(2).
   *
   * @param fd The socket.
   * @param address The peer.
   * @returns The operation, for `yield*`.
   */
  connect(fd: number, address: AddressLike): ThreadRoutine<void>;
  /**
   * send(2).
   *
   * @param fd The socket.
   * @param data What to send.
   * @param flags Flags.
   * @returns The operation, for `yield*`; it gives the bytes accepted.
   */
  send(fd: number, data: Data, flags?: number): ThreadRoutine<number>;
  /**
   * Sends everything (`sendall`).
   *
   * @param fd The socket.
   * @param data What to send.
   * @returns The operation, for `yield*`.
   */
  sendall(fd: number, data: Data): ThreadRoutine<void>;
  /**
   * recv(2).
   *
   * @param fd The socket.
   * @param size The most bytes.
   * @param flags Flags.
   * @returns The operation, for `yield*`; it gives the bytes (empty at EOF).
   */
  recv(fd: number, size: number, flags?: number): ThreadRoutine<Uint8Array>;
  /**
   * shutdown(2).
   *
   * @param fd The socket.
   * @param how Which halves.
   * @returns The operation, for `yield*`.
   */
  shutdown(fd: number, how?: ShutdownHow): ThreadRoutine<void>;
  /**
   * close(2).
   *
   * @param fd The descriptor.
   * @returns The operation, for `yield*`.
   */
  close(fd: number): ThreadRoutine<void>;
  /**
   * `setblocking`.
   *
   * @param fd The socket.
   * @param blocking Whether calls wait.
   * @returns The operation, for `yield*`.
   */
  setBlocking(fd: number, blocking: boolean): ThreadRoutine<void>;
}

/** A descriptor's Python-level timeout: -1 blocks, 0 never waits, > 0 waits that long. */
const BLOCKING = -1;

/**
 * Patched socket calls for the greenlets of one hub (gevent's cooperative
 * `socket` after `monkey.patch_all()`). Sockets are made non-blocking
 * underneath (`socket` and `accept` set `O_NONBLOCK`, one `ioctl` each, as
 * gevent does); each call tries the system call and, on `EAGAIN`
 * (`EINPROGRESS` for connect), parks the calling greenlet on the hub's
 * epoll until the descriptor is ready, then tries again — so code written
 * in blocking style runs concurrently. Python's per-socket timeout is kept
 * here: `setBlocking(fd, false)` makes calls fail with `EAGAIN` instead of
 * waiting, `settimeout` bounds the wait (`TimeoutError`, Python's
 * `socket.timeout`). `sleep` is the hub's; `compute` is the plain one —
 * CPU work holds the thread, patched or not.
 *
 * A descriptor not made here (a `socketpair` from `sys`, say) is switched to
 * non-blocking the first time a green call uses it.
 *
 * @example Two green readers on one thread
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { fromBytes } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Network(sim).addHost("box").spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const io = patchAll(hub);
 *     const pairs = [yield* sys.socketpair(), yield* sys.socketpair()];
 *     const readers = pairs.map(([, r], i) =>
 *       hub.spawn(function* () {
 *         io.print(`reader ${i} got ${fromBytes(yield* io.recv(r, 64))}`);
 *       })
 *     );
 *     hub.spawn(function* () {
 *       yield* io.sleep(ms(1));
 *       yield* io.send(pairs[1]![0], "second");
 *       yield* io.sleep(ms(1));
 *       yield* io.send(pairs[0]![0], "first");
 *     });
 *     yield* hub.joinAll(readers);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["reader 1 got second", "reader 0 got first"]);
 * ```
 */
export class GreenIo implements BlockingIo {
  /** The hub whose greenlets use these calls. */
  readonly hub: Hub;
  /** How many times a call parked its greenlet for readiness. */
  waits = 0;
  readonly #sys: Sys;
  readonly #timeouts = new Map<number, number>();

  /**
   * Makes the patched calls; {@linkcode patchAll} gives the hub's own.
   *
   * @param hub The hub.
   */
  constructor(hub: Hub) {
    this.hub = hub;
    this.#sys = hub.sys;
  }

  /** The thread's plain system calls (unpatched). */
  get sys(): Sys {
    return this.#sys;
  }

  /** The virtual time, in nanoseconds. */
  get now(): number {
    return this.#sys.now;
  }

  /**
   * Prints a line.
   *
   * @param values What to print, joined with spaces.
   */
  print(...values: unknown[]): void {
    this.#sys.print(...values);
  }

  /**
   * Computes for `ns` of CPU time: the whole thread (every greenlet) waits.
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `ns` is not a number.
   * @throws {RangeError} If `ns` is negative or not finite.
   */
  *compute(ns: number): ThreadRoutine<void> {
    yield* this.#sys.compute(ns);
  }

  /**
   * Sleeps the calling greenlet (the patched `time.sleep`: `hub.sleep`).
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `ns` is not a number.
   * @throws {RangeError} If `ns` is negative or not finite.
   */
  *sleep(ns: number): ThreadRoutine<void> {
    yield* this.hub.sleep(ns);
  }

  /**
   * A new socket, non-blocking underneath.
   *
   * @param type `"stream"` (default) or `"dgram"`.
   * @returns The operation, for `yield*`; it gives the descriptor.
   * @throws {SysError} As socket(2).
   */
  *socket(type: SocketType = "stream"): ThreadRoutine<number> {
    const fd = yield* this.#sys.socket(type);
    yield* this.#sys.setBlocking(fd, false);
    this.#timeouts.set(fd, BLOCKING);
    return fd;
  }

  /**
   * bind(2) (it never waits).
   *
   * @param fd The socket.
   * @param address Where.
   * @returns The operation, for `yield*`.
   * @throws {SysError} As bind(2).
   */
  *bind(fd: number, address: AddressLike): ThreadRoutine<void> {
    yield* this.#sys.bind(fd, address);
  }

  /**
   * listen(2) (it never waits).
   *
   * @param fd The socket.
   * @param backlog The accept queue's length (default 128).
   * @returns The operation, for `yield*`.
   * @throws {SysError} As listen(2).
   */
  *listen(fd: number, backlog = 128): ThreadRoutine<void> {
    yield* this.#sys.listen(fd, backlog);
  }

  /**
   * accept(2), parking the greenlet until a connection comes; the new
   * socket is non-blocking underneath.
   *
   * @param fd The listening socket.
   * @returns The operation, for `yield*`; it gives the connection.
   * @throws {SysError} As accept(2); EAGAIN for a socket set non-blocking.
   * @throws {TimeoutError} When the socket's timeout runs out.
   */
  *accept(fd: number): ThreadRoutine<AcceptResult> {
    const deadline = yield* this.#prepare(fd);
    for (;;) {
      try {
        const conn = yield* this.#sys.accept(fd);
        yield* this.#sys.setBlocking(conn.fd, false);
        this.#timeouts.set(conn.fd, BLOCKING);
        return conn;
      } catch (e) {
        if (!isErrno(e, "EAGAIN") || deadline === 0) throw e;
      }
      yield* this.#wait(fd, EPOLLIN, deadline, "accept");
    }
  }

  /**
   * connect(2), parking the greenlet until the connection is set up.
   *
   * @param fd The socket.
   * @param address The peer.
   * @returns The operation, for `yield*`.
   * @throws {SysError} As connect(2) (ECONNREFUSED, ETIMEDOUT, ...); EINPROGRESS when non-blocking.
   * @throws {TimeoutError} When the socket's timeout runs out.
   */
  *connect(fd: number, address: AddressLike): ThreadRoutine<void> {
    const deadline = yield* this.#prepare(fd);
    try {
      yield* this.#sys.connect(fd, address);
      return;
    } catch (e) {
      if (!isErrno(e, "EINPROGRESS") || deadline === 0) throw e;
    }
    for (;;) {
      yield* this.#wait(fd, EPOLLOUT, deadline, "connect");
      try {
        // The first call after the handshake reports its outcome.
        yield* this.#sys.connect(fd, address);
        return;
      } catch (e) {
        if (!isErrno(e, "EALREADY")) throw e;
      }
    }
  }

  /**
   * send(2), parking the greenlet while the send buffer is full.
   *
   * @param fd The socket.
   * @param data Bytes or text.
   * @param flags Flags.
   * @returns The operation, for `yield*`; it gives the bytes accepted.
   * @throws {SysError} As send(2); EAGAIN for a socket set non-blocking.
   * @throws {TimeoutError} When the socket's timeout runs out.
   */
  *send(fd: number, data: Data, flags = 0): ThreadRoutine<number> {
    const deadline = yield* this.#prepare(fd);
    for (;;) {
      try {
        return yield* this.#sys.send(fd, data, flags);
      } catch (e) {
        if (!isErrno(e, "EAGAIN") || deadline === 0) throw e;
      }
      yield* this.#wait(fd, EPOLLOUT, deadline, "send");
    }
  }

  /**
   * Sends all of `data` (the timeout bounds the whole call, as in Python).
   *
   * @param fd The socket.
   * @param data Bytes or text.
   * @returns The operation, for `yield*`.
   * @throws {SysError} As send(2).
   * @throws {TimeoutError} When the socket's timeout runs out.
   */
  *sendall(fd: number, data: Data): ThreadRoutine<void> {
    let bytes = toBytes(data);
    const deadline = yield* this.#prepare(fd);
    do {
      let n = 0;
      try {
        n = yield* this.#sys.send(fd, bytes);
      } catch (e) {
        if (!isErrno(e, "EAGAIN") || deadline === 0) throw e;
        yield* this.#wait(fd, EPOLLOUT, deadline, "send");
      }
      bytes = bytes.subarray(n);
    } while (bytes.length > 0);
  }

  /**
   * recv(2), parking the greenlet until data (or EOF) comes.
   *
   * @param fd The socket.
   * @param size The most bytes.
   * @param flags Flags.
   * @returns The operation, for `yield*`; it gives the bytes (empty at EOF).
   * @throws {SysError} As recv(2); EAGAIN for a socket set non-blocking.
   * @throws {TimeoutError} When the socket's timeout runs out.
   */
  *recv(fd: number, size: number, flags = 0): ThreadRoutine<Uint8Array> {
    const deadline = yield* this.#prepare(fd);
    for (;;) {
      try {
        return yield* this.#sys.recv(fd, size, flags);
      } catch (e) {
        if (!isErrno(e, "EAGAIN") || deadline === 0) throw e;
      }
      yield* this.#wait(fd, EPOLLIN, deadline, "recv");
    }
  }

  /**
   * shutdown(2) (it never waits).
   *
   * @param fd The socket.
   * @param how Which halves (default both).
   * @returns The operation, for `yield*`.
   * @throws {SysError} As shutdown(2).
   */
  *shutdown(fd: number, how: ShutdownHow = "SHUT_RDWR"): ThreadRoutine<void> {
    yield* this.#sys.shutdown(fd, how);
  }

  /**
   * close(2); greenlets waiting on the descriptor get EBADF.
   *
   * @param fd The descriptor.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF if it is not open.
   */
  *close(fd: number): ThreadRoutine<void> {
    this.hub._closeFd(fd);
    this.#timeouts.delete(fd);
    yield* this.#sys.close(fd);
  }

  /**
   * Python's `setblocking`: `false` makes calls fail with EAGAIN instead of
   * waiting, `true` makes them wait. No system call: the descriptor stays
   * non-blocking underneath.
   *
   * @param fd The socket.
   * @param blocking Whether calls wait.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF if it is not open.
   */
  *setBlocking(fd: number, blocking: boolean): ThreadRoutine<void> {
    yield* this.settimeout(fd, blocking ? null : 0);
  }

  /**
   * Python's `settimeout`: `null` waits forever, 0 never waits, more bounds
   * each call's wait.
   *
   * @param fd The socket.
   * @param timeout Nanoseconds, or `null`.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF if it is not open.
   * @throws {RangeError} If the timeout is negative.
   */
  *settimeout(fd: number, timeout: number | null): ThreadRoutine<void> {
    const t = checkTimeout("settimeout", timeout);
    yield* this.#prepare(fd);
    this.#timeouts.set(fd, t === undefined ? BLOCKING : t);
  }

  /**
   * The socket's timeout.
   *
   * @param fd The socket.
   * @returns Nanoseconds, or `null` for none (also for descriptors not used here).
   */
  gettimeout(fd: number): number | null {
    const t = this.#timeouts.get(fd) ?? BLOCKING;
    return t === BLOCKING ? null : t;
  }

  /**
   * Makes `fd` non-blocking underneath if it is not yet, and gives the
   * call's deadline: Infinity (block), 0 (never wait) or a time.
   */
  *#prepare(fd: number): ThreadRoutine<number> {
    let t = this.#timeouts.get(fd);
    if (t === undefined) {
      const file = this.#sys.fileOf(fd);
      // A bad descriptor: let the call itself fail with EBADF.
      if (file === undefined) return 0;
      if (!file.nonblocking) yield* this.#sys.setBlocking(fd, false);
      this.#timeouts.set(fd, t = BLOCKING);
    }
    return t === BLOCKING ? Infinity : t === 0 ? 0 : this.#sys.now + t;
  }

  *#wait(fd: number, events: number, deadline: number, call: string): ThreadRoutine<void> {
    const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.#sys.now);
    this.waits++;
    const r = yield* this.hub._waitFd(fd, events, left, call);
    if (r === TIMEOUT) {
      const t = this.#timeouts.get(fd) ?? 0;
      throw new TimeoutError(`${call} on fd ${fd} timed out after ${formatTime(t)}`);
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `GreenIo { fds: ${this.#timeouts.size}, waits: ${this.waits} }`;
  }
}

const patched = new WeakMap<Hub, GreenIo>();

/**
 * The hub's green socket calls (gevent's `monkey.patch_all()`): pass them
 * where a program expects {@linkcode BlockingIo} to make it cooperative;
 * pass the plain `sys` to run it unpatched.
 *
 * @example Patched or not, the same program
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const io: BlockingIo = patchAll(hub);
 *     const plain: BlockingIo = sys;
 *     sys.print(io === patchAll(hub), io !== plain);
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "true true");
 * ```
 *
 * @param hub The hub.
 * @returns The hub's green calls (the same object each time).
 */
export function patchAll(hub: Hub): GreenIo {
  let io = patched.get(hub);
  if (io === undefined) patched.set(hub, io = new GreenIo(hub));
  return io;
}
