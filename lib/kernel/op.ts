/**
 * Operations: what a task yields when it blocks.
 *
 * @module
 */

import { RESUME, resumeSlot } from "./_resume.ts";
import type { Task } from "./task.ts";

/**
 * A blocking operation. Tasks consume operations with `yield*`, which types
 * the result: `const v: number = yield* sim.wait(event)`. A simulation uses
 * one operation object for all of its tasks (only one task runs at a time and
 * the kernel reads an operation as soon as it is yielded), so blocking
 * allocates nothing; upper layers may subclass `Op` and override `_perform`
 * for operations of their own.
 *
 * An `Op` is its own iterator: `next()` from `yield*` hands the operation to
 * the kernel; the kernel's resume returns the result.
 *
 * @typeParam T The result of the operation.
 *
 * @example Yielding an operation
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * const sim = new Simulation();
 * const task = sim.spawn(function* () {
 *   yield* sim.sleep(ms(2));
 *   return sim.now;
 * });
 * sim.run();
 * assert.equal(task.value, 2_000_000);
 * ```
 */
export class Op<T = unknown> implements Iterator<Op, T, unknown>, Iterable<Op, T, unknown> {
  /** Which kernel operation this is; subclasses leave it at 0. */
  kind: number = 0;
  /** A numeric argument (a delay or a timeout), or -1. */
  num: number = -1;
  /** An object argument (an event or a blocker). */
  ref: unknown = null;
  readonly #yielded: IteratorYieldResult<Op> = { done: false, value: this };
  readonly #returned: IteratorReturnResult<T> = { done: true, value: undefined as T };

  /**
   * Returns the operation itself, so that `yield*` can drive it.
   *
   * @returns This operation.
   */
  [Symbol.iterator](): Iterator<Op, T, unknown> {
    return this;
  }

  /**
   * Advances the operation: called by `yield*`, it hands the operation to the
   * kernel; called with the kernel's resume token, it returns the result.
   *
   * @param value What the generator was resumed with.
   * @returns The next iterator result.
   */
  next(value?: unknown): IteratorResult<Op, T> {
    if (value !== RESUME) return this.#yielded;
    this.#returned.value = resumeSlot.value as T;
    return this.#returned;
  }

  /** @ignore The result `yield*` receives first; anything else was a bare `yield`. */
  get _yielded(): IteratorYieldResult<Op> {
    return this.#yielded;
  }

  /**
   * Propagates an error thrown into the task (an interrupt, a failed event)
   * out of the `yield*` expression.
   *
   * @param error The error.
   * @returns Never; it always throws.
   */
  throw(error?: unknown): IteratorResult<Op, T> {
    throw error;
  }

  /**
   * Ends the operation early (when the task is killed).
   *
   * @param value The value to finish with.
   * @returns A finished iterator result.
   */
  return(value?: unknown): IteratorResult<Op, T> {
    return { done: true, value: value as T };
  }

  /**
   * Carries the operation out for `task`. Returns `true` when the result is
   * available at once (left in the task's resume slot), `false` when the task
   * is parked until something wakes it.
   *
   * @param task The task that yielded this operation.
   * @returns Whether the task can continue at once.
   */
  _perform(task: Task): boolean {
    return task.sim._performKernelOp(task, this);
  }
}
