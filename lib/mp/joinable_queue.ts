/**
 * `multiprocessing.JoinableQueue`: a queue that counts unfinished tasks.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { callerThread, owe, pay } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { ValueError } from "./errors.ts";
import { Queue } from "./queue.ts";

/**
 * A `Queue` that counts items put and not yet marked done: each consumer
 * calls `taskDone` once per item it got, and `join` blocks until the count
 * is back to zero. The count lives in shared memory.
 *
 * @typeParam T What travels through it.
 *
 * @example Waiting until a worker has processed everything
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { JoinableQueue, Process } from "@iosim/iosim/mp";
 * function* worker(sys: Sys, q: JoinableQueue<number>) {
 *   for (;;) {
 *     const n = yield* q.get();
 *     sys.print(`done ${n}`);
 *     yield* q.taskDone();
 *   }
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const q = new JoinableQueue<number>(sys);
 *   const p = new Process({ target: worker, args: [q], daemon: true });
 *   yield* p.start(sys);
 *   for (let i = 0; i < 3; i++) yield* q.put(i);
 *   yield* q.join();
 *   sys.print("all done");
 *   yield* p.terminate();
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["done 0", "done 1", "done 2", "all done"]);
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #joiners: WaitQueue;
  #unfinished = 0;

  /**
   * Makes a joinable queue.
   *
   * @param sys The creating thread's system calls.
   * @param maxsize The most items it holds (default 0: no limit).
   * @throws {RangeError} If `maxsize` is not an integer >= 0.
   */
  constructor(sys: Sys, maxsize = 0) {
    super(sys, maxsize);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#joiners = new WaitQueue(this.#sim, `join of ${this.describe()}`, this.#costs.futexNs);
  }

  /** Items put and not yet marked done. */
  get unfinishedTasks(): number {
    return this.#unfinished;
  }

  /** @ignore */
  override _afterPut(t: Thread): void {
    this.#unfinished++;
    owe(t, 2 * this.#costs.lockNs);
  }

  /**
   * Marks one item got from the queue as processed; the last one wakes
   * `join`.
   *
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If called more times than items were put.
   */
  *taskDone(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "mark a task done on", this);
    owe(t, 2 * this.#costs.lockNs);
    if (this.#unfinished <= 0) {
      throw new ValueError(`task_done() called too many times (${this.describe()})`);
    }
    if (--this.#unfinished === 0 && this.#joiners.size > 0) {
      if (t.pending) yield* pay(t);
      this.#joiners.wakeAll(t);
    }
  }

  /**
   * Blocks until every item put has been marked done.
   *
   * @returns The operation, for `yield*`.
   */
  *join(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "join", this);
    owe(t, 2 * this.#costs.lockNs);
    while (this.#unfinished > 0) yield* this.#joiners.wait(t);
  }
}
