/**
 * The simulation: the virtual clock, the event heap and the task runner.
 *
 * @module
 */

import { allOf, anyOf } from "./_condition.ts";
import { RESUME, resumeSlot } from "./_resume.ts";
import { type BlockedTask, DeadlockError, StateError, TimeoutError } from "./errors.ts";
import { type AnyResult, type Blocker, Event, type EventValue, type Listener } from "./event.ts";
import { EventHeap } from "./heap.ts";
import { Op } from "./op.ts";
import { Rng } from "./rng.ts";
import { PARKED, READY, type Routine, RUNNING, Task } from "./task.ts";
import { formatTime, type Nanos } from "./time.ts";
import { Trace, type TraceOptions } from "./trace.ts";

/** Anything the heap can hold: it is fired when its time comes. */
interface Scheduled {
  _slot: number;
  _fire(): void;
}

/**
 * Priorities for events due at the same time: lower runs first, then the
 * order of scheduling decides.
 */
export const Priority = {
  /** Runs before normal events at the same time (task starts, interrupts). */
  URGENT: 0,
  /** The default. */
  NORMAL: 1,
  /** Runs after normal events at the same time. */
  LOW: 2,
} as const;

const MAX_PRIORITY = 1023;
const SEQ_SPAN = 2 ** 43;

/** The value a parked task receives when its wait times out. */
export const TIMEOUT: unique symbol = Symbol("TIMEOUT");

/** Options for a new {@linkcode Simulation}. */
export interface SimulationOptions {
  /** The seed of the simulation's generator (default 1). */
  readonly seed?: number;
  /** What the trace keeps; `false` turns it off (for speed). Default: on. */
  readonly trace?: TraceOptions | boolean;
  /**
   * A virtual time no run goes past, whatever its `until`: `run()` stops
   * there as if `until` were that time (the runner's `--until`).
   */
  readonly horizon?: Nanos;
}

/** Options for {@linkcode Simulation.spawn}. */
export interface SpawnOptions {
  /** The task's name, for traces and deadlock reports. */
  readonly name?: string;
  /** Leave the task out of deadlock reports (servers that wait forever). */
  readonly daemon?: boolean;
  /** Start after this delay instead of now. */
  readonly delay?: Nanos;
}

/** Options for {@linkcode Simulation.run}. */
export interface RunOptions {
  /**
   * Stop at this virtual time (events due exactly then are not processed) or
   * right after this event is processed.
   */
  readonly until?: Nanos | Event<unknown>;
  /**
   * What to do when nothing is scheduled but tasks still wait: throw a
   * {@linkcode DeadlockError} (the default) or return a report.
   */
  readonly deadlock?: "throw" | "report";
}

/** Why {@linkcode Simulation.run} returned. */
export interface RunResult {
  /** `"time"`: reached `until`; `"event"`: the `until` event was processed; `"empty"`: nothing left to do; `"deadlock"`: tasks wait forever. */
  readonly stop: "time" | "event" | "empty" | "deadlock";
  /** The virtual time when the run stopped. */
  readonly now: Nanos;
  /** The tasks that wait forever (empty unless `stop` is `"deadlock"`). */
  readonly blocked: readonly BlockedTask[];
}

/** One line printed by simulated code. */
export interface OutputLine {
  /** When it was printed, in virtual nanoseconds. */
  readonly t: Nanos;
  /** Who printed it (a task, process or greenlet name). */
  readonly source: string;
  /** The text. */
  readonly text: string;
}

/** A callback scheduled with {@linkcode Simulation.schedule}. */
export interface Timer {
  /** Cancels the callback if it has not run yet. */
  cancel(): void;
}

const SLEEPING: Blocker = {
  describe: () => "sleep",
  cancelWait: () => {},
};

class CallbackTimer implements Scheduled, Timer {
  _slot = -1;
  readonly #sim: Simulation;
  readonly #fn: () => void;
  constructor(sim: Simulation, fn: () => void) {
    this.#sim = sim;
    this.#fn = fn;
  }
  _fire(): void {
    this.#fn();
  }
  cancel(): void {
    this.#sim._cancel(this);
  }
}

const KIND_SLEEP = 1, KIND_WAIT = 2, KIND_PARK = 3;

function checkDelay(name: string, d: unknown): number {
  if (typeof d !== "number") {
    throw new TypeError(`Invalid ${name} "${String(d)}": it must be a number of nanoseconds`);
  }
  // Beyond 2^53 ns the clock cannot add a nanosecond: refuse rather than lose it.
  if (!(d >= 0) || d > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `Invalid ${name} "${d}": it must be a finite number of nanoseconds >= 0 (at most 2^53 - 1)`,
    );
  }
  return d;
}

/**
 * A discrete-event simulation: one virtual clock in nanoseconds, one heap of
 * due events ordered by (time, priority, insertion), tasks written as
 * generator functions, one seeded generator and one trace. Nothing in it
 * reads the wall clock; the same seed gives the same run.
 *
 * @example Two tasks on one clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * const sim = new Simulation({ seed: 1 });
 * sim.spawn(function* () {
 *   yield* sim.sleep(ms(2));
 *   sim.print("slow");
 * });
 * sim.spawn(function* () {
 *   yield* sim.sleep(ms(1));
 *   sim.print("fast");
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["fast", "slow"]);
 * assert.equal(sim.now, ms(2));
 * ```
 */
export class Simulation {
  /** The simulation's seeded generator; fork it per subsystem. */
  readonly rng: Rng;
  /** The trace of what happened. */
  readonly trace: Trace;
  /** Lines printed by simulated code, in virtual-time order. */
  readonly output: OutputLine[] = [];
  #now = 0;
  readonly #heap = new EventHeap();
  readonly #items: (Scheduled | null)[] = [];
  readonly #free: number[] = [];
  #seq = 0;
  #ids = 0;
  #events = 0;
  #current: Task<unknown> | null = null;
  #failure: { error: unknown; time: number } | null = null;
  #live: Task<unknown> | null = null;
  #horizon = Infinity;
  #running = false;
  readonly #op = new Op();

  /**
   * Makes a simulation at virtual time 0.
   *
   * @param options The seed and what the trace keeps.
   * @throws {TypeError} If `options` is not an object, or the seed or horizon not a number.
   * @throws {RangeError} If the seed is not an integer from 0 to 2^53 - 1, or the horizon negative.
   */
  constructor(options: SimulationOptions = {}) {
    checkOptions("simulation", options);
    this.rng = new Rng(options.seed ?? 1);
    this.trace = new Trace(this, options.trace ?? true);
    const h = options.horizon;
    if (h !== undefined) {
      if (typeof h !== "number") {
        throw new TypeError(`Invalid horizon "${String(h)}": it must be a time in nanoseconds`);
      }
      if (Number.isNaN(h) || h < 0) {
        throw new RangeError(
          `Invalid horizon "${String(h)}": it must be a time in nanoseconds >= 0`,
        );
      }
      this.#horizon = h;
    }
  }

  /** The time no run goes past (`Infinity` unless set). */
  get horizon(): Nanos {
    return this.#horizon;
  }

  /** The current virtual time, in nanoseconds. */
  get now(): Nanos {
    return this.#now;
  }

  /** The seed the simulation was made with. */
  get seed(): number {
    return this.rng.seed;
  }

  /** How many heap entries have been processed (cancelled ones excluded). */
  get eventsProcessed(): number {
    return this.#events;
  }

  /** The task being run, or `null` between tasks. */
  get current(): Task<unknown> | null {
    return this.#current;
  }

  /** Whether a failure nobody handled has stopped the simulation. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  // ---- scheduling -------------------------------------------------------

  /**
   * Calls `fn` after `delay` (outside any task).
   *
   * @param delay How long from now, in nanoseconds.
   * @param fn The callback.
   * @param priority The priority among events due at the same time.
   * @returns A handle that cancels the callback.
   * @throws {TypeError} If `fn` is not a function or `delay` not a number.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1, or `priority` out of range.
   */
  schedule(delay: Nanos, fn: () => void, priority: number = Priority.NORMAL): Timer {
    checkDelay("delay", delay);
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid callback "${String(fn)}": it must be a function`);
    }
    checkPriority(priority);
    const timer = new CallbackTimer(this, fn);
    this._enqueue(timer, this.#now + delay, priority);
    return timer;
  }

  /**
   * Makes a pending event.
   *
   * @typeParam T The value it will succeed with.
   * @param label A name for traces and deadlock reports.
   * @returns The event.
   */
  event<T = unknown>(label?: string): Event<T> {
    return new Event<T>(this, label);
  }

  /**
   * Makes an event that succeeds with `value` after `delay`.
   *
   * @typeParam T The value's type.
   * @param delay How long from now, in nanoseconds.
   * @param value The value.
   * @returns The event.
   * @throws {TypeError} If `delay` is not a number.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1.
   */
  timeout<T = undefined>(delay: Nanos, value?: T): Event<T> {
    checkDelay("delay", delay);
    // Triggered at once (as in SimPy): its value is known, only its time is not.
    const ev = new Event<T>(this, `timeout ${formatTime(delay)}`);
    ev._state = 1;
    ev._value = value;
    this._enqueue(ev, this.#now + delay, Priority.NORMAL);
    return ev;
  }

  /**
   * An event that succeeds when the first of `events` is processed, with its
   * index and value, or fails if that one failed. With no events it succeeds
   * at once with index -1.
   *
   * @example A reply or a timeout, whichever comes first
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms } from "@iosim/iosim/kernel";
   * const sim = new Simulation();
   * const reply = sim.event<string>();
   * const task = sim.spawn(function* () {
   *   return yield* sim.wait(sim.anyOf([reply, sim.timeout(ms(10))]));
   * });
   * sim.schedule(ms(3), () => reply.succeed("pong"));
   * sim.run();
   * assert.deepEqual(task.value, { index: 0, value: "pong" });
   * ```
   *
   * @typeParam E The events' types.
   * @param events The events.
   * @returns The condition event.
   * @throws {TypeError} If an element is not an event of this simulation.
   */
  anyOf<E extends readonly Event<unknown>[]>(events: E): Event<AnyResult<EventValue<E[number]>>> {
    return anyOf(this, events);
  }

  /**
   * An event that succeeds when all `events` have been processed, with their
   * values in order, and fails as soon as one of them fails.
   *
   * @example Waiting for two timeouts
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms } from "@iosim/iosim/kernel";
   * const sim = new Simulation();
   * const both = sim.allOf([sim.timeout(ms(1), "a"), sim.timeout(ms(2), "b")]);
   * const task = sim.spawn(function* () {
   *   return yield* sim.wait(both);
   * });
   * sim.run();
   * assert.deepEqual(task.value, ["a", "b"]);
   * assert.equal(sim.now, ms(2));
   * ```
   *
   * @typeParam E The events' types.
   * @param events The events.
   * @returns The condition event.
   * @throws {TypeError} If an element is not an event of this simulation.
   */
  allOf<E extends readonly Event<unknown>[]>(
    events: E,
  ): Event<{ -readonly [K in keyof E]: EventValue<E[K]> }> {
    return allOf(this, events);
  }

  /**
   * Starts a task running `body`, at the current time (or after `delay`).
   *
   * @typeParam R The task's return value.
   * @param body A generator function, or a generator.
   * @param options The task's name, whether it is a daemon, a start delay.
   * @returns The task.
   * @throws {TypeError} If `body` is neither a generator function nor a generator, or the name not a string.
   * @throws {RangeError} If the delay is negative, NaN, infinite or above 2^53 - 1.
   * @throws {StateError} If the simulation has failed.
   */
  spawn<R>(body: (() => Routine<R>) | Routine<R>, options: SpawnOptions = {}): Task<R> {
    this.#checkUsable("spawn a task");
    checkOptions("spawn", options);
    if (options.name !== undefined && typeof options.name !== "string") {
      throw new TypeError(`Invalid task name "${String(options.name)}": it must be a string`);
    }
    const delay = options.delay === undefined ? 0 : checkDelay("spawn delay", options.delay);
    const gen = typeof body === "function" ? body() : body;
    if (gen === null || typeof gen !== "object" || typeof (gen as Routine<R>).next !== "function") {
      throw new TypeError(
        `Cannot spawn "${
          String(body)
        }": it must be a generator function (function*) or a generator`,
      );
    }
    const task = new Task<R>(this, gen, options.name, options.daemon ?? false);
    const head = this.#live;
    task._next = head;
    if (head !== null) head._prev = task;
    this.#live = task;
    this._enqueue(task, this.#now + delay, Priority.URGENT);
    if (this.trace.enabled) this.trace.emit("spawn", task.id, { name: task.name });
    return task;
  }

  // ---- operations -------------------------------------------------------

  /**
   * Blocks the calling task for `delay`; `sleep(0)` lets other tasks due now
   * run first.
   *
   * @param delay How long, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `delay` is not a number.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1.
   * @throws {StateError} If called outside a task.
   */
  sleep(delay: Nanos): Op<void> {
    checkDelay("sleep delay", delay);
    const op = this.#opFor("sleep");
    op.kind = KIND_SLEEP;
    op.num = delay;
    return op as Op<void>;
  }

  /**
   * Blocks the calling task until `event` is processed, and returns its
   * value (or throws its error). With a `timeout`, throws
   * {@linkcode TimeoutError} when it runs out first.
   *
   * @typeParam T The event's value.
   * @param event The event.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `event` is not an event of this simulation.
   * @throws {StateError} If called outside a task, or a task waits on itself.
   */
  wait<T>(event: Event<T>, timeout?: Nanos): Op<T> {
    if (!(event instanceof Event) || event.sim !== this) {
      throw new TypeError(
        `Cannot wait on "${String(event)}": it is not an event of this simulation`,
      );
    }
    const op = this.#opFor("wait");
    if (event === this.#current) {
      throw new StateError(`Task "${this.#current.name}" cannot wait on or join itself`);
    }
    op.kind = KIND_WAIT;
    op.num = timeout === undefined ? -1 : checkDelay("timeout", timeout);
    op.ref = event;
    return op as Op<T>;
  }

  /**
   * Blocks the calling task until `task` finishes; returns its return value
   * or throws its error.
   *
   * @typeParam R The task's return value.
   * @param task The task to join.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `task` is not a task of this simulation.
   * @throws {StateError} If a task joins itself.
   */
  join<R>(task: Task<R>, timeout?: Nanos): Op<R> {
    if (!(task instanceof Task)) {
      throw new TypeError(`Cannot join "${String(task)}": it is not a task`);
    }
    return this.wait(task, timeout);
  }

  /**
   * Parks the calling task on `blocker` until {@linkcode Simulation.wake}
   * resumes it; the building block of sockets, run queues and locks. With a
   * `timeout`, the task resumes with {@linkcode TIMEOUT} if nobody wakes it
   * first (the blocker is told to forget it).
   *
   * @typeParam T What the waker passes.
   * @param blocker What the task waits on.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `blocker` has no `describe()` and `cancelWait()`.
   * @throws {StateError} If called outside a task.
   */
  park<T>(blocker: Blocker, timeout?: Nanos): Op<T> {
    if (
      typeof (blocker as Blocker | null)?.describe !== "function" ||
      typeof blocker.cancelWait !== "function"
    ) {
      throw new TypeError(
        `Cannot park on "${
          String(blocker)
        }": it must be a blocker (an object with describe() and cancelWait())`,
      );
    }
    const op = this.#opFor("park");
    op.kind = KIND_PARK;
    op.num = timeout === undefined ? -1 : checkDelay("timeout", timeout);
    op.ref = blocker;
    return op as Op<T>;
  }

  /**
   * Resumes a parked task with `value` after `delay` (default now).
   *
   * @param task The parked task.
   * @param value What its `park` returns.
   * @param delay When, from now.
   * @throws {TypeError} If `task` is not a task of this simulation.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1.
   * @throws {StateError} If the task is not parked.
   */
  wake(task: Task<unknown>, value?: unknown, delay: Nanos = 0): void {
    this.#checkOwnTask(task, delay);
    if (task._run !== PARKED) {
      throw new StateError(`Cannot wake ${task.describe()}: it is ${task.status}, not parked`);
    }
    this._unparkQuiet(task);
    this._ready(task, value, false, delay);
  }

  /**
   * Resumes a parked task by throwing `error` into it after `delay`.
   *
   * @param task The parked task.
   * @param error What its `park` throws.
   * @param delay When, from now.
   * @throws {TypeError} If `task` is not a task of this simulation.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1.
   * @throws {StateError} If the task is not parked.
   */
  wakeWithError(task: Task<unknown>, error: unknown, delay: Nanos = 0): void {
    this.#checkOwnTask(task, delay);
    if (task._run !== PARKED) {
      throw new StateError(`Cannot wake ${task.describe()}: it is ${task.status}, not parked`);
    }
    this._unparkQuiet(task);
    this._ready(task, error, true, delay);
  }

  // ---- output -----------------------------------------------------------

  /**
   * Prints a line from simulated code, captured with its virtual time (never
   * written to the console). Values are joined with spaces, as Python's
   * `print` does.
   *
   * @param values What to print.
   */
  print(...values: unknown[]): void {
    const task = this.#current;
    this.printAs(task === null ? "main" : task.name, values.map(formatValue).join(" "));
  }

  /**
   * Prints a line on behalf of `source` (a process or greenlet name).
   *
   * @param source Who prints.
   * @param text The line.
   */
  printAs(source: string, text: string): void {
    this.output.push({ t: this.#now, source, text });
    if (this.trace.enabled) {
      this.trace.emit("print", this.#current?.id ?? -1, { source, text });
    }
  }

  // ---- running ----------------------------------------------------------

  /**
   * The time of the next due event, or `Infinity` when nothing is scheduled.
   *
   * @returns The time in nanoseconds.
   */
  peek(): Nanos {
    this.#dropCancelled();
    return this.#heap.peekTime();
  }

  /**
   * Processes the next due event. A failure nobody handles is re-raised here
   * and stops the simulation.
   *
   * @returns `false` when nothing was scheduled.
   * @throws {StateError} If the simulation already failed, or it is called
   *   from a task or callback of this simulation.
   */
  step(): boolean {
    this.#checkUsable("step");
    this.#checkNotRunning("step");
    this.#dropCancelled();
    if (this.#heap.size === 0) return false;
    this.#running = true;
    try {
      this.#stepOne();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#running = false;
    }
    return true;
  }

  /**
   * Runs until `until` (a time or an event), or until nothing is scheduled.
   * When nothing is scheduled but tasks still wait, throws a
   * {@linkcode DeadlockError} naming them (or reports them, by option).
   *
   * @param options When to stop and what to do on deadlock.
   * @returns Why the run stopped.
   * @throws {TypeError} If `options` is not an object, or `until` neither a number nor an event of this simulation.
   * @throws {RangeError} If `until` is a time before now, or NaN.
   * @throws {DeadlockError} If tasks wait forever (unless `deadlock: "report"`).
   * @throws {StateError} If the simulation already failed, or it is called
   *   from a task or callback of this simulation.
   */
  run(options: RunOptions = {}): RunResult {
    this.#checkUsable("run");
    this.#checkNotRunning("run");
    checkOptions("run", options);
    const until = options.until;
    let limit = Infinity;
    let stopEvent: Event<unknown> | null = null;
    if (until instanceof Event) {
      if (until.sim !== this) {
        throw new TypeError("Invalid until: the event belongs to another simulation");
      }
      stopEvent = until;
    } else if (until !== undefined) {
      if (typeof until !== "number") {
        throw new TypeError(
          `Invalid until "${String(until)}": it must be a time in nanoseconds or an event`,
        );
      }
      if (Number.isNaN(until) || until < this.#now) {
        throw new RangeError(
          `Invalid until "${until}": it must be a time no earlier than now (${this.#now})`,
        );
      }
      limit = until;
    }
    if (this.#horizon < limit) limit = Math.max(this.#horizon, this.#now);
    const onDeadlock = options.deadlock ?? "throw";
    if (onDeadlock !== "throw" && onDeadlock !== "report") {
      throw new TypeError(
        `Invalid deadlock option "${String(onDeadlock)}": use "throw" or "report"`,
      );
    }
    const heap = this.#heap;
    this.#running = true;
    try {
      for (;;) {
        if (stopEvent !== null && stopEvent._state === 2) {
          return { stop: "event", now: this.#now, blocked: [] };
        }
        this.#dropCancelled();
        const t = heap.peekTime();
        if (t === Infinity) break;
        if (t >= limit) {
          this.#now = limit;
          return { stop: "time", now: limit, blocked: [] };
        }
        this.#stepOne();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#running = false;
    }
    const blocked = this.blockedTasks();
    if (blocked.length === 0 && stopEvent === null) {
      if (limit !== Infinity) this.#now = limit;
      return { stop: "empty", now: this.#now, blocked };
    }
    if (onDeadlock === "report") return { stop: "deadlock", now: this.#now, blocked };
    const reason = stopEvent === null
      ? undefined
      : `Deadlock: nothing is scheduled but the run waits for ${stopEvent.describe()}` +
        (blocked.length > 0 ? `, and ${blocked.length} task(s) still wait` : "");
    throw new DeadlockError(this.#now, blocked, reason);
  }

  /**
   * The live tasks parked with no timer that would wake them (daemons left
   * out), with what each waits on. When nothing is scheduled these can never
   * run again.
   *
   * @returns One entry per such task, oldest first.
   */
  blockedTasks(): BlockedTask[] {
    const out: BlockedTask[] = [];
    for (let t = this.#live; t !== null; t = t._next) {
      if (t.daemon || t._run !== PARKED || t._slot >= 0) continue;
      out.push({ id: t.id, name: t.name, waitingOn: t._blocker?.describe() ?? "nothing" });
    }
    return out.reverse();
  }

  // ---- internals used by events, tasks and upper layers ----------------

  /** @ignore */
  _nextId(): number {
    return ++this.#ids;
  }

  /** @ignore */
  _enqueue(item: Scheduled, time: number, priority: number): void {
    const free = this.#free;
    const slot = free.length > 0 ? free.pop()! : this.#items.length;
    this.#items[slot] = item;
    item._slot = slot;
    this.#heap.push(time, priority * SEQ_SPAN + this.#seq++, slot);
  }

  /** @ignore */
  _cancel(item: Scheduled): void {
    const slot = item._slot;
    if (slot >= 0 && this.#items[slot] === item) {
      this.#items[slot] = null;
      item._slot = -1;
    }
  }

  /** @ignore Sets a task up to resume with a value or an error after `delay`. */
  _ready(
    task: Task<unknown>,
    value: unknown,
    isError: boolean,
    delay: number,
    priority: number = Priority.NORMAL,
  ): void {
    task._val = value;
    task._thr = isError;
    task._run = READY;
    this._enqueue(task, this.#now + delay, priority);
  }

  /** @ignore Ends a parked task's wait: its timer and its blocker forget it. */
  _unpark(task: Task<unknown>): void {
    this._cancel(task);
    const b = task._blocker;
    task._blocker = null;
    if (b !== null) b.cancelWait(task);
  }

  /** @ignore Like `_unpark`, for wakers that already removed the task from their queue. */
  _unparkQuiet(task: Task<unknown>): void {
    this._cancel(task);
    task._blocker = null;
  }

  /** @ignore A task's heap entry came due: a resume, or a timer that ran out. */
  _fireTask(task: Task<unknown>): void {
    if (task._run === PARKED) {
      const b = task._blocker!;
      task._blocker = null;
      if (b === SLEEPING) {
        task._val = undefined;
        task._thr = false;
      } else {
        b.cancelWait(task);
        if (b instanceof Event) {
          // While parked, _val holds the timeout (see _performKernelOp).
          task._val = new TimeoutError(
            `Wait on ${b.describe()} timed out after ${formatTime(task._val as number)}`,
          );
          task._thr = true;
        } else {
          task._val = TIMEOUT;
          task._thr = false;
        }
      }
    }
    this.#resume(task);
  }

  /** @ignore An event a task waits on was processed. */
  _wakeFromEvent(task: Task<unknown>, event: Event<unknown>): void {
    if (task._run !== PARKED || task._blocker !== event) return;
    this._cancel(task);
    task._blocker = null;
    task._val = event._value;
    task._thr = !event._ok;
    this.#resume(task);
  }

  /** @ignore */
  _performKernelOp(task: Task<unknown>, op: Op): boolean {
    switch (op.kind) {
      case KIND_SLEEP:
        task._blocker = SLEEPING;
        this._enqueue(task, this.#now + op.num, Priority.NORMAL);
        return false;
      case KIND_WAIT: {
        const ev = op.ref as Event<unknown>;
        if (ev._state === 2) {
          ev._defused = true;
          task._val = ev._value;
          task._thr = !ev._ok;
          return true;
        }
        task._blocker = ev;
        ev._listen(task as Listener);
        if (op.num >= 0) {
          task._val = op.num;
          this._enqueue(task, this.#now + op.num, Priority.NORMAL);
        }
        return false;
      }
      case KIND_PARK:
        task._blocker = op.ref as Blocker;
        if (op.num >= 0) this._enqueue(task, this.#now + op.num, Priority.NORMAL);
        return false;
      default:
        task._val = new TypeError(`Task "${task.name}" yielded an unknown operation`);
        task._thr = true;
        return true;
    }
  }

  /** @ignore */
  _kill(task: Task<unknown>): void {
    if (task._run === PARKED) this._unpark(task);
    else this._cancel(task);
    task._interrupt = null;
    const prev = this.#current;
    this.#current = task;
    task._run = RUNNING;
    try {
      let r = task._gen.return(undefined as never);
      // A yield inside a finally block cannot block a kill.
      for (let i = 0; i < 64 && !r.done; i++) r = task._gen.return(undefined as never);
    } catch {
      // An error thrown while unwinding is superseded by the kill.
    } finally {
      this.#current = prev;
    }
    this.#end(task, false, task._killedError(), true);
    if (this.trace.enabled) this.trace.emit("kill", task.id);
  }

  // ---- private ----------------------------------------------------------

  #stepOne(): void {
    const slot = this.#heap.pop();
    const item = this.#items[slot]!;
    this.#items[slot] = null;
    this.#free.push(slot);
    this.#now = this.#heap.poppedTime;
    item._slot = -1;
    this.#events++;
    item._fire();
  }

  #dropCancelled(): void {
    const heap = this.#heap, items = this.#items;
    while (heap.size > 0) {
      const slot = heap.peekId();
      if (items[slot] !== null) return;
      heap.pop();
      this.#free.push(slot);
    }
  }

  #resume(task: Task<unknown>): void {
    const prev = this.#current;
    this.#current = task;
    task._run = RUNNING;
    let val = task._val, thr = task._thr;
    task._val = undefined;
    const gen = task._gen;
    for (;;) {
      let r: IteratorResult<Op, unknown>;
      try {
        if (thr) r = gen.throw(val);
        else {
          resumeSlot.value = val;
          r = gen.next(RESUME);
        }
      } catch (error) {
        this.#current = prev;
        this.#end(task, false, error, false);
        return;
      }
      if (r.done === true) {
        this.#current = prev;
        this.#end(task, true, r.value, false);
        return;
      }
      const op = r.value;
      if (task._interrupt !== null) {
        val = task._interrupt;
        thr = true;
        task._interrupt = null;
        continue;
      }
      if (!(op instanceof Op) || r !== op._yielded) {
        val = new TypeError(
          `Task "${task.name}" yielded "${
            String(op)
          }", which is not an operation: use yield* with an operation such as sim.sleep()`,
        );
        thr = true;
        continue;
      }
      task._run = PARKED;
      if (!op._perform(task)) break;
      task._run = RUNNING;
      val = task._val;
      thr = task._thr;
      task._val = undefined;
    }
    this.#current = prev;
  }

  #end(task: Task<unknown>, ok: boolean, value: unknown, killed: boolean): void {
    const p = task._prev, n = task._next;
    if (p !== null) p._next = n;
    else this.#live = n;
    if (n !== null) n._prev = p;
    task._prev = task._next = null;
    task._finish(ok, value, killed);
    if (this.trace.enabled && !killed) {
      this.trace.emit("exit", task.id, ok ? { ok } : { ok, error: String(value) });
    }
  }

  #checkNotRunning(what: string): void {
    if (this.#running) {
      throw new StateError(
        `Cannot ${what} the simulation from one of its own tasks or callbacks: it is running`,
      );
    }
  }

  #checkOwnTask(task: Task<unknown>, delay: Nanos): void {
    if (!(task instanceof Task) || task.sim !== this) {
      const what = task instanceof Task ? task.describe() : `"${String(task)}"`;
      throw new TypeError(`Cannot wake ${what}: it is not a task of this simulation`);
    }
    // A wake in the past would run before now: the clock would go backwards.
    if (delay !== 0) checkDelay("wake delay", delay);
  }

  #opFor(what: string): Op {
    if (this.#current === null) {
      throw new StateError(
        `Cannot ${what} outside a task: call it with yield* inside a generator run by spawn()`,
      );
    }
    return this.#op;
  }

  #checkUsable(what: string): void {
    const f = this.#failure;
    if (f !== null) {
      throw new StateError(
        `Cannot ${what}: the simulation failed at ${formatTime(f.time)} with ${String(f.error)}`,
        { cause: f.error },
      );
    }
  }

  #fail(error: unknown): never {
    this.#failure = { error, time: this.#now };
    throw error;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Simulation { now: ${
      formatTime(this.#now)
    }, seed: ${this.seed}, pending: ${this.#heap.size} }`;
  }
}

function checkOptions(what: string, options: unknown): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid ${what} options "${String(options)}": expected an object`);
  }
}

function checkPriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    throw new RangeError(
      `Invalid priority "${priority}": it must be an integer from 0 to ${MAX_PRIORITY}`,
    );
  }
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}
