/**
 * One I/O request carried out by the kernel without a thread, for POSIX aio
 * and io_uring: it tries the operation at once (Linux's inline issue), else
 * waits on the file's wait queue; when woken it tries again from a deferred
 * callback (Linux's task_work), then spends the protocol work and the copy
 * as kernel time before it completes.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { copyTime } from "../os/costs.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "../os/events.ts";
import type { File, WaitEntry } from "../os/file.ts";
import { PipeEnd } from "../os/pipe.ts";
import type { Process } from "../os/process.ts";
import { SIGNALS } from "../os/signals.ts";
import type { Accepted, Address } from "../os/socket_api.ts";
import { DatagramSocket } from "../net/dgram.ts";
import { StreamSocket } from "../net/stream.ts";
import { type AsyncErrno, errnoNumber } from "./errno_numbers.ts";
import { kernelUsage } from "./kernel_work.ts";

/** What the kernel can do for a request. */
export type KernelOpKind = "read" | "write" | "recv" | "send" | "accept" | "connect";

/** How a request ended: `res` is the byte count or new fd, or minus the errno. */
export interface KernelOutcome {
  readonly res: number;
  readonly error: AsyncErrno | null;
  readonly data: Uint8Array | null;
}

/** The outcome of a request that failed with `error`. */
export function failed(error: AsyncErrno): KernelOutcome {
  return { res: -errnoNumber(error), error, data: null };
}

/** What to do. */
export interface KernelOpSpec {
  readonly kind: KernelOpKind;
  readonly file: File;
  readonly fd: number;
  /** Bytes to read. */
  readonly size: number;
  /** Bytes to write. */
  readonly data: Uint8Array | null;
  /** Where to connect. */
  readonly address: Address | null;
  /** Write everything before completing (aio), instead of what the file takes (io_uring). */
  readonly all: boolean;
}

/** Whether `file` supports `kind`: an errno, or null. */
export function checkFile(kind: KernelOpKind, file: File): AsyncErrno | null {
  const socket = file instanceof StreamSocket || file instanceof DatagramSocket;
  switch (kind) {
    case "recv":
    case "send":
      return socket ? null : "ENOTSOCK";
    case "read":
    case "write":
      return socket || file instanceof PipeEnd ? null : "EINVAL";
    default:
      // Datagram connect (setting a default peer) is not modelled as a request.
      return file instanceof StreamSocket ? null : socket ? "EOPNOTSUPP" : "ENOTSOCK";
  }
}

const READ_MASK = POLLIN | POLLERR | POLLHUP, WRITE_MASK = POLLOUT | POLLERR | POLLHUP;

/**
 * A lane in the trace for the kernel's work on behalf of one process (its
 * aio requests, or one io_uring): a "thread" record marked `kernel: true`,
 * made when the first span is emitted, then "span" records (`phase1` while
 * requests wait, `syscall` for the protocol work, `copy` for phase 2).
 * Requests overlap, so the spans of a lane may too.
 */
export class KernelLane {
  readonly #owner: Process;
  readonly #name: string;
  #id = -1;

  constructor(owner: Process, name: string) {
    this.#owner = owner;
    this.#name = name;
  }

  span(cat: string, start: number, dur: number, call: string): void {
    const p = this.#owner, sim = p.host.sim, trace = sim.trace;
    if (!trace.enabled || dur <= 0) return;
    if (this.#id < 0) {
      this.#id = sim._nextId();
      trace.emit("thread", this.#id, {
        host: p.host.name,
        pid: p.pid,
        tid: 0,
        process: p.name,
        name: this.#name,
        kernel: true,
      });
    }
    trace.emit("span", this.#id, { cat, start, dur, call });
  }
}

interface Step {
  out: KernelOutcome;
  work: number;
  bytes: number;
  accepted: Accepted | null;
}

const IDLE = 0, SCHEDULED = 1, WAITING = 2, WORKING = 3, DONE = 4;

/** A request the kernel carries out; see the module comment. */
export class KernelOp implements WaitEntry {
  readonly mask: number;
  readonly exclusive: boolean;
  readonly spec: KernelOpSpec;
  readonly #owner: Process;
  readonly #sim: Simulation;
  readonly #lane: KernelLane;
  readonly #onDone: (out: KernelOutcome) => void;
  #state = IDLE;
  #again = false;
  #waitStart = -1;
  #progress = 0;
  #step: Step | null = null;
  readonly #tryFn = (): void => this.#try();
  readonly #doneFn = (): void => this.#workDone();

  constructor(
    owner: Process,
    spec: KernelOpSpec,
    lane: KernelLane,
    onDone: (out: KernelOutcome) => void,
  ) {
    this.#owner = owner;
    this.#sim = owner.host.sim;
    this.spec = spec;
    this.#lane = lane;
    this.#onDone = onDone;
    const k = spec.kind;
    this.mask = k === "read" || k === "recv" || k === "accept" ? READ_MASK : WRITE_MASK;
    // Like a thread in accept(2): one waiter per new connection.
    this.exclusive = k === "accept";
  }

  /** Whether the request has completed (or was cancelled). */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Whether the kernel has begun the transfer (data taken, or part of a write sent). */
  get started(): boolean {
    return this.#state === WORKING || this.#progress > 0;
  }

  /** Issues the request: tries it at once, else waits for readiness. */
  start(): void {
    if (this.#state !== IDLE) return;
    this.#state = SCHEDULED;
    this.#try();
  }

  /**
   * Cancels the request if it has not started: it completes with ECANCELED.
   * Returns `"canceled"`, `"running"` (the transfer is under way) or `"done"`.
   */
  cancel(): "canceled" | "running" | "done" {
    if (this.#state === DONE) return "done";
    if (this.started) return "running";
    this.#end(failed("ECANCELED"));
    return "canceled";
  }

  /** Drops the request without completing it (its ring or process is gone). */
  abandon(): void {
    if (this.#state === WAITING) this.spec.file._removeWait(this);
    this.#state = DONE;
  }

  /** @ignore The file became ready: try again from a deferred callback, as task_work does. */
  _wake(): boolean {
    if (this.#state !== WAITING) return false;
    this.#state = SCHEDULED;
    this.spec.file._removeWait(this);
    this.#sim.schedule(0, this.#tryFn);
    return true;
  }

  /** @ignore The file's last descriptor was closed while the request waited. */
  _released(): void {
    if (this.#state === WAITING && this.#progress === 0) this.#end(failed("ECANCELED"));
  }

  #end(out: KernelOutcome): void {
    if (this.#state === WAITING) this.spec.file._removeWait(this);
    this.#closeWait();
    this.#state = DONE;
    kernelUsage(this.#owner.host).ops++;
    this.#onDone(out);
  }

  #closeWait(): void {
    if (this.#waitStart < 0) return;
    const waited = this.#sim.now - this.#waitStart;
    this.#lane.span("phase1", this.#waitStart, waited, this.spec.kind);
    kernelUsage(this.#owner.host).waitNs += waited;
    this.#waitStart = -1;
  }

  #try(): void {
    if (this.#state !== SCHEDULED) return;
    if (!this.#owner.alive) {
      this.#state = DONE;
      return;
    }
    const step = this.#attempt();
    const sim = this.#sim;
    if (step === null) {
      this.#state = WAITING;
      if (this.#waitStart < 0) this.#waitStart = sim.now;
      this.spec.file._addWait(this);
      return;
    }
    if (step.out.error !== null) {
      // A write that got part of its data out reports the part (as write(2) does).
      this.#end(this.#progress > 0 ? { res: this.#progress, error: null, data: null } : step.out);
      return;
    }
    this.#closeWait();
    const usage = kernelUsage(this.#owner.host);
    const copy = copyTime(this.#owner.host.costs, step.bytes);
    const call = this.spec.kind, now = sim.now;
    this.#lane.span("syscall", now, step.work, call);
    this.#lane.span("copy", now + step.work, copy, call);
    usage.workNs += step.work;
    usage.copyNs += copy;
    usage.bytes += step.bytes;
    this.#state = WORKING;
    this.#step = step;
    sim.schedule(step.work + copy, this.#doneFn);
  }

  #workDone(): void {
    const step = this.#step!;
    this.#step = null;
    const spec = this.spec, file = spec.file;
    if (this.#state !== WORKING) {
      // Abandoned mid-copy (its ring was closed): finish the transfer, tell nobody.
      if (file instanceof StreamSocket && (spec.kind === "send" || spec.kind === "write")) {
        file._pump();
      }
      step.accepted?.socket._closeLast();
      return;
    }
    let out = step.out;
    if (spec.kind === "send" || spec.kind === "write") {
      // The copy is done: the bytes go on the wire now.
      if (file instanceof StreamSocket) file._pump();
      this.#progress += out.res;
      if (spec.all && this.#progress < spec.data!.length) {
        this.#state = SCHEDULED;
        this.#try();
        return;
      }
      out = { res: this.#progress, error: null, data: null };
    } else if (step.accepted !== null) {
      const p = this.#owner, sock = step.accepted.socket;
      const fd = p.alive ? p.fds.install(sock) : -1;
      if (fd < 0) {
        sock._closeLast();
        out = failed(p.alive ? "EMFILE" : "ECANCELED");
      } else out = { res: fd, error: null, data: null };
    }
    this.#state = DONE;
    kernelUsage(this.#owner.host).ops++;
    this.#onDone(out);
  }

  #attempt(): Step | null {
    const spec = this.spec, f = spec.file, costs = this.#owner.host.costs;
    switch (spec.kind) {
      case "recv":
      case "read": {
        const r = f instanceof StreamSocket
          ? f._kernelRecv(spec.size)
          : f instanceof DatagramSocket
          ? f._kernelRecv(spec.size)
          : (f as PipeEnd)._kernelRead(spec.size);
        if (r === null) return null;
        if (typeof r === "string") return fail(r);
        const work = f instanceof StreamSocket
          ? (f._unix ? costs.unixRecvNs : costs.recvNs)
          : f instanceof DatagramSocket
          ? costs.recvNs
          : costs.unixRecvNs;
        return {
          out: { res: r.length, error: null, data: r },
          work,
          bytes: r.length,
          accepted: null,
        };
      }
      case "send":
      case "write": {
        const data = spec.data!.subarray(this.#progress);
        const r = f instanceof StreamSocket
          ? f._kernelSend(data)
          : f instanceof DatagramSocket
          ? f._kernelSend(data)
          : (f as PipeEnd)._kernelWrite(data);
        if (r === null) return null;
        if (typeof r === "string") {
          // As a thread's send: EPIPE comes with SIGPIPE (io_uring does not add MSG_NOSIGNAL).
          if (r === "EPIPE") this.#owner._signal(SIGNALS.SIGPIPE);
          return fail(r);
        }
        const work = f instanceof StreamSocket
          ? (f._unix ? costs.unixSendNs : costs.sendNs)
          : f instanceof DatagramSocket
          ? costs.sendNs
          : costs.unixSendNs;
        return { out: { res: r, error: null, data: null }, work, bytes: r, accepted: null };
      }
      case "accept": {
        const r = (f as StreamSocket)._kernelAccept();
        if (r === null) return null;
        if (typeof r === "string") return fail(r);
        return {
          out: { res: 0, error: null, data: null },
          work: costs.socketNs,
          bytes: 0,
          accepted: r,
        };
      }
      case "connect": {
        const r = (f as StreamSocket)._kernelConnect(spec.address!, this.#again);
        this.#again = true;
        if (r === null) return null;
        if (typeof r === "string") return fail(r);
        return {
          out: { res: 0, error: null, data: null },
          work: costs.socketNs,
          bytes: 0,
          accepted: null,
        };
      }
    }
  }
}

function fail(error: AsyncErrno): Step {
  return { out: failed(error), work: 0, bytes: 0, accepted: null };
}
