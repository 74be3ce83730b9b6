/**
 * Groups and pools of greenlets (gevent's `Group` and `Pool`).
 *
 * @module
 */

import { TIMEOUT } from "../kernel/simulation.ts";
import { checkFunction, checkTimeout } from "./_args.ts";
import { quote } from "./_shared.ts";
import { WaitList } from "./_wait_list.ts";
import type { GreenletRoutine } from "./greenlet.ts";
import type { Hub, KillOptions } from "./hub.ts";
import { HubGreenlet } from "./hub_greenlet.ts";

/** Options for {@linkcode Group.join}. */
export interface GroupJoinOptions {
  /** The longest wait, in nanoseconds (default: forever). */
  readonly timeout?: number | null;
  /** Stop and throw the error of the first member that fails while waiting (default false). */
  readonly raiseError?: boolean;
}

/**
 * A set of greenlets to wait for or kill together. A member leaves the
 * group when it dies.
 *
 * @example Mapping in parallel
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim, { costs: { wakeupNs: 0 } }).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const group = new Group(hub);
 *     const squares = yield* group.map(function* (x: number) {
 *       yield* hub.sleep(ms(10));
 *       return x * x;
 *     }, [1, 2, 3]);
 *     sys.print(squares.join(","), Math.round(sys.now / 1e6));
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "1,4,9 10");
 * ```
 */
export class Group {
  /** The hub. */
  readonly hub: Hub;
  readonly #members = new Set<HubGreenlet<unknown>>();
  readonly #changed = new WaitList(() => `${this.constructor.name}.join()`);
  readonly #left = (g: HubGreenlet<unknown>) => this.#leave(g);
  #failed: HubGreenlet<unknown> | null = null;

  /**
   * Makes an empty group.
   *
   * @param hub The hub whose greenlets it holds.
   */
  constructor(hub: Hub) {
    this.hub = hub;
  }

  /** How many members it has. */
  get size(): number {
    return this.#members.size;
  }

  /**
   * The members, in the order they joined.
   *
   * @returns The greenlets.
   */
  greenlets(): HubGreenlet<unknown>[] {
    return [...this.#members];
  }

  /**
   * Whether `g` is a member.
   *
   * @param g A greenlet.
   * @returns `true` if it is.
   */
  has(g: HubGreenlet<unknown>): boolean {
    return this.#members.has(g);
  }

  /**
   * Adds a greenlet of the hub (a dead one is not added).
   *
   * @param g The greenlet.
   * @throws {TypeError} If `g` is not a greenlet spawned on this hub.
   */
  add(g: HubGreenlet<unknown>): void {
    if (!(g instanceof HubGreenlet) || g.hub !== this.hub) {
      throw new TypeError(
        `Invalid greenlet "${
          quote(g)
        }" for ${this.constructor.name}.add: it must be spawned on this hub`,
      );
    }
    if (g.dead || this.#members.has(g)) return;
    this.#members.add(g);
    g.rawlink(this.#left);
  }

  /**
   * Removes a greenlet without killing it.
   *
   * @param g The greenlet.
   */
  discard(g: HubGreenlet<unknown>): void {
    if (!this.#members.delete(g)) return;
    g.unlink(this.#left);
    this._freed();
  }

  /**
   * Spawns `fn(...args)` as a member (a group never waits; a pool waits
   * for a free slot).
   *
   * @typeParam A The arguments.
   * @typeParam R What `fn` returns.
   * @param fn A generator function.
   * @param args Its arguments.
   * @returns The operation, for `yield*`; it gives the greenlet.
   * @throws {TypeError} If `fn` is not a function.
   */
  *spawn<A extends unknown[], R>(
    fn: (...args: A) => GreenletRoutine<R>,
    ...args: A
  ): GreenletRoutine<HubGreenlet<R>> {
    checkFunction("greenlet function", fn);
    yield* this._slot();
    const g = this.hub.spawn(fn, ...args);
    this.add(g as HubGreenlet<unknown>);
    return g;
  }

  /**
   * Waits until the group is empty (or the timeout runs out); with
   * `raiseError`, stops at the first member that fails meanwhile and throws its error.
   *
   * @param options Timeout and raiseError.
   * @returns The operation, for `yield*`; it gives whether the group is empty.
   * @throws {RangeError} If the timeout is negative.
   */
  *join(options: GroupJoinOptions = {}): GreenletRoutine<boolean> {
    const t = checkTimeout(`${this.constructor.name}.join`, options.timeout);
    const raise = options.raiseError === true;
    this.#failed = null;
    const deadline = t === undefined ? Infinity : this.hub.now + t;
    while (this.#members.size > 0 && !(raise && this.#failed !== null)) {
      const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.hub.now);
      if (left === 0) break;
      if ((yield* this.#changed.park(this.hub, left)) === TIMEOUT) break;
    }
    if (raise && this.#failed !== null) throw (this.#failed as HubGreenlet<unknown>).exception;
    return this.#members.size === 0;
  }

  /**
   * Kills every member (see `hub.killAll`).
   *
   * @param options The error, whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives whether all are dead.
   */
  *kill(options: KillOptions = {}): GreenletRoutine<boolean> {
    return yield* this.hub.killAll(this.greenlets(), options);
  }

  /**
   * Runs `fn(item)` for each item in member greenlets (at most `size` at a
   * time in a pool) and returns the results in the items' order.
   *
   * @typeParam T The items.
   * @typeParam R What `fn` returns.
   * @param fn A generator function.
   * @param items The items.
   * @returns The operation, for `yield*`; it gives the results.
   * @throws {unknown} The error of the first item (in order) whose call failed.
   */
  *map<T, R>(fn: (item: T) => GreenletRoutine<R>, items: Iterable<T>): GreenletRoutine<R[]> {
    checkFunction("map function", fn);
    const started: HubGreenlet<R>[] = [];
    for (const item of items) started.push(yield* this.spawn(fn, item));
    const out: R[] = [];
    for (const g of started) out.push(yield* g.get());
    return out;
  }

  /** @ignore Waits for room for one more member (a pool's slot). */
  *_slot(): GreenletRoutine<void> {}

  /** @ignore A member left. */
  _freed(): void {
    this.#changed.notifyAll(this.hub);
  }

  #leave(g: HubGreenlet<unknown>): void {
    if (!this.#members.delete(g)) return;
    if (!g.successful() && this.#failed === null) this.#failed = g;
    this._freed();
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `${this.constructor.name} { ${this.#members.size} greenlet(s) }`;
  }
}

/**
 * A group of at most `size` greenlets: `spawn` waits for a free slot, so
 * at most `size` run at once (bounded concurrency).
 *
 * @example Four jobs, two at a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim, { costs: { wakeupNs: 0 } }).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const pool = new Pool(hub, 2);
 *     for (let i = 0; i < 4; i++) {
 *       yield* pool.spawn(function* () {
 *         yield* hub.sleep(ms(10));
 *       });
 *     }
 *     yield* pool.join();
 *     sys.print(Math.round(sys.now / 1e6), pool.freeCount());
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "20 2");
 * ```
 */
export class Pool extends Group {
  /** The most members at once. */
  readonly poolSize: number;
  readonly #slots = new WaitList("Pool.spawn() (waiting for a free slot)");

  /**
   * Makes an empty pool.
   *
   * @param hub The hub whose greenlets it holds.
   * @param size The most members at once.
   * @throws {TypeError} If `size` is not a number.
   * @throws {RangeError} If `size` is not an integer >= 1.
   */
  constructor(hub: Hub, size: number) {
    if (typeof size !== "number") {
      throw new TypeError(`Invalid pool size "${quote(size)}": it must be a number`);
    }
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Invalid pool size "${size}": it must be an integer >= 1`);
    }
    super(hub);
    this.poolSize = size;
  }

  /**
   * How many more members fit.
   *
   * @returns The free slots.
   */
  freeCount(): number {
    return Math.max(0, this.poolSize - this.size);
  }

  /**
   * Whether no slot is free.
   *
   * @returns `true` when `spawn` would wait.
   */
  full(): boolean {
    return this.freeCount() === 0;
  }

  /**
   * Waits until a slot is free (or the timeout runs out).
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives the free slots.
   * @throws {RangeError} If the timeout is negative.
   */
  *waitAvailable(timeout?: number | null): GreenletRoutine<number> {
    const t = checkTimeout("Pool.waitAvailable", timeout);
    const deadline = t === undefined ? Infinity : this.hub.now + t;
    while (this.full()) {
      const left = deadline === Infinity ? undefined : Math.max(0, deadline - this.hub.now);
      if (left === 0) break;
      let r: unknown;
      try {
        r = yield* this.#slots.park(this.hub, left);
      } catch (e) {
        if (!this.full()) this.#slots.notifyOne(this.hub);
        throw e;
      }
      if (r === TIMEOUT) break;
    }
    return this.freeCount();
  }

  /** @ignore */
  override *_slot(): GreenletRoutine<void> {
    while (this.full()) yield* this.waitAvailable();
  }

  /** @ignore */
  override _freed(): void {
    super._freed();
    this.#slots.notifyOne(this.hub);
  }
}
