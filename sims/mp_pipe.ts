/**
 * The article's pipe: parent and child greet each other through the two
 * ends of a `Pipe()`.
 *
 * ```python
 * def run(conn):
 *     conn.send("你好,我是子进程")
 *     print(conn.recv())
 * if __name__ == '__main__':
 *     parent_conn, child_conn = Pipe()
 *     parent_conn.send("你好我是父进程")
 *     p = Process(target=run, args=(child_conn,))
 *     p.start()
 *     p.join()
 *     print(parent_conn.recv())
 * ```
 *
 * @module
 */

import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { type Connection, Pipe } from "../lib/mp/connection.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Process } from "../lib/mp/process.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

function* run(sys: Sys, conn: Connection<string>): ThreadRoutine<void> {
  yield* conn.send("你好,我是子进程");
  sys.print(yield* conn.recv());
}

/** The mp_pipe scenario. */
export const scenario = defineScenario({
  name: "mp_pipe",
  description: "the article's Pipe: parent and child send each other a greeting",
  params: {
    cores: { type: "int", default: 2, min: 1, max: 256, description: "CPU cores of the host" },
    duplex: {
      type: "boolean",
      default: true,
      description: "a two-way pipe (the article's); false shows a one-way pipe refusing",
    },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", cores: params.cores });
    let error: string | null = null;
    const main = host.spawn(
      "python",
      mainProcess(function* (sys) {
        const [parentConn, childConn] = Pipe<string>(sys, params.duplex);
        try {
          yield* parentConn.send("你好我是父进程");
        } catch (e) {
          error = `${(e as Error).name}: ${(e as Error).message}`;
          sys.print(error);
          return;
        }
        const p = new Process({ target: run, args: [childConn] });
        yield* p.start(sys);
        yield* p.join();
        sys.print(yield* parentConn.recv());
      }),
    );
    sim.run();
    return {
      metrics: {
        totalNs: sim.now,
        error,
        mainSyscalls: main.usage().syscalls,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
