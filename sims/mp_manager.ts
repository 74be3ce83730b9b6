/**
 * The article's manager: ten processes each write their pid into a
 * managed dict and a managed list; the parent prints both as Python
 * prints a dict and a list.
 *
 * ```python
 * def run(d, l):
 *     d[os.getpid()] = os.getpid()
 *     l.append(os.getpid())
 * if __name__ == '__main__':
 *     with Manager() as manager:
 *         manager = Manager()
 *         d = manager.dict()
 *         l = manager.list()
 *         p_list = []
 *         for i in range(10):
 *             p = Process(target=run, args=(d, l))
 *             p.start()
 *             p_list.append(p)
 *         for pp in p_list:
 *             pp.join()
 *         print(d)
 *         print(l)
 * ```
 *
 * As written, the article starts two managers: the `with` one, shut down
 * when the block ends, and a second one bound to the same name, used for
 * everything and shut down by the exit handler. The scenario does the
 * same (`--twice false` starts only one). Every proxy call is an IPC round
 * trip to the server process; the metrics count them.
 *
 * @module
 */

import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Manager, type SyncManager } from "../lib/mp/manager.ts";
import { Process } from "../lib/mp/process.ts";
import type { DictProxy, ListProxy } from "../lib/mp/proxy.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

function* run(sys: Sys, d: DictProxy<number, number>, l: ListProxy<number>): ThreadRoutine<void> {
  yield* d.set(sys.pid, sys.pid);
  yield* l.append(sys.pid);
}

/** The mp_manager scenario. */
export const scenario = defineScenario({
  name: "mp_manager",
  description: "the article's Manager: ten processes fill a managed dict and list",
  params: {
    processes: { type: "int", default: 10, min: 1, max: 1000, description: "writer processes" },
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
    twice: {
      type: "boolean",
      default: true,
      description: "start a second Manager inside the with block, as the article does",
    },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let used: SyncManager | null = null;
    let entries = { dict: 0, list: 0 };
    let managers = 0;
    let joinedAtNs = 0;
    host.spawn(
      "python",
      mainProcess(function* (sys) {
        const outer = yield* Manager(sys); // with Manager() as manager:
        managers++;
        let manager = outer;
        if (params.twice) {
          manager = yield* Manager(sys); //     manager = Manager()
          managers++;
        }
        used = manager;
        const d = yield* manager.dict<number, number>();
        const l = yield* manager.list<number>();
        const pList: Process<[DictProxy<number, number>, ListProxy<number>]>[] = [];
        for (let i = 0; i < params.processes; i++) {
          const p = new Process({ target: run, args: [d, l] });
          yield* p.start(sys);
          pList.push(p);
        }
        for (const pp of pList) yield* pp.join();
        joinedAtNs = sys.now;
        sys.print(yield* d.str());
        sys.print(yield* l.str());
        entries = { dict: yield* d.len(), list: yield* l.len() };
        yield* outer.shutdown(); // the end of the with block
      }),
    );
    sim.run();
    const stats = (used as SyncManager | null)?.stats;
    return {
      metrics: {
        totalNs: sim.now,
        joinedAtNs,
        managersStarted: managers,
        dictEntries: entries.dict,
        listEntries: entries.list,
        roundTrips: stats?.roundTrips ?? 0,
        connections: stats?.connections ?? 0,
        requestBytes: stats?.requestBytes ?? 0,
        replyBytes: stats?.replyBytes ?? 0,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
