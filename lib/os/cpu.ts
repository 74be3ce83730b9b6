/**
 * A host's processors: n cores and a run queue.
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Thread } from "./thread.ts";

/**
 * The cores of a host and the FIFO run queue of threads waiting for one. A
 * thread holds a core from when it is scheduled until it blocks, exits or is
 * preempted at the end of its time slice while others wait; switching a core
 * to a thread other than the one it last ran costs a context switch.
 *
 * @example Counting cores
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * const cpu = new Cpu(new Simulation(), 4);
 * assert.equal(cpu.cores, 4);
 * assert.equal(cpu.idleCores, 4);
 * ```
 */
export class Cpu implements Blocker {
  /** How many cores there are. */
  readonly cores: number;
  readonly #sim: Simulation;
  /** The thread on each core, or null when idle. */
  readonly #owner: (Thread | null)[];
  /** The last thread each core ran (it resumes without a context switch). */
  readonly #last: (Thread | null)[];
  /** CPU time each core spent on threads' work. */
  readonly #busy: Float64Array;
  readonly #queue: (Thread | null)[] = [];
  #head = 0;
  #queued = 0;
  #idle: number;

  /**
   * Makes the processors of a host.
   *
   * @param sim The simulation.
   * @param cores How many cores (a positive integer).
   * @throws {RangeError} If `cores` is not a positive integer.
   */
  constructor(sim: Simulation, cores: number) {
    if (!Number.isSafeInteger(cores) || cores < 1) {
      throw new RangeError(`Invalid core count "${cores}": it must be a positive integer`);
    }
    this.#sim = sim;
    this.cores = cores;
    this.#owner = new Array(cores).fill(null);
    this.#last = new Array(cores).fill(null);
    this.#busy = new Float64Array(cores);
    this.#idle = cores;
  }

  /** How many cores are idle now. */
  get idleCores(): number {
    return this.#idle;
  }

  /** How many threads wait in the run queue. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * CPU time spent on each core so far.
   *
   * @returns Nanoseconds per core.
   */
  busyTime(): number[] {
    return Array.from(this.#busy);
  }

  /**
   * Describes the run queue, for deadlock reports.
   *
   * @returns A description.
   */
  describe(): string {
    return "a core (run queue)";
  }

  /** @ignore A thread parked in the run queue was interrupted or killed. */
  cancelWait(task: unknown): void {
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i++) {
      if (q[i] !== null && q[i]!.task === task) {
        q[i] = null;
        this.#queued--;
      }
    }
  }

  /** @ignore Records CPU work on a core. */
  _charge(core: number, ns: number): void {
    this.#busy[core]! += ns;
  }

  /**
   * @ignore Gives `thread` a core at once if one is idle (preferring the one
   * it last ran on). Returns the core, or -1 after queueing the thread.
   */
  _tryAcquire(thread: Thread): number {
    if (this.#idle > 0) {
      let core = -1;
      for (let i = 0; i < this.cores; i++) {
        if (this.#owner[i] !== null) continue;
        if (this.#last[i] === thread) {
          core = i;
          break;
        }
        if (core < 0) core = i;
      }
      this.#owner[core] = thread;
      this.#idle--;
      return core;
    }
    this.#queue.push(thread);
    this.#queued++;
    return -1;
  }

  /**
   * @ignore Records that `thread` now runs on `core`; returns whether that
   * is a context switch (the core last ran another thread).
   */
  _switchIn(thread: Thread, core: number): boolean {
    const switched = this.#last[core] !== thread;
    this.#last[core] = thread;
    return switched;
  }

  /** @ignore Frees `core`, handing it to the next queued thread if any. */
  _release(core: number): void {
    const q = this.#queue;
    while (this.#head < q.length) {
      const next = q[this.#head];
      q[this.#head++] = null;
      if (this.#head > 1024 && this.#head * 2 > q.length) {
        q.splice(0, this.#head);
        this.#head = 0;
      }
      if (next === null || next === undefined) continue;
      this.#queued--;
      this.#owner[core] = next;
      next._core = core;
      this.#sim.wake(next.task, core);
      return;
    }
    this.#owner[core] = null;
    this.#idle++;
  }
}
