/**
 * The greenlets a hub spawns (gevent's `Greenlet`): a result, an error,
 * joiners and links.
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { checkTimeout } from "./_args.ts";
import { quote, UNSTARTED } from "./_shared.ts";
import { WaitList } from "./_wait_list.ts";
import { GreenletExit } from "./errors.ts";
import { Greenlet, type GreenletRoutine } from "./greenlet.ts";
import type { Hub, HubTimer, KillOptions } from "./hub.ts";
import { Timeout } from "./timeout.ts";

/** Options for {@linkcode HubGreenlet.get}. */
export interface GetOptions {
  /** Wait for the result (default true); without, a greenlet not finished throws {@linkcode Timeout}. */
  readonly block?: boolean;
  /** The longest wait, in nanoseconds (default: forever). */
  readonly timeout?: number | null;
}

/**
 * A greenlet spawned on a hub (gevent's `Greenlet`). Its parent is the
 * hub. When it finishes it keeps its return value (`value`) or its error
 * (`exception`); a failure is reported (printed) and never raised in the
 * hub. Dying by {@linkcode GreenletExit} counts as success, with the
 * `GreenletExit` as the value. Joiners wake and links run when it dies.
 *
 * Made by `hub.spawn` and `hub.spawnLater`.
 *
 * @typeParam R What its function returns.
 *
 * @example A failed greenlet keeps its error
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const g = hub.spawn(function* () {
 *       throw new RangeError("boom");
 *     });
 *     yield* g.join();
 *     sys.print(g.ready(), g.successful(), (g.exception as Error).message);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), [
 *   '<Greenlet "Greenlet-0"> failed with RangeError: boom',
 *   "true false boom",
 * ]);
 * ```
 */
export class HubGreenlet<R = unknown> extends Greenlet<R, never> {
  /** The hub it was spawned on. */
  readonly hub: Hub;
  /** @ignore The spawnLater timer, until it fires. */
  _startTimer: HubTimer | null = null;
  readonly #fn: (...args: unknown[]) => GreenletRoutine<R>;
  readonly #args: unknown[];
  readonly #index: number;
  #settled = false;
  #ok = false;
  #value: unknown = undefined;
  #exception: unknown = undefined;
  #joiners: WaitList | null = null;
  #links: ((g: never) => void)[] | null = null;

  /**
   * Makes a greenlet whose parent is the hub; use `hub.spawn` (which also
   * schedules its start).
   *
   * @param hub The hub.
   * @param fn The generator function.
   * @param args Its arguments.
   */
  constructor(hub: Hub, fn: (...args: unknown[]) => GreenletRoutine<R>, args: unknown[]) {
    super(undefined, hub.greenlet as Greenlet<unknown, never>);
    this.hub = hub;
    this.#fn = fn;
    this.#args = args;
    this.#index = hub.spawned++;
  }

  /** @ignore gevent's default names: `Greenlet-0`, `Greenlet-1`, ... */
  override _defaultName(): string {
    return `Greenlet-${this.#index}`;
  }

  /** The return value once it succeeded, else `undefined`. */
  get value(): R | undefined {
    return this.#ok ? this.#value as R : undefined;
  }

  /** The error it failed with, else `undefined`. */
  get exception(): unknown {
    return this.#settled && !this.#ok ? this.#exception : undefined;
  }

  /**
   * Whether it has finished.
   *
   * @returns `true` once dead.
   */
  ready(): boolean {
    return this.#settled;
  }

  /**
   * Whether it finished without an error (a `GreenletExit` counts as success).
   *
   * @returns `true` if it finished and succeeded.
   */
  successful(): boolean {
    return this.#settled && this.#ok;
  }

  /**
   * Waits until it finishes (or `timeout` runs out).
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`; it gives whether it finished.
   * @throws {RangeError} If the timeout is negative.
   * @throws {StateError} If a greenlet joins itself.
   */
  *join(timeout?: number | null): GreenletRoutine<boolean> {
    const t = checkTimeout("join", timeout);
    if (this.#settled) return true;
    if (this.hub.runtime.current === (this as Greenlet<unknown, never>)) {
      throw new StateError(`Greenlet "${this.name}" cannot join itself`);
    }
    const list = this.#joiners ??= new WaitList(`join of greenlet "${this.name}"`);
    const r = yield* list.park(this.hub, t);
    return r !== TIMEOUT || this.#settled;
  }

  /**
   * Waits until it finishes, then returns its value or throws its error.
   *
   * @example A result with a deadline
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms, Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * import { runHub } from "@iosim/iosim/coro";
   * const sim = new Simulation();
   * new Host(sim).spawn("app", function* (sys) {
   *   yield* runHub(sys, function* (hub) {
   *     const g = hub.spawn(function* () {
   *       yield* hub.sleep(ms(100));
   *       return "late";
   *     });
   *     try {
   *       yield* g.get({ timeout: ms(10) });
   *     } catch (e) {
   *       sys.print((e as Error).name);
   *     }
   *     sys.print(yield* g.get());
   *   });
   * });
   * sim.run();
   * assert.deepEqual(sim.output.map((l) => l.text), ["Timeout", "late"]);
   * ```
   *
   * @param options Whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {Timeout} If it did not finish in time (or at once, without `block`).
   * @throws {unknown} The greenlet's own error, if it failed.
   */
  *get(options: GetOptions = {}): GreenletRoutine<R> {
    const t = checkTimeout("get", options.timeout);
    if (!this.#settled) {
      if (options.block === false) throw new Timeout(this.hub, 0);
      if (!(yield* this.join(t))) throw new Timeout(this.hub, t ?? null);
    }
    if (this.#ok) return this.#value as R;
    throw this.#exception;
  }

  /**
   * Kills it (see `hub.kill`).
   *
   * @param options The error, whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives whether it is dead.
   */
  *kill(options: KillOptions = {}): GreenletRoutine<boolean> {
    return yield* this.hub.kill(this as HubGreenlet<unknown>, options);
  }

  /**
   * Calls `fn(this)` when it dies (at once if it is dead). `fn` runs inside
   * the hub: it must not block, and an error it throws is reported and
   * dropped (gevent's `rawlink`).
   *
   * @param fn The callback.
   * @throws {TypeError} If `fn` is not a function.
   */
  rawlink(fn: (g: HubGreenlet<R>) => void): void {
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid link "${quote(fn)}": it must be a function`);
    }
    if (this.#settled) {
      this.hub._call(() => fn(this));
      return;
    }
    (this.#links ??= []).push(fn);
  }

  /**
   * Removes a callback added by `rawlink`.
   *
   * @param fn The callback.
   */
  unlink(fn: (g: HubGreenlet<R>) => void): void {
    const links = this.#links;
    if (links === null) return;
    const i = links.indexOf(fn);
    if (i >= 0) links.splice(i, 1);
  }

  /** @ignore */
  override _begin(): GreenletRoutine<R> {
    return this.#fn(...this.#args);
  }

  /** @ignore */
  _cancelStart(hub: Hub): void {
    if (this._startTimer !== null) {
      hub._cancelTimer(this._startTimer);
      this._startTimer = null;
    }
  }

  /** @ignore Records the result, reports a failure, wakes joiners, runs links. */
  override _died(ok: boolean, value: unknown): boolean {
    if (!ok && value instanceof GreenletExit) ok = true;
    this.#settled = true;
    this.#ok = ok;
    if (ok) this.#value = value;
    else {
      this.#exception = value;
      if (this.hub._reportErrors) {
        const what = value instanceof Error ? `${value.name}: ${value.message}` : quote(value);
        this.hub.sys.print(`<Greenlet "${this.name}"> failed with ${what}`);
      }
    }
    this.#joiners?.notifyAll(this.hub);
    const links = this.#links;
    if (links !== null) {
      this.#links = null;
      for (const fn of links) {
        try {
          (fn as (g: HubGreenlet<R>) => void)(this);
        } catch (e) {
          this.hub._report(`A link of greenlet "${this.name}"`, e);
        }
      }
    }
    return true;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const state = this._state === UNSTARTED
      ? "pending"
      : !this.#settled
      ? "running"
      : this.#ok
      ? "ok"
      : "failed";
    return `Greenlet { "${this.name}", ${state} }`;
  }
}
