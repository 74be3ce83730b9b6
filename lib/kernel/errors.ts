/**
 * The kernel's domain errors. Bad arguments are `TypeError` or `RangeError`;
 * these are the errors that simulated code and callers catch by name.
 *
 * @module
 */

/**
 * Thrown when an object is used in a state that does not allow the call:
 * triggering an event twice, running a simulation that already failed,
 * joining a task from itself.
 *
 * @example Catching a state error
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new StateError("Cannot trigger event: already triggered");
 * assert.equal(err.name, "StateError");
 * ```
 */
export class StateError extends Error {
  /**
   * Makes a state error.
   *
   * @param message What was attempted and why it cannot be done.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StateError";
  }
}

/**
 * Thrown into a task by {@linkcode Task.interrupt}; `cause` is what the
 * interrupter passed.
 *
 * @example An interrupt carries its cause
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new Interrupt("wake up");
 * assert.equal(err.cause, "wake up");
 * assert.equal(err.name, "Interrupt");
 * ```
 */
export class Interrupt extends Error {
  /**
   * Makes an interrupt.
   *
   * @param cause Why the task was interrupted.
   */
  constructor(cause?: unknown) {
    super(`Interrupted${cause === undefined ? "" : `: ${String(cause)}`}`, { cause });
    this.name = "Interrupt";
  }
}

/**
 * What joining a killed task throws, and the value a killed task fails with.
 *
 * @example A killed task's error
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new Killed("worker");
 * assert.match(err.message, /worker/);
 * ```
 */
export class Killed extends Error {
  /**
   * Makes the error for a killed task.
   *
   * @param task The killed task's name.
   */
  constructor(task: string) {
    super(`Task "${task}" was killed`);
    this.name = "Killed";
  }
}

/**
 * Thrown when a wait with a deadline runs out of time.
 *
 * @example A timeout names what timed out
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new TimeoutError("join of task \"a\" timed out after 1 ms");
 * assert.equal(err.name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Makes a timeout error.
   *
   * @param message What timed out.
   */
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** One task that can never run again, and what it waits on. */
export interface BlockedTask {
  /** The task's id. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** What the task waits on, in words. */
  readonly waitingOn: string;
}

/**
 * Thrown by `run()` when nothing is scheduled but tasks still wait: none of
 * them can ever be woken. `blocked` names each task and what it waits on.
 *
 * @example Reading a deadlock report
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new DeadlockError(1_000, [{ id: 1, name: "reader", waitingOn: "event #3" }]);
 * assert.equal(err.blocked.length, 1);
 * assert.match(err.message, /reader/);
 * ```
 */
export class DeadlockError extends Error {
  /** The tasks that can never run again. */
  readonly blocked: readonly BlockedTask[];
  /** The virtual time at which the simulation ran out of events. */
  readonly time: number;

  /**
   * Makes a deadlock error.
   *
   * @param time The virtual time in nanoseconds.
   * @param blocked The blocked tasks.
   * @param reason Why the run needed more events, when it was waiting for one.
   */
  constructor(time: number, blocked: readonly BlockedTask[], reason?: string) {
    const lines = blocked.map((b) => `  task #${b.id} "${b.name}" waits on ${b.waitingOn}`);
    const head = reason ??
      `Deadlock: nothing is scheduled but ${blocked.length} task(s) still wait`;
    super([head, ...lines].join("\n"));
    this.name = "DeadlockError";
    this.blocked = blocked;
    this.time = time;
  }
}
