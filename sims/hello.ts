/**
 * The demo: two tasks that print, sleep and print again, in the style of the
 * article's gevent example (test1 sleeps 2 s, test2 sleeps 1 s).
 *
 * @module
 */

import { s } from "../lib/kernel/time.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The hello scenario. */
export const scenario = defineScenario({
  name: "hello",
  description: "two tasks sleep and print, like the article's gevent example",
  params: {
    slow: { type: "number", default: 2, min: 0, description: "test1's sleep in seconds" },
    fast: { type: "number", default: 1, min: 0, description: "test2's sleep in seconds" },
    jitter: {
      type: "number",
      default: 0,
      min: 0,
      description: "random extra sleep, up to this many seconds (drawn from the seed)",
    },
  },
  run({ sim, params }) {
    const rng = sim.rng.fork("hello");
    const nap = (base: number) => s(base + rng.uniform(0, params.jitter));
    const test1 = sim.spawn(function* () {
      sim.print("11111111");
      yield* sim.sleep(nap(params.slow));
      sim.print("33333333");
    }, { name: "test1" });
    const test2 = sim.spawn(function* () {
      sim.print("22222222");
      yield* sim.sleep(nap(params.fast));
      sim.print("44444444");
    }, { name: "test2" });
    sim.run({ until: sim.allOf([test1, test2]) });
    return { metrics: { totalNs: sim.now, tasks: 2 } };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
