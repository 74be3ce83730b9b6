/**
 * `Pipe()` and its connections.
 *
 * @module
 */

import { TIMEOUT } from "../kernel/simulation.ts";
import type { Simulation } from "../kernel/simulation.ts";
import { POLLHUP, POLLIN } from "../os/events.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { Channel } from "./_channel.ts";
import {
  callerThread,
  checkTimeout,
  currentThread,
  due,
  objectId,
  owe,
  oweSyscalls,
  pay,
} from "./_context.ts";
import { type MpCosts, mpCosts, pickleTime, unpickleTime } from "./costs.ts";
import { OSError } from "./errors.ts";
import { pickle, SHARED, type SharePolicy } from "./pickle.ts";

/**
 * One end of a `Pipe()` (CPython's `multiprocessing.connection.Connection`):
 * `send` pickles an object and writes it as one frame, `recv` reads one
 * frame and returns the object, `poll` says whether one is waiting. Each
 * process has its own descriptors for the connection (inherited through
 * fork), so `close` closes them in the calling process only: `recv`
 * raises `EOFError` once every process has closed the other end and the
 * pipe is drained.
 *
 * @typeParam T What travels through it.
 *
 * @example Closed pipes: OSError here, EOFError there
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Pipe } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const [a, b] = Pipe<string>(sys);
 *   yield* a.send("hi");
 *   yield* a.close();
 *   sys.print(yield* b.recv());
 *   try {
 *     yield* b.recv();
 *   } catch (e) {
 *     sys.print((e as Error).name);
 *   }
 *   try {
 *     yield* a.send("again");
 *   } catch (e) {
 *     sys.print((e as Error).message);
 *   }
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["hi", "EOFError", "handle is closed"]);
 * ```
 */
export class Connection<T = unknown> {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #in: Channel | null;
  readonly #out: Channel | null;
  readonly #id: number;

  /**
   * Makes a connection over channels already made; use {@linkcode Pipe}.
   *
   * @param sys The creating thread's system calls.
   * @param input The channel it reads, if any.
   * @param output The channel it writes, if any.
   */
  private constructor(sys: Sys, input: Channel | null, output: Channel | null) {
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#in = input;
    this.#out = output;
    this.#id = objectId(sys.host.sim);
  }

  /** @ignore Makes the two ends of a pipe. */
  static _pair<T>(sys: Sys, duplex: boolean): [Connection<T>, Connection<T>] {
    const a = new Channel(sys);
    if (!duplex) return [new Connection<T>(sys, a, null), new Connection<T>(sys, null, a)];
    const b = new Channel(sys);
    return [new Connection<T>(sys, b, a), new Connection<T>(sys, a, b)];
  }

  /** Whether it can receive. */
  get readable(): boolean {
    return this.#in !== null;
  }

  /** Whether it can send. */
  get writable(): boolean {
    return this.#out !== null;
  }

  /** Whether the calling process has closed it (false when read from outside a process). */
  get closed(): boolean {
    const t = currentThread(this.#sim);
    return t !== null && this.#isClosed(t);
  }

  /**
   * The descriptor it reads from (or writes to, if send-only), as in the
   * creating process and its forks.
   *
   * @returns The descriptor.
   */
  fileno(): number {
    return this.#in?.rfd ?? this.#out!.wfd;
  }

  /**
   * Pickles `obj` and writes it as one frame (one write(2)); blocks while
   * the pipe is full.
   *
   * @param obj What to send; the receiver gets a copy.
   * @returns The operation, for `yield*`.
   * @throws {OSError} If the calling process closed it, or it is receive-only.
   * @throws {PicklingError} If `obj` cannot be pickled.
   * @throws {BrokenPipeError} If every receiving end is closed.
   */
  *send(obj: T): ThreadRoutine<void> {
    const t = this.#caller("send on");
    if (this.#isClosed(t)) throw new OSError("handle is closed");
    const out = this.#out;
    if (out === null) throw new OSError("connection is read-only");
    const p = pickle(obj);
    owe(t, this.#costs.sendNs + pickleTime(this.#costs, p.bytes, p.items));
    out.enqueue(p.value, p.bytes, p.items);
    yield* out.write(t, p.bytes + 4, 1);
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
  }

  /**
   * Reads one frame and returns its object, blocking until one comes.
   *
   * @returns The operation, for `yield*`; it gives the object.
   * @throws {OSError} If the calling process closed it, or it is send-only.
   * @throws {EOFError} If every sending end is closed and nothing is left.
   */
  *recv(): ThreadRoutine<T> {
    const t = this.#caller("recv on");
    if (this.#isClosed(t)) throw new OSError("handle is closed");
    const input = this.#in;
    if (input === null) throw new OSError("connection is write-only");
    const value = yield* input.read(t);
    owe(t, this.#costs.recvNs + unpickleTime(this.#costs, input.lastBytes, input.lastItems));
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
    return value as T;
  }

  /**
   * Whether something can be received now, waiting up to `timeout` for it
   * (0, the default, does not wait; `null` waits forever). End of file
   * counts as something: `recv` would not block.
   *
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`; it gives whether `recv` would not block.
   * @throws {OSError} If the calling process closed it, or it is send-only.
   * @throws {RangeError} If `timeout` is negative.
   */
  *poll(timeout: number | null = 0): ThreadRoutine<boolean> {
    const limit = checkTimeout("poll", timeout);
    const t = this.#caller("poll");
    if (this.#isClosed(t)) throw new OSError("handle is closed");
    const input = this.#in;
    if (input === null) throw new OSError("connection is write-only");
    const c = t.costs;
    oweSyscalls(t, "poll", 1, c.pollBaseNs + c.pollPerFdNs);
    const deadline = limit === undefined ? Infinity : this.#sim.now + limit;
    for (;;) {
      if (input.readable()) return true;
      const left = deadline - this.#sim.now;
      if (left <= 0) {
        yield* t.flush();
        return false;
      }
      const r = yield* t.waitFile(input.rfile, POLLIN | POLLHUP, "poll", input.rfdIn(t.process), {
        ...(left === Infinity ? {} : { timeout: left }),
        interruptible: "eintr",
      });
      if (r === TIMEOUT) return input.readable();
    }
  }

  /**
   * Closes the connection's descriptors in the calling process (close(2)
   * for each). Closing twice does nothing.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    const t = this.#caller("close");
    if (this.#in !== null && this.#in.canRead(t)) yield* t.sys.close(this.#in.rfdIn(t.process));
    if (this.#out !== null && this.#out.canWrite(t)) yield* t.sys.close(this.#out.wfdIn(t.process));
  }

  /**
   * Describes the connection for messages.
   *
   * @returns e.g. `connection #2`.
   */
  describe(): string {
    return `connection #${this.#id}`;
  }

  #caller(what: string): Thread {
    return callerThread(this.#sim, this.#host, what, this);
  }

  #isClosed(t: Thread): boolean {
    return (this.#in !== null && !this.#in.canRead(t)) ||
      (this.#out !== null && !this.#out.canWrite(t));
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const mode = this.#in && this.#out ? "duplex" : this.#in ? "read-only" : "write-only";
    return `<Connection #${this.#id} ${mode}>`;
  }
}

/**
 * Makes a pipe between processes (`multiprocessing.Pipe`) and returns its
 * two connections. Duplex (the default): each end sends and receives —
 * CPython uses a socketpair, iosim two pipes with the same costs.
 * One-way: the first end only receives, the second only sends. Make it
 * before starting the processes that use it: they inherit its descriptors.
 *
 * @example The article's pipe: parent and child greet each other
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { type Connection, Pipe, Process } from "@iosim/iosim/mp";
 * function* run(sys: Sys, conn: Connection<string>) {
 *   yield* conn.send("你好,我是子进程");
 *   sys.print(yield* conn.recv());
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const [parentConn, childConn] = Pipe<string>(sys);
 *   yield* parentConn.send("你好我是父进程");
 *   const p = new Process({ target: run, args: [childConn] });
 *   yield* p.start(sys);
 *   yield* p.join();
 *   sys.print(yield* parentConn.recv());
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["你好我是父进程", "你好,我是子进程"]);
 * ```
 *
 * @typeParam T What travels through it.
 * @param sys The creating thread's system calls.
 * @param duplex Whether both ends send and receive (default true).
 * @returns The two connections.
 * @throws {TypeError} If `sys` is not a `Sys`.
 * @throws {OSError} If the process is out of descriptors.
 */
export function Pipe<T = unknown>(sys: Sys, duplex = true): [Connection<T>, Connection<T>] {
  if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
  return Connection._pair<T>(sys, duplex !== false);
}
