/**
 * POSIX asynchronous I/O (aio(7)): `aio_read` and `aio_write` hand a request
 * to the kernel and return at once; the kernel waits for the file to be
 * ready (phase 1) and copies the data (phase 2) while the process goes on
 * computing, then tells it — by nothing, a signal, or a new thread — that
 * the I/O has *finished*.
 *
 * What the kernel does here: each request tries the operation at once and
 * otherwise waits on the file's wait queue, as an io_uring request does; the
 * protocol work and the copy are timed with the host's cost model
 * (`recvNs`/`sendNs`, `copyBytesPerNs`) and charged to the host's
 * {@linkcode KernelUsage}, never to a thread of the process, whose `copyNs`
 * stays 0. (glibc implements POSIX aio with helper threads in the process;
 * this is the model of Stevens' figure 6.5, a kernel that does the work.)
 * A read completes with what is there (at least one byte, or end of file);
 * a write completes when all its bytes are in the file, as a blocking write
 * does. Submitting costs the thread one system call plus `submitNs`;
 * `aio_error` and `aio_return` read the control block in user space (no
 * system call), as glibc's do.
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { type Errno, SysError } from "../os/errno.ts";
import type { Process } from "../os/process.ts";
import { type SignalInfo, type SignalName, toSigno } from "../os/signals.ts";
import { type Data, type Sys, toBytes } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { checkTimeout } from "./_args.ts";
import { checkFile, KernelLane, KernelOp, type KernelOutcome } from "./_kernel_op.ts";
import { hostAsyncCosts } from "./kernel_work.ts";

/** A notification thread's body (SIGEV_THREAD): it gets its own `sys` and the control block. */
export type AioCallback = (sys: Sys, cb: Aiocb) => ThreadRoutine<void>;

/** How the process is told a request finished (struct sigevent). */
export type SigEvent =
  | { readonly notify: "SIGEV_NONE" }
  | { readonly notify: "SIGEV_SIGNAL"; readonly signo: number | SignalName }
  | { readonly notify: "SIGEV_THREAD"; readonly fn: AioCallback; readonly name?: string };

/** What a completion signal carries: the descriptor and the control block (si_value). */
export interface AioSignalInfo extends SignalInfo {
  /** The request that finished. */
  readonly aiocb: Aiocb;
}

/** An aio_read request. */
export interface AioReadRequest {
  /** The descriptor (a socket or a pipe's read end). */
  readonly fd: number;
  /** The most bytes to read. */
  readonly nbytes: number;
  /** The notification (default `SIGEV_NONE`). */
  readonly sigevent?: SigEvent;
}

/** An aio_write request. */
export interface AioWriteRequest {
  /** The descriptor (a socket or a pipe's write end). */
  readonly fd: number;
  /** The bytes (or text, as UTF-8). */
  readonly data: Data;
  /** The notification (default `SIGEV_NONE`). */
  readonly sigevent?: SigEvent;
}

/** What aio_cancel(3) returns. */
export type AioCancelResult = "AIO_CANCELED" | "AIO_NOTCANCELED" | "AIO_ALLDONE";

/** A thread in aio_suspend, registered on each control block it waits for. */
class SuspendWaiter implements Blocker {
  armed = true;
  constructor(readonly thread: Thread, readonly cbs: readonly Aiocb[]) {
    for (const cb of cbs) cb._waiters.push(this);
  }
  fire(): void {
    if (!this.armed) return;
    this.cancelWait();
    this.thread.process.host.sim.wake(this.thread.task, 1);
  }
  describe(): string {
    return `aio_suspend on ${this.cbs.length} request(s)`;
  }
  cancelWait(): void {
    this.armed = false;
    for (const cb of this.cbs) {
      const i = cb._waiters.indexOf(this);
      if (i >= 0) cb._waiters.splice(i, 1);
    }
  }
}

/** A process's outstanding requests and its kernel lane in the trace. */
interface AioState {
  readonly lane: KernelLane;
  readonly active: Set<Aiocb>;
}
const states = new WeakMap<Process, AioState>();
function stateOf(p: Process): AioState {
  let s = states.get(p);
  if (s === undefined) {
    states.set(p, s = { lane: new KernelLane(p, "kernel: aio"), active: new Set() });
  }
  return s;
}

const NONE: SigEvent = Object.freeze({ notify: "SIGEV_NONE" });

/**
 * An asynchronous I/O control block (struct aiocb): made by
 * {@linkcode aioRead} or {@linkcode aioWrite}; pass it to
 * {@linkcode aioError}, {@linkcode aioReturn}, {@linkcode aioSuspend} and
 * {@linkcode aioCancel}.
 *
 * @typeParam T What the request gives: bytes for a read, a count for a write.
 *
 * @example A read that finishes while the process computes
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const cb = yield* aioRead(sys, { fd: y, nbytes: 16 });
 *   yield* sys.send(x, "hi");
 *   yield* sys.compute(us(10));
 *   sys.print(cb.state, cb.opcode, cb.completedAt > 0);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "done LIO_READ true");
 * ```
 */
export class Aiocb<T = Uint8Array | number> {
  /** The descriptor. */
  readonly fd: number;
  /** What the request does. */
  readonly opcode: "LIO_READ" | "LIO_WRITE";
  /** The bytes asked for (read) or given (write). */
  readonly nbytes: number;
  /** The notification. */
  readonly sigevent: SigEvent;
  /** The process that submitted it. */
  readonly process: Process;
  /** When it was submitted, in virtual ns. */
  readonly submittedAt: number;
  /** @ignore Threads in aio_suspend waiting for it. */
  readonly _waiters: SuspendWaiter[] = [];
  /** @ignore The kernel's request, while there is one. */
  _op: KernelOp | null = null;
  #error: Errno | 0 = "EINPROGRESS";
  #result: T | undefined = undefined;
  #returned = false;
  #completedAt = -1;

  /**
   * Makes a control block; {@linkcode aioRead} and {@linkcode aioWrite} do.
   *
   * @param process The submitting process.
   * @param fd The descriptor.
   * @param opcode Read or write.
   * @param nbytes The size.
   * @param sigevent The notification.
   * @param now The submission time.
   */
  constructor(
    process: Process,
    fd: number,
    opcode: "LIO_READ" | "LIO_WRITE",
    nbytes: number,
    sigevent: SigEvent,
    now: number,
  ) {
    this.process = process;
    this.fd = fd;
    this.opcode = opcode;
    this.nbytes = nbytes;
    this.sigevent = sigevent;
    this.submittedAt = now;
  }

  /** `"in progress"`, `"done"` (successful or not), or `"returned"` once aio_return took the result. */
  get state(): "in progress" | "done" | "returned" {
    return this.#error === "EINPROGRESS" ? "in progress" : this.#returned ? "returned" : "done";
  }

  /** When it finished (or was cancelled), or -1. */
  get completedAt(): number {
    return this.#completedAt;
  }

  /** @ignore aio_error's view. */
  get _error(): Errno | 0 {
    return this.#error;
  }

  /** @ignore aio_return: the result, once. */
  _return(): T {
    if (this.#error === "EINPROGRESS") {
      throw new SysError(
        "EINVAL",
        "aio_return",
        `the request on fd ${this.fd} is still in progress`,
      );
    }
    if (this.#returned) {
      throw new SysError(
        "EINVAL",
        "aio_return",
        `the result on fd ${this.fd} was already returned`,
      );
    }
    this.#returned = true;
    if (this.#error !== 0) {
      throw new SysError(this.#error, "aio_return", `the request on fd ${this.fd} failed`);
    }
    return this.#result as T;
  }

  /** @ignore The kernel finished the request: record, wake aio_suspend, notify. */
  _complete(out: KernelOutcome): void {
    if (this.#error !== "EINPROGRESS") return;
    const p = this.process;
    this.#error = out.error === null ? 0 : out.error === "ETIME" ? "ETIMEDOUT" : out.error;
    this.#result = (this.opcode === "LIO_READ" ? out.data ?? new Uint8Array(0) : out.res) as T;
    this.#completedAt = p.host.sim.now;
    this._op = null;
    stateOf(p).active.delete(this as Aiocb);
    for (const w of this._waiters.slice()) w.fire();
    if (!p.alive) return;
    const ev = this.sigevent;
    if (ev.notify === "SIGEV_SIGNAL") {
      const signo = toSigno(ev.signo);
      const info: AioSignalInfo = { signo, fd: this.fd, aiocb: this as Aiocb };
      p._signal(signo, info);
    } else if (ev.notify === "SIGEV_THREAD" && p.host._addThread()) {
      // As glibc: a new thread per notification (if the host's thread limit allows one).
      const fn = ev.fn, cb = this as Aiocb;
      p._startThread(ev.name ?? "aio-notify", (sys) => fn(sys, cb), p.host.costs.threadCreateNs);
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Aiocb { ${this.opcode} fd ${this.fd}, ${this.nbytes} bytes, ${this.state} }`;
  }
}

function checkSigevent(ev: SigEvent | undefined): SigEvent {
  if (ev === undefined) return NONE;
  if (ev === null || typeof ev !== "object") {
    throw new TypeError(`Invalid sigevent "${String(ev)}": expected an object with "notify"`);
  }
  switch (ev.notify) {
    case "SIGEV_NONE":
      return ev;
    case "SIGEV_SIGNAL":
      toSigno(ev.signo);
      return ev;
    case "SIGEV_THREAD":
      if (typeof ev.fn !== "function") {
        throw new TypeError(
          `Invalid SIGEV_THREAD function "${String(ev.fn)}": expected a generator function`,
        );
      }
      return ev;
    default:
      throw new TypeError(
        `Invalid sigevent notify "${
          String((ev as { notify: unknown }).notify)
        }": expected "SIGEV_NONE", "SIGEV_SIGNAL" or "SIGEV_THREAD"`,
      );
  }
}

function checkRequest(call: string, req: unknown): void {
  if (req === null || typeof req !== "object") {
    throw new TypeError(`Invalid ${call} request "${String(req)}": expected an object`);
  }
  const fd = (req as { fd: unknown }).fd;
  if (typeof fd !== "number") {
    throw new TypeError(`Invalid fd "${String(fd)}" for ${call}: expected a number`);
  }
}

function* submit<T>(
  sys: Sys,
  call: "aio_read" | "aio_write",
  cb: Aiocb<T>,
  size: number,
  data: Uint8Array | null,
): ThreadRoutine<Aiocb<T>> {
  const thread = sys.thread, p = sys.process;
  sys.enter(call);
  thread.charge("syscall", hostAsyncCosts(p.host).submitNs, call);
  yield* thread.flush();
  const st = stateOf(p);
  st.active.add(cb as Aiocb);
  const kind = call === "aio_read" ? "read" : "write";
  const file = Number.isInteger(cb.fd) ? p.fds.get(cb.fd) : undefined;
  // As glibc: a bad descriptor or size is reported by aio_error, not by aio_read itself.
  const bad = file === undefined
    ? "EBADF"
    : !Number.isSafeInteger(size) || size < 0
    ? "EINVAL"
    : checkFile(kind, file);
  if (bad !== null) {
    cb._complete({ res: -1, error: bad, data: null });
    return cb;
  }
  const op = new KernelOp(
    p,
    { kind, file: file!, fd: cb.fd, size, data, address: null, all: true },
    st.lane,
    (out) => cb._complete(out),
  );
  cb._op = op;
  op.start();
  return cb;
}

/**
 * aio_read(3): asks the kernel to read up to `nbytes` from `fd`, and returns
 * the control block at once. The kernel waits for data and copies it while
 * the process runs on; a bad descriptor or size shows in
 * {@linkcode aioError}, as glibc reports it.
 *
 * @example The process computes through both phases
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { kernelUsage } from "@iosim/iosim/io";
 * const sim = new Simulation();
 * const host = new Network(sim).addHost("a");
 * const p = host.spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const cb = yield* aioRead(sys, { fd: y, nbytes: 64 });
 *   yield* sys.spawnThread("peer", function* (t) {
 *     yield* t.send(x, "request");
 *   });
 *   while (aioError(cb) === "EINPROGRESS") yield* sys.compute(us(1));
 *   sys.print(new TextDecoder().decode(aioReturn(cb)));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "request");
 * // The kernel copied, not the main thread, which computed meanwhile.
 * assert.equal(p.mainThread.usage.copyNs, 0);
 * assert.ok(kernelUsage(host).copyNs > 0);
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param req The descriptor, the size and the notification.
 * @returns The operation, for `yield*`; it gives the control block.
 * @throws {TypeError} If the request, its fd or its notification is malformed.
 * @throws {RangeError} If the notification's signal is unknown.
 */
export function* aioRead(sys: Sys, req: AioReadRequest): ThreadRoutine<Aiocb<Uint8Array>> {
  checkRequest("aio_read", req);
  if (typeof req.nbytes !== "number") {
    throw new TypeError(`Invalid nbytes "${String(req.nbytes)}" for aio_read: expected a number`);
  }
  const ev = checkSigevent(req.sigevent);
  const cb = new Aiocb<Uint8Array>(sys.process, req.fd, "LIO_READ", req.nbytes, ev, sys.now);
  return yield* submit(sys, "aio_read", cb, req.nbytes, null);
}

/**
 * aio_write(3): asks the kernel to write `data` to `fd`, and returns the
 * control block at once; the request finishes when every byte is in the
 * file (or it fails).
 *
 * @example Writing to a pipe
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("p", function* (sys) {
 *   const [r, w] = yield* sys.pipe();
 *   const cb = yield* aioWrite(sys, { fd: w, data: "hello" });
 *   yield* aioSuspend(sys, [cb]);
 *   sys.print(aioReturn(cb), new TextDecoder().decode(yield* sys.read(r, 16)));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "5 hello");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param req The descriptor, the data and the notification.
 * @returns The operation, for `yield*`; it gives the control block.
 * @throws {TypeError} If the request, its fd, data or notification is malformed.
 * @throws {RangeError} If the notification's signal is unknown.
 */
export function* aioWrite(sys: Sys, req: AioWriteRequest): ThreadRoutine<Aiocb<number>> {
  checkRequest("aio_write", req);
  const bytes = toBytes(req.data);
  const ev = checkSigevent(req.sigevent);
  const cb = new Aiocb<number>(sys.process, req.fd, "LIO_WRITE", bytes.length, ev, sys.now);
  return yield* submit(sys, "aio_write", cb, bytes.length, bytes);
}

function checkCb(call: string, cb: unknown): Aiocb {
  if (!(cb instanceof Aiocb)) {
    throw new TypeError(`Invalid control block "${String(cb)}" for ${call}: expected an Aiocb`);
  }
  return cb;
}

/**
 * aio_error(3): `"EINPROGRESS"` until the request finishes, then 0 or its
 * errno (`"ECANCELED"` after a cancel). It reads the control block in user
 * space: no system call, no time.
 *
 * @example In progress, then done
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const cb = yield* aioRead(sys, { fd: y, nbytes: 8 });
 *   const before = aioError(cb);
 *   yield* sys.send(x, "x");
 *   yield* sys.sleep(us(10));
 *   sys.print(before, aioError(cb));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "EINPROGRESS 0");
 * ```
 *
 * @param cb The control block.
 * @returns 0, `"EINPROGRESS"`, or the errno the request failed with.
 * @throws {TypeError} If `cb` is not a control block.
 */
export function aioError(cb: Aiocb): Errno | 0 {
  return checkCb("aio_error", cb)._error;
}

/**
 * aio_return(3): the result of a finished request — the bytes read, or the
 * count written — once; it reads the control block in user space.
 *
 * @example The result, once
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, isErrno } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("p", function* (sys) {
 *   const [, w] = yield* sys.pipe();
 *   const cb = yield* aioWrite(sys, { fd: w, data: "abc" });
 *   yield* aioSuspend(sys, [cb]);
 *   const n = aioReturn(cb);
 *   let again = "";
 *   try {
 *     aioReturn(cb);
 *   } catch (e) {
 *     again = isErrno(e, "EINVAL") ? "EINVAL" : String(e);
 *   }
 *   sys.print(n, again);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "3 EINVAL");
 * ```
 *
 * @typeParam T Bytes for a read, a count for a write.
 * @param cb The control block.
 * @returns The result.
 * @throws {SysError} EINVAL while the request is in progress or after its
 *   result was returned; the request's own errno if it failed (ECANCELED if cancelled).
 * @throws {TypeError} If `cb` is not a control block.
 */
export function aioReturn<T>(cb: Aiocb<T>): T {
  return (checkCb("aio_return", cb) as Aiocb<T>)._return();
}

/**
 * aio_suspend(3): blocks until at least one of `list` has finished (at once
 * if one already has). `null` entries are skipped. A signal handler ends
 * the wait with EINTR; the timeout with EAGAIN.
 *
 * @example Waiting for the first of two reads
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [a, b] = yield* sys.socketpair();
 *   const [c, d] = yield* sys.socketpair();
 *   const first = yield* aioRead(sys, { fd: b, nbytes: 8 });
 *   const second = yield* aioRead(sys, { fd: d, nbytes: 8 });
 *   yield* sys.spawnThread("sender", function* (t) {
 *     yield* t.sleep(us(50));
 *     yield* t.send(c, "2");
 *   });
 *   yield* aioSuspend(sys, [first, second]);
 *   sys.print(aioError(first), aioError(second));
 *   void a;
 * });
 * sim.run({ until: 1e9 });
 * assert.equal(sim.output[0]!.text, "EINPROGRESS 0");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param list The control blocks (entries may be `null`).
 * @param timeout Nanoseconds to wait at most; omitted or `null` waits forever.
 * @returns The operation, for `yield*`.
 * @throws {SysError} EAGAIN when the timeout runs out; EINTR when a handler ran.
 * @throws {TypeError} If `list` is not an array of control blocks (or nulls).
 */
export function* aioSuspend(
  sys: Sys,
  list: readonly (Aiocb | null)[],
  timeout?: number | null,
): ThreadRoutine<void> {
  if (!Array.isArray(list)) {
    throw new TypeError(`Invalid list "${String(list)}" for aio_suspend: expected an array`);
  }
  const cbs = list.filter((cb) => cb !== null).map((cb) => checkCb("aio_suspend", cb));
  const wait = checkTimeout("aio_suspend", timeout);
  const thread = sys.thread, sim = sys.host.sim;
  const deadline = wait < 0 ? Infinity : sim.now + wait;
  sys.enter("aio_suspend");
  for (;;) {
    yield* thread.flush();
    if (cbs.length === 0 || cbs.some((cb) => cb._error !== "EINPROGRESS")) return;
    if (sim.now >= deadline) {
      return yield* thread.fail("EAGAIN", "aio_suspend", "the timeout ran out");
    }
    // Handlers due now run before the waiter is registered, so no completion can wake
    // this thread in the middle of one; having run, they end the call with EINTR.
    if (thread.signalPending) {
      if ((yield* thread.deliverSignals()) > 0) {
        return yield* thread.fail("EINTR", "aio_suspend", "a signal handler ran");
      }
      continue;
    }
    const w = new SuspendWaiter(thread, cbs);
    let r: unknown;
    try {
      r = yield* thread.block(
        w,
        "phase1",
        deadline === Infinity ? undefined : deadline - sim.now,
        "aio_suspend",
        "eintr",
      );
    } finally {
      if (w.armed) w.cancelWait();
    }
    if (r === TIMEOUT) {
      return yield* thread.fail("EAGAIN", "aio_suspend", "the timeout ran out");
    }
  }
}

/**
 * aio_cancel(3): cancels the process's outstanding requests on `fd` (or
 * just `cb`). A request the kernel has not started on completes with
 * ECANCELED (and its notification); one whose transfer is under way —
 * data taken, or part of a write sent — cannot be.
 *
 * @example Cancelling a read nobody will answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [, y] = yield* sys.socketpair();
 *   const cb = yield* aioRead(sys, { fd: y, nbytes: 8 });
 *   sys.print(yield* aioCancel(sys, y, cb), aioError(cb), yield* aioCancel(sys, y));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "AIO_CANCELED ECANCELED AIO_ALLDONE");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param fd The descriptor.
 * @param cb One request on it, or every request on it when omitted or `null`.
 * @returns The operation, for `yield*`; it gives `AIO_CANCELED` (all cancelled),
 *   `AIO_NOTCANCELED` (at least one is under way) or `AIO_ALLDONE` (all had finished).
 * @throws {SysError} EBADF if `fd` is not open; EINVAL if `cb` is for another
 *   descriptor or process.
 * @throws {TypeError} If `fd` is not a number or `cb` not a control block.
 */
export function* aioCancel(
  sys: Sys,
  fd: number,
  cb?: Aiocb | null,
): ThreadRoutine<AioCancelResult> {
  if (typeof fd !== "number") {
    throw new TypeError(`Invalid fd "${String(fd)}" for aio_cancel: expected a number`);
  }
  if (cb !== undefined && cb !== null) checkCb("aio_cancel", cb);
  const thread = sys.thread, p = sys.process;
  sys.enter("aio_cancel");
  if (!Number.isInteger(fd) || p.fds.get(fd) === undefined) {
    return yield* thread.fail("EBADF", "aio_cancel", `fd ${fd} is not open`);
  }
  if (cb != null && (cb.fd !== fd || cb.process !== p)) {
    return yield* thread.fail(
      "EINVAL",
      "aio_cancel",
      cb.process !== p
        ? "the control block belongs to another process"
        : `the control block is for fd ${cb.fd}, not ${fd}`,
    );
  }
  yield* thread.flush();
  const targets = cb != null ? [cb] : [...stateOf(p).active].filter((c) => c.fd === fd);
  let canceled = 0, running = 0;
  for (const c of targets) {
    const op = c._op;
    const r = op === null ? "done" : op.cancel();
    if (r === "canceled") canceled++;
    else if (r === "running") running++;
  }
  return running > 0 ? "AIO_NOTCANCELED" : canceled > 0 ? "AIO_CANCELED" : "AIO_ALLDONE";
}
