/**
 * The article's first multiprocessing example, "direct call": a `Process`
 * made from a target function and its arguments, started and left to run
 * (the script ends; Python's exit handling joins the child).
 *
 * ```python
 * def run(n):
 *     print("process %s is runing" % n)
 * if __name__ == '__main__':
 *     p = multiprocessing.Process(target=run, args=(1,))
 *     p.start()
 * ```
 *
 * @module
 */

import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Process } from "../lib/mp/process.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

// deno-lint-ignore require-yield
function* run(sys: Sys, n: number): ThreadRoutine<void> {
  sys.print(`process ${n} is runing`);
}

/** The mp_process scenario. */
export const scenario = defineScenario({
  name: "mp_process",
  description: 'the article\'s Process(target=run, args=(1,)): "process 1 is runing"',
  params: {
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let p: Process<[number]> | null = null;
    let startReturnedNs = 0;
    const main = host.spawn(
      "python",
      mainProcess(function* (sys) {
        p = new Process({ target: run, args: [1] });
        yield* p.start(sys);
        startReturnedNs = sys.now;
      }),
    );
    sim.run();
    const child = p as Process<[number]> | null;
    return {
      metrics: {
        totalNs: sim.now,
        startReturnedNs,
        childRanAtNs: sim.output[0]?.t ?? null,
        childPid: child?.pid ?? null,
        childExitCode: child?.exitCode ?? null,
        mainExitCode: main.exitCode,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
