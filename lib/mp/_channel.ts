/**
 * Pickled messages over a pipe: the transport under connections and queues.
 *
 * @module
 */

import { TIMEOUT } from "../kernel/simulation.ts";
import { copyTime } from "../os/costs.ts";
import { isErrno } from "../os/errno.ts";
import { POLLHUP, POLLIN } from "../os/events.ts";
import type { Process as OsProcess } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import { PIPE_CAPACITY, PipeEnd } from "../os/pipe.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { owe, oweSyscalls, pay } from "./_context.ts";
import { BrokenPipeError, EOFError, OSError } from "./errors.ts";

/** The length prefix CPython's `Connection` puts before each pickle. */
export const HEADER_BYTES = 4;

const ZEROS = new Uint8Array(65536);
// One view per frame size, made once: the chunks are never changed, so a
// pipe may hold the same one several times.
const VIEWS: Uint8Array[] = [];

function frameBytes(n: number): Uint8Array {
  if (n > ZEROS.length) return new Uint8Array(n);
  return VIEWS[n] ??= ZEROS.subarray(0, n);
}

/**
 * One pipe carrying framed messages, as CPython's `Connection` frames them:
 * a 4-byte length, then the pickle. The frames' bytes really go through
 * the pipe (so its capacity, blocking, EOF and EPIPE all apply); the
 * unpickled value of each frame travels beside them in order, since the
 * simulation has no use for re-parsing what it sized. A writer queues its
 * frames before writing their bytes; a reader takes a frame once all of
 * its bytes have come out of the pipe.
 */
export class Channel {
  /** The read end. */
  readonly rfile: PipeEnd;
  /** The write end. */
  readonly wfile: PipeEnd;
  /** The read end's descriptor in the creating process (and its forks). */
  readonly rfd: number;
  /** The write end's descriptor. */
  readonly wfd: number;
  /** Pickled size of the frame `read` returned last (header included). */
  lastBytes = 0;
  /** Item count of the frame `read` returned last. */
  lastItems = 0;
  #moved: Map<OsProcess, { r: number; w: number }> | null = null;
  #values: unknown[] = [];
  #sizes: number[] = [];
  #items: number[] = [];
  #head = 0;
  #partial = 0;

  /**
   * Makes a pipe in the calling process (pipe2(2)), synchronously: the
   * call's cost is charged to the thread.
   */
  constructor(sys: Sys) {
    sys.enter("pipe2");
    const [r, w] = PipeEnd.pair();
    const fds = sys.process.fds;
    const rfd = fds.install(r);
    const wfd = rfd < 0 ? -1 : fds.install(w);
    if (wfd < 0) {
      if (rfd >= 0) fds.remove(rfd);
      r._closeLast();
      w._closeLast();
      throw new OSError(
        `[Errno 24] Too many open files: the process has ${fds.size} descriptors open, RLIMIT_NOFILE is ${fds.limit}`,
      );
    }
    this.rfile = r;
    this.wfile = w;
    this.rfd = rfd;
    this.wfd = wfd;
  }

  /** Frames queued and not yet read. */
  get queued(): number {
    return this.#values.length - this.#head;
  }

  /** The read end's descriptor in `p`. */
  rfdIn(p: OsProcess): number {
    return this.#moved?.get(p)?.r ?? this.rfd;
  }

  /** The write end's descriptor in `p`. */
  wfdIn(p: OsProcess): number {
    return this.#moved?.get(p)?.w ?? this.wfd;
  }

  /** Whether the thread's descriptor table still holds the read end. */
  canRead(t: Thread): boolean {
    return t.process.fds.get(this.rfdIn(t.process)) === this.rfile;
  }

  /** Whether the thread's descriptor table still holds the write end. */
  canWrite(t: Thread): boolean {
    return t.process.fds.get(this.wfdIn(t.process)) === this.wfile;
  }

  /**
   * Hands one end from process `from` to process `to`, as passing a
   * descriptor over a Unix socket (SCM_RIGHTS) and closing it would.
   *
   * @throws {OSError} If `to` is out of descriptors.
   */
  moveEnd(end: "read" | "write", from: OsProcess, to: OsProcess): void {
    const file = end === "read" ? this.rfile : this.wfile;
    const old = end === "read" ? this.rfdIn(from) : this.wfdIn(from);
    const fd = to.fds.install(file);
    if (fd < 0) {
      throw new OSError(
        `[Errno 24] Too many open files: process ${to.pid} has ${to.fds.size} descriptors open`,
      );
    }
    if (from.fds.get(old) === file) from.fds.remove(old);
    const moved = this.#moved ??= new Map();
    const entry = moved.get(to) ?? { r: this.rfd, w: this.wfd };
    if (end === "read") entry.r = fd;
    else entry.w = fd;
    moved.set(to, entry);
  }

  /** Whether a read would not block: bytes are waiting, or every writer is gone. */
  readable(): boolean {
    return this.rfile.buffered > 0 || (this.rfile.poll() & POLLHUP) !== 0;
  }

  /** Queues a frame whose bytes the caller writes next. */
  enqueue(value: unknown, bytes: number, items: number): void {
    this.#values.push(value);
    this.#sizes.push(bytes + HEADER_BYTES);
    this.#items.push(items);
  }

  /**
   * Writes `nbytes` of queued frames as `calls` write(2) calls (one per
   * frame, as CPython makes them): in one simulated step when the pipe has
   * room, else through the blocking write of the OS layer. `commit`, if
   * given, queues the frames: it runs in the step their bytes go in when
   * the pipe has room, so a writer killed before that (while it pays for
   * the call) leaves nothing behind, not a frame without its bytes.
   */
  *write(t: Thread, nbytes: number, calls: number, commit?: () => void): ThreadRoutine<void> {
    const costs = t.costs;
    const chunk = frameBytes(nbytes);
    if (this.wfile.buffered + nbytes <= PIPE_CAPACITY) {
      oweSyscalls(t, "write", calls, costs.unixSendNs);
      owe(t, copyTime(costs, nbytes), "copy", "write");
      // Pay first if a reader waits: it must wake when the data is written.
      if (this.rfile._wq !== null) { if (t.pending) yield* pay(t); }
      commit?.();
      commit = undefined;
      if (this.wfile._pushNow(chunk)) return;
      calls = 0;
    }
    if (calls > 1) oweSyscalls(t, "write", calls - 1, costs.unixSendNs);
    commit?.();
    try {
      yield* t.sys.write(this.wfdIn(t.process), chunk);
    } catch (e) {
      if (isErrno(e, "EPIPE")) throw new BrokenPipeError("[Errno 32] Broken pipe");
      throw e;
    }
  }

  /**
   * Reads the next frame: its value, with its size in `lastBytes`. Charges
   * the two read(2) calls CPython makes (length, then pickle). Returns
   * `TIMEOUT` if `deadline` passes first.
   *
   * @throws {EOFError} When every write end is closed and nothing is left.
   * @throws {OSError} When the pipe ends in the middle of a frame.
   */
  *read(t: Thread, deadline = Infinity): ThreadRoutine<unknown> {
    const rfile = this.rfile;
    const sim = t.process.host.sim;
    for (;;) {
      if (this.#head < this.#values.length) {
        const size = this.#sizes[this.#head]!;
        const need = size - this.#partial;
        if (rfile.buffered > 0) {
          // Pay first if a writer waits for room: it must wake on time.
          if (this.wfile._wq !== null) { if (t.pending) yield* pay(t); }
          this.#partial += rfile._takeNow(need);
        }
        if (this.#partial === size) return this.#pop(t, size);
      }
      if ((rfile.poll() & POLLHUP) !== 0 && rfile.buffered === 0) {
        if (this.#partial > 0) throw new OSError("got end of file during message");
        throw new EOFError("the other end of the pipe is closed and nothing is left to read");
      }
      const left = deadline - sim.now;
      if (left <= 0) return TIMEOUT;
      const r = yield* t.waitFile(rfile, POLLIN | POLLHUP, "read", this.rfdIn(t.process), {
        ...(left === Infinity ? {} : { timeout: left }),
      });
      if (r === TIMEOUT) return TIMEOUT;
    }
  }

  #pop(t: Thread, size: number): unknown {
    const h = this.#head;
    const value = this.#values[h];
    this.lastBytes = size;
    this.lastItems = this.#items[h]!;
    this.#values[h] = undefined;
    this.#partial = 0;
    if (++this.#head === this.#values.length) {
      this.#values.length = this.#sizes.length = this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#values.length) {
      this.#values.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    oweSyscalls(t, "read", 2, t.costs.unixRecvNs);
    owe(t, copyTime(t.costs, size), "copy", "read");
    return value;
  }
}
