/**
 * The pool's worker process: it takes tasks from the pool's task queue,
 * runs them, and puts their outcomes on the result queue.
 *
 * @module
 */

import { ProcessExit } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { owe } from "./_context.ts";
import type { Outcome } from "./async_result.ts";
import { mpCosts } from "./costs.ts";
import { EOFError, MaybeEncodingError, OSError, PicklingError } from "./errors.ts";
import { pickle, type Pickled, SHARED, type SharePolicy } from "./pickle.ts";
import { pyRepr } from "./pyrepr.ts";
import type { SimpleQueue } from "./simple_queue.ts";

/** A pool task: a generator function given the worker's `sys` and the arguments. */
export type Task<A extends unknown[], R> = (sys: Sys, ...args: A) => ThreadRoutine<R>;

/**
 * Options for `Pool`.
 *
 * @typeParam A The initializer's arguments.
 */
export interface PoolOptions<A extends unknown[] = unknown[]> {
  /** Run by each worker when it starts. */
  readonly initializer?: (sys: Sys, ...args: A) => ThreadRoutine<unknown>;
  /** The initializer's arguments. */
  readonly initargs?: A;
  /** Tasks a worker runs before it exits and is replaced (default: no limit). */
  readonly maxTasksPerChild?: number | null;
}

/** @ignore What a task message asks for: apply, a map chunk, a starmap chunk. */
export type Kind = 0 | 1 | 2; // apply, map chunk, starmap chunk
/** @ignore A task as the workers get it: `(job, i, func, args, kind)`. */
export type TaskMsg = [
  job: number,
  i: number,
  fn: Task<unknown[], unknown>,
  args: unknown,
  kind: Kind,
];
/** @ignore An outcome as the result handler gets it. */
export type ResultMsg = readonly [job: number, i: number, ok: boolean, value: unknown];
/** @ignore Tasks submitted together (a map), and who learns how many were sent. */
export type Batch = { tasks: TaskMsg[]; setLength: ((n: number) => void) | null };

// The pickled size of the envelopes around a task's arguments, `(job, i,
// func, args, kwds)`, and around its outcome, `(job, i, (ok, value))`: only
// what is inside is pickled item by item.
/** @ignore */
export const TASK_ENVELOPE = 26;
/** @ignore */
export const RESULT_ENVELOPE = 14;

/** What a worker is doing, in memory it shares with the pool (for lost-task reports). */
export class WorkerSlot {
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  job = -1;
  i = -1;
}

function* runTask(
  sys: Sys,
  fn: Task<unknown[], unknown>,
  args: unknown,
  kind: Kind,
): ThreadRoutine<unknown> {
  if (kind === 0) return yield* fn(sys, ...(args as unknown[]));
  const out: unknown[] = [];
  for (const x of args as unknown[]) {
    out.push(kind === 1 ? yield* fn(sys, x) : yield* fn(sys, ...(x as unknown[])));
  }
  return out;
}

export function* worker(
  sys: Sys,
  inqueue: SimpleQueue<TaskMsg | null>,
  outqueue: SimpleQueue<ResultMsg | null>,
  slot: WorkerSlot,
  options: PoolOptions,
): ThreadRoutine<void> {
  const costs = mpCosts(sys.host);
  if (options.initializer !== undefined) {
    yield* options.initializer(sys, ...(options.initargs ?? []));
  }
  const max = options.maxTasksPerChild ?? Infinity;
  for (let completed = 0; completed < max; completed++) {
    let task: TaskMsg | null;
    try {
      // The slot says which task this worker holds from the very step it
      // leaves the pipe (the read lock's release may wait): killed after
      // that, the worker loses the task, and the pool reports it.
      task = yield* inqueue._get((msg) => {
        if (msg === null) return;
        slot.job = msg[0];
        slot.i = msg[1];
      });
    } catch (e) {
      if (e instanceof EOFError || e instanceof OSError) return;
      throw e;
    }
    if (task === null) return;
    const [job, i, fn, args, kind] = task;
    owe(sys.thread, costs.poolTaskNs);
    let outcome: Outcome;
    try {
      outcome = [true, yield* runTask(sys, fn, args, kind)];
    } catch (e) {
      if (e instanceof ProcessExit || sys.process.exitCode !== null) throw e;
      outcome = [false, e];
    }
    let v: Pickled;
    try {
      v = pickle(outcome[1]);
    } catch (e) {
      if (!(e instanceof PicklingError)) throw e;
      outcome = [
        false,
        new MaybeEncodingError(
          `Error sending result: '${pyRepr(outcome[1])}'. Reason: '${e.message}'`,
        ),
      ];
      v = pickle(outcome[1]);
    }
    // The task is no longer this worker's once its outcome is committed to
    // the result queue, in that same step: killed later (the write lock's
    // release may wait), the worker must not have it reported lost as well.
    yield* outqueue._putPickled(
      [job, i, outcome[0], v.value],
      v.bytes + RESULT_ENVELOPE,
      v.items + 4,
      () => slot.job = -1,
    );
  }
}
