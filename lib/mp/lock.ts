/**
 * Process locks: `Lock` and `RLock`.
 *
 * @module
 */

import type { Sys } from "../os/sys.ts";
import { SemLock } from "./semlock.ts";

/**
 * A non-recursive lock shared by processes (`multiprocessing.Lock`): a
 * semaphore with value 1. Acquiring it twice from one thread blocks
 * forever; releasing it when free raises `ValueError`. Any process may
 * release it.
 *
 * @example The article's lock: whole lines from ten processes
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Lock, Process } from "@iosim/iosim/mp";
 * function* run(sys: Sys, l: Lock) {
 *   yield* l.acquire();
 *   sys.print("hello multiprocessing");
 *   yield* l.release();
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const l = new Lock(sys);
 *   for (let i = 0; i < 3; i++) yield* new Process({ target: run, args: [l] }).start(sys);
 * });
 * sim.run();
 * assert.equal(sim.output.length, 3);
 * ```
 */
export class Lock extends SemLock {
  /**
   * Makes a lock, free.
   *
   * @param sys The creating thread's system calls.
   * @throws {TypeError} If `sys` is not a `Sys`.
   */
  constructor(sys: Sys) {
    super(sys, "semaphore", 1, 1);
  }
}

/**
 * A recursive lock shared by processes (`multiprocessing.RLock`): the
 * thread holding it may acquire it again, and must release it as often;
 * only that thread may release it.
 *
 * @example Acquiring twice
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { RLock } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const l = new RLock(sys);
 *   yield* l.acquire();
 *   yield* l.acquire();
 *   yield* l.release();
 *   sys.print(l.isMine());
 *   yield* l.release();
 *   sys.print(l.isMine());
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["true", "false"]);
 * ```
 */
export class RLock extends SemLock {
  /**
   * Makes a recursive lock, free.
   *
   * @param sys The creating thread's system calls.
   * @throws {TypeError} If `sys` is not a `Sys`.
   */
  constructor(sys: Sys) {
    super(sys, "recursive", 1, 1);
  }
}
