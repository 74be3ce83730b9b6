/**
 * `multiprocessing.SimpleQueue`: a pipe and two locks, no feeder.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { Process as OsProcess } from "../os/process.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { Channel } from "./_channel.ts";
import { callerThread, due, objectId, owe, pay } from "./_context.ts";
import { type MpCosts, mpCosts, pickleTime, unpickleTime } from "./costs.ts";
import { OSError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { pickle, SHARED, type SharePolicy } from "./pickle.ts";

/**
 * The simplest queue between processes: `put` pickles the object and
 * writes it to the pipe at once under the write lock (blocking while the
 * pipe is full: no feeder thread, no buffer), `get` reads one frame under
 * the read lock. The pool's task and result queues are simple queues.
 *
 * @typeParam T What travels through it.
 *
 * @example Put, get, empty
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { SimpleQueue } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const q = new SimpleQueue<number[]>(sys);
 *   yield* q.put([1, 2]);
 *   sys.print(q.empty(), (yield* q.get()).length, q.empty());
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "false 2 true");
 * ```
 */
export class SimpleQueue<T = unknown> {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #channel: Channel;
  readonly #rlock: Lock;
  readonly #wlock: Lock;
  readonly #id: number;

  /**
   * Makes a simple queue (a pipe and two locks) in the calling process.
   *
   * @param sys The creating thread's system calls.
   * @throws {TypeError} If `sys` is not a `Sys`.
   * @throws {OSError} If the process is out of descriptors.
   */
  constructor(sys: Sys) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#channel = new Channel(sys);
    this.#rlock = new Lock(sys);
    this.#wlock = new Lock(sys);
    this.#id = objectId(sys.host.sim);
  }

  /**
   * Pickles `obj` and writes it to the pipe under the write lock.
   *
   * @param obj The item; the receiver gets a copy.
   * @returns The operation, for `yield*`.
   * @throws {PicklingError} If `obj` cannot be pickled.
   * @throws {OSError} If this process closed the queue.
   * @throws {BrokenPipeError} If no process can read it any more.
   */
  *put(obj: T): ThreadRoutine<void> {
    const p = pickle(obj);
    yield* this._putPickled(p.value, p.bytes, p.items);
  }

  /**
   * @ignore Puts what the caller pickled (the pool pickles its envelopes'
   * contents only). `queued` runs when the item is committed to the pipe,
   * in the same step (see `_send`).
   */
  *_putPickled(
    value: unknown,
    bytes: number,
    items: number,
    queued?: () => void,
  ): ThreadRoutine<void> {
    const t = this.#caller("put on");
    yield* this.#wlock.acquire();
    try {
      yield* this._send(t, value, bytes, items, queued);
    } catch (e) {
      yield* this.#wlock.release();
      throw e;
    }
    yield* this.#wlock.release();
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
  }

  /**
   * Reads the next item under the read lock, blocking until one comes.
   *
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {OSError} If this process closed the queue.
   * @throws {EOFError} If every write end is closed and the pipe is empty.
   */
  *get(): ThreadRoutine<T> {
    return yield* this._get();
  }

  /**
   * @ignore `get`, calling `taken` with the item in the step that takes it
   * out of the pipe: a pool worker records its task there, so that no kill
   * can fall between the two (the lock's release below may wait).
   */
  *_get(taken?: (value: T) => void): ThreadRoutine<T> {
    const t = this.#caller("get from");
    yield* this.#rlock.acquire();
    let value: T;
    try {
      value = yield* this._recv(t);
      taken?.(value);
    } catch (e) {
      yield* this.#rlock.release();
      throw e;
    }
    yield* this.#rlock.release();
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
    return value;
  }

  /**
   * Whether the pipe has nothing to read.
   *
   * @returns Whether it is empty.
   */
  empty(): boolean {
    return !this.#channel.readable();
  }

  /**
   * Closes both ends in the calling process.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    const t = this.#caller("close");
    const ch = this.#channel;
    if (ch.canRead(t)) yield* t.sys.close(ch.rfdIn(t.process));
    if (ch.canWrite(t)) yield* t.sys.close(ch.wfdIn(t.process));
  }

  /**
   * Describes the queue for messages.
   *
   * @returns e.g. `SimpleQueue#1`.
   */
  describe(): string {
    return `SimpleQueue#${this.#id}`;
  }

  /**
   * @ignore Writes a pickled item without the lock (the pool's single
   * writer). The item is committed in the step its bytes go into the pipe,
   * and `queued` runs then: from that step on the reader gets it, even if
   * the writer dies. (When the pipe is too full, it is committed before
   * the blocking write: a writer killed while it waits leaves a torn frame,
   * as in CPython.)
   */
  *_send(
    t: Thread,
    value: unknown,
    bytes: number,
    items: number,
    queued?: () => void,
  ): ThreadRoutine<void> {
    const ch = this.#channel;
    if (!ch.canWrite(t)) throw new OSError(`handle is closed (${this.describe()})`);
    owe(t, this.#costs.simplePutNs + pickleTime(this.#costs, bytes, items));
    yield* ch.write(t, bytes + 4, 1, () => {
      ch.enqueue(value, bytes, items);
      queued?.();
    });
  }

  /**
   * @ignore Frees the locks `dead` held when it died, as the kernel frees
   * a robust futex on its owner's exit (the waker's futex call is charged
   * to the dying thread, as exit_robust_list runs in it). For the pool:
   * its workers take tasks and send results through simple queues, and a
   * worker killed while it waits for a task holds the read lock. The next
   * reader goes on from where the dead one was in the stream.
   *
   * @param dead The process that died.
   */
  _ownerDied(dead: OsProcess): void {
    for (const lock of [this.#rlock, this.#wlock]) {
      const owner = lock._owner;
      if (owner?.process === dead && lock.getValue() === 0) lock._releaseAll(owner);
    }
  }

  /** @ignore Reads an item without the lock (the pool's single reader). */
  *_recv(t: Thread): ThreadRoutine<T> {
    const ch = this.#channel;
    if (!ch.canRead(t)) throw new OSError(`handle is closed (${this.describe()})`);
    const value = yield* ch.read(t);
    owe(t, this.#costs.simpleGetNs + unpickleTime(this.#costs, ch.lastBytes, ch.lastItems));
    return value as T;
  }

  /** @ignore Whether an item (or end of file) is waiting. */
  _readable(): boolean {
    return this.#channel.readable();
  }

  #caller(what: string): Thread {
    return callerThread(this.#sim, this.#host, what, this);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<${this.describe()}>`;
  }
}
