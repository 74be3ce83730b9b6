/**
 * io_uring(7): a submission queue (SQ) the process fills in user space and a
 * completion queue (CQ) the kernel fills, both rings of fixed depth; one
 * io_uring_enter(2) submits any number of requests and can wait for
 * completions.
 *
 * What the kernel does here: each request is tried at once when it is
 * submitted (Linux's inline issue) and otherwise waits on its file's wait
 * queue; once ready, the kernel does the protocol work and the copy, timed
 * by the host's cost model and charged to the host's
 * {@linkcode KernelUsage} — no thread of the process is charged for phase
 * 1 or phase 2. The process pays one system call per io_uring_enter plus
 * `submitNs` per request submitted. Completions are posted as they happen,
 * so they may come in any order; each carries its request's `userData`.
 *
 * A full CQ is handled as Linux does since 5.5 (IORING_FEAT_NODROP): a
 * completion that finds the CQ full — or finds earlier ones already waiting
 * — goes to an overflow list, and the SQ ring's `IORING_SQ_CQ_OVERFLOW`
 * flag is set; io_uring_enter with GETEVENTS (waiting, or
 * `getEvents()`) moves them into the CQ as room allows, in order, and
 * clears the flag once the list is empty. Nothing is dropped (the kernel's
 * `cq.overflow` drop counter stays 0; Linux drops only when it cannot
 * allocate an overflow entry), and submitting while the list is not empty
 * does not fail with EBUSY (that was 5.5-5.18's behaviour).
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import { TIMEOUT, type Timer } from "../kernel/simulation.ts";
import { SysError } from "../os/errno.ts";
import { File } from "../os/file.ts";
import type { Process } from "../os/process.ts";
import type { Address } from "../os/socket_api.ts";
import { type AddressLike, type Data, type Sys, toAddress, toBytes } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { checkTimeout } from "./_args.ts";
import {
  checkFile,
  failed,
  KernelLane,
  KernelOp,
  type KernelOpKind,
  type KernelOutcome,
} from "./_kernel_op.ts";
import type { AsyncErrno } from "./errno_numbers.ts";
import { hostAsyncCosts } from "./kernel_work.ts";

/**
 * The SQ ring flag set while completions wait in the overflow list.
 *
 * @example Testing the flag
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal((IORING_SQ_CQ_OVERFLOW & 2) !== 0, true);
 * ```
 */
export const IORING_SQ_CQ_OVERFLOW = 2;
/**
 * The most SQ entries a ring may have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(IORING_MAX_ENTRIES, 32768);
 * ```
 */
export const IORING_MAX_ENTRIES = 32768;
/**
 * The most CQ entries a ring may have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(IORING_MAX_CQ_ENTRIES, 2 * IORING_MAX_ENTRIES);
 * ```
 */
export const IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;

/** A submission queue entry: what to do, and the `userData` its completion will carry. */
export type Sqe =
  | { readonly op: "nop"; readonly userData: number }
  | {
    readonly op: "read" | "recv";
    readonly fd: number;
    readonly len: number;
    readonly userData: number;
  }
  | {
    readonly op: "write" | "send";
    readonly fd: number;
    readonly data: Data;
    readonly userData: number;
  }
  | { readonly op: "accept"; readonly fd: number; readonly userData: number }
  | {
    readonly op: "connect";
    readonly fd: number;
    readonly address: AddressLike;
    readonly userData: number;
  }
  | {
    readonly op: "timeout";
    /** How long, in nanoseconds. */
    readonly ns: number;
    /** Complete (with 0) after this many other completions, if sooner (default 0: never). */
    readonly count?: number;
    readonly userData: number;
  }
  | {
    readonly op: "cancel";
    /** The `userData` of the request to cancel. */
    readonly target: number;
    readonly userData: number;
  };

/** What an SQE's `op` can be. */
export type SqeOp = Sqe["op"];

/**
 * A completion queue entry. `res` is as the kernel gives it: the byte count,
 * the new descriptor (accept) or 0, or minus the errno; `error` names the
 * errno (`null` on success).
 */
export interface Cqe {
  /** The `userData` of the request. */
  readonly userData: number;
  /** The result, or minus the errno. */
  readonly res: number;
  /** The errno's name, or `null`. */
  readonly error: AsyncErrno | null;
  /** CQE flags (always 0 here). */
  readonly flags: number;
  /** The bytes read, for `read` and `recv`. */
  readonly data: Uint8Array | null;
}

/** Options of {@linkcode ioUringSetup} (struct io_uring_params). */
export interface UringParams {
  /** CQ entries (IORING_SETUP_CQSIZE): a power of two, at least the SQ's; default twice the SQ's. */
  readonly cqEntries?: number;
}

/** A checked SQE, ready for the kernel. */
interface Prepared {
  readonly op: SqeOp;
  readonly userData: number;
  readonly fd: number;
  readonly len: number;
  readonly data: Uint8Array | null;
  readonly address: Address | null;
  readonly ns: number;
  readonly count: number;
  readonly target: number;
}

/** A request in flight. */
class Req {
  op: KernelOp | null = null;
  timer: Timer | null = null;
  countLeft = 0;
  constructor(readonly userData: number, readonly kind: SqeOp) {}
}

/** A thread in io_uring_enter waiting for `min` completions. */
class RingWaiter implements Blocker {
  armed = true;
  constructor(readonly ring: RingFile, readonly thread: Thread, readonly min: number) {}
  describe(): string {
    return `io_uring_enter waiting for ${this.min} completion(s)`;
  }
  cancelWait(): void {
    this.armed = false;
    const i = this.ring.waiters.indexOf(this);
    if (i >= 0) this.ring.waiters.splice(i, 1);
  }
}

const SQE_BYTES = 64, CQE_BYTES = 16;

/** The kernel side of a ring: the file behind an io_uring descriptor. */
class RingFile extends File {
  readonly kind = "io_uring";
  readonly sq: Prepared[] = [];
  readonly waiters: RingWaiter[] = [];
  readonly inflight: Set<Req> = new Set();
  overflowed = 0;
  #cq: Cqe[] = [];
  #cqHead = 0;
  #overflow: Cqe[] = [];
  #counting: Req[] = [];
  #closed = false;

  constructor(
    readonly owner: Process,
    readonly sqEntries: number,
    readonly cqEntries: number,
    readonly lane: KernelLane,
  ) {
    super();
  }

  /** Never ready: completions are read from the CQ ring, not with read(2). */
  poll(): number {
    return 0;
  }

  override describe(): string {
    return `io_uring (${this.sqEntries} SQ / ${this.cqEntries} CQ entries)`;
  }

  /** The rings' memory: 64-byte SQEs, 16-byte CQEs and the SQ index array. */
  memoryBytes(): number {
    return this.sqEntries * (SQE_BYTES + 4) + this.cqEntries * CQE_BYTES;
  }

  get cqLength(): number {
    return this.#cq.length - this.#cqHead;
  }

  get overflowLength(): number {
    return this.#overflow.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Posts a completion: into the CQ, or the overflow list when the CQ is full or others wait there. */
  post(cqe: Cqe, counts = true): void {
    if (this.#closed) return;
    if (this.#overflow.length > 0 || this.cqLength >= this.cqEntries) {
      this.#overflow.push(cqe);
      this.overflowed++;
    } else this.#cq.push(cqe);
    if (counts && this.#counting.length > 0) this.#countCompletion();
    for (const w of this.waiters.slice()) {
      if (this.cqLength + this.#overflow.length >= w.min) {
        w.cancelWait();
        this.owner.host.sim.wake(w.thread.task, 1);
      }
    }
  }

  /** Moves overflowed completions into the CQ while there is room. */
  flushOverflow(): void {
    const ov = this.#overflow;
    let i = 0;
    while (i < ov.length && this.cqLength < this.cqEntries) this.#cq.push(ov[i++]!);
    if (i > 0) this.#overflow = ov.slice(i);
  }

  /** Takes up to `max` completions from the CQ (user space). */
  take(max: number): Cqe[] {
    const n = Math.min(max, this.cqLength);
    const out = this.#cq.slice(this.#cqHead, this.#cqHead + n);
    this.#cqHead += n;
    if (this.#cqHead === this.#cq.length) {
      this.#cq = [];
      this.#cqHead = 0;
    } else if (this.#cqHead > 1024 && this.#cqHead * 2 > this.#cq.length) {
      this.#cq = this.#cq.slice(this.#cqHead);
      this.#cqHead = 0;
    }
    return out;
  }

  /** Carries out one submitted entry. */
  issue(e: Prepared): void {
    const p = this.owner;
    switch (e.op) {
      case "nop":
        return this.post({ userData: e.userData, res: 0, error: null, flags: 0, data: null });
      case "timeout": {
        const req = new Req(e.userData, "timeout");
        this.inflight.add(req);
        req.timer = p.host.sim.schedule(e.ns, () => {
          req.timer = null;
          this.#finish(req, failed("ETIME"), false);
        });
        if (e.count > 0) {
          req.countLeft = e.count;
          this.#counting.push(req);
        }
        return;
      }
      case "cancel":
        return this.#cancel(e);
    }
    const kind = e.op as KernelOpKind;
    const file = Number.isInteger(e.fd) && e.fd >= 0 ? p.fds.get(e.fd) : undefined;
    const bad = file === undefined
      ? "EBADF"
      : (kind === "read" || kind === "recv") && !(Number.isSafeInteger(e.len) && e.len >= 0)
      ? "EINVAL"
      : checkFile(kind, file);
    if (bad !== null) return this.post(cqeOf(e.userData, failed(bad)));
    const req = new Req(e.userData, e.op);
    this.inflight.add(req);
    req.op = new KernelOp(
      p,
      { kind, file: file!, fd: e.fd, size: e.len, data: e.data, address: e.address, all: false },
      this.lane,
      (out) => this.#finish(req, out, true),
    );
    req.op.start();
  }

  override _release(): void {
    this.#closed = true;
    for (const req of this.inflight) {
      req.op?.abandon();
      req.timer?.cancel();
    }
    this.inflight.clear();
    this.#counting = [];
  }

  #finish(req: Req, out: KernelOutcome, counts: boolean): void {
    if (!this.inflight.delete(req)) return;
    if (req.countLeft > 0) this.#counting.splice(this.#counting.indexOf(req), 1);
    this.post(cqeOf(req.userData, out), counts);
  }

  #countCompletion(): void {
    for (const req of this.#counting.slice()) {
      if (--req.countLeft > 0) continue;
      req.timer?.cancel();
      req.timer = null;
      this.#finish(req, { res: 0, error: null, data: null }, false);
    }
  }

  #cancel(e: Prepared): void {
    let target: Req | null = null;
    for (const req of this.inflight) {
      if (req.userData === e.target) {
        target = req;
        break;
      }
    }
    let res: KernelOutcome = { res: 0, error: null, data: null };
    if (target === null) res = failed("ENOENT");
    else if (target.timer !== null) {
      target.timer.cancel();
      target.timer = null;
      this.#finish(target, failed("ECANCELED"), true);
    } else if (target.op !== null && target.op.cancel() === "running") res = failed("EALREADY");
    this.post(cqeOf(e.userData, res));
  }
}

function cqeOf(userData: number, out: KernelOutcome): Cqe {
  return { userData, res: out.res, error: out.error, flags: 0, data: out.data };
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function checkUserData(v: unknown, what = "userData"): number {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid SQE ${what} "${String(v)}": expected a number`);
  }
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`Invalid SQE ${what} "${v}": expected an integer from 0 to 2^53 - 1`);
  }
  return v;
}

function checkFdField(op: string, fd: unknown): number {
  if (typeof fd !== "number") {
    throw new TypeError(`Invalid fd "${String(fd)}" in a "${op}" SQE: expected a number`);
  }
  return fd;
}

function prepare(sqe: Sqe): Prepared {
  if (sqe === null || typeof sqe !== "object") {
    throw new TypeError(`Invalid SQE "${String(sqe)}": expected an object with "op"`);
  }
  const userData = checkUserData(sqe.userData);
  const base = {
    op: sqe.op,
    userData,
    fd: -1,
    len: 0,
    data: null,
    address: null,
    ns: 0,
    count: 0,
    target: -1,
  };
  switch (sqe.op) {
    case "nop":
      return base;
    case "read":
    case "recv":
      if (typeof sqe.len !== "number") {
        throw new TypeError(`Invalid len "${String(sqe.len)}" in a "${sqe.op}" SQE`);
      }
      return { ...base, fd: checkFdField(sqe.op, sqe.fd), len: sqe.len };
    case "write":
    case "send":
      return { ...base, fd: checkFdField(sqe.op, sqe.fd), data: toBytes(sqe.data) };
    case "accept":
      return { ...base, fd: checkFdField(sqe.op, sqe.fd) };
    case "connect":
      return { ...base, fd: checkFdField(sqe.op, sqe.fd), address: toAddress(sqe.address) };
    case "timeout": {
      const ns = sqe.ns, count = sqe.count ?? 0;
      if (typeof ns !== "number" || !(ns >= 0) || !Number.isFinite(ns)) {
        throw new RangeError(`Invalid timeout "${String(ns)}": expected nanoseconds >= 0`);
      }
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new RangeError(`Invalid timeout count "${String(count)}": expected an integer >= 0`);
      }
      return { ...base, ns, count };
    }
    case "cancel":
      return { ...base, target: checkUserData(sqe.target, "cancel target") };
    default:
      throw new TypeError(
        `Unknown SQE op "${
          String((sqe as { op: unknown }).op)
        }": expected nop, read, recv, write, send, accept, connect, timeout or cancel`,
      );
  }
}

/**
 * A process's handle on an io_uring, bound to one thread's system calls
 * (made by {@linkcode ioUringSetup}; {@linkcode IoUring.forThread} binds
 * another thread). `prep` fills the SQ in user space; `submit`,
 * `submitAndWait`, `waitCqes` and `getEvents` are io_uring_enter(2);
 * `peekBatch` reads the CQ in user space, entering the kernel only to flush
 * overflowed completions, as liburing's `io_uring_peek_batch_cqe` does.
 *
 * @example Two reads complete in the order their data comes, not the order submitted
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [a, b] = yield* sys.socketpair();
 *   const [c, d] = yield* sys.socketpair();
 *   const ring = yield* ioUringSetup(sys, 8);
 *   ring.prep({ op: "recv", fd: b, len: 16, userData: 1 });
 *   ring.prep({ op: "recv", fd: d, len: 16, userData: 2 });
 *   yield* ring.submit();
 *   yield* sys.send(c, "second first");
 *   yield* sys.sleep(us(10));
 *   yield* sys.send(a, "first second");
 *   yield* ring.waitCqes(2);
 *   sys.print((yield* ring.peekBatch()).map((e) => e.userData).join(","));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "2,1");
 * ```
 */
export class IoUring {
  /** The ring's descriptor. */
  readonly fd: number;
  readonly #ring: RingFile;
  readonly #sys: Sys;

  /**
   * Makes a handle; {@linkcode ioUringSetup} does.
   *
   * @param sys The thread that uses it.
   * @param fd The descriptor.
   * @param ring The kernel side.
   */
  private constructor(sys: Sys, fd: number, ring: RingFile) {
    this.#sys = sys;
    this.fd = fd;
    this.#ring = ring;
  }

  /** @ignore */
  static _make(sys: Sys, fd: number, ring: RingFile): IoUring {
    return new IoUring(sys, fd, ring);
  }

  /** SQ entries. */
  get sqEntries(): number {
    return this.#ring.sqEntries;
  }

  /** CQ entries. */
  get cqEntries(): number {
    return this.#ring.cqEntries;
  }

  /** SQEs prepared and not yet submitted. */
  get sqReady(): number {
    return this.#ring.sq.length;
  }

  /** Free SQ entries (io_uring_sq_space_left). */
  get sqSpaceLeft(): number {
    return this.#ring.sqEntries - this.#ring.sq.length;
  }

  /** Completions waiting in the CQ ring (io_uring_cq_ready); overflowed ones not included. */
  get cqReady(): number {
    return this.#ring.cqLength;
  }

  /** The SQ ring's flags: `IORING_SQ_CQ_OVERFLOW` while completions wait in the overflow list. */
  get sqFlags(): number {
    return this.#ring.overflowLength > 0 ? IORING_SQ_CQ_OVERFLOW : 0;
  }

  /** Completions in the overflow list now. */
  get overflowPending(): number {
    return this.#ring.overflowLength;
  }

  /** Completions that have gone through the overflow list so far. */
  get overflowed(): number {
    return this.#ring.overflowed;
  }

  /** Completions dropped (the kernel's `cq.overflow` counter): always 0, none is lost. */
  get dropped(): number {
    return 0;
  }

  /** Requests submitted and not yet completed. */
  get inFlight(): number {
    return this.#ring.inflight.size;
  }

  /**
   * The same ring, used from another thread of the process.
   *
   * @param sys That thread's system calls.
   * @returns A handle bound to it.
   * @throws {TypeError} If `sys` belongs to another process.
   */
  forThread(sys: Sys): IoUring {
    if (sys?.process !== this.#ring.owner) {
      throw new TypeError("Cannot share an io_uring with a thread of another process");
    }
    return new IoUring(sys, this.fd, this.#ring);
  }

  /**
   * Queues an SQE in the SQ ring (io_uring_get_sqe and an io_uring_prep_*;
   * user space, no time). It is carried out at the next submit.
   *
   * @param sqe The entry.
   * @throws {RangeError} If the SQ ring is full (submit first), or a field is out of range.
   * @throws {TypeError} If the entry is malformed or its op unknown.
   * @throws {SysError} EBADF if the ring's descriptor was closed.
   */
  prep(sqe: Sqe): void {
    const ring = this.#ring;
    const e = prepare(sqe);
    if (ring.closed) throw new SysError("EBADF", "io_uring_prep", `ring fd ${this.fd} is closed`);
    if (ring.sq.length >= ring.sqEntries) {
      throw new RangeError(
        `Cannot queue SQE "${e.op}" (userData ${e.userData}): the submission queue is full (${ring.sqEntries} entries); submit first`,
      );
    }
    ring.sq.push(e);
  }

  /**
   * io_uring_enter(2) without waiting: submits every prepared SQE.
   *
   * @returns The operation, for `yield*`; it gives the number submitted.
   * @throws {SysError} EBADF if the ring's descriptor was closed.
   */
  *submit(): ThreadRoutine<number> {
    return yield* this.#enter(this.#ring.sq.length, 0, false, -1);
  }

  /**
   * io_uring_enter(2) with GETEVENTS: submits every prepared SQE, then waits
   * until at least `n` completions are in the CQ (or `timeout` runs out).
   *
   * @param n The completions to wait for (0 only flushes overflowed ones).
   * @param timeout Nanoseconds to wait at most; omitted or `null` waits forever.
   * @returns The operation, for `yield*`; it gives the number submitted.
   * @throws {SysError} EINTR when a signal handler ran; EINVAL if `n` exceeds the CQ's entries; EBADF.
   */
  *submitAndWait(n: number, timeout?: number | null): ThreadRoutine<number> {
    return yield* this.#enter(
      this.#ring.sq.length,
      n,
      true,
      checkTimeout("io_uring_enter", timeout),
    );
  }

  /**
   * io_uring_enter(2) with GETEVENTS and nothing to submit: waits until at
   * least `n` completions are in the CQ (or `timeout` runs out).
   *
   * @param n The completions to wait for.
   * @param timeout Nanoseconds to wait at most; omitted or `null` waits forever.
   * @returns The operation, for `yield*`; it gives the completions ready.
   * @throws {SysError} EINTR when a signal handler ran; EINVAL if `n` exceeds the CQ's entries; EBADF.
   */
  *waitCqes(n: number, timeout?: number | null): ThreadRoutine<number> {
    yield* this.#enter(0, n, true, checkTimeout("io_uring_enter", timeout));
    return this.#ring.cqLength;
  }

  /**
   * io_uring_get_events: io_uring_enter(2) with GETEVENTS and no wait, which
   * flushes overflowed completions into the CQ.
   *
   * @returns The operation, for `yield*`; it gives the completions ready.
   * @throws {SysError} EBADF if the ring's descriptor was closed.
   */
  *getEvents(): ThreadRoutine<number> {
    yield* this.#enter(0, 0, true, 0);
    return this.#ring.cqLength;
  }

  /**
   * Takes up to `max` completions from the CQ (io_uring_peek_batch_cqe plus
   * io_uring_cq_advance): user space, unless the CQ is empty while the
   * overflow flag is set — then it calls {@linkcode IoUring.getEvents} first.
   *
   * @param max The most to take (default: all).
   * @returns The operation, for `yield*`; it gives the completions, oldest first.
   * @throws {RangeError} If `max` is not a positive integer.
   */
  *peekBatch(max: number = Infinity): ThreadRoutine<Cqe[]> {
    if (!(max === Infinity || (Number.isSafeInteger(max) && max > 0))) {
      throw new RangeError(`Invalid max "${String(max)}": expected a positive integer`);
    }
    const ring = this.#ring;
    if (ring.cqLength === 0 && ring.overflowLength > 0) yield* this.getEvents();
    return ring.take(max);
  }

  *#enter(toSubmit: number, min: number, getEvents: boolean, wait: number): ThreadRoutine<number> {
    const sys = this.#sys, ring = this.#ring, thread = sys.thread, sim = sys.host.sim;
    if (typeof min !== "number" || !Number.isSafeInteger(min) || min < 0) {
      throw new RangeError(`Invalid completion count "${String(min)}": expected an integer >= 0`);
    }
    sys.enter("io_uring_enter");
    if (sys.fileOf(this.fd) !== ring) {
      return yield* thread.fail("EBADF", "io_uring_enter", `fd ${this.fd} is not this ring`);
    }
    if (min > ring.cqEntries) {
      return yield* thread.fail(
        "EINVAL",
        "io_uring_enter",
        `waiting for ${min} completions, more than the CQ's ${ring.cqEntries} entries`,
      );
    }
    const n = Math.min(toSubmit, ring.sq.length);
    thread.charge("syscall", n * hostAsyncCosts(sys.host).submitNs, "io_uring_enter");
    yield* thread.flush();
    for (const e of ring.sq.splice(0, n)) ring.issue(e);
    if (!getEvents) return n;
    const deadline = wait < 0 ? Infinity : sim.now + wait;
    for (;;) {
      ring.flushOverflow();
      if (ring.cqLength >= min || sim.now >= deadline) return n;
      // Handlers due now (a SIGPIPE from an inline send, say) run before the waiter is
      // registered, so no completion can wake this thread in the middle of one.
      if (thread.signalPending) {
        if ((yield* thread.deliverSignals()) > 0) {
          return yield* thread.fail("EINTR", "io_uring_enter", "a signal handler ran");
        }
        continue;
      }
      const w = new RingWaiter(ring, thread, min);
      ring.waiters.push(w);
      let r: unknown;
      try {
        r = yield* thread.block(
          w,
          "phase1",
          deadline === Infinity ? undefined : deadline - sim.now,
          "io_uring_enter",
          "eintr",
        );
      } finally {
        if (w.armed) w.cancelWait();
      }
      if (r === TIMEOUT) {
        ring.flushOverflow();
        return n;
      }
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const r = this.#ring;
    return `IoUring { fd ${this.fd}, ${r.sqEntries}/${r.cqEntries} entries, ${r.inflight.size} in flight, ${r.cqLength} ready }`;
  }
}

/**
 * io_uring_setup(2): a new ring with `entries` SQ entries (a power of two,
 * up to 32,768) and, by default, twice as many CQ entries, as Linux makes.
 * (Linux rounds other sizes up to a power of two; iosim asks for one, so
 * the depth is what the caller wrote.)
 *
 * @example A NOP round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("p", function* (sys) {
 *   const ring = yield* ioUringSetup(sys, 4);
 *   ring.prep({ op: "nop", userData: 42 });
 *   yield* ring.submitAndWait(1);
 *   const [cqe] = yield* ring.peekBatch();
 *   sys.print(ring.sqEntries, ring.cqEntries, cqe!.userData, cqe!.res);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "4 8 42 0");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param entries SQ entries.
 * @param params CQ entries.
 * @returns The operation, for `yield*`; it gives the ring's handle.
 * @throws {SysError} EINVAL if a size is not a power of two, is out of range, or the
 *   CQ is smaller than the SQ; EMFILE when the descriptor table is full.
 * @throws {TypeError} If `entries` is not a number.
 */
export function* ioUringSetup(
  sys: Sys,
  entries: number,
  params: UringParams = {},
): ThreadRoutine<IoUring> {
  if (typeof entries !== "number") {
    throw new TypeError(
      `Invalid entries "${String(entries)}" for io_uring_setup: expected a number`,
    );
  }
  const thread = sys.thread;
  sys.enter("io_uring_setup");
  if (!isPow2(entries) || entries > IORING_MAX_ENTRIES) {
    return yield* thread.fail(
      "EINVAL",
      "io_uring_setup",
      `entries "${entries}" must be a power of two from 1 to ${IORING_MAX_ENTRIES}`,
    );
  }
  const cq = params.cqEntries ?? 2 * entries;
  if (!isPow2(cq) || cq < entries || cq > IORING_MAX_CQ_ENTRIES) {
    return yield* thread.fail(
      "EINVAL",
      "io_uring_setup",
      `cqEntries "${cq}" must be a power of two from ${entries} (the SQ's) to ${IORING_MAX_CQ_ENTRIES}`,
    );
  }
  thread.charge("syscall", hostAsyncCosts(sys.host).setupNs, "io_uring_setup");
  const p = sys.process;
  const ring = new RingFile(p, entries, cq, new KernelLane(p, "kernel: io_uring"));
  const fd = yield* sys._install("io_uring_setup", ring);
  return IoUring._make(sys, fd, ring);
}
