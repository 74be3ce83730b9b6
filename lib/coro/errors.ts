/**
 * The coroutine layer's domain errors.
 *
 * @module
 */

/**
 * Kills a greenlet quietly: thrown into a greenlet (the default of `throw`
 * and `kill`), it unwinds it, and if uncaught it is not passed on as an
 * error — the parent receives the `GreenletExit` as the dead greenlet's
 * value instead (greenlet's `GreenletExit`).
 *
 * @example A quiet kill
 * ```ts
 * import assert from "node:assert/strict";
 * const exit = new GreenletExit();
 * assert.equal(exit.name, "GreenletExit");
 * assert.ok(exit instanceof Error);
 * ```
 */
export class GreenletExit extends Error {
  /**
   * Makes the exit signal.
   *
   * @param message Why the greenlet is killed.
   */
  constructor(message = "GreenletExit") {
    super(message);
    this.name = "GreenletExit";
  }
}

/**
 * A greenlet was used in a way greenlets do not allow: switching to a dead
 * greenlet or to one of another thread, or a parent chain with a cycle
 * (greenlet's `greenlet.error`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new GreenletError('Cannot switch to greenlet "g": it is dead');
 * assert.equal(err.name, "GreenletError");
 * ```
 */
export class GreenletError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was attempted and why it cannot be done.
   */
  constructor(message: string) {
    super(message);
    this.name = "GreenletError";
  }
}

/** A greenlet that can never be woken, and what it waits on. */
export interface BlockedGreenlet {
  /** The greenlet's name. */
  readonly name: string;
  /** What it waits on, in words (`Event.wait()`, `join of greenlet "g"`, ...). */
  readonly waitingOn: string;
}

/**
 * Raised in the main greenlet by the hub when every greenlet waits and
 * nothing can wake one: no callback is queued, no timer is set and no
 * greenlet waits on a descriptor (gevent's `LoopExit`, "This operation would
 * block forever"). `blocked` names each waiting greenlet and what it waits
 * on.
 *
 * @example Reading the report
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new LoopExit([{ name: "main", waitingOn: "Event.wait()" }]);
 * assert.match(err.message, /main" waits on Event.wait\(\)/);
 * assert.equal(err.blocked.length, 1);
 * ```
 */
export class LoopExit extends Error {
  /** The greenlets that wait forever. */
  readonly blocked: readonly BlockedGreenlet[];

  /**
   * Makes the error.
   *
   * @param blocked The waiting greenlets.
   */
  constructor(blocked: readonly BlockedGreenlet[]) {
    const lines = blocked.map((b) => `  greenlet "${b.name}" waits on ${b.waitingOn}`);
    super(
      ["This operation would block forever: nothing can wake the waiting greenlets", ...lines]
        .join("\n"),
    );
    this.name = "LoopExit";
    this.blocked = blocked;
  }
}

/**
 * `Queue.get` without waiting (or after its timeout) found the queue empty
 * (Python's `queue.Empty`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new QueueEmpty("the queue is empty").name, "QueueEmpty");
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Makes the error.
   *
   * @param message What was attempted.
   */
  constructor(message: string) {
    super(message);
    this.name = "QueueEmpty";
  }
}

/**
 * `Queue.put` without waiting (or after its timeout) found the queue full
 * (Python's `queue.Full`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new QueueFull("the queue is full").name, "QueueFull");
 * ```
 */
export class QueueFull extends Error {
  /**
   * Makes the error.
   *
   * @param message What was attempted.
   */
  constructor(message: string) {
    super(message);
    this.name = "QueueFull";
  }
}

/**
 * Two greenlets tried to wait for the same event on the same descriptor
 * (gevent's `ConcurrentObjectUseError`: "This socket is already used by
 * another greenlet").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new ConcurrentObjectUseError('fd "5" is already read by greenlet "a"');
 * assert.equal(err.name, "ConcurrentObjectUseError");
 * ```
 */
export class ConcurrentObjectUseError extends Error {
  /**
   * Makes the error.
   *
   * @param message Who uses the object already.
   */
  constructor(message: string) {
    super(message);
    this.name = "ConcurrentObjectUseError";
  }
}
