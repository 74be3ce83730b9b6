/**
 * The article's synchronous vs asynchronous gevent example: `task(pid)`
 * sleeps 0.5 s with `gevent.sleep` and prints "Task N done". Called in a
 * loop for 1..9 (synchronous), the sleeps follow each other: 4.5 s. Spawned
 * for 0..9 and joined (asynchronous), they overlap: 0.5 s, and the tasks
 * finish in the order they were spawned. With `--times` (the default) a
 * line after each part gives its time; without, the output is exactly the
 * article program's.
 *
 * @module
 */

import { runHub } from "../lib/coro/hub.ts";
import type { GreenletRoutine } from "../lib/coro/greenlet.ts";
import { formatTime, s } from "../lib/kernel/time.ts";
import { Host } from "../lib/os/host.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The gevent synchronous vs asynchronous scenario. */
export const scenario = defineScenario({
  name: "gevent_sync_async",
  description: "the article's task() run synchronously (4.5 s) and asynchronously (0.5 s)",
  params: {
    sleep: { type: "number", default: 0.5, min: 0, description: "each task's sleep in seconds" },
    times: { type: "boolean", default: true, description: "print how long each part took" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box" });
    let syncNs = 0, asyncNs = 0;
    const proc = host.spawn("python", function* (sys) {
      yield* runHub(sys, function* (hub) {
        function* task(pid: number): GreenletRoutine<void> {
          yield* hub.sleep(s(params.sleep));
          sys.print(`Task ${pid} done`);
        }
        function* synchronous(): GreenletRoutine<void> {
          for (let i = 1; i < 10; i++) yield* task(i);
        }
        function* asynchronous(): GreenletRoutine<void> {
          const threads = Array.from({ length: 10 }, (_, i) => hub.spawn(task, i));
          yield* hub.joinAll(threads);
        }
        sys.print("Synchronous:");
        let t0 = sys.now;
        yield* synchronous();
        syncNs = sys.now - t0;
        if (params.times) sys.print(`Synchronous took ${formatTime(syncNs)}`);
        sys.print("Asynchronous:");
        t0 = sys.now;
        yield* asynchronous();
        asyncNs = sys.now - t0;
        if (params.times) sys.print(`Asynchronous took ${formatTime(asyncNs)}`);
      });
    });
    sim.run();
    return {
      metrics: {
        synchronousNs: syncNs,
        asynchronousNs: asyncNs,
        speedup: asyncNs > 0 ? syncNs / asyncNs : 0,
        cpuNs: proc.usage().cpuNs,
        syscalls: proc.usage().syscalls,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
