/**
 * Events: the kernel's unit of "something happened".
 *
 * @module
 */

import { StateError } from "./errors.ts";
import type { Simulation } from "./simulation.ts";

/** Something notified when an event is processed: a task or a callback. */
export type Listener = ((event: Event<unknown>) => void) | Notifiable;

/** An object that can be notified of a processed event (tasks are). */
export interface Notifiable {
  /** Called when the event it listens to is processed. */
  _notify(event: Event<unknown>): void;
}

/**
 * What a parked task waits on. The kernel asks it for a description when it
 * reports a deadlock, and tells it to forget the task when the wait ends
 * some other way (an interrupt, a kill or a timeout).
 */
export interface Blocker {
  /**
   * Describes what is awaited, for deadlock reports.
   *
   * @returns A short description, such as `recv on fd 4`.
   */
  describe(): string;
  /**
   * Forgets `task`: it no longer waits here.
   *
   * @param task The task whose wait ends.
   */
  cancelWait(task: Notifiable): void;
}

/** The value of an event, from its type. */
export type EventValue<E> = E extends Event<infer T> ? T : never;

/** What `sim.anyOf` succeeds with: the first event processed. */
export interface AnyResult<T> {
  /** Its position in the list. */
  readonly index: number;
  /** Its value. */
  readonly value: T;
}

/** An event's life: pending, then triggered (has a value), then processed. */
export type EventState = "pending" | "triggered" | "processed";

const PENDING = 0, TRIGGERED = 1, PROCESSED = 2;
const STATES: readonly EventState[] = ["pending", "triggered", "processed"];

/**
 * Something that happens once at a point of virtual time. An event is
 * pending until `succeed` or `fail` triggers it; the kernel then processes it
 * at the current time, resuming the tasks that wait on it and calling its
 * callbacks. Triggering twice throws. A failure that nobody waits on is
 * re-raised by the simulation's `step()`.
 *
 * @typeParam T The value the event succeeds with.
 *
 * @example Waking a task with a value
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * const sim = new Simulation();
 * const ready = sim.event<string>();
 * const reader = sim.spawn(function* () {
 *   return yield* sim.wait(ready);
 * });
 * sim.schedule(ms(1), () => ready.succeed("data"));
 * sim.run();
 * assert.equal(reader.value, "data");
 * assert.equal(ready.state, "processed");
 * ```
 */
export class Event<T = unknown> implements Blocker {
  /** The simulation the event belongs to. */
  readonly sim: Simulation;
  /** @ignore */
  _state = PENDING;
  /** @ignore */
  _ok = true;
  /** @ignore */
  _value: unknown = undefined;
  /** @ignore */
  _listeners: Listener | Listener[] | null = null;
  /** @ignore */
  _defused = false;
  /** @ignore */
  _slot = -1;
  /** The event's number, unique within its simulation. */
  readonly id: number;
  #label: string | undefined;

  /**
   * Makes a pending event; `sim.event()` is the usual way.
   *
   * @param sim The simulation.
   * @param label A name for traces and deadlock reports.
   * @throws {TypeError} If `sim` is not a simulation.
   */
  constructor(sim: Simulation, label?: string) {
    if (typeof (sim as Simulation | null)?._nextId !== "function") {
      throw new TypeError(`Invalid simulation "${String(sim)}": make events with sim.event()`);
    }
    this.sim = sim;
    this.id = sim._nextId();
    this.#label = label;
  }

  /** The event's state. */
  get state(): EventState {
    return STATES[this._state]!;
  }

  /** Whether the event has been triggered (it may not be processed yet). */
  get triggered(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the event has been processed. */
  get processed(): boolean {
    return this._state === PROCESSED;
  }

  /** Whether the event succeeded; `undefined` while pending. */
  get ok(): boolean | undefined {
    return this._state === PENDING ? undefined : this._ok;
  }

  /**
   * The value the event succeeded with.
   *
   * @throws {StateError} If the event is pending or failed.
   */
  get value(): T {
    if (this._state === PENDING) {
      throw new StateError(`Cannot read the value of ${this.describe()}: it is still pending`);
    }
    if (!this._ok) {
      throw new StateError(`Cannot read the value of ${this.describe()}: it failed`, {
        cause: this._value,
      });
    }
    return this._value as T;
  }

  /** The error the event failed with, or `undefined`. */
  get error(): unknown {
    return this._state !== PENDING && !this._ok ? this._value : undefined;
  }

  /** The event's label. */
  get label(): string {
    return this.#label ?? "event";
  }

  /**
   * Triggers the event with a value; waiting tasks resume when the kernel
   * processes it, at the current virtual time.
   *
   * @param value The value.
   * @returns The event.
   * @throws {StateError} If the event was already triggered.
   */
  succeed(value?: T): this {
    this.#trigger(true, value);
    return this;
  }

  /**
   * Triggers the event with an error, thrown into each waiting task.
   *
   * @param error The error.
   * @returns The event.
   * @throws {TypeError} If `error` is not an `Error`.
   * @throws {StateError} If the event was already triggered.
   */
  fail(error: Error): this {
    if (!(error instanceof Error)) {
      throw new TypeError(
        `Cannot fail ${this.describe()} with "${String(error)}": it is not an Error`,
      );
    }
    this.#trigger(false, error);
    return this;
  }

  /**
   * Marks a failure as handled, so that `step()` does not re-raise it.
   *
   * @returns The event.
   */
  defuse(): this {
    this._defused = true;
    return this;
  }

  /**
   * Calls `callback` when the event is processed (at once, if it already
   * was). Listening to a failed event counts as handling it.
   *
   * @param callback The function to call with the event.
   * @returns The event.
   * @throws {TypeError} If `callback` is not a function.
   */
  on(callback: (event: Event<T>) => void): this {
    if (typeof callback !== "function") {
      throw new TypeError(
        `Cannot listen to ${this.describe()} with "${String(callback)}": it is not a function`,
      );
    }
    if (this._state === PROCESSED) {
      this._defused = true;
      callback(this);
    } else {
      this._listen(callback as Listener);
    }
    return this;
  }

  /**
   * Describes the event, for messages and deadlock reports.
   *
   * @returns A short description.
   */
  describe(): string {
    return this.#label === undefined ? `event #${this.id}` : `event #${this.id} "${this.#label}"`;
  }

  /**
   * Stops notifying `listener`.
   *
   * @param listener The task or callback that no longer waits.
   */
  cancelWait(listener: Notifiable): void {
    const ls = this._listeners;
    if (ls === listener) this._listeners = null;
    else if (Array.isArray(ls)) {
      const i = ls.indexOf(listener);
      if (i >= 0) ls.splice(i, 1);
    }
  }

  /** @ignore */
  _listen(listener: Listener): void {
    const ls = this._listeners;
    if (ls === null) this._listeners = listener;
    else if (Array.isArray(ls)) ls.push(listener);
    else this._listeners = [ls, listener];
  }

  /** Processes the event: the kernel calls this when its time comes. */
  _fire(): void {
    this._state = PROCESSED;
    const ls = this._listeners;
    if (ls === null) {
      if (!this._ok && !this._defused) throw this._value;
      return;
    }
    this._listeners = null;
    this._defused = true;
    if (Array.isArray(ls)) {
      for (let i = 0; i < ls.length; i++) notify(ls[i]!, this);
    } else notify(ls, this);
  }

  #trigger(ok: boolean, value: unknown): void {
    if (this._state !== PENDING) {
      throw new StateError(`Cannot trigger ${this.describe()}: it was already triggered`);
    }
    this._state = TRIGGERED;
    this._ok = ok;
    this._value = value;
    this.sim._enqueue(this, this.sim.now, 1);
  }

  /** @ignore */
  _settle(ok: boolean, value: unknown): void {
    this.#trigger(ok, value);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Event { ${this.describe()}, ${this.state} }`;
  }
}

function notify(listener: Listener, event: Event<unknown>): void {
  if (typeof listener === "function") listener(event);
  else listener._notify(event);
}
