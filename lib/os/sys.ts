/**
 * The system-call surface that simulated code gets.
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import type { Event } from "../kernel/event.ts";
import type { Simulation } from "../kernel/simulation.ts";
import { checkOnError } from "./_checks.ts";
import { DEFAULT_NOFILE_HARD } from "./fd_table.ts";
import { O_ASYNC, O_NONBLOCK } from "./events.ts";
import { SysError } from "./errno.ts";
import type { File } from "./file.ts";
import type { Host } from "./host.ts";
import type { OnError, Process, ThreadBody } from "./process.ts";
import { PipeEnd } from "./pipe.ts";
import { ProcessExit } from "./process.ts";
import type {
  Address,
  Datagram,
  ShutdownHow,
  SocketFile,
  SocketOption,
  SocketType,
} from "./socket_api.ts";
import {
  FileAsync,
  type SigactionOptions,
  type SignalDisposition,
  type SignalName,
  signalName,
  SIGNALS,
  SIGRTMAX,
  toSigno,
} from "./signals.ts";
import { Thread, type ThreadRoutine } from "./thread.ts";

/** Bytes, or text sent as UTF-8. */
export type Data = Uint8Array | string;

/** An address as an object or as Python's `(host, port)` tuple. */
export type AddressLike = Address | readonly [string, number];

/** What `sys.accept` returns. */
export interface AcceptResult {
  /** The new connection's descriptor. */
  readonly fd: number;
  /** The peer's address. */
  readonly address: Address;
}

/** fcntl(2) commands. */
export type FcntlCommand =
  | "F_GETFL"
  | "F_SETFL"
  | "F_GETOWN"
  | "F_SETOWN"
  | "F_GETSIG"
  | "F_SETSIG";

const encoder = new TextEncoder();

/**
 * The most CPU time one `sys.compute` call may take: one hour. The work is
 * simulated one time slice at a time (an event per 3 ms slice by default),
 * so a longer call would take millions of events; loop for more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { s } from "@iosim/iosim/kernel";
 * assert.equal(MAX_COMPUTE_NS, s(3600));
 * ```
 */
export const MAX_COMPUTE_NS = 3_600_000_000_000;

const PAUSE = { describe: () => "pause", cancelWait: () => {} };

/**
 * Converts text to UTF-8 bytes; bytes pass through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(toBytes("hi"), new Uint8Array([104, 105]));
 * ```
 *
 * @param data Bytes or text.
 * @returns The bytes.
 * @throws {TypeError} If `data` is neither.
 */
export function toBytes(data: Data): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`Invalid data "${String(data)}": expected a Uint8Array or a string`);
}

/**
 * Checks and normalises an address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(toAddress(["localhost", 999]), { host: "localhost", port: 999 });
 * assert.throws(() => toAddress({ host: "a", port: 70000 }), RangeError);
 * ```
 *
 * @param address An address object or a `[host, port]` tuple.
 * @returns The address object.
 * @throws {TypeError} If it is malformed.
 * @throws {RangeError} If the port is not an integer from 0 to 65535.
 */
export function toAddress(address: AddressLike): Address {
  const [host, port] = Array.isArray(address)
    ? address
    : [(address as Address)?.host, (address as Address)?.port];
  // "" is allowed: Python's bind(("", port)) means any address.
  if (typeof host !== "string") {
    throw new TypeError(`Invalid address host "${String(host)}": expected a string`);
  }
  if (typeof port !== "number") {
    throw new TypeError(`Invalid address port "${String(port)}": expected a number`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid address port "${port}": it must be an integer from 0 to 65535`);
  }
  return { host, port };
}

function checkFdArg(call: string, fd: unknown): number {
  if (typeof fd !== "number") {
    throw new TypeError(`Invalid fd "${String(fd)}" for ${call}: expected a number`);
  }
  return fd;
}

function checkTime(what: string, ns: unknown): void {
  if (typeof ns !== "number") {
    throw new TypeError(`Invalid ${what} time "${String(ns)}": expected a number of nanoseconds`);
  }
}

function signalList(signals: unknown): number[] {
  if (typeof signals === "number" || typeof signals === "string") {
    return [toSigno(signals as number | SignalName)];
  }
  if (
    signals === null || typeof signals !== "object" ||
    typeof (signals as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Invalid signals "${String(signals)}": expected a signal or an iterable of signals`,
    );
  }
  return Array.from(signals as Iterable<number | SignalName>, toSigno);
}

function checkSize(call: string, size: unknown): number {
  if (typeof size !== "number" || Number.isNaN(size)) {
    throw new TypeError(`Invalid size "${String(size)}" for ${call}: expected a number`);
  }
  return size;
}

/**
 * The system calls of one simulated thread. Every call is a generator used
 * with `yield*`; it charges the thread's CPU as the cost model says, may
 * block the thread (giving up its core), and fails with a
 * {@linkcode SysError} carrying the errno Linux would set. Arguments of the
 * wrong JavaScript type throw `TypeError`.
 *
 * A `Sys` belongs to its thread: a call made from any other task fails
 * with a `StateError` naming both, before it charges anything.
 *
 * Readiness APIs (select, poll, epoll) and the Python-style layers live in
 * `lib/io` and take a `Sys`.
 *
 * @example A thread computes and prints
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim, { name: "box" }).spawn("app", function* (sys) {
 *   yield* sys.compute(us(40));
 *   sys.print("pid", sys.pid);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "pid 1000");
 * ```
 */
export class Sys {
  /** The calling thread. */
  readonly thread: Thread;
  readonly #sim: Simulation;

  /**
   * Makes the surface for a thread; processes make their own.
   *
   * @param thread The thread.
   */
  constructor(thread: Thread) {
    this.thread = thread;
    this.#sim = thread.process.host.sim;
  }

  /** The thread's process. */
  get process(): Process {
    return this.thread.process;
  }

  /** The host. */
  get host(): Host {
    return this.thread.process.host;
  }

  /** getpid(2). */
  get pid(): number {
    return this.thread.process.pid;
  }

  /** gettid(2). */
  get tid(): number {
    return this.thread.tid;
  }

  /** The virtual time (clock_gettime through the vDSO: free). */
  get now(): number {
    return this.thread.process.host.sim.now;
  }

  /**
   * Prints a line, captured with its virtual time (joined with spaces).
   *
   * @param values What to print.
   */
  print(...values: unknown[]): void {
    const p = this.thread.process;
    p.host.sim.printAs(`${p.name}[${p.pid}]`, values.map(format).join(" "));
  }

  /**
   * Computes for `ns` of CPU time.
   *
   * @param ns How long, in nanoseconds, at most {@linkcode MAX_COMPUTE_NS} (an hour).
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `ns` is not a number.
   * @throws {RangeError} If `ns` is negative, NaN or above `MAX_COMPUTE_NS`.
   * @throws {StateError} If called from another thread than this `Sys`'s.
   */
  *compute(ns: number): ThreadRoutine<void> {
    this.#own("compute");
    checkTime("compute", ns);
    if (!(ns >= 0) || !Number.isFinite(ns)) {
      throw new RangeError(`Invalid compute time "${String(ns)}": expected nanoseconds >= 0`);
    }
    if (ns > MAX_COMPUTE_NS) {
      throw new RangeError(
        `Invalid compute time "${ns}": at most ${MAX_COMPUTE_NS} ns (an hour) per call`,
      );
    }
    yield* this.thread.compute(ns);
  }

  /**
   * Sleeps without using a core (nanosleep(2)).
   *
   * @param ns How long, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `ns` is not a number.
   * @throws {RangeError} If `ns` is negative or not finite.
   */
  *sleep(ns: number): ThreadRoutine<void> {
    checkTime("sleep", ns);
    if (!(ns >= 0) || !Number.isFinite(ns)) {
      throw new RangeError(`Invalid sleep time "${String(ns)}": expected nanoseconds >= 0`);
    }
    this.#enter("nanosleep");
    yield* this.thread.sleep(ns);
  }

  /**
   * Starts a thread in this process (pthread_create(3)).
   *
   * @param name The thread's name.
   * @param body What it runs; it gets its own `sys`.
   * @returns The operation, for `yield*`; it gives the thread.
   * @throws {SysError} EAGAIN when the host's thread limit is reached.
   */
  *spawnThread(name: string, body: ThreadBody<unknown>): ThreadRoutine<Thread> {
    if (typeof body !== "function") {
      throw new TypeError(
        `Invalid thread body "${String(body)}" for "${
          String(name)
        }": expected a generator function`,
      );
    }
    this.#enter("clone");
    this.thread.charge("syscall", this.host.costs.threadCreateNs, "clone");
    if (!this.host._addThread()) {
      yield* this.thread.fail(
        "EAGAIN",
        "pthread_create",
        `the host runs ${this.host.options.maxThreads} threads, its limit`,
      );
    }
    yield* this.thread.flush();
    const t = this.process._startThread(String(name), body);
    // pthread_create: the new thread inherits the creator's signal mask.
    this.thread.sigmask.forEach((b, i) => t.sigmask[i] = b);
    return t;
  }

  /**
   * Waits for a thread of this process to finish (pthread_join(3)) and
   * returns what its body returned.
   *
   * @param thread The thread.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EINVAL if it is not a thread of this process, EDEADLK if it is this one.
   */
  *joinThread(thread: Thread, timeout?: number): ThreadRoutine<unknown> {
    this.#enter("futex");
    if (thread === this.thread) {
      yield* this.thread.fail("EDEADLK", "pthread_join", "a thread cannot join itself");
    }
    if (thread?.process !== this.process) {
      yield* this.thread.fail("EINVAL", "pthread_join", "not a thread of this process");
    }
    return yield* this.thread.waitEvent(thread.task as Event<unknown>, timeout);
  }

  /**
   * Ends the process with `status` (exit(3)). As on Linux, only the low 8
   * bits reach the parent: the status is taken modulo 256, so `exit(256)`
   * reports 0 and `exit(-1)` reports 255.
   *
   * @example The status modulo 256
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * const p = new Host(sim).spawn("app", function* (sys) {
   *   yield* sys.exit(-1);
   * });
   * sim.run();
   * assert.equal(p.exitCode, 255);
   * ```
   *
   * @param status The exit status (an integer; default 0).
   * @returns Never returns.
   * @throws {TypeError} If `status` is not an integer.
   * @throws {StateError} If called from another thread than this `Sys`'s.
   */
  *exit(status = 0): ThreadRoutine<never> {
    this.#own("exit");
    const exit = new ProcessExit(status); // checked before the call's time passes
    yield* this.thread.flush();
    throw exit;
  }

  /**
   * Closes a descriptor; the file is released when no descriptor refers to it.
   *
   * @param fd The descriptor.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF if `fd` is not open.
   */
  *close(fd: number): ThreadRoutine<void> {
    checkFdArg("close", fd);
    this.#enter("close");
    const file = this.process.fds.remove(fd);
    if (file === undefined) yield* this.thread.fail("EBADF", "close", `fd ${fd} is not open`);
    this.thread.charge("syscall", this.host.costs.closeNs, "close");
    yield* this.thread.flush();
    if (file!._refs === 0) file!._closeLast();
  }

  /**
   * fcntl(2): `F_GETFL`/`F_SETFL` read and set `O_NONBLOCK` and `O_ASYNC`;
   * `F_GETOWN`/`F_SETOWN` the pid that gets SIGIO; `F_GETSIG`/`F_SETSIG` the
   * signal sent instead of SIGIO (a real-time one queues and carries the fd).
   *
   * @param fd The descriptor.
   * @param cmd The command.
   * @param arg The flags, pid or signal, for the setters.
   * @returns The operation, for `yield*`; it gives the flags, pid or signal (0 for setters).
   * @throws {SysError} EBADF if `fd` is not open; ESRCH for an unknown owner; EINVAL for a bad command or signal.
   */
  *fcntl(fd: number, cmd: FcntlCommand, arg = 0): ThreadRoutine<number> {
    checkFdArg("fcntl", fd);
    const file = yield* this.#file("fcntl", fd);
    switch (cmd) {
      case "F_GETFL":
        yield* this.thread.flush();
        return file.flags;
      case "F_SETFL":
        if ((arg & O_ASYNC) !== 0) ((file._async ??= new FileAsync()) as FileAsync).fd = fd;
        file.flags = (file.flags & ~(O_NONBLOCK | O_ASYNC)) | (arg & (O_NONBLOCK | O_ASYNC));
        yield* this.thread.flush();
        return 0;
      case "F_GETOWN":
        yield* this.thread.flush();
        return (file._async as FileAsync | null)?.owner?.pid ?? 0;
      case "F_SETOWN": {
        const owner = arg === 0 ? null : this.host.processes.get(arg);
        if (owner === undefined || (owner !== null && !owner.alive)) {
          return yield* this.thread.fail(
            "ESRCH",
            "fcntl",
            `no process ${arg} on host "${this.host.name}"`,
          );
        }
        const a = (file._async ??= new FileAsync()) as FileAsync;
        a.owner = owner;
        if (a.fd < 0) a.fd = fd;
        yield* this.thread.flush();
        return 0;
      }
      case "F_GETSIG":
        yield* this.thread.flush();
        return (file._async as FileAsync | null)?.signo ?? 0;
      case "F_SETSIG": {
        if (arg !== 0 && !(Number.isInteger(arg) && arg >= 1 && arg <= SIGRTMAX)) {
          return yield* this.thread.fail("EINVAL", "fcntl", `"${arg}" is not a signal`);
        }
        const a = (file._async ??= new FileAsync()) as FileAsync;
        a.signo = arg;
        if (a.fd < 0) a.fd = fd;
        yield* this.thread.flush();
        return 0;
      }
      default:
        return yield* this.thread.fail("EINVAL", "fcntl", `unknown command "${String(cmd)}"`);
    }
  }

  // ---- pipes and processes -------------------------------------------

  /**
   * pipe(2): a new pipe.
   *
   * @returns The operation, for `yield*`; it gives the read end and the write end.
   * @throws {SysError} EMFILE when the descriptor table is full.
   */
  *pipe(): ThreadRoutine<[number, number]> {
    this.#enter("pipe2");
    const [r, w] = PipeEnd.pair();
    const rfd = yield* this._install("pipe2", r);
    try {
      return [rfd, yield* this._install("pipe2", w)];
    } catch (e) {
      this.process.fds.remove(rfd);
      r._closeLast();
      throw e;
    }
  }

  /**
   * read(2): bytes from a pipe or a socket (as recv).
   *
   * @param fd The descriptor.
   * @param size The most bytes to return.
   * @returns The operation, for `yield*`; it gives the bytes (empty at end of file).
   * @throws {SysError} EBADF, EAGAIN, EINVAL (a file that cannot be read).
   */
  *read(fd: number, size: number): ThreadRoutine<Uint8Array> {
    checkFdArg("read", fd);
    checkSize("read", size);
    const file = this.fileOf(fd);
    if (file?.kind === "socket") return yield* this.recv(fd, size);
    const f = yield* this.#file("read", fd);
    if (size < 0 || !Number.isInteger(size)) {
      return yield* this.thread.fail(
        "EINVAL",
        "read",
        `size "${size}" is not a non-negative integer`,
      );
    }
    if (!(f instanceof PipeEnd)) {
      return yield* this.thread.fail("EINVAL", "read", `fd ${fd} is a ${f.kind}`);
    }
    return yield* f.read(this.thread, fd, size, false);
  }

  /**
   * write(2): bytes to a pipe or a socket (as send).
   *
   * @param fd The descriptor.
   * @param data Bytes or text.
   * @returns The operation, for `yield*`; it gives the bytes written.
   * @throws {SysError} EBADF, EAGAIN, EPIPE, EINVAL (a file that cannot be written).
   */
  *write(fd: number, data: Data): ThreadRoutine<number> {
    checkFdArg("write", fd);
    const bytes = toBytes(data);
    const file = this.fileOf(fd);
    if (file?.kind === "socket") return yield* this.send(fd, bytes);
    const f = yield* this.#file("write", fd);
    if (!(f instanceof PipeEnd)) {
      return yield* this.thread.fail("EINVAL", "write", `fd ${fd} is a ${f.kind}`);
    }
    return yield* f.write(this.thread, fd, bytes, false);
  }

  /**
   * fork(2), then run `body` in the child (what Python's multiprocessing
   * does with the fork start method): the child gets a copy of the
   * descriptor table (sharing the open files), the signal actions and the
   * limits. The parent pays the fork cost.
   *
   * @param name The child's name.
   * @param body What the child's main thread runs.
   * @param options `daemon`, `onError` for the child.
   * @returns The operation, for `yield*`; it gives the child's pid.
   * @throws {SysError} EAGAIN at the host's thread limit.
   * @throws {RangeError} If `onError` is neither `"raise"` nor `"exit"`.
   */
  *fork(
    name: string,
    body: ThreadBody,
    options: { readonly daemon?: boolean; readonly onError?: OnError } = {},
  ): ThreadRoutine<number> {
    if (typeof body !== "function") {
      throw new TypeError(
        `Invalid body for process "${String(name)}": expected a generator function`,
      );
    }
    if (options.onError !== undefined) checkOnError(options.onError);
    this.#enter("clone");
    this.thread.charge("syscall", this.host.costs.forkNs, "fork");
    if (this.host.threadCount >= this.host.options.maxThreads) {
      return yield* this.thread.fail(
        "EAGAIN",
        "fork",
        `the host runs ${this.host.options.maxThreads} threads, its limit`,
      );
    }
    yield* this.thread.flush();
    const child = this.host._spawn(String(name), body, {
      privileged: this.process.privileged,
      ...(options.daemon === undefined ? {} : { daemon: options.daemon }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    }, this.process);
    this.thread.sigmask.forEach((b, i) => child.mainThread.sigmask[i] = b);
    return child.pid;
  }

  /**
   * waitpid(2): waits for a child to end and reaps it.
   *
   * @param pid The child, or -1 for any.
   * @param options `nohang`: return `null` at once if none has ended.
   * @returns The operation, for `yield*`; it gives the pid and exit status, or `null`.
   * @throws {SysError} ECHILD if there is no such child.
   */
  *waitpid(
    pid = -1,
    options: { readonly nohang?: boolean } = {},
  ): ThreadRoutine<{ pid: number; status: number } | null> {
    this.#enter("wait4");
    const kids = this.process.children;
    for (;;) {
      const candidates = pid === -1 ? kids : kids.filter((c) => c.pid === pid);
      if (candidates.length === 0) {
        return yield* this.thread.fail(
          "ECHILD",
          "waitpid",
          pid === -1 ? "no children" : `${pid} is not a child`,
        );
      }
      const done = candidates.find((c) => c.exitCode !== null);
      if (done !== undefined) {
        kids.splice(kids.indexOf(done), 1);
        yield* this.thread.flush();
        return { pid: done.pid, status: done.exitCode! };
      }
      if (options.nohang === true) {
        yield* this.thread.flush();
        return null;
      }
      yield* this.thread.waitEvent(this.host.sim.anyOf(candidates.map((c) => c.exited)));
    }
  }

  // ---- signals --------------------------------------------------------

  /**
   * sigaction(2): sets what a signal does — `"default"`, `"ignore"`, or a
   * handler run on the thread the signal interrupts — and returns the
   * previous disposition.
   *
   * @param sig The signal (number or name).
   * @param action The new disposition.
   * @param options `restart` (SA_RESTART).
   * @returns The operation, for `yield*`; it gives the previous disposition.
   * @throws {RangeError} For an unknown signal.
   * @throws {SysError} EINVAL for SIGKILL and SIGSTOP, which cannot be caught or ignored.
   */
  *sigaction(
    sig: number | SignalName,
    action: SignalDisposition,
    options: SigactionOptions = {},
  ): ThreadRoutine<SignalDisposition> {
    const signo = toSigno(sig);
    if (action !== "default" && action !== "ignore" && typeof action !== "function") {
      throw new TypeError(
        `Invalid signal action "${
          String(action)
        }": expected "default", "ignore" or a generator function`,
      );
    }
    this.#enter("rt_sigaction");
    if (signo === SIGNALS.SIGKILL || signo === SIGNALS.SIGSTOP) {
      return yield* this.thread.fail(
        "EINVAL",
        "sigaction",
        `${signalName(signo)} cannot be caught or ignored`,
      );
    }
    const st = this.process.signals;
    const old = st.disposition(signo);
    st.actions[signo] = action;
    st.restart[signo] = options.restart === true;
    // Ignoring a signal discards what is pending of it (POSIX).
    if (action === "ignore") {
      st.pending[signo] = false;
      for (let i = st.queue.length - 1; i >= 0; i--) {
        if (st.queue[i]!.signo === signo) st.queue.splice(i, 1);
      }
    }
    yield* this.thread.flush();
    return old;
  }

  /**
   * sigprocmask(2) for the calling thread: blocks, unblocks or sets the
   * signals it blocks; pending signals it unblocks are delivered before the
   * call returns. The signals may be any iterable (as Python's
   * `pthread_sigmask` takes) or a single signal.
   *
   * @example Blocking one signal
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host, SIGNALS } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * const p = new Host(sim).spawn("app", function* (sys) {
   *   yield* sys.sigprocmask("SIG_BLOCK", "SIGINT");
   * });
   * sim.run();
   * assert.equal(p.mainThread.sigmask[SIGNALS.SIGINT], true);
   * ```
   *
   * @param how `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`.
   * @param signals The signals (numbers or names), or one signal.
   * @returns The operation, for `yield*`; it gives the signals blocked before.
   * @throws {RangeError} For an unknown signal.
   * @throws {TypeError} If `signals` is neither a signal nor an iterable of them.
   */
  *sigprocmask(
    how: "SIG_BLOCK" | "SIG_UNBLOCK" | "SIG_SETMASK",
    signals: number | SignalName | Iterable<number | SignalName>,
  ): ThreadRoutine<number[]> {
    const signos = signalList(signals);
    this.#enter("rt_sigprocmask");
    const mask = this.thread.sigmask;
    const old: number[] = [];
    mask.forEach((b, i) => b && old.push(i));
    if (how === "SIG_SETMASK") mask.length = 0;
    else if (how !== "SIG_BLOCK" && how !== "SIG_UNBLOCK") {
      return yield* this.thread.fail(
        "EINVAL",
        "sigprocmask",
        `how "${String(how)}" is not SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK`,
      );
    }
    for (const s of signos) {
      // SIGKILL and SIGSTOP cannot be blocked.
      if (s === SIGNALS.SIGKILL || s === SIGNALS.SIGSTOP) continue;
      mask[s] = how !== "SIG_UNBLOCK";
    }
    // recalc_sigpending: a signal this thread now lets through is its to handle.
    if (this.process.signals.deliverable(mask)) this.thread._poked = true;
    yield* this.thread.flush();
    return old;
  }

  /**
   * kill(2): sends a signal to a process of this host. A process that
   * sends itself a signal whose action is to end it (SIGKILL, or the
   * default action of SIGTERM and most others) dies before the call
   * returns: nothing after it runs, in this thread or any other of the
   * process.
   *
   * @example A process that kills itself runs nothing after the call
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * const p = new Host(sim).spawn("suicide", function* (sys) {
   *   yield* sys.kill(sys.pid, "SIGTERM");
   *   sys.print("unreachable");
   * });
   * sim.run();
   * assert.equal(p.exitCode, -15);
   * assert.equal(sim.output.length, 0);
   * ```
   *
   * @param pid The process.
   * @param sig The signal (number or name).
   * @returns The operation, for `yield*`.
   * @throws {SysError} ESRCH if no such process runs here.
   * @throws {RangeError} For an unknown signal.
   */
  *kill(pid: number, sig: number | SignalName): ThreadRoutine<void> {
    const signo = toSigno(sig);
    this.#enter("kill");
    const target = this.host.processes.get(pid);
    if (target === undefined || !target.alive) {
      return yield* this.thread.fail(
        "ESRCH",
        "kill",
        `no process ${pid} on host "${this.host.name}"`,
      );
    }
    target._signal(signo, { signo, pid: this.pid });
    yield* this.thread.flush();
  }

  /**
   * pause(2): waits until a signal handler runs; always fails with EINTR.
   *
   * @returns The operation, for `yield*`.
   * @throws {SysError} EINTR, after a handler ran.
   */
  *pause(): ThreadRoutine<never> {
    this.#enter("pause");
    for (;;) yield* this.thread.block(PAUSE, "blocked", undefined, "pause", "eintr");
  }

  /**
   * Sets or clears `O_NONBLOCK` in one call, as Python's `setblocking` does
   * (ioctl FIONBIO).
   *
   * @param fd The descriptor.
   * @param blocking Whether calls on it may block.
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF if `fd` is not open.
   */
  *setBlocking(fd: number, blocking: boolean): ThreadRoutine<void> {
    checkFdArg("ioctl", fd);
    const file = yield* this.#file("ioctl", fd);
    file.flags = blocking ? file.flags & ~O_NONBLOCK : file.flags | O_NONBLOCK;
    yield* this.thread.flush();
  }

  /**
   * Sets RLIMIT_NOFILE (setrlimit(2)).
   *
   * @param soft The new soft limit.
   * @param hard The new hard limit (default: unchanged).
   * @returns The operation, for `yield*`.
   * @throws {SysError} EINVAL if soft exceeds hard; EPERM if an unprivileged process raises the hard limit.
   */
  *setrlimitNofile(soft: number, hard?: number): ThreadRoutine<void> {
    this.#enter("setrlimit");
    const fds = this.process.fds;
    const newHard = hard ?? fds.hardLimit;
    if (
      !Number.isSafeInteger(soft) || !Number.isSafeInteger(newHard) || soft < 0 || soft > newHard
    ) {
      yield* this.thread.fail(
        "EINVAL",
        "setrlimit",
        `RLIMIT_NOFILE ${soft}/${newHard} is not soft <= hard`,
      );
    }
    if (newHard > fds.hardLimit && !this.process.privileged) {
      yield* this.thread.fail(
        "EPERM",
        "setrlimit",
        `only root may raise the hard limit above ${fds.hardLimit}`,
      );
    }
    if (newHard > DEFAULT_NOFILE_HARD * 8) {
      yield* this.thread.fail("EPERM", "setrlimit", "above fs.nr_open");
    }
    fds.limit = soft;
    fds.hardLimit = newHard;
    yield* this.thread.flush();
  }

  // ---- sockets --------------------------------------------------------

  /**
   * socket(2): a new, unbound socket.
   *
   * @param type `"stream"` (TCP-like, the default) or `"dgram"` (UDP-like).
   * @returns The operation, for `yield*`; it gives the descriptor.
   * @throws {SysError} EMFILE when the descriptor table is full; EAFNOSUPPORT with no network.
   */
  *socket(type: SocketType = "stream"): ThreadRoutine<number> {
    if (type !== "stream" && type !== "dgram") {
      throw new TypeError(`Invalid socket type "${String(type)}": expected "stream" or "dgram"`);
    }
    this.#enter("socket");
    const stack = this.host.stack;
    if (stack === null) {
      yield* this.thread.fail(
        "EAFNOSUPPORT",
        "socket",
        `host "${this.host.name}" is on no network`,
      );
    }
    this.thread.charge("syscall", this.host.costs.socketNs, "socket");
    return yield* this._install("socket", stack!.socket(type));
  }

  /**
   * socketpair(2): two connected sockets.
   *
   * @param type `"stream"` (default) or `"dgram"`.
   * @returns The operation, for `yield*`; it gives the two descriptors.
   * @throws {SysError} EMFILE when the descriptor table is full.
   */
  *socketpair(type: SocketType = "stream"): ThreadRoutine<[number, number]> {
    if (type !== "stream" && type !== "dgram") {
      throw new TypeError(`Invalid socket type "${String(type)}": expected "stream" or "dgram"`);
    }
    this.#enter("socketpair");
    const stack = this.host.stack;
    if (stack === null) {
      yield* this.thread.fail(
        "EAFNOSUPPORT",
        "socketpair",
        `host "${this.host.name}" is on no network`,
      );
    }
    this.thread.charge("syscall", 2 * this.host.costs.socketNs, "socketpair");
    const [a, b] = stack!.socketpair(type);
    const fa = yield* this._install("socketpair", a);
    try {
      return [fa, yield* this._install("socketpair", b)];
    } catch (e) {
      this.process.fds.remove(fa);
      a._closeLast();
      throw e;
    }
  }

  /**
   * bind(2).
   *
   * @param fd The socket.
   * @param address Where to bind (`{ host, port }` or `[host, port]`).
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF, ENOTSOCK, EINVAL (already bound), EADDRINUSE, EACCES
   *   (port below 1024 and not privileged), EADDRNOTAVAIL (not this host's address).
   */
  *bind(fd: number, address: AddressLike): ThreadRoutine<void> {
    const addr = toAddress(address);
    const s = yield* this.#socket("bind", fd);
    try {
      yield* s.bind(this.thread, addr);
    } catch (e) {
      // The address checks throw at once; the call's time still passes.
      if (e instanceof SysError) yield* this.thread.flush();
      throw e;
    }
    yield* this.thread.flush();
  }

  /**
   * listen(2).
   *
   * @param fd The socket.
   * @param backlog The accept queue's length (capped at somaxconn; default 128).
   * @returns The operation, for `yield*`.
   * @throws {SysError} EBADF, ENOTSOCK, EOPNOTSUPP (datagram), EINVAL (connected).
   */
  *listen(fd: number, backlog = 128): ThreadRoutine<void> {
    if (typeof backlog !== "number" || Number.isNaN(backlog)) {
      throw new TypeError(`Invalid backlog "${String(backlog)}": expected a number`);
    }
    const s = yield* this.#socket("listen", fd);
    yield* s.listen(this.thread, backlog);
    yield* this.thread.flush();
  }

  /**
   * accept(2): the next connection, blocking until one comes (unless non-blocking).
   *
   * @param fd The listening socket.
   * @returns The operation, for `yield*`; it gives the new descriptor and the peer.
   * @throws {SysError} EAGAIN (non-blocking, none pending), EINVAL (not listening), EMFILE.
   */
  *accept(fd: number): ThreadRoutine<AcceptResult> {
    const s = yield* this.#socket("accept", fd);
    // Linux reserves the descriptor first (get_unused_fd_flags): at the limit the
    // connection stays queued and the listener stays readable.
    if (this.process.fds.nextFree() < 0) {
      yield* this.thread.fail(
        "EMFILE",
        "accept",
        `the process has ${this.process.fds.size} descriptors open, RLIMIT_NOFILE is ${this.process.fds.limit}`,
      );
    }
    const { socket, address } = yield* s.accept(this.thread, fd);
    const nfd = yield* this._install("accept", socket);
    return { fd: nfd, address };
  }

  /**
   * connect(2): blocks until connected (a non-blocking socket fails with
   * EINPROGRESS and becomes writable when done).
   *
   * @param fd The socket.
   * @param address The peer.
   * @returns The operation, for `yield*`.
   * @throws {SysError} ECONNREFUSED, ETIMEDOUT, EISCONN, EALREADY, EINPROGRESS, ENETUNREACH.
   */
  *connect(fd: number, address: AddressLike): ThreadRoutine<void> {
    const addr = toAddress(address);
    const s = yield* this.#socket("connect", fd);
    yield* s.connect(this.thread, fd, addr);
  }

  /**
   * send(2): queues bytes in the send buffer, blocking while it is full
   * (unless non-blocking, when it returns the bytes accepted, or fails with
   * EAGAIN if none were).
   *
   * @param fd The socket.
   * @param data Bytes, or text sent as UTF-8.
   * @param flags `MSG_DONTWAIT`.
   * @returns The operation, for `yield*`; it gives the bytes accepted.
   * @throws {SysError} EAGAIN, EPIPE, ECONNRESET, ENOTCONN, EDESTADDRREQ.
   */
  *send(fd: number, data: Data, flags = 0): ThreadRoutine<number> {
    const bytes = toBytes(data);
    const s = yield* this.#socket("send", fd);
    return yield* s.send(this.thread, fd, bytes, flags);
  }

  /**
   * Sends all of `data`, calling send(2) until it is accepted (Python's `sendall`).
   *
   * @param fd The socket.
   * @param data Bytes or text.
   * @returns The operation, for `yield*`.
   * @throws {SysError} As `send`; on a non-blocking socket EAGAIN may come after a partial send.
   */
  *sendall(fd: number, data: Data): ThreadRoutine<void> {
    let bytes = toBytes(data);
    while (bytes.length > 0) {
      const n = yield* this.send(fd, bytes);
      bytes = bytes.subarray(n);
    }
  }

  /**
   * recv(2): up to `size` bytes, blocking until some arrive (unless
   * non-blocking); an empty result means the peer closed (EOF).
   *
   * @param fd The socket.
   * @param size The most bytes to return.
   * @param flags `MSG_DONTWAIT`, `MSG_PEEK`, `MSG_WAITALL`.
   * @returns The operation, for `yield*`; it gives the bytes.
   * @throws {SysError} EAGAIN, ECONNRESET, ENOTCONN, EINVAL (negative size).
   */
  *recv(fd: number, size: number, flags = 0): ThreadRoutine<Uint8Array> {
    checkSize("recv", size);
    const s = yield* this.#socket("recv", fd);
    if (size < 0 || !Number.isInteger(size)) {
      yield* this.thread.fail("EINVAL", "recv", `size "${size}" is not a non-negative integer`);
    }
    return yield* s.recv(this.thread, fd, size, flags);
  }

  /**
   * recv(2) into `buffer`; returns how many bytes were written to it.
   *
   * @param fd The socket.
   * @param buffer Where to put the bytes.
   * @param flags As for `recv`.
   * @returns The operation, for `yield*`; it gives the byte count (0 at EOF).
   * @throws {SysError} EFAULT when `buffer` is not a Uint8Array; as `recv` otherwise.
   */
  *recvInto(fd: number, buffer: Uint8Array, flags = 0): ThreadRoutine<number> {
    if (!(buffer instanceof Uint8Array)) {
      this.#enter("recv");
      yield* this.thread.fail("EFAULT", "recv", "the buffer is not a Uint8Array");
    }
    const data = yield* this.recv(fd, buffer.length, flags);
    buffer.set(data);
    return data.length;
  }

  /**
   * sendto(2) for datagram sockets.
   *
   * @param fd The socket.
   * @param data The payload.
   * @param address The destination.
   * @returns The operation, for `yield*`; it gives the bytes sent.
   * @throws {SysError} EMSGSIZE, EAGAIN, EISCONN (stream sockets).
   */
  *sendto(fd: number, data: Data, address: AddressLike): ThreadRoutine<number> {
    const bytes = toBytes(data);
    const addr = toAddress(address);
    const s = yield* this.#socket("sendto", fd);
    return yield* s.sendto(this.thread, fd, bytes, addr);
  }

  /**
   * recvfrom(2) for datagram sockets.
   *
   * @param fd The socket.
   * @param size The most bytes to return (the rest of the datagram is dropped).
   * @param flags `MSG_DONTWAIT`, `MSG_PEEK`.
   * @returns The operation, for `yield*`; it gives the payload and sender.
   * @throws {SysError} EAGAIN, EINVAL.
   */
  *recvfrom(fd: number, size: number, flags = 0): ThreadRoutine<Datagram> {
    checkSize("recvfrom", size);
    const s = yield* this.#socket("recvfrom", fd);
    if (size < 0 || !Number.isInteger(size)) {
      yield* this.thread.fail("EINVAL", "recvfrom", `size "${size}" is not a non-negative integer`);
    }
    return yield* s.recvfrom(this.thread, fd, size, flags);
  }

  /**
   * shutdown(2).
   *
   * @param fd The socket.
   * @param how Which halves to shut.
   * @returns The operation, for `yield*`.
   * @throws {SysError} ENOTCONN, EINVAL.
   */
  *shutdown(fd: number, how: ShutdownHow = "SHUT_RDWR"): ThreadRoutine<void> {
    const s = yield* this.#socket("shutdown", fd);
    if (how !== "SHUT_RD" && how !== "SHUT_WR" && how !== "SHUT_RDWR") {
      yield* this.thread.fail(
        "EINVAL",
        "shutdown",
        `how "${String(how)}" is not SHUT_RD, SHUT_WR or SHUT_RDWR`,
      );
    }
    yield* s.shutdown(this.thread, how);
    yield* this.thread.flush();
  }

  /**
   * setsockopt(2).
   *
   * @param fd The socket.
   * @param option The option.
   * @param value Its value.
   * @returns The operation, for `yield*`.
   * @throws {SysError} ENOPROTOOPT-like EINVAL for unknown options or bad values.
   */
  *setsockopt(fd: number, option: SocketOption, value: number): ThreadRoutine<void> {
    const s = yield* this.#socket("setsockopt", fd);
    try {
      s.setOption(option, value);
    } catch (e) {
      if (e instanceof SysError) yield* this.thread.fail(e.errno, "setsockopt", e.message);
      throw e;
    }
    yield* this.thread.flush();
  }

  /**
   * getsockopt(2).
   *
   * @param fd The socket.
   * @param option The option.
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {SysError} EINVAL for unknown options.
   */
  *getsockopt(fd: number, option: SocketOption): ThreadRoutine<number> {
    const s = yield* this.#socket("getsockopt", fd);
    let v = 0;
    try {
      v = s.getOption(option);
    } catch (e) {
      if (e instanceof SysError) yield* this.thread.fail(e.errno, "getsockopt", e.message);
      throw e;
    }
    yield* this.thread.flush();
    return v;
  }

  /**
   * getsockname(2).
   *
   * @param fd The socket.
   * @returns The operation, for `yield*`; it gives the local address (port 0 if unbound).
   * @throws {SysError} EBADF, ENOTSOCK.
   */
  *getsockname(fd: number): ThreadRoutine<Address> {
    const s = yield* this.#socket("getsockname", fd);
    yield* this.thread.flush();
    return s.localAddress ?? { host: "0.0.0.0", port: 0 };
  }

  /**
   * getpeername(2).
   *
   * @param fd The socket.
   * @returns The operation, for `yield*`; it gives the peer's address.
   * @throws {SysError} ENOTCONN when not connected.
   */
  *getpeername(fd: number): ThreadRoutine<Address> {
    const s = yield* this.#socket("getpeername", fd);
    if (s.remoteAddress === null) {
      yield* this.thread.fail("ENOTCONN", "getpeername", `fd ${fd} is not connected`);
    }
    yield* this.thread.flush();
    return s.remoteAddress!;
  }

  // ---- for the layers above ------------------------------------------

  /**
   * The file behind `fd`, without a system call (for the layers above).
   *
   * @param fd The descriptor.
   * @returns The file, or `undefined`.
   */
  fileOf(fd: number): File | undefined {
    return this.thread.process.fds.get(fd);
  }

  /**
   * Enters a system call: counts it and charges the entry cost.
   *
   * @param call The call's name.
   * @throws {StateError} If called from another thread than this `Sys`'s.
   */
  enter(call: string): void {
    this.#enter(call);
  }

  /**
   * Opens the lowest free descriptor on `file`, flushing the call's CPU
   * time; fails with EMFILE (releasing `file`) when the table is full.
   *
   * @param call The system call, for the error.
   * @param file The file.
   * @returns The operation, for `yield*`; it gives the descriptor.
   */
  *_install(call: string, file: File): ThreadRoutine<number> {
    const inj = this.host.faults;
    if (inj !== null && inj.roll("emfile", call, this.thread.task.id)) {
      file._closeLast();
      return yield* this.thread.fail("EMFILE", call, "an injected fault");
    }
    const fd = this.process.fds.install(file);
    if (fd < 0) {
      file._closeLast();
      yield* this.thread.fail(
        "EMFILE",
        call,
        `the process has ${this.process.fds.size} descriptors open, RLIMIT_NOFILE is ${this.process.fds.limit}`,
      );
    }
    yield* this.thread.flush();
    return fd;
  }

  #enter(call: string): void {
    this.#own(call);
    const t = this.thread;
    t.usage.syscalls++;
    t.charge("syscall", t.costs.syscallNs, call);
  }

  /** A thread's calls charge its core and usage: only it may make them. */
  #own(call: string): void {
    const current = this.#sim.current;
    if (current === this.thread.task) return;
    const by = current === null
      ? "outside any task"
      : current.owner instanceof Thread
      ? `another thread, "${current.name}"`
      : `task "${current.name}", not a thread`;
    throw new StateError(
      `Cannot call ${call} on the sys of thread "${this.thread.task.name}" from ${by}: each thread must use the sys it was given`,
    );
  }

  *#file(call: string, fd: number): ThreadRoutine<File> {
    this.#enter(call);
    const file = Number.isInteger(fd) ? this.process.fds.get(fd) : undefined;
    if (file === undefined) yield* this.thread.fail("EBADF", call, `fd ${fd} is not open`);
    return file!;
  }

  *#socket(call: string, fd: number): ThreadRoutine<SocketFile> {
    checkFdArg(call, fd);
    const file = yield* this.#file(call, fd);
    if (file.kind !== "socket") {
      yield* this.thread.fail("ENOTSOCK", call, `fd ${fd} is a ${file.kind}, not a socket`);
    }
    return file as SocketFile;
  }
}

const decoder = new TextDecoder();

function format(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return pyBytes(v);
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/**
 * Formats bytes as Python prints them: `b'hello'`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pyBytes(new TextEncoder().encode("hi\n")), "b'hi\\n'");
 * ```
 *
 * @param bytes The bytes.
 * @returns Python's `repr` of them.
 */
export function pyBytes(bytes: Uint8Array): string {
  let out = "b'";
  for (const b of bytes) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x27) out += "\\'";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out + "'";
}

/**
 * Decodes UTF-8 bytes to text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(fromBytes(new Uint8Array([104, 105])), "hi");
 * ```
 *
 * @param bytes The bytes.
 * @returns The text.
 */
export function fromBytes(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
