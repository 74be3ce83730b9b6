/**
 * Queues between greenlets (gevent's `Queue` and `JoinableQueue`).
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { checkTimeout } from "./_args.ts";
import { quote } from "./_shared.ts";
import { WaitList } from "./_wait_list.ts";
import { QueueEmpty, QueueFull } from "./errors.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import type { Hub } from "./hub.ts";

/** Options for {@linkcode Queue.put} and {@linkcode Queue.get}. */
export interface QueueWaitOptions {
  /** Wait when the queue is full (put) or empty (get); default true. */
  readonly block?: boolean;
  /** The longest wait, in nanoseconds (default: forever). */
  readonly timeout?: number | null;
}

/**
 * A FIFO queue between greenlets of one hub. `put` waits while the queue
 * holds `maxsize` items; `get` waits while it is empty; waiters are served
 * first come, first served. Without `block`, or when the timeout runs out,
 * they throw {@linkcode QueueFull} and {@linkcode QueueEmpty}.
 *
 * @typeParam T The items.
 *
 * @example A producer and a consumer with a bound of 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const q = new Queue<number>(hub, 1);
 *     const producer = hub.spawn(function* () {
 *       for (let i = 0; i < 3; i++) {
 *         yield* q.put(i);
 *         sys.print(`put ${i}`);
 *       }
 *     });
 *     const consumer = hub.spawn(function* () {
 *       for (let i = 0; i < 3; i++) sys.print(`got ${yield* q.get()}`);
 *     });
 *     yield* hub.joinAll([producer, consumer]);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), [
 *   "put 0", "got 0", "put 1", "got 1", "put 2", "got 2",
 * ]);
 * ```
 */
export class Queue<T = unknown> {
  /** The hub. */
  readonly hub: Hub;
  /** The most items it holds (`Infinity` when unbounded). */
  readonly maxsize: number;
  #items: T[] = [];
  #head = 0;
  readonly #getters = new WaitList("Queue.get()");
  readonly #putters = new WaitList("Queue.put()");

  /**
   * Makes an empty queue.
   *
   * @param hub The hub whose greenlets use it.
   * @param maxsize The most items it holds; `undefined`, `null`, 0 or
   *   `Infinity` for no bound (as Python's `maxsize <= 0`, except that
   *   negative sizes are rejected).
   * @throws {TypeError} If `maxsize` is not a number.
   * @throws {RangeError} If `maxsize` is negative or not an integer.
   */
  constructor(hub: Hub, maxsize?: number | null) {
    this.hub = hub;
    if (maxsize === undefined || maxsize === null || maxsize === 0 || maxsize === Infinity) {
      this.maxsize = Infinity;
    } else if (typeof maxsize !== "number") {
      throw new TypeError(`Invalid queue maxsize "${quote(maxsize)}": it must be a number`);
    } else if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(
        `Invalid queue maxsize "${maxsize}": it must be a positive integer (or 0 for no bound)`,
      );
    } else this.maxsize = maxsize;
  }

  /**
   * How many items it holds.
   *
   * @returns The count.
   */
  qsize(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Whether it holds nothing.
   *
   * @returns `true` when empty.
   */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Whether it holds `maxsize` items.
   *
   * @returns `true` when full.
   */
  full(): boolean {
    return this.qsize() >= this.maxsize;
  }

  /**
   * Adds an item, waiting while the queue is full.
   *
   * @param item The item.
   * @param options Whether to wait, and for how long.
   * @returns The operation, for `yield*`.
   * @throws {QueueFull} If it stays full (at once without `block`, or after the timeout).
   * @throws {RangeError} If the timeout is negative.
   */
  *put(item: T, options: QueueWaitOptions = {}): GreenletRoutine<void> {
    const t = checkTimeout("Queue.put", options.timeout);
    if (this.full()) {
      if (options.block === false || t === 0) throw this.#full();
      const deadline = t === undefined ? Infinity : this.hub.now + t;
      while (this.full()) {
        const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.hub.now);
        let r: unknown;
        try {
          r = yield* this.#putters.park(this.hub, left);
        } catch (e) {
          this.#passOn();
          throw e;
        }
        if (r === TIMEOUT && this.full()) throw this.#full();
      }
    }
    this._add(item);
    this.#getters.notifyOne(this.hub);
  }

  /**
   * Adds an item without waiting.
   *
   * @param item The item.
   * @throws {QueueFull} If the queue is full.
   */
  putNowait(item: T): void {
    if (this.full()) throw this.#full();
    this._add(item);
    this.#getters.notifyOne(this.hub);
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty.
   *
   * @param options Whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {QueueEmpty} If it stays empty (at once without `block`, or after the timeout).
   * @throws {RangeError} If the timeout is negative.
   */
  *get(options: QueueWaitOptions = {}): GreenletRoutine<T> {
    const t = checkTimeout("Queue.get", options.timeout);
    if (this.empty()) {
      if (options.block === false || t === 0) throw this.#empty();
      const deadline = t === undefined ? Infinity : this.hub.now + t;
      while (this.empty()) {
        const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.hub.now);
        let r: unknown;
        try {
          r = yield* this.#getters.park(this.hub, left);
        } catch (e) {
          this.#passOn();
          throw e;
        }
        if (r === TIMEOUT && this.empty()) throw this.#empty();
      }
    }
    return this.#take();
  }

  /**
   * Removes and returns the oldest item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   */
  getNowait(): T {
    if (this.empty()) throw this.#empty();
    return this.#take();
  }

  /**
   * The oldest item, left in the queue.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   */
  peekNowait(): T {
    if (this.empty()) throw this.#empty();
    return this.#items[this.#head]!;
  }

  /** @ignore Appends without waking anyone (subclasses count tasks here). */
  _add(item: T): void {
    this.#items.push(item);
  }

  #take(): T {
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#putters.notifyOne(this.hub);
    return item;
  }

  /** A woken waiter was cut short (a timeout, a kill): let the next one look. */
  #passOn(): void {
    if (!this.empty()) this.#getters.notifyOne(this.hub);
    if (!this.full()) this.#putters.notifyOne(this.hub);
  }

  #full(): QueueFull {
    return new QueueFull(`Cannot put: the queue is full (${this.maxsize} items)`);
  }

  #empty(): QueueEmpty {
    return new QueueEmpty("Cannot get: the queue is empty");
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const max = this.maxsize === Infinity ? "" : `/${this.maxsize}`;
    return `${this.constructor.name} { ${this.qsize()}${max} items, getters: ${this.#getters.length}, putters: ${this.#putters.length} }`;
  }
}

/**
 * A queue that counts unfinished work: each `put` adds a task, each
 * `taskDone` finishes one, and `join` waits until none is left (Python's
 * `JoinableQueue`).
 *
 * @typeParam T The items.
 *
 * @example Workers drain the queue
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const q = new JoinableQueue<number>(hub);
 *     for (let i = 0; i < 4; i++) yield* q.put(i);
 *     for (let w = 0; w < 2; w++) {
 *       hub.spawn(function* () {
 *         for (;;) {
 *           yield* q.get();
 *           yield* hub.sleep(ms(10));
 *           q.taskDone();
 *         }
 *       });
 *     }
 *     yield* q.join();
 *     sys.print(q.unfinishedTasks, Math.round(sys.now / 1e6));
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "0 20");
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  #unfinished = 0;
  readonly #joiners = new WaitList("JoinableQueue.join()");

  /** Items put and not yet marked done. */
  get unfinishedTasks(): number {
    return this.#unfinished;
  }

  /** @ignore */
  override _add(item: T): void {
    this.#unfinished++;
    super._add(item);
  }

  /**
   * Marks one task done; when none is left, wakes the greenlets in `join`.
   *
   * @throws {StateError} If called more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinished === 0) {
      throw new StateError("Cannot mark a task done: taskDone() was called more times than put()");
    }
    if (--this.#unfinished === 0) this.#joiners.notifyAll(this.hub);
  }

  /**
   * Waits until every item put has been marked done (or `timeout` runs out).
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives whether no task is left.
   * @throws {RangeError} If the timeout is negative.
   */
  *join(timeout?: number | null): GreenletRoutine<boolean> {
    const t = checkTimeout("JoinableQueue.join", timeout);
    if (this.#unfinished === 0) return true;
    if (t === 0) return false;
    yield* this.#joiners.park(this.hub, t);
    return this.#unfinished === 0;
  }
}
