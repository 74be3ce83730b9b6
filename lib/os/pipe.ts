/**
 * Pipes: a one-way byte channel between a read end and a write end.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { ByteQueue } from "./byte_queue.ts";
import { copyTime } from "./costs.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "./events.ts";
import { File } from "./file.ts";
import { isErrno } from "./errno.ts";
import { SIGNALS } from "./signals.ts";
import type { Thread, ThreadRoutine } from "./thread.ts";

/** The capacity of a pipe on Linux (16 pages). */
export const PIPE_CAPACITY = 65536;
/** Writes of at most this many bytes are atomic (PIPE_BUF). */
export const PIPE_BUF = 4096;

/** The buffer two pipe ends share. */
class PipeBuffer {
  readonly data = new ByteQueue();
  readers = 0;
  writers = 0;
  reader: PipeEnd | null = null;
  writer: PipeEnd | null = null;
  /** The simulation of the processes that hold the ends. */
  sim: Simulation | null = null;
}

/**
 * One end of a pipe (pipe(7)). Reading an empty pipe blocks until data
 * comes, or returns nothing (EOF) once every write end is closed; writing
 * blocks while the pipe is full and fails with EPIPE (and SIGPIPE) once
 * every read end is closed. Writes of up to `PIPE_BUF` bytes are atomic.
 *
 * Made by `sys.pipe()`.
 */
export class PipeEnd extends File {
  /** A pipe. */
  readonly kind = "pipe";
  /** Which end this is. */
  readonly end: "read" | "write";
  readonly #buf: PipeBuffer;

  /**
   * Makes a pipe end; `sys.pipe()` makes both.
   *
   * @param end Which end.
   * @param buf The shared buffer.
   */
  private constructor(end: "read" | "write", buf: PipeBuffer) {
    super();
    this.end = end;
    this.#buf = buf;
  }

  /**
   * Makes the two ends of a new pipe.
   *
   * @returns The read end and the write end.
   */
  static pair(): [PipeEnd, PipeEnd] {
    const buf = new PipeBuffer();
    const r = new PipeEnd("read", buf), w = new PipeEnd("write", buf);
    buf.reader = r;
    buf.writer = w;
    buf.readers = 1;
    buf.writers = 1;
    return [r, w];
  }

  /** @ignore Both ends belong to the simulation the first one enters. */
  override _claim(sim: Simulation): boolean {
    const b = this.#buf;
    b.sim ??= sim;
    return b.sim === sim;
  }

  /** Bytes waiting in the pipe. */
  get buffered(): number {
    return this.#buf.data.length;
  }

  /**
   * Describes the end.
   *
   * @returns e.g. `pipe (read end, 12 bytes)`.
   */
  override describe(): string {
    return `pipe (${this.end} end, ${this.buffered} bytes)`;
  }

  /**
   * Read end: readable with data or at EOF (hang-up once the writers are
   * gone). Write end: writable with PIPE_BUF bytes free; an error once the
   * readers are gone.
   *
   * @returns The mask.
   */
  poll(): number {
    const b = this.#buf;
    if (this.end === "read") {
      let m = b.data.length > 0 ? POLLIN : 0;
      if (b.writers === 0) m |= POLLIN | POLLHUP;
      return m;
    }
    if (b.readers === 0) return POLLOUT | POLLERR;
    return PIPE_CAPACITY - b.data.length >= PIPE_BUF ? POLLOUT : 0;
  }

  /**
   * Memory held: the buffered bytes.
   *
   * @returns Bytes.
   */
  memoryBytes(): number {
    return this.end === "read" ? this.buffered : 0;
  }

  /** @ignore read(2) on the read end. */
  *read(thread: Thread, fd: number, size: number, nonblocking: boolean): ThreadRoutine<Uint8Array> {
    if (this.end !== "read") {
      return yield* thread.fail("EBADF", "read", `fd ${fd} is the write end of a pipe`);
    }
    thread.charge("syscall", thread.costs.unixRecvNs, "read");
    const b = this.#buf;
    for (;;) {
      if (b.data.length > 0 && size > 0) {
        const chunk = b.data.take(size);
        thread.charge("copy", copyTime(thread.costs, chunk.length), "read");
        yield* thread.flush();
        b.writer?._wake(POLLOUT);
        return chunk;
      }
      if (size === 0 || b.writers === 0) {
        yield* thread.flush();
        return new Uint8Array(0);
      }
      if (nonblocking || this.nonblocking) {
        return yield* thread.fail("EAGAIN", "read", `the pipe on fd ${fd} is empty`);
      }
      yield* thread.waitFile(this, POLLIN | POLLHUP, "read", fd);
    }
  }

  /** @ignore write(2) on the write end. */
  *write(
    thread: Thread,
    fd: number,
    data: Uint8Array,
    nonblocking: boolean,
  ): ThreadRoutine<number> {
    if (this.end !== "write") {
      return yield* thread.fail("EBADF", "write", `fd ${fd} is the read end of a pipe`);
    }
    thread.charge("syscall", thread.costs.unixSendNs, "write");
    const b = this.#buf;
    let sent = 0;
    for (;;) {
      if (b.readers === 0) {
        thread.process._signal(SIGNALS.SIGPIPE);
        if (sent > 0) break;
        return yield* thread.fail("EPIPE", "write", `nobody reads the pipe on fd ${fd}`);
      }
      const free = PIPE_CAPACITY - b.data.length;
      const left = data.length - sent;
      // Up to PIPE_BUF bytes go in whole or not at all.
      const n = left <= PIPE_BUF ? (free >= left ? left : 0) : Math.min(free, left);
      if (n > 0) {
        b.data.push(data.slice(sent, sent + n));
        sent += n;
        thread.charge("copy", copyTime(thread.costs, n), "write");
        b.reader?._wake(POLLIN);
      }
      if (sent === data.length) break;
      if (nonblocking || this.nonblocking) {
        if (sent > 0) break;
        return yield* thread.fail("EAGAIN", "write", `the pipe on fd ${fd} is full`);
      }
      try {
        yield* thread.waitFile(this, POLLOUT | POLLERR, "write", fd);
      } catch (e) {
        if (sent > 0 && isErrno(e, "EINTR")) break;
        throw e;
      }
    }
    yield* thread.flush();
    return sent;
  }

  /**
   * @ignore Takes up to `size` bytes that are in the pipe now, without
   * blocking or charging anything, and wakes a writer waiting for room. For
   * layers above (lib/mp) that charge each read(2) they model themselves
   * and want no simulated step when the bytes are already there.
   *
   * @param size The most bytes to take.
   * @returns How many bytes were taken (0 when the pipe is empty).
   */
  _takeNow(size: number): number {
    const b = this.#buf;
    const n = Math.min(size, b.data.length);
    if (this.end !== "read" || n <= 0) return 0;
    b.data.take(n);
    b.writer?._wake(POLLOUT);
    return n;
  }

  /**
   * @ignore Appends `data` whole if it fits now and a reader is left, without
   * blocking or charging anything, and wakes a waiting reader; the chunk is
   * kept, not copied. For layers above (lib/mp), as `_takeNow`.
   *
   * @param data The bytes (never changed afterwards).
   * @returns Whether the bytes went in (false: no room, or nobody reads).
   */
  _pushNow(data: Uint8Array): boolean {
    const b = this.#buf;
    if (this.end !== "write" || b.readers === 0) return false;
    if (PIPE_CAPACITY - b.data.length < data.length) return false;
    if (data.length > 0) {
      b.data.push(data);
      b.reader?._wake(POLLIN);
    }
    return true;
  }

  /** @ignore The last descriptor of this end was closed. */
  override _release(): void {
    const b = this.#buf;
    if (this.end === "read") {
      b.readers = 0;
      b.data.clear();
      b.writer?._wake(POLLOUT | POLLERR);
    } else {
      b.writers = 0;
      b.reader?._wake(POLLIN | POLLHUP);
    }
  }

  /**
   * @ignore read(2) done by the kernel for asynchronous I/O (no thread, never blocks):
   * up to `size` bytes, empty at end of file, EBADF on the write end, or `null` when
   * the pipe is empty.
   */
  _kernelRead(size: number): Uint8Array | "EBADF" | null {
    if (this.end !== "read") return "EBADF";
    const b = this.#buf;
    if (b.data.length > 0 && size > 0) {
      const chunk = b.data.take(size);
      b.writer?._wake(POLLOUT);
      return chunk;
    }
    if (size === 0 || b.writers === 0) return new Uint8Array(0);
    return null;
  }

  /**
   * @ignore write(2) done by the kernel for asynchronous I/O: the bytes the pipe takes
   * (up to PIPE_BUF bytes go whole or not at all), EBADF on the read end, EPIPE with
   * no reader, or `null` when there is no room.
   */
  _kernelWrite(data: Uint8Array): number | "EBADF" | "EPIPE" | null {
    if (this.end !== "write") return "EBADF";
    const b = this.#buf;
    if (b.readers === 0) return "EPIPE";
    if (data.length === 0) return 0;
    const free = PIPE_CAPACITY - b.data.length;
    const n = data.length <= PIPE_BUF
      ? (free >= data.length ? data.length : 0)
      : Math.min(free, data.length);
    if (n === 0) return null;
    b.data.push(data.slice(0, n));
    b.reader?._wake(POLLIN);
    return n;
  }
}
