/**
 * The article's second multiprocessing example, "inherited call": a
 * subclass of `Process` whose `run` prints the name it was given.
 *
 * ```python
 * class MyProcess(multiprocessing.Process):
 *     def __init__(self, process_name):
 *         self.__process_name = process_name
 *         super(MyProcess, self).__init__()
 *     def run(self):
 *         print("%s is running" % self.__process_name)
 * if __name__ == '__main__':
 *     p = MyProcess("myprocess")
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

/** The article's subclass; its field is copied into the child at fork. */
class MyProcess extends Process {
  processName: string;

  constructor(processName: string) {
    super();
    this.processName = processName;
  }

  // deno-lint-ignore require-yield
  override *run(sys: Sys): ThreadRoutine<void> {
    sys.print(`${this.processName} is running`);
  }
}

/** The mp_subclass scenario. */
export const scenario = defineScenario({
  name: "mp_subclass",
  description: 'the article\'s Process subclass with run(): "myprocess is running"',
  params: {
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let p: MyProcess | null = null;
    host.spawn(
      "python",
      mainProcess(function* (sys) {
        p = new MyProcess("myprocess");
        yield* p.start(sys);
      }),
    );
    sim.run();
    const child = p as MyProcess | null;
    return {
      metrics: {
        totalNs: sim.now,
        childName: child?.name ?? null,
        childExitCode: child?.exitCode ?? null,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
