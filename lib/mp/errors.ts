/**
 * The errors of the multiprocessing layer, named after the Python exceptions
 * they stand for. Timeouts of `AsyncResult.get` throw the kernel's
 * `TimeoutError`, as Python's `multiprocessing.TimeoutError`.
 *
 * @module
 */

/**
 * Misuse of a process object, where CPython raises `AssertionError`:
 * starting a process twice, joining one never started, joining from a
 * process that is not the parent.
 *
 * @example Python's wording
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new ProcessError("cannot start a process twice");
 * assert.equal(err.name, "ProcessError");
 * ```
 */
export class ProcessError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was attempted and why it cannot be done.
   */
  constructor(message: string) {
    super(message);
    this.name = "ProcessError";
  }
}

/**
 * Python's `ValueError`: a closed queue, a pool that is not running, a
 * lock released too many times, a result that is not ready.
 *
 * @example A closed pool
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new ValueError("Pool not running").name, "ValueError");
 * ```
 */
export class ValueError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was wrong with the value.
   */
  constructor(message: string) {
    super(message);
    this.name = "ValueError";
  }
}

/**
 * Python's `EOFError`: `recv()` on a connection whose other end is closed
 * and empty.
 *
 * @example End of file
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new EOFError("no data").name, "EOFError");
 * ```
 */
export class EOFError extends Error {
  /**
   * Makes the error.
   *
   * @param message Why there is nothing more to read.
   */
  constructor(message: string) {
    super(message);
    this.name = "EOFError";
  }
}

/**
 * Python's `OSError`: using a connection that was closed in this process,
 * or in the wrong direction.
 *
 * @example A closed handle
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new OSError("handle is closed").name, "OSError");
 * ```
 */
export class OSError extends Error {
  /**
   * Makes the error.
   *
   * @param message What failed.
   */
  constructor(message: string) {
    super(message);
    this.name = "OSError";
  }
}

/**
 * Python's `BrokenPipeError` (an `OSError`, errno 32): sending on a pipe
 * whose every read end is closed.
 *
 * @example A broken pipe is an OSError
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new BrokenPipeError("[Errno 32] Broken pipe");
 * assert.ok(err instanceof OSError);
 * ```
 */
export class BrokenPipeError extends OSError {
  /**
   * Makes the error.
   *
   * @param message What failed.
   */
  constructor(message: string) {
    super(message);
    this.name = "BrokenPipeError";
  }
}

/**
 * Python's `pickle.PicklingError`: a value that cannot be sent to another
 * process (a function, a symbol, a queue outside inheritance). `path` says
 * where in the value it was found.
 *
 * @example Where the value was found
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new PicklingError("Can't pickle function \"f\"", "args[0]");
 * assert.equal(err.path, "args[0]");
 * ```
 */
export class PicklingError extends Error {
  /** Where the value was found, such as `value.items[2]`. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param message What cannot be pickled.
   * @param path Where it was found.
   */
  constructor(message: string, path = "value") {
    super(message);
    this.name = "PicklingError";
    this.path = path;
  }
}

/**
 * Python's `queue.Empty`: a `get` that could not take an item (non-blocking,
 * or its timeout ran out).
 *
 * @example Nothing to get
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new Empty("queue is empty").name, "Empty");
 * ```
 */
export class Empty extends Error {
  /**
   * Makes the error.
   *
   * @param message Why nothing could be taken.
   */
  constructor(message: string) {
    super(message);
    this.name = "Empty";
  }
}

/**
 * Python's `queue.Full`: a `put` that found no room (non-blocking, or its
 * timeout ran out).
 *
 * @example No room to put
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new Full("queue is full").name, "Full");
 * ```
 */
export class Full extends Error {
  /**
   * Makes the error.
   *
   * @param message Why nothing could be put.
   */
  constructor(message: string) {
    super(message);
    this.name = "Full";
  }
}

/**
 * Python's `threading.BrokenBarrierError`: the barrier was aborted, reset,
 * or a wait on it timed out.
 *
 * @example A broken barrier
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new BrokenBarrierError("the barrier is broken").name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Makes the error.
   *
   * @param message What broke the barrier.
   */
  constructor(message: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}

/**
 * A pool worker died (killed, or crashed) while it ran a task: the task's
 * result fails with this instead of never arriving. CPython's `Pool` waits
 * forever here (bpo-22393); `billiard`, Celery's fork, raises
 * `WorkerLostError` as iosim does.
 *
 * @example The exit code of the lost worker
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new WorkerLostError("Worker \"ForkPoolWorker-1\" died", -9);
 * assert.equal(err.exitCode, -9);
 * ```
 */
export class WorkerLostError extends Error {
  /** The worker's exit code (negative: the signal that killed it), or null. */
  readonly exitCode: number | null;

  /**
   * Makes the error.
   *
   * @param message Which worker died and what it was doing.
   * @param exitCode Its exit code.
   */
  constructor(message: string, exitCode: number | null = null) {
    super(message);
    this.name = "WorkerLostError";
    this.exitCode = exitCode;
  }
}

/**
 * Python's `multiprocessing.pool.MaybeEncodingError`: a pool task's result
 * could not be sent back (it cannot be pickled).
 *
 * @example A result that cannot be sent
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new MaybeEncodingError("Error sending result").name, "MaybeEncodingError");
 * ```
 */
export class MaybeEncodingError extends Error {
  /**
   * Makes the error.
   *
   * @param message The result and why it could not be sent.
   */
  constructor(message: string) {
    super(message);
    this.name = "MaybeEncodingError";
  }
}

/**
 * Python's `KeyError`: a managed dict has no such key.
 *
 * @example A missing key
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new KeyError("'x'").name, "KeyError");
 * ```
 */
export class KeyError extends Error {
  /**
   * Makes the error.
   *
   * @param message The missing key, as Python shows it.
   */
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

/**
 * Python's `IndexError`: a managed list has no such index.
 *
 * @example A missing index
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new IndexError("list index out of range").name, "IndexError");
 * ```
 */
export class IndexError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was out of range.
   */
  constructor(message: string) {
    super(message);
    this.name = "IndexError";
  }
}

/**
 * Python's `AttributeError`: a managed namespace has no such attribute.
 *
 * @example A missing attribute
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new AttributeError("'Namespace' object has no attribute 'x'").name, "AttributeError");
 * ```
 */
export class AttributeError extends Error {
  /**
   * Makes the error.
   *
   * @param message The missing attribute, as Python words it.
   */
  constructor(message: string) {
    super(message);
    this.name = "AttributeError";
  }
}
