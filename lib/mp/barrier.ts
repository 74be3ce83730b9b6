/**
 * `multiprocessing.Barrier`: processes wait until enough have arrived.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { callerThread, checkTimeout, objectId, owe, pay } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { BrokenBarrierError } from "./errors.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";

/** What the last thread to arrive runs before the others are released. */
export type BarrierAction = (sys: Sys) => ThreadRoutine<void>;

/** Options for a new {@linkcode Barrier}. */
export interface BarrierOptions {
  /** Run by the last thread to arrive, before any is released. */
  readonly action?: BarrierAction;
  /** The default timeout of `wait`, in nanoseconds. */
  readonly timeout?: number;
}

/**
 * A barrier for `parties` threads of any processes
 * (`multiprocessing.Barrier`, with `threading.Barrier`'s semantics): each
 * `wait` blocks until `parties` threads are waiting, then all go on, each
 * with its arrival index (0 first). A timeout, `abort` or `reset` breaks
 * it: waiters get `BrokenBarrierError`.
 *
 * @example Three processes meet
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Barrier, Process } from "@iosim/iosim/mp";
 * function* party(sys: Sys, b: Barrier, delay: number) {
 *   yield* sys.sleep(ms(delay));
 *   yield* b.wait();
 *   sys.print(`released at ${Math.round(sys.now / 1e6)} ms`);
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 4 }).spawn("main", function* (sys) {
 *   const b = new Barrier(sys, 3);
 *   for (const d of [10, 20, 30]) {
 *     yield* new Process({ target: party, args: [b, d] }).start(sys);
 *   }
 * });
 * sim.run();
 * assert.equal(new Set(sim.output.map((l) => l.text)).size, 1);
 * assert.ok(sim.output[0]!.t >= ms(30));
 * ```
 */
export class Barrier {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** How many threads must wait before all are released. */
  readonly parties: number;
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #action: BarrierAction | undefined;
  readonly #timeout: number | undefined;
  readonly #waiters: WaitQueue;
  readonly #brokenGenerations = new Set<number>();
  readonly #id: number;
  #count = 0;
  #generation = 0;
  #broken = false;

  /**
   * Makes a barrier.
   *
   * @param sys The creating thread's system calls.
   * @param parties How many threads it waits for.
   * @param options The action and the default timeout.
   * @throws {RangeError} If `parties` is not a positive integer, or the timeout negative.
   * @throws {TypeError} If `sys` is not a `Sys`, `options` not an object, or the action
   *   not a function.
   */
  constructor(sys: Sys, parties: number, options: BarrierOptions = {}) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    if (!Number.isSafeInteger(parties) || parties < 1) {
      throw new RangeError(
        `Invalid barrier parties "${String(parties)}": expected an integer >= 1`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Invalid barrier options "${String(options)}": expected an object`);
    }
    if (options.action !== undefined && typeof options.action !== "function") {
      throw new TypeError(
        `Invalid barrier action "${String(options.action)}": expected a generator function`,
      );
    }
    this.parties = parties;
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#action = options.action;
    this.#timeout = checkTimeout("barrier", options.timeout);
    this.#id = objectId(sys.host.sim);
    this.#waiters = new WaitQueue(this.#sim, `Barrier#${this.#id}`, this.#costs.futexNs);
  }

  /** How many threads wait now. */
  get nWaiting(): number {
    return this.#count;
  }

  /** Whether it is broken. */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Waits until `parties` threads wait, or `timeout` runs out (which breaks
   * the barrier).
   *
   * @param timeout The longest wait, in nanoseconds (default: the barrier's).
   * @returns The operation, for `yield*`; it gives the arrival index.
   * @throws {BrokenBarrierError} If the barrier is or becomes broken.
   */
  *wait(timeout?: number | null): ThreadRoutine<number> {
    const limit = checkTimeout("wait", timeout) ?? this.#timeout;
    const t = callerThread(this.#sim, this.#host, "wait on", this);
    owe(t, 2 * this.#costs.lockNs);
    if (this.#broken) throw new BrokenBarrierError(`Barrier#${this.#id} is broken`);
    const gen = this.#generation;
    const index = this.#count++;
    if (index + 1 === this.parties) {
      if (this.#action !== undefined) {
        try {
          yield* this.#action(t.sys);
        } catch (e) {
          this.#breakGeneration(gen);
          throw e;
        }
      }
      this.#count = 0;
      this.#generation++;
      if (t.pending) yield* pay(t);
      this.#waiters.wakeAll(t);
      return index;
    }
    const deadline = limit === undefined ? Infinity : this.#sim.now + limit;
    for (;;) {
      const left = deadline - this.#sim.now;
      const woken = left > 0 &&
        (yield* this.#waiters.wait(t, left === Infinity ? undefined : left));
      if (this.#brokenGenerations.has(gen)) {
        throw new BrokenBarrierError(`Barrier#${this.#id} was broken while waiting`);
      }
      if (this.#generation !== gen) return index;
      if (!woken) {
        this.#breakGeneration(gen);
        throw new BrokenBarrierError(`Barrier#${this.#id}: wait timed out, the barrier is broken`);
      }
    }
  }

  /**
   * Breaks the barrier: current and future waiters get `BrokenBarrierError`
   * until `reset`.
   *
   * @returns The operation, for `yield*`.
   */
  *abort(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "abort", this);
    if (t.pending) yield* pay(t);
    this.#breakGeneration(this.#generation);
  }

  /**
   * Makes the barrier usable again; threads waiting on it get
   * `BrokenBarrierError`.
   *
   * @returns The operation, for `yield*`.
   */
  *reset(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "reset", this);
    if (t.pending) yield* pay(t);
    if (this.#count > 0) this.#brokenGenerations.add(this.#generation);
    this.#generation++;
    this.#count = 0;
    this.#broken = false;
    this.#waiters.wakeAll(t);
  }

  /**
   * Describes the barrier for messages.
   *
   * @returns e.g. `Barrier#1`.
   */
  describe(): string {
    return `Barrier#${this.#id}`;
  }

  #breakGeneration(gen: number): void {
    this.#broken = true;
    this.#brokenGenerations.add(gen);
    this.#count = 0;
    this.#waiters.wakeAll();
  }
}
