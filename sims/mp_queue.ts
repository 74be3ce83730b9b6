/**
 * The article's process queue: the main process puts "mainprocess", two
 * subclassed processes put their names, main joins them and drains the
 * queue while `qsize() > 0`.
 *
 * ```python
 * class MyProcess(multiprocessing.Process):
 *     def __init__(self, process_name, q):
 *         self.__process_name = process_name
 *         self.__q = q
 *         super(MyProcess, self).__init__()
 *     def run(self):
 *         self.__q.put(self.__process_name)
 * if __name__ == '__main__':
 *     q = Queue()
 *     q.put("mainprocess")
 *     p1 = MyProcess("myprocess", q)
 *     p2 = MyProcess("yourprocess", q)
 *     p1.start(); p2.start(); p1.join(); p2.join()
 *     while q.qsize() > 0:
 *         print(q.get())
 * ```
 *
 * The children join quickly only because their items are small: each
 * child's feeder flushes its item into the pipe before the child exits
 * (an item bigger than the pipe would make `join` wait forever — see the
 * tests).
 *
 * @module
 */

import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Process } from "../lib/mp/process.ts";
import { Queue } from "../lib/mp/queue.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The article's subclass: it puts its name on the queue. */
class MyProcess extends Process {
  processName: string;
  q: Queue<string>;

  constructor(processName: string, q: Queue<string>) {
    super();
    this.processName = processName;
    this.q = q;
  }

  override *run(_sys: Sys): ThreadRoutine<void> {
    yield* this.q.put(this.processName);
  }
}

/** The mp_queue scenario. */
export const scenario = defineScenario({
  name: "mp_queue",
  description: "the article's Queue: main and two subclassed processes put, main joins and drains",
  params: {
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let qsizeAfterJoin = -1;
    let joinedAtNs = 0;
    const main = host.spawn(
      "python",
      mainProcess(function* (sys) {
        const q = new Queue<string>(sys);
        yield* q.put("mainprocess");
        const p1 = new MyProcess("myprocess", q);
        const p2 = new MyProcess("yourprocess", q);
        yield* p1.start(sys);
        yield* p2.start(sys);
        yield* p1.join();
        yield* p2.join();
        joinedAtNs = sys.now;
        qsizeAfterJoin = q.qsize();
        while (q.qsize() > 0) sys.print(yield* q.get());
      }),
    );
    sim.run();
    return {
      metrics: {
        totalNs: sim.now,
        joinedAtNs,
        qsizeAfterJoin,
        mainSyscalls: main.usage().syscalls,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
