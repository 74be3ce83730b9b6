/**
 * `multiprocessing.Queue`: a pipe, two locks and a feeder thread.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { Process as OsProcess } from "../os/process.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { Channel } from "./_channel.ts";
import { callerThread, checkTimeout, due, objectId, owe, pay, procState } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts, pickleTime, unpickleTime } from "./costs.ts";
import { BrokenPipeError, Empty, Full, ProcessError, ValueError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { pickle, type Pickled, SHARED, type SharePolicy } from "./pickle.ts";
import { BoundedSemaphore } from "./semaphore.ts";

const SENTINEL: Pickled = { value: undefined, bytes: 0, items: 0 };

/** What each process keeps of a queue (CPython resets it after fork). */
class Local {
  closed = false;
  buffer: Pickled[] = [];
  head = 0;
  feeder: Thread | null = null;
  notEmpty: WaitQueue;
  joinCancelled = false;
  cancelJoin: (() => void) | null = null;
  cancelClose: (() => void) | null = null;
  constructor(sim: Simulation, futexNs: number) {
    this.notEmpty = new WaitQueue(sim, "feeder waits for items", futexNs);
  }
  get empty(): boolean {
    return this.head === this.buffer.length;
  }
}

/**
 * A queue between processes, built as CPython builds it: a pipe, a lock
 * for readers and one for writers, and in each process that puts, a
 * feeder thread. `put` appends to the process's buffer and returns; the
 * feeder pickles each item and writes it to the pipe (one write(2) per
 * item, under the write lock); `get` reads one frame under the read lock
 * and unpickles it. So a value is copied when put (iosim pickles it at
 * `put`; CPython pickles it in the feeder a moment later, so an
 * unpicklable value only prints a traceback from the feeder there, while
 * iosim raises `PicklingError` from `put`).
 *
 * The documented trap holds: a process that put items waits, before it
 * exits, for its feeder to flush them into the pipe; if the pipe is full
 * and the parent joins that process before draining the queue, both wait
 * forever.
 *
 * Items from one producer arrive in the order it put them; items from
 * several producers interleave. `qsize` counts items put and not yet
 * taken (buffered ones included); `empty` only looks at the pipe.
 *
 * @typeParam T What travels through it.
 *
 * @example The article's queue
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Process, Queue } from "@iosim/iosim/mp";
 * class MyProcess extends Process {
 *   constructor(private processName: string, private q: Queue<string>) {
 *     super();
 *   }
 *   override *run(_sys: Sys) {
 *     yield* this.q.put(this.processName);
 *   }
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const q = new Queue<string>(sys);
 *   yield* q.put("mainprocess");
 *   const p1 = new MyProcess("myprocess", q), p2 = new MyProcess("yourprocess", q);
 *   yield* p1.start(sys);
 *   yield* p2.start(sys);
 *   yield* p1.join();
 *   yield* p2.join();
 *   while (q.qsize() > 0) sys.print(yield* q.get());
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["mainprocess", "myprocess", "yourprocess"]);
 * ```
 */
export class Queue<T = unknown> {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** The most items it holds before `put` blocks (0: no limit). */
  readonly maxsize: number;
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #channel: Channel;
  readonly #rlock: Lock;
  readonly #wlock: Lock;
  readonly #sem: BoundedSemaphore | null;
  readonly #creator: OsProcess;
  readonly #locals = new Map<OsProcess, Local>();
  readonly #id: number;
  #count = 0;
  #lastProc: OsProcess | null = null;
  #lastLocal: Local | null = null;

  /**
   * Makes a queue: a pipe, its locks and (if bounded) a semaphore, in the
   * calling process; the processes it starts afterwards inherit them.
   *
   * @param sys The creating thread's system calls.
   * @param maxsize The most items it holds (default 0: no limit).
   * @throws {TypeError} If `sys` is not a `Sys`.
   * @throws {RangeError} If `maxsize` is not an integer >= 0.
   * @throws {OSError} If the process is out of descriptors.
   */
  constructor(sys: Sys, maxsize = 0) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    if (!Number.isSafeInteger(maxsize) || maxsize < 0) {
      throw new RangeError(`Invalid queue maxsize "${String(maxsize)}": expected an integer >= 0`);
    }
    this.maxsize = maxsize;
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#id = objectId(sys.host.sim);
    this.#channel = new Channel(sys);
    this.#rlock = new Lock(sys);
    this.#wlock = new Lock(sys);
    this.#sem = maxsize > 0 ? new BoundedSemaphore(sys, maxsize) : null;
    this.#creator = sys.process;
  }

  /**
   * Puts `obj` on the queue: blocks (when `block`) while a bounded queue is
   * full, or until `timeout` runs out; starts this process's feeder thread
   * on first use (pthread_create).
   *
   * @param obj The item; the receiver gets a copy.
   * @param block Whether to wait for room (default true).
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If this process closed the queue.
   * @throws {PicklingError} If `obj` cannot be pickled.
   * @throws {Full} If there was no room in time.
   */
  *put(obj: T, block = true, timeout?: number | null): ThreadRoutine<void> {
    const limit = checkTimeout("put", timeout);
    const t = callerThread(this.#sim, this.#host, "put on", this);
    const local = this.#local(t.process);
    if (local.closed) throw new ValueError(`Queue ${this.describe()} is closed`);
    const p = pickle(obj);
    if (this.#sem !== null && !(yield* this.#sem.acquire(block, limit))) {
      throw new Full(`${this.describe()} is full (maxsize ${this.maxsize})`);
    }
    this.#count++;
    owe(t, this.#costs.putNs);
    if (local.feeder === null) yield* this.#startFeeder(t, local);
    local.buffer.push(p);
    this._afterPut(t);
    if (local.notEmpty.size > 0) {
      if (t.pending) yield* pay(t);
      local.notEmpty.wakeOne(t);
    }
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
  }

  /**
   * `put(obj, false)`.
   *
   * @param obj The item.
   * @returns The operation, for `yield*`.
   * @throws {Full} If a bounded queue is full.
   */
  *putNowait(obj: T): ThreadRoutine<void> {
    yield* this.put(obj, false);
  }

  /**
   * Takes the next item: blocks (when `block`) until one comes through the
   * pipe, or until `timeout` runs out.
   *
   * @param block Whether to wait (default true).
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {ValueError} If this process closed the queue.
   * @throws {Empty} If no item came in time.
   */
  *get(block = true, timeout?: number | null): ThreadRoutine<T> {
    const limit = checkTimeout("get", timeout);
    const t = callerThread(this.#sim, this.#host, "get from", this);
    if (this.#local(t.process).closed) throw new ValueError(`Queue ${this.describe()} is closed`);
    const ch = this.#channel;
    const deadline = !block
      ? this.#sim.now
      : limit === undefined
      ? Infinity
      : this.#sim.now + limit;
    if (!(yield* this.#rlock.acquire(block, limit))) throw new Empty(`${this.describe()} is empty`);
    let value: unknown;
    try {
      value = yield* ch.read(t, deadline);
    } catch (e) {
      yield* this.#rlock.release();
      throw e;
    }
    yield* this.#rlock.release();
    if (value === TIMEOUT) throw new Empty(`${this.describe()} is empty`);
    this.#count--;
    if (this.#sem !== null) yield* this.#sem.release();
    owe(t, this.#costs.getNs + unpickleTime(this.#costs, ch.lastBytes, ch.lastItems));
    if (due(t, this.#costs.lazyFlushNs)) yield* pay(t);
    return value as T;
  }

  /**
   * `get(false)`.
   *
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {Empty} If no item is in the pipe.
   */
  *getNowait(): ThreadRoutine<T> {
    return yield* this.get(false);
  }

  /**
   * Items put and not yet taken, counting those still in feeder buffers
   * (`maxsize` minus the semaphore's value, as in CPython).
   *
   * @returns The count.
   */
  qsize(): number {
    return this.#count;
  }

  /**
   * Whether the pipe has nothing to read (items still in a feeder's buffer
   * do not count, as in CPython).
   *
   * @returns Whether it looks empty.
   */
  empty(): boolean {
    return !this.#channel.readable();
  }

  /**
   * Whether a bounded queue has no room.
   *
   * @returns Whether `put` would block.
   */
  full(): boolean {
    return this.#sem !== null && this.#sem.getValue() === 0;
  }

  /**
   * Closes the queue in the calling process: no more `put` or `get` here;
   * the read end is closed, and the feeder writes what is buffered, then
   * closes the write end and ends.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "close", this);
    const local = this.#local(t.process);
    if (local.closed) return;
    local.closed = true;
    if (this.#channel.canRead(t)) yield* t.sys.close(this.#channel.rfdIn(t.process));
    local.cancelClose?.();
    local.cancelClose = null;
    this.#finalizeClose(local);
  }

  /**
   * Waits for this process's feeder to flush its buffer and end. As in
   * CPython it does nothing in the process that made the queue, and after
   * `cancelJoinThread`.
   *
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If the queue is not closed in this process.
   */
  *joinThread(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "join the feeder of", this);
    const local = this.#local(t.process);
    if (!local.closed) throw new ProcessError(`Queue ${this.describe()} not closed`);
    if (local.feeder === null || local.joinCancelled || t.process === this.#creator) return;
    local.cancelJoin?.();
    local.cancelJoin = null;
    yield* t.sys.joinThread(local.feeder);
  }

  /**
   * Lets this process exit without waiting for its feeder to flush (items
   * not yet in the pipe are lost).
   */
  cancelJoinThread(): void {
    const t = callerThread(this.#sim, this.#host, "cancel the feeder join of", this);
    const local = this.#local(t.process);
    local.joinCancelled = true;
    local.cancelJoin?.();
    local.cancelJoin = null;
  }

  /**
   * Describes the queue for messages.
   *
   * @returns e.g. `Queue#2`.
   */
  describe(): string {
    return `${this.constructor.name}#${this.#id}`;
  }

  /** @ignore A hook for JoinableQueue, after an item is buffered. */
  _afterPut(_t: Thread): void {}

  *#startFeeder(t: Thread, local: Local): ThreadRoutine<void> {
    const feeder = yield* t.sys.spawnThread("QueueFeederThread", (fsys) => this.#feed(fsys, local));
    feeder.task.daemon = true;
    local.feeder = feeder;
    const st = procState(t.process);
    local.cancelClose = st.finalize(10, (_sys) => this.#closeAtExit(local));
    if (!local.joinCancelled && t.process !== this.#creator) {
      local.cancelJoin = st.finalize(-5, function* (sys) {
        yield* sys.joinThread(feeder);
      });
    }
  }

  // deno-lint-ignore require-yield
  *#closeAtExit(local: Local): ThreadRoutine<void> {
    local.cancelClose = null;
    this.#finalizeClose(local);
  }

  #finalizeClose(local: Local): void {
    if (local.feeder === null) return;
    local.buffer.push(SENTINEL);
    local.notEmpty.wakeOne();
  }

  *#feed(sys: Sys, local: Local): ThreadRoutine<void> {
    const t = sys.thread, c = this.#costs, ch = this.#channel;
    const perWrite = t.costs.syscallNs + t.costs.unixSendNs;
    for (;;) {
      while (local.empty) yield* local.notEmpty.wait(t);
      // Take a batch: as CPython's feeder pickles and writes items one by
      // one, a batch costs the same; it only saves simulated steps, and is
      // kept small enough (lazyFlushNs of work) not to delay the first item.
      const buf = local.buffer;
      const start = local.head;
      let end = start, bytes = 0, cost = 0, stop = false;
      while (end < buf.length) {
        const p = buf[end]!;
        if (p === SENTINEL) {
          stop = true;
          break;
        }
        end++;
        bytes += p.bytes + 4;
        cost += c.feederNs + pickleTime(c, p.bytes, p.items) + perWrite;
        if (cost >= c.lazyFlushNs || bytes >= 32_768) break;
      }
      local.head = end + (stop ? 1 : 0);
      if (local.head === buf.length) {
        local.buffer = [];
        local.head = 0;
      }
      if (end > start) {
        owe(t, cost - (end - start) * perWrite);
        yield* pay(t);
        yield* this.#wlock.acquire();
        for (let i = start; i < end; i++) ch.enqueue(buf[i]!.value, buf[i]!.bytes, buf[i]!.items);
        try {
          yield* ch.write(t, bytes, end - start);
        } catch (e) {
          yield* this.#wlock.release();
          if (!(e instanceof BrokenPipeError)) throw e;
          sys.print("Traceback (most recent call last):");
          sys.print(`${e.name}: ${e.message}`);
          return;
        }
        yield* this.#wlock.release();
      }
      if (stop) {
        if (ch.canRead(t)) yield* sys.close(ch.rfdIn(t.process));
        if (ch.canWrite(t)) yield* sys.close(ch.wfdIn(t.process));
        return;
      }
    }
  }

  #local(p: OsProcess): Local {
    if (p === this.#lastProc) return this.#lastLocal!;
    let local = this.#locals.get(p);
    if (local === undefined) {
      local = new Local(this.#sim, this.#costs.futexNs);
      this.#locals.set(p, local);
    }
    this.#lastProc = p;
    this.#lastLocal = local;
    return local;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<${this.describe()} qsize=${this.#count}>`;
  }
}
