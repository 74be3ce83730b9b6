/**
 * Greenlets: coroutines with explicit switching, all on one simulated
 * thread, run by a trampoline inside that thread's body.
 *
 * @module
 */

import { RESUME, resumeSlot } from "../kernel/_resume.ts";
import { StateError } from "../kernel/errors.ts";
import { Op } from "../kernel/op.ts";
import type { Task } from "../kernel/task.ts";
import type { Sys } from "../os/sys.ts";
import type { Thread } from "../os/thread.ts";
import { GreenletError, GreenletExit } from "./errors.ts";
import { ACTIVE, DEAD, quote, running, UNSTARTED } from "./_shared.ts";

/**
 * The generator a greenlet runs. It yields kernel operations (through
 * `yield*` on system calls, which block the whole thread) and greenlet
 * switches (through `yield*` on `switch` and `throw`), and returns `R`.
 */
export type GreenletRoutine<R = unknown> = Generator<Op, R, unknown>;

/** What a greenlet waits on while parked in a hub, for `LoopExit` reports. */
export interface GreenBlocker {
  /**
   * Describes what is awaited.
   *
   * @returns A short description, such as `Event.wait()`.
   */
  describe(): string;
  /**
   * Forgets `greenlet`: its wait ends some other way (a timeout, a kill).
   *
   * @param greenlet The greenlet whose wait ends.
   */
  cancelWait(greenlet: Greenlet<unknown, never>): void;
}

const SWITCH_CALL = "greenlet switch";

/** One runtime per thread at a time. */
const onThread = new WeakMap<Thread, GreenletRuntime<unknown>>();

/** The switch operation: handled by the trampoline, never by the kernel. */
class SwitchOp extends Op<unknown> {
  override _perform(task: Task): boolean {
    task._val = new StateError(
      `Task "${task.name}" yielded a greenlet switch outside its runGreenlets(): ` +
        "switch only from code run by the runtime that made the greenlet",
    );
    task._thr = true;
    return true;
  }
}

function isIterator(x: unknown): x is GreenletRoutine<unknown> {
  return x !== null && typeof x === "object" &&
    typeof (x as GreenletRoutine<unknown>).next === "function" &&
    typeof (x as GreenletRoutine<unknown>).throw === "function";
}

/**
 * The greenlet running now.
 *
 * @example The main greenlet
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runGreenlets(sys, function* (rt) {
 *     sys.print(getcurrent() === rt.main, getcurrent().name);
 *   });
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "true main");
 * ```
 *
 * @returns The current greenlet.
 * @throws {StateError} Outside greenlet code (no runtime is running).
 */
export function getcurrent(): Greenlet<unknown, never> {
  const rt = running.rt;
  if (rt === null || rt.current === null) {
    throw new StateError(
      "There is no current greenlet: call getcurrent() from code run by runGreenlets()",
    );
  }
  return rt.current;
}

/**
 * A greenlet: a coroutine with its own stack (here, a generator) on one
 * simulated thread. Control moves only by explicit `switch`: the switcher
 * suspends and the target resumes, receiving the switched value as the
 * result of its own last `switch` (or as `run`'s argument when it starts).
 * When `run` returns, the greenlet dies and its parent resumes with the
 * return value; when it throws, the error is raised in the parent, except
 * {@linkcode GreenletExit}, which the parent receives as a value.
 *
 * Switching involves no system call: it charges the thread
 * `costs.userSwitchNs` of user CPU time and nothing else. A greenlet that
 * makes a blocking system call (`yield* sys.recv(...)`) blocks the whole
 * thread and so every greenlet on it.
 *
 * Differences from Python's greenlet: switching to a dead greenlet throws
 * {@linkcode GreenletError} (greenlet silently switches to its parent
 * instead); `switch` passes one value (pass an array for several); `throw`
 * takes an `Error` instance.
 *
 * @typeParam R What `run` returns.
 * @typeParam A The argument `run` starts with.
 *
 * @example The article's test1/test2
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runGreenlets(sys, function* () {
 *     const gr1: Greenlet = new Greenlet(function* () {
 *       sys.print("11111111");
 *       yield* gr2.switch();
 *       sys.print("33333333");
 *       yield* gr2.switch();
 *     });
 *     const gr2: Greenlet = new Greenlet(function* () {
 *       sys.print("22222222");
 *       yield* gr1.switch();
 *       sys.print("44444444");
 *     });
 *     yield* gr1.switch();
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["11111111", "22222222", "33333333", "44444444"]);
 * ```
 */
export class Greenlet<R = unknown, A = unknown> {
  /** The greenlet's number within its runtime (the main greenlet is 0). */
  readonly id: number;
  /** @ignore The runtime it belongs to. */
  readonly _rt: GreenletRuntime<unknown>;
  /** @ignore Its generator once started. */
  _gen: GreenletRoutine<R> | null = null;
  /** @ignore UNSTARTED, ACTIVE or DEAD. */
  _state: number = UNSTARTED;
  /** @ignore Whether it ever ran. */
  _ran = false;
  /** @ignore */
  _parent: Greenlet<unknown, never> | null;
  /** @ignore What it waits on in a hub, or null. */
  _blocker: GreenBlocker | null = null;
  /** @ignore Bumped when a hub wait begins or is cut short, to drop stale wake-ups. */
  _seq = 0;
  /** @ignore Its hub timer slot, or -1. */
  _tslot = -1;
  /** @ignore The live list. */
  _prevLive: Greenlet<unknown, never> | null = null;
  /** @ignore */
  _nextLive: Greenlet<unknown, never> | null = null;
  readonly #run: ((arg: A) => GreenletRoutine<R>) | undefined;
  #name: string | undefined = undefined;

  /**
   * Makes a greenlet that will run `run` when first switched to. Call it
   * from greenlet code: the runtime (the thread) is the current one.
   *
   * @param run A generator function; it gets the value of the first switch.
   *   Subclasses that override `_begin` may leave it out.
   * @param parent The greenlet that resumes when this one dies (default: the current one).
   * @throws {TypeError} If `run` is not a function or `parent` not a greenlet.
   * @throws {StateError} If called outside greenlet code with no parent given.
   * @throws {GreenletError} If `parent` belongs to another runtime.
   */
  constructor(run?: (arg: A) => GreenletRoutine<R>, parent?: Greenlet<unknown, never>) {
    if (run !== undefined && typeof run !== "function") {
      throw new TypeError(`Invalid greenlet run "${quote(run)}": it must be a generator function`);
    }
    if (run === undefined && new.target === Greenlet) {
      throw new TypeError(`Invalid greenlet run "undefined": it must be a generator function`);
    }
    if (parent !== undefined && !(parent instanceof Greenlet)) {
      throw new TypeError(`Invalid greenlet parent "${quote(parent)}": it must be a greenlet`);
    }
    const rt = parent?._rt ?? running.rt;
    if (rt === null) {
      throw new StateError(
        "Cannot make a greenlet outside greenlet code: make it inside runGreenlets() or give a parent",
      );
    }
    if (running.rt !== null && parent !== undefined && parent._rt !== running.rt) {
      throw new GreenletError(
        `Invalid greenlet parent "${parent.name}": it belongs to another thread's runtime`,
      );
    }
    this._rt = rt;
    this.#run = run;
    this._parent = parent ?? rt.current;
    this.id = rt._register(this as Greenlet<unknown, never>);
  }

  /** The greenlet's name, for reports (default `main`, `greenlet-<id>`). */
  get name(): string {
    return this.#name ?? this._defaultName();
  }

  /** Renames the greenlet. */
  set name(name: string) {
    this.#name = String(name);
  }

  /** @ignore The name when none was set. */
  _defaultName(): string {
    return this.id === 0 ? "main" : `greenlet-${this.id}`;
  }

  /** The greenlet that resumes when this one dies (`null` for the main greenlet). */
  get parent(): Greenlet<unknown, never> | null {
    return this._parent;
  }

  /**
   * Changes the parent.
   *
   * @throws {TypeError} If `p` is not a greenlet.
   * @throws {GreenletError} If `p` belongs to another runtime or the chain would form a cycle.
   */
  set parent(p: Greenlet<unknown, never>) {
    if (!(p instanceof Greenlet)) {
      throw new TypeError(`Invalid greenlet parent "${quote(p)}": it must be a greenlet`);
    }
    if (p._rt !== this._rt) {
      throw new GreenletError(
        `Invalid parent "${p.name}" for greenlet "${this.name}": it belongs to another thread's runtime`,
      );
    }
    for (let q: Greenlet<unknown, never> | null = p; q !== null; q = q._parent) {
      if (q === (this as Greenlet<unknown, never>)) {
        throw new GreenletError(
          `Invalid parent "${p.name}" for greenlet "${this.name}": the parent chain would be a cycle`,
        );
      }
    }
    this._parent = p;
  }

  /** Whether it has started running (a greenlet killed before it started never did). */
  get started(): boolean {
    return this._ran;
  }

  /** Whether it has finished (returned, thrown, or been killed). */
  get dead(): boolean {
    return this._state === DEAD;
  }

  /** Whether it has started and not finished (Python's `bool(g)`). */
  get active(): boolean {
    return this._state === ACTIVE;
  }

  /** The runtime (thread) it belongs to. */
  get runtime(): GreenletRuntime<unknown> {
    return this._rt;
  }

  /**
   * Switches to this greenlet, passing `value`: the current greenlet
   * suspends until something switches back, and the expression gives what
   * it switched back with. A greenlet not started yet starts with
   * `run(value)`. Switching to the current greenlet gives `value` at once.
   *
   * @example Values passed both ways
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * const p = new Host(sim).spawn("app", function* (sys) {
   *   return yield* runGreenlets(sys, function* () {
   *     const doubler: Greenlet<void, number> = new Greenlet(function* (x: number) {
   *       for (;;) x = (yield* doubler.parent!.switch(x * 2)) as number;
   *     });
   *     const a = (yield* doubler.switch(1)) as number;
   *     const b = (yield* doubler.switch(5)) as number;
   *     return a + b;
   *   });
   * });
   * sim.run();
   * assert.equal(p.exitCode, 12);
   * ```
   *
   * @typeParam T What the other side is expected to switch back with.
   * @param value What to pass.
   * @returns The operation, for `yield*`.
   * @throws {StateError} Outside greenlet code.
   * @throws {GreenletError} If the greenlet is dead or belongs to another thread.
   */
  switch<T = unknown>(value?: unknown): Op<T> {
    const rt = this._rt;
    if (rt !== running.rt) this.#checkReachable("switch to");
    if (this._state === DEAD) {
      throw new GreenletError(`Cannot switch to greenlet "${this.name}": it is dead`);
    }
    return rt._switchTo(this as Greenlet<unknown, never>, value) as Op<T>;
  }

  /**
   * Switches to this greenlet and raises `error` in it at once (where it
   * last switched away). A greenlet that has not started dies without
   * running, and the error goes to its parent — or, for the default
   * {@linkcode GreenletExit}, the parent receives it as a value.
   *
   * @example Killing a greenlet quietly
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * import { GreenletExit } from "@iosim/iosim/coro";
   * const sim = new Simulation();
   * new Host(sim).spawn("app", function* (sys) {
   *   yield* runGreenlets(sys, function* () {
   *     const worker: Greenlet = new Greenlet(function* () {
   *       try {
   *         yield* worker.parent!.switch("ready");
   *       } finally {
   *         sys.print("cleaned up");
   *       }
   *     });
   *     yield* worker.switch();
   *     const v = yield* worker.throw();
   *     sys.print(v instanceof GreenletExit, worker.dead);
   *   });
   * });
   * sim.run();
   * assert.deepEqual(sim.output.map((l) => l.text), ["cleaned up", "true true"]);
   * ```
   *
   * @param error The error to raise (default a new `GreenletExit`).
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `error` is not an `Error`.
   * @throws {StateError} Outside greenlet code.
   * @throws {GreenletError} If the greenlet is dead or belongs to another thread.
   */
  throw(error: unknown = new GreenletExit()): Op<unknown> {
    if (!(error instanceof Error)) {
      throw new TypeError(
        `Cannot throw "${quote(error)}" into greenlet "${this.name}": it must be an Error`,
      );
    }
    const rt = this._rt;
    if (rt !== running.rt) this.#checkReachable("throw into");
    if (this._state === DEAD) {
      throw new GreenletError(`Cannot throw into greenlet "${this.name}": it is dead`);
    }
    return rt._throwTo(this as Greenlet<unknown, never>, error);
  }

  /**
   * @ignore Makes the generator when the greenlet starts; subclasses
   * override it to start differently.
   */
  _begin(arg: unknown): GreenletRoutine<R> {
    return this.#run!(arg as A);
  }

  /**
   * @ignore Called when the greenlet dies, before its parent resumes.
   * Returns true if an error was handled here and must not reach the parent.
   */
  _died(_ok: boolean, _value: unknown): boolean {
    return false;
  }

  #checkReachable(what: string): void {
    if (running.rt === null) {
      throw new StateError(
        `Cannot ${what} greenlet "${this.name}" outside greenlet code: use yield* inside runGreenlets()`,
      );
    }
    throw new GreenletError(
      `Cannot ${what} greenlet "${this.name}": it belongs to another thread's runtime`,
    );
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const state = ["unstarted", "active", "dead"][this._state];
    return `Greenlet { "${this.name}", ${state} }`;
  }
}

/**
 * The greenlets of one thread and the trampoline that runs them. The
 * thread's body drives it with `yield*` (see {@linkcode runGreenlets}):
 * it resumes the current greenlet's generator; a switch it handles itself
 * (charging `userSwitchNs` and resuming the target), a kernel operation it
 * hands to the kernel unchanged, so the thread blocks and resumes the same
 * greenlet when the kernel answers. Driving it yields `R`, the main
 * greenlet's return value (or throws its error).
 *
 * @typeParam R What the main greenlet returns.
 *
 * @example Counting switches and memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * const runtimes: GreenletRuntime<void>[] = [];
 * const p = new Host(sim).spawn("app", function* (sys) {
 *   const rt = runGreenlets<void>(sys, function* (me) {
 *     const g = new Greenlet(function* () {});
 *     assert.equal(me.memoryBytes, 2 * sys.host.costs.coroutineMemoryBytes);
 *     yield* g.switch();
 *   });
 *   runtimes.push(rt);
 *   yield* rt;
 * });
 * sim.run();
 * assert.equal(runtimes[0]!.switches, 2);
 * assert.equal(p.usage().userNs, 2 * p.host.costs.userSwitchNs);
 * assert.equal(p.usage().syscalls, 0);
 * ```
 */
export class GreenletRuntime<R = unknown>
  implements Iterator<Op, R, unknown>, Iterable<Op, R, unknown> {
  /** The thread the greenlets run on. */
  readonly thread: Thread;
  /** The thread's system calls. */
  readonly sys: Sys;
  /** The main greenlet: it runs the body given to `runGreenlets`. */
  readonly main: Greenlet<R, never>;
  /** Switches made so far (each charged `userSwitchNs` of user CPU time). */
  switches = 0;
  /** Greenlets made so far, the main one included. */
  created = 0;
  #live = 0;
  #peakLive = 0;
  #liveHead: Greenlet<unknown, never> | null = null;
  #current: Greenlet<unknown, never> | null = null;
  #target: Greenlet<unknown, never> | null = null;
  #value: unknown = undefined;
  #throwing = false;
  #state = 0;
  #result: unknown = undefined;
  #resultOk = true;
  readonly #op = new SwitchOp();
  readonly #yielded: IteratorResult<Op, unknown> = this.#op._yielded;
  readonly #switchNs: number;
  readonly #memPer: number;

  /**
   * Makes the runtime; {@linkcode runGreenlets} is the usual way.
   *
   * @param sys The thread's system calls.
   * @param main The main greenlet's body; it gets the runtime.
   * @throws {TypeError} If `sys` has no thread or `main` is not a function.
   */
  constructor(sys: Sys, main: (rt: GreenletRuntime<R>) => GreenletRoutine<R>) {
    if (sys === null || typeof sys !== "object" || typeof sys.thread !== "object") {
      throw new TypeError(`Invalid sys "${quote(sys)}": pass the thread's sys`);
    }
    if (typeof main !== "function") {
      throw new TypeError(
        `Invalid main greenlet "${quote(main)}": it must be a generator function`,
      );
    }
    this.sys = sys;
    this.thread = sys.thread;
    const costs = sys.thread.costs;
    this.#switchNs = costs.userSwitchNs;
    this.#memPer = costs.coroutineMemoryBytes;
    const prev = running.rt;
    running.rt = this as GreenletRuntime<unknown>;
    try {
      this.main = new Greenlet<R, never>(() => main(this));
    } finally {
      running.rt = prev;
    }
  }

  /** The greenlet running now, or `null` before the runtime starts. */
  get current(): Greenlet<unknown, never> | null {
    return this.#current;
  }

  /** Greenlets made and not dead (the main one included). */
  get live(): number {
    return this.#live;
  }

  /** The most greenlets alive at once. */
  get peakLive(): number {
    return this.#peakLive;
  }

  /** Memory the live greenlets hold: `live × coroutineMemoryBytes`. */
  get memoryBytes(): number {
    return this.#live * this.#memPer;
  }

  /** The most memory the greenlets held at once. */
  get peakMemoryBytes(): number {
    return this.#peakLive * this.#memPer;
  }

  /** Whether the main greenlet has finished. */
  get done(): boolean {
    return this.#state === 2;
  }

  /**
   * The greenlets alive now, oldest first.
   *
   * @returns The greenlets.
   */
  liveGreenlets(): Greenlet<unknown, never>[] {
    const out: Greenlet<unknown, never>[] = [];
    for (let g = this.#liveHead; g !== null; g = g._nextLive) out.push(g);
    return out.reverse();
  }

  /**
   * Returns the runtime itself, so that `yield*` can drive it.
   *
   * @returns This runtime.
   */
  [Symbol.iterator](): Iterator<Op, R, unknown> {
    return this;
  }

  /**
   * Runs greenlets until one makes a kernel operation (handed to the
   * kernel) or the main greenlet ends. Called by `yield*`.
   *
   * @param _value What the thread was resumed with (the kernel's token).
   * @returns The kernel operation to perform, or the main greenlet's result.
   * @throws {StateError} If started twice, outside its thread, or on a thread that already runs one.
   */
  next(_value?: unknown): IteratorResult<Op, R> {
    if (this.#state === 1) return this.#drive(false, resumeSlot.value);
    if (this.#state === 2) {
      throw new StateError("Cannot resume a greenlet runtime whose main greenlet has finished");
    }
    const sim = this.thread.process.host.sim;
    if (sim.current !== this.thread.task) {
      throw new StateError(
        `Cannot run greenlets of thread "${this.thread.name}" from another task: yield* runGreenlets(sys, ...) in the thread's body`,
      );
    }
    if (onThread.has(this.thread)) {
      throw new StateError(
        `Cannot run a second greenlet runtime on thread "${this.thread.name}": it already runs one`,
      );
    }
    onThread.set(this.thread, this as GreenletRuntime<unknown>);
    this.#state = 1;
    this.#current = this.main as Greenlet<unknown, never>;
    return this.#drive(false, undefined);
  }

  /**
   * Raises an error thrown into the thread (a signal's interrupt, a failed
   * wait) in the greenlet that made the kernel operation.
   *
   * @param error The error.
   * @returns As {@linkcode GreenletRuntime.next}.
   */
  throw(error?: unknown): IteratorResult<Op, R> {
    if (this.#state !== 1) throw error;
    return this.#drive(true, error);
  }

  /**
   * Ends the runtime when its thread is killed: the current greenlet's
   * `finally` blocks run; the others are dropped.
   *
   * @param value The value to finish with.
   * @returns A finished result (or an operation a `finally` block yielded).
   */
  return(value?: unknown): IteratorResult<Op, R> {
    const g = this.#current;
    if (this.#state === 1 && g !== null && g._gen !== null) {
      const prev = running.rt;
      running.rt = this as GreenletRuntime<unknown>;
      try {
        const r = g._gen.return(undefined as never);
        if (r.done !== true) return r as IteratorResult<Op, R>;
      } finally {
        running.rt = prev;
      }
    }
    this.#end();
    return { done: true, value: value as R };
  }

  /** @ignore Registers a new greenlet; returns its id. */
  _register(g: Greenlet<unknown, never>): number {
    const head = this.#liveHead;
    g._nextLive = head;
    if (head !== null) head._prevLive = g;
    this.#liveHead = g;
    if (++this.#live > this.#peakLive) this.#peakLive = this.#live;
    return this.created++;
  }

  /** @ignore A switch to `g` with `value`, without checks (for the hub). */
  _switchTo(g: Greenlet<unknown, never>, value: unknown): Op<unknown> {
    this.#target = g;
    this.#value = value;
    this.#throwing = false;
    return this.#op;
  }

  /** @ignore A switch that raises `error` in `g`, without checks (for the hub). */
  _throwTo(g: Greenlet<unknown, never>, error: unknown): Op<unknown> {
    this.#target = g;
    this.#value = error;
    this.#throwing = true;
    return this.#op;
  }

  /**
   * @ignore Kills a greenlet that has not started, without switching: it
   * dies with `error`, and its `_died` hook runs.
   */
  _killUnstarted(g: Greenlet<unknown, never>, error: unknown): void {
    if (g._state !== UNSTARTED) return;
    this.#bury(g);
    g._died(false, error);
  }

  #bury(g: Greenlet<unknown, never>): void {
    g._state = DEAD;
    g._gen = null;
    const p = g._prevLive, n = g._nextLive;
    if (p !== null) p._nextLive = n;
    else this.#liveHead = n;
    if (n !== null) n._prevLive = p;
    g._prevLive = g._nextLive = null;
    this.#live--;
  }

  /**
   * A greenlet died: returns the greenlet to resume (its nearest live
   * ancestor, with the value or error left in #value/#throwing), or null
   * when the main greenlet died.
   */
  #death(
    g: Greenlet<unknown, never>,
    ok: boolean,
    value: unknown,
  ): Greenlet<unknown, never> | null {
    this.#bury(g);
    const handled = g._died(ok, value);
    if (g === (this.main as Greenlet<unknown, never>)) {
      this.#resultOk = ok;
      this.#result = value;
      return null;
    }
    if (!ok && (value instanceof GreenletExit || handled)) {
      ok = true;
      if (handled && !(value instanceof GreenletExit)) value = undefined;
    }
    let p = g._parent!;
    while (p._state === DEAD) p = p._parent!;
    this.#throwing = !ok;
    this.#value = value;
    this.switches++;
    if (this.#switchNs > 0) this.thread.charge("user", this.#switchNs, SWITCH_CALL);
    this.#current = p;
    return p;
  }

  #end(): void {
    this.#state = 2;
    this.#current = null;
    if (onThread.get(this.thread) === (this as GreenletRuntime<unknown>)) {
      onThread.delete(this.thread);
    }
  }

  #finish(): IteratorResult<Op, R> {
    this.#end();
    if (!this.#resultOk) throw this.#result;
    return { done: true, value: this.#result as R };
  }

  #drive(thr: boolean, val: unknown): IteratorResult<Op, R> {
    const prev = running.rt;
    running.rt = this as GreenletRuntime<unknown>;
    let g = this.#current!;
    try {
      for (;;) {
        let r: IteratorResult<Op, unknown>;
        try {
          const gen = g._gen;
          if (gen !== null) {
            if (thr) r = gen.throw(val);
            else {
              resumeSlot.value = val;
              r = gen.next(RESUME);
            }
          } else if (thr) {
            // Thrown into before it started: it dies without running.
            throw val;
          } else {
            g._state = ACTIVE;
            g._ran = true;
            const it = g._begin(val);
            if (!isIterator(it)) {
              throw new TypeError(
                `Greenlet "${g.name}"'s run returned "${
                  quote(it)
                }": it must be a generator function`,
              );
            }
            g._gen = it;
            r = it.next();
          }
        } catch (e) {
          const p = this.#death(g, false, e);
          if (p === null) return this.#finish();
          g = p;
          thr = this.#throwing;
          val = this.#value;
          this.#value = undefined;
          continue;
        }
        if (r === this.#yielded) {
          const t = this.#target!;
          thr = this.#throwing;
          val = this.#value;
          this.#value = undefined;
          if (t !== g) {
            this.switches++;
            if (this.#switchNs > 0) this.thread.charge("user", this.#switchNs, SWITCH_CALL);
            this.#current = g = t;
          }
          continue;
        }
        if (r.done === true) {
          const p = this.#death(g, true, r.value);
          if (p === null) return this.#finish();
          g = p;
          thr = this.#throwing;
          val = this.#value;
          this.#value = undefined;
          continue;
        }
        return r as IteratorResult<Op, R>;
      }
    } finally {
      running.rt = prev;
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `GreenletRuntime { thread "${this.thread.name}", live: ${this.#live}, switches: ${this.switches} }`;
  }
}

/**
 * Runs `main` as the main greenlet of the calling thread; drive it with
 * `yield*` from the thread's body. Every greenlet made inside runs on this
 * thread; the call ends when the main greenlet ends (greenlets still
 * suspended then are dropped, as at interpreter exit) and gives its return
 * value, or throws its error.
 *
 * @example Explicit switching on one thread
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * const p = new Host(sim).spawn("app", function* (sys) {
 *   return yield* runGreenlets(sys, function* () {
 *     const child = new Greenlet(function* (x: number) {
 *       return x + 1;
 *     });
 *     return (yield* child.switch(41)) as number;
 *   });
 * });
 * sim.run();
 * assert.equal(p.exitCode, 42);
 * ```
 *
 * @typeParam R What the main greenlet returns.
 * @param sys The calling thread's system calls.
 * @param main The main greenlet's body; it gets the runtime.
 * @returns The runtime, for `yield*` (which gives `main`'s return value).
 * @throws {TypeError} If `main` is not a function.
 * @throws {StateError} (when driven) if the thread already runs a runtime.
 */
export function runGreenlets<R>(
  sys: Sys,
  main: (rt: GreenletRuntime<R>) => GreenletRoutine<R>,
): GreenletRuntime<R> {
  return new GreenletRuntime(sys, main);
}
