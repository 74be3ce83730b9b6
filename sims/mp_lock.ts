/**
 * The article's process lock: ten processes each print a line while
 * holding a shared `Lock`, so lines never mix on the terminal they share.
 *
 * ```python
 * def run(l):
 *     l.acquire()
 *     print("hello multiprocessing")
 *     l.release()
 * if __name__ == '__main__':
 *     l = Lock()
 *     for i in range(10):
 *         p = Process(target=run, args=(l,))
 *         p.start()
 * ```
 *
 * `print` writes the text, then the newline: two writes to the terminal
 * all the processes share, `--print-ns` apart. Under the lock no other
 * process writes in between; with `--lock false` and a slow enough
 * terminal, lines run into each other (the metrics count broken lines).
 *
 * @module
 */

import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { Lock } from "../lib/mp/lock.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { SHARED, type SharePolicy } from "../lib/mp/pickle.ts";
import { Process } from "../lib/mp/process.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

const LINE = "hello multiprocessing";

/** The terminal every process writes to: it shows a line at each newline. */
class Terminal {
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  #line = "";
  write(sys: Sys, text: string): void {
    for (const part of text.split(/(\n)/)) {
      if (part === "\n") {
        sys.print(this.#line);
        this.#line = "";
      } else this.#line += part;
    }
  }
}

function* run(
  sys: Sys,
  l: Lock | null,
  term: Terminal,
  printNs: number,
): ThreadRoutine<void> {
  if (l !== null) yield* l.acquire();
  term.write(sys, LINE);
  yield* sys.compute(printNs);
  term.write(sys, "\n");
  if (l !== null) yield* l.release();
}

/** The mp_lock scenario. */
export const scenario = defineScenario({
  name: "mp_lock",
  description: "the article's Lock: ten processes print whole lines under a shared lock",
  params: {
    processes: { type: "int", default: 10, min: 1, max: 1000, description: "printing processes" },
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
    lock: { type: "boolean", default: true, description: "hold the lock while printing" },
    printNs: {
      type: "int",
      default: 5_000,
      min: 0,
      description: "nanoseconds between the text and its newline",
    },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    host.spawn(
      "python",
      mainProcess(function* (sys) {
        const l = params.lock ? new Lock(sys) : null;
        const term = new Terminal();
        for (let i = 0; i < params.processes; i++) {
          const p = new Process({ target: run, args: [l, term, params.printNs] });
          yield* p.start(sys);
        }
      }),
    );
    sim.run();
    const lines = sim.output.map((o) => o.text);
    const whole = lines.filter((t) => t === LINE).length;
    return {
      metrics: {
        totalNs: sim.now,
        lines: lines.length,
        wholeLines: whole,
        brokenLines: lines.length - whole,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
