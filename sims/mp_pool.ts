/**
 * The article's process pool: `Pool(5)` and ten tasks that print and sleep
 * a second, submitted with `apply_async` (or `apply`), then `close()` and
 * `join()` — and the article's open question, "这块不知道为啥" (why
 * `pool.join()`?), answered by leaving it out.
 *
 * ```python
 * def run(i):
 *     print("hello multiprocessing", i)
 *     time.sleep(1)
 * if __name__ == '__main__':
 *     pool = Pool(5)
 *     for i in range(10):
 *         #pool.apply(run, args=(i,))
 *         pool.apply_async(run, args=(i,))
 *     pool.close()
 *     pool.join()  # 这块不知道为啥
 * ```
 *
 * - `apply_async` (default): the ten tasks run on five workers in two
 *   waves of five: about 2 s.
 * - `apply`: each call waits for its task, so the ten run one after the
 *   other: about 10 s.
 * - `no_join`: without `join` the main process reaches its end right after
 *   `close()`. Python's exit handling then terminates the pool: its workers
 *   are daemonic, so they are killed (SIGTERM) wherever they are. Tasks a
 *   worker had already picked up printed their line; the rest never ran.
 *   `join()` is what makes the main process wait for the work.
 *
 * @module
 */

import { s } from "../lib/kernel/time.ts";
import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Pool, type ProcessPool } from "../lib/mp/pool.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

function* run(sys: Sys, i: number): ThreadRoutine<void> {
  sys.print("hello multiprocessing", i);
  yield* sys.sleep(s(1));
}

/** The mp_pool scenario. */
export const scenario = defineScenario({
  name: "mp_pool",
  description:
    "the article's Pool(5): apply_async + close + join, apply, and what happens without join",
  params: {
    variant: {
      type: "string",
      default: "apply_async",
      choices: ["apply_async", "apply", "no_join"],
      description: "how the main program submits and waits",
    },
    processes: { type: "int", default: 5, min: 1, max: 256, description: "pool workers" },
    tasks: { type: "int", default: 10, min: 0, max: 100_000, description: "tasks submitted" },
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let pool: ProcessPool | null = null;
    let mainEndedNs = 0;
    const main = host.spawn(
      "python",
      mainProcess(function* (sys) {
        pool = yield* Pool(sys, params.processes);
        for (let i = 0; i < params.tasks; i++) {
          if (params.variant === "apply") yield* pool.apply(run, [i]);
          else yield* pool.applyAsync(run, [i]);
        }
        yield* pool.close();
        if (params.variant !== "no_join") yield* pool.join();
        mainEndedNs = sys.now;
      }),
    );
    sim.run();
    const p = pool as ProcessPool | null;
    const printed = sim.output.filter((l) => l.text.startsWith("hello multiprocessing")).length;
    const workerExitCodes = p?.workers.map((w) => w.exitCode) ?? [];
    const killed = workerExitCodes.filter((c) => c !== null && c < 0).length;
    const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
    const report = params.variant === "no_join"
      ? `Without pool.join() the main program ended ${ms(mainEndedNs)} in, right after close().\n` +
        `Python's exit handling then terminated the pool: ${killed} daemonic worker(s) got SIGTERM.\n` +
        `${printed} of ${params.tasks} task(s) had printed; none finished. join() is what makes the\n` +
        `main process wait for the workers (CPython here prints 0 or 5 lines, by a race).\n`
      : `${params.tasks} task(s) of 1 s on ${params.processes} worker(s): ${ms(sim.now)} in all.\n`;
    return {
      metrics: {
        variant: params.variant,
        totalNs: sim.now,
        mainBodyEndedNs: mainEndedNs,
        tasksSubmitted: params.tasks,
        tasksPrinted: printed,
        tasksCompleted: p?.stats.tasksDone ?? 0,
        workersKilled: killed,
        workerExitCodes,
        mainExitCode: main.exitCode,
      },
      report,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
