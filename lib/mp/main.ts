/**
 * The main program of a multiprocessing script, with Python's exit handling.
 *
 * @module
 */

import { ProcessExit, type ThreadBody } from "../os/process.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { procState } from "./_context.ts";

/**
 * Wraps the body of a main program so that it ends as a CPython script
 * ends (`multiprocessing.util._exit_function`, run by atexit): exit
 * handlers run (a pool still open is terminated, manager servers shut
 * down), daemonic children are terminated, and the other children are
 * joined — so a script that starts processes and returns still waits for
 * them, and daemonic pool workers die with it. Without this wrapper a
 * body that returns ends its process at once, as `os._exit` would, and its
 * children run on as orphans.
 *
 * @example Main waits for a non-daemonic child, and kills a daemonic one
 * ```ts
 * import assert from "node:assert/strict";
 * import { s, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { mainProcess, Process } from "@iosim/iosim/mp";
 * function* nap(sys: Sys, secs: number) {
 *   yield* sys.sleep(s(secs));
 *   sys.print(`slept ${secs} s`);
 * }
 * const sim = new Simulation();
 * const host = new Host(sim, { cores: 2 });
 * const main = host.spawn("MainProcess", mainProcess(function* (sys) {
 *   yield* new Process({ target: nap, args: [1] }).start(sys);
 *   yield* new Process({ target: nap, args: [5], daemon: true }).start(sys);
 * }));
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["slept 1 s"]);
 * assert.equal(main.exitCode, 0);
 * ```
 *
 * @param body The main program.
 * @returns A body for `host.spawn`.
 * @throws {TypeError} If `body` is not a function.
 */
export function mainProcess<R extends number | void>(body: ThreadBody<R>): ThreadBody<R> {
  if (typeof body !== "function") {
    throw new TypeError(`Invalid main body "${String(body)}": expected a generator function`);
  }
  return function* (sys): ThreadRoutine<R> {
    let result: R;
    try {
      result = yield* body(sys);
    } catch (e) {
      // sys.exit(n) still runs the exit handlers; an uncaught error fails the
      // simulation at once instead of waiting for children.
      if (e instanceof ProcessExit && sys.process.exitCode === null) {
        yield* procState(sys.process).exit(sys);
      }
      throw e;
    }
    yield* procState(sys.process).exit(sys);
    return result;
  };
}
