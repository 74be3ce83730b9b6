/**
 * The article's first gevent example: test1 sleeps 2 s, test2 sleeps 1 s,
 * and `gevent.joinall` waits for both. `gevent.sleep` parks the greenlet
 * and switches to the hub, which runs the other; the sleeps overlap, so the
 * whole run takes about 2 s (plus a wake-up or two), not 3 — and the thread
 * waits in one `epoll_wait` per timer, burning no CPU.
 *
 * @module
 */

import { runHub } from "../lib/coro/hub.ts";
import { s } from "../lib/kernel/time.ts";
import { Host } from "../lib/os/host.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The gevent sleep scenario. */
export const scenario = defineScenario({
  name: "gevent_sleep",
  description: "the article's gevent test1/test2: overlapping gevent.sleep calls, joinall",
  params: {
    slow: { type: "number", default: 2, min: 0, description: "test1's sleep in seconds" },
    fast: { type: "number", default: 1, min: 0, description: "test2's sleep in seconds" },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box" });
    let loops = 0, polls = 0;
    const proc = host.spawn("python", function* (sys) {
      yield* runHub(sys, function* (hub) {
        function* test1() {
          sys.print("11111111");
          yield* hub.sleep(s(params.slow));
          sys.print("33333333");
        }
        function* test2() {
          sys.print("22222222");
          yield* hub.sleep(s(params.fast));
          sys.print("44444444");
        }
        yield* hub.joinAll([hub.spawn(test1), hub.spawn(test2)]);
        loops = hub.loops;
        polls = hub.polls;
      });
    });
    sim.run();
    const u = proc.usage();
    return {
      metrics: {
        totalNs: sim.now,
        cpuNs: u.cpuNs,
        syscalls: u.syscalls,
        epollWaits: polls,
        hubLoops: loops,
        contextSwitches: u.contextSwitches,
      },
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
