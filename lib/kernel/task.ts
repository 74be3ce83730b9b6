/**
 * Tasks: generator functions run by the kernel.
 *
 * @module
 */

import { Killed, StateError } from "./errors.ts";
import { Event, type Notifiable } from "./event.ts";
import type { Blocker } from "./event.ts";
import { Interrupt } from "./errors.ts";
import type { Op } from "./op.ts";
import type { Simulation } from "./simulation.ts";

/** The generator a task runs: it yields operations and returns `R`. */
export type Routine<R = void> = Generator<Op, R, unknown>;

/** A task's life. */
export type TaskStatus = "created" | "running" | "parked" | "ready" | "done";

/** @ignore */
export const CREATED = 0;
/** @ignore */
export const RUNNING = 1;
/** @ignore */
export const PARKED = 2;
/** @ignore */
export const READY = 3;
/** @ignore */
export const DONE = 4;
const STATUSES: readonly TaskStatus[] = ["created", "running", "parked", "ready", "done"];

/**
 * A task: a generator run by the kernel, resumed each time the operation it
 * yielded completes. A task is also an event that succeeds with the
 * generator's return value or fails with the error it threw, so joining a
 * task is waiting on it.
 *
 * @typeParam R The task's return value.
 *
 * @example Joining a task
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * const sim = new Simulation();
 * const worker = sim.spawn(function* () {
 *   yield* sim.sleep(ms(5));
 *   return 42;
 * }, { name: "worker" });
 * const main = sim.spawn(function* () {
 *   return (yield* sim.join(worker)) + 1;
 * });
 * sim.run();
 * assert.equal(main.value, 43);
 * assert.equal(worker.name, "worker");
 * ```
 */
export class Task<R = unknown> extends Event<R> implements Notifiable {
  /** Whether a deadlock report leaves this task out (servers that wait forever). */
  daemon: boolean;
  /** A slot for the layer that owns the task (the OS layer keeps its thread here). */
  owner: unknown = undefined;
  /** @ignore */
  _gen: Routine<R>;
  /** @ignore */
  _run = CREATED;
  /** @ignore */
  _val: unknown = undefined;
  /** @ignore */
  _thr = false;
  /** @ignore */
  _blocker: Blocker | null = null;
  /** @ignore */
  _interrupt: Interrupt | null = null;
  /** @ignore */
  _prev: Task<unknown> | null = null;
  /** @ignore */
  _next: Task<unknown> | null = null;
  #name: string | undefined;

  /**
   * Makes a task; `sim.spawn()` is the usual way, and schedules it.
   *
   * @param sim The simulation.
   * @param gen The generator to run.
   * @param name The task's name for traces; `task-<id>` when omitted.
   * @param daemon Whether deadlock reports leave it out.
   */
  constructor(sim: Simulation, gen: Routine<R>, name?: string, daemon = false) {
    super(sim);
    this._gen = gen;
    this.#name = name;
    this.daemon = daemon;
  }

  /** The task's name. */
  get name(): string {
    return this.#name ?? `task-${this.id}`;
  }

  /** Where the task is in its life. */
  get status(): TaskStatus {
    return STATUSES[this._run]!;
  }

  /** Whether the task has finished (returned, thrown or been killed). */
  get done(): boolean {
    return this._run === DONE;
  }

  /** Whether the task is alive (created, running, parked or ready). */
  get alive(): boolean {
    return this._run !== DONE;
  }

  /**
   * Throws an {@linkcode Interrupt} carrying `cause` into the task at the
   * current virtual time, ending whatever it waits on. If a result is already
   * on its way to the task, the task receives it and the interrupt is thrown
   * at its next blocking operation, so nothing is lost.
   *
   * @param cause Why the task is interrupted.
   * @throws {StateError} If the task has finished or interrupts itself.
   */
  interrupt(cause?: unknown): void {
    if (this._run === DONE) {
      throw new StateError(`Cannot interrupt task "${this.name}": it has finished`);
    }
    if (this._run === RUNNING) {
      throw new StateError(`Cannot interrupt task "${this.name}" from itself`);
    }
    const err = new Interrupt(cause);
    if (this._run === PARKED) {
      this.sim._unpark(this);
      this.sim._ready(this, err, true, 0, 0);
    } else {
      this._interrupt = err;
    }
    if (this.sim.trace.enabled) this.sim.trace.emit("interrupt", this.id, { cause: String(cause) });
  }

  /**
   * Ends the task now: its `finally` blocks run and it finishes failed with
   * {@linkcode Killed}, which joiners receive but which is never re-raised by
   * `step()`. Killing a finished task does nothing.
   *
   * @throws {StateError} If the task kills itself (return instead).
   */
  kill(): void {
    if (this._run === DONE) return;
    if (this._run === RUNNING) {
      throw new StateError(`Cannot kill task "${this.name}" from itself: return instead`);
    }
    this.sim._kill(this);
  }

  /** @ignore */
  _notify(event: Event<unknown>): void {
    this.sim._wakeFromEvent(this, event);
  }

  /** @ignore */
  override _fire(): void {
    if (this._run === DONE) super._fire();
    else this.sim._fireTask(this);
  }

  /** @ignore */
  _finish(ok: boolean, value: unknown, defused: boolean): void {
    this._run = DONE;
    this._defused = defused;
    this._settle(ok, value);
  }

  /** @ignore */
  _killedError(): Killed {
    return new Killed(this.name);
  }

  /**
   * Describes the task.
   *
   * @returns `task #id "name"`.
   */
  override describe(): string {
    return `task #${this.id} "${this.name}"`;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Task { #${this.id} "${this.name}", ${this.status} }`;
  }
}
