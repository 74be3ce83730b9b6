/**
 * The article's greenlet example: test1 and test2 switch to each other
 * explicitly. `gr1.switch()` runs test1, which prints 11111111 and switches
 * to gr2; test2 prints 22222222 and switches back; test1 prints 33333333
 * and switches to gr2 again; test2 prints 44444444 and ends, so its parent
 * (the main greenlet) resumes and the program ends — test1 never finishes.
 * Five switches, no system call: user CPU time only.
 *
 * @module
 */

import { Greenlet, type GreenletRuntime, runGreenlets } from "../lib/coro/greenlet.ts";
import { Host } from "../lib/os/host.ts";
import { formatTable } from "../lib/report/table.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The greenlet switch scenario. */
export const scenario = defineScenario({
  name: "greenlet_switch",
  description: "the article's greenlet test1/test2: explicit switches on one thread",
  params: {
    switchNs: {
      type: "int",
      default: 150,
      min: 0,
      description: "the user-space switch cost in nanoseconds (costs.userSwitchNs)",
    },
  },
  run({ sim, params }) {
    const host = new Host(sim, { name: "box", costs: { userSwitchNs: params.switchNs } });
    let rt: GreenletRuntime<void> | null = null;
    let test1: Greenlet | null = null;
    const proc = host.spawn("python", function* (sys) {
      rt = runGreenlets<void>(sys, function* () {
        const gr1: Greenlet = new Greenlet(function* test1() {
          sys.print("11111111");
          yield* gr2.switch();
          sys.print("33333333");
          yield* gr2.switch();
        });
        const gr2: Greenlet = new Greenlet(function* test2() {
          sys.print("22222222");
          yield* gr1.switch();
          sys.print("44444444");
        });
        test1 = gr1;
        yield* gr1.switch();
      });
      yield* rt;
    });
    sim.run();
    const runtime = rt as GreenletRuntime<void> | null;
    const u = proc.usage();
    const switches = runtime?.switches ?? 0;
    const costs = host.costs;
    const rows = [
      {
        what: "greenlet switch (user space)",
        each: costs.userSwitchNs,
        total: switches * costs.userSwitchNs,
      },
      {
        what: "thread context switch (kernel)",
        each: costs.contextSwitchNs,
        total: switches * costs.contextSwitchNs,
      },
    ];
    const report = formatTable(rows, [
      { title: `${switches} switches as`, value: (r) => r.what },
      { title: "each", value: (r) => r.each, unit: "ns" },
      { title: "total", value: (r) => r.total, unit: "ns" },
    ]);
    return {
      metrics: {
        switches,
        switchCpuNs: switches * costs.userSwitchNs,
        userNs: u.userNs,
        syscalls: u.syscalls,
        contextSwitches: u.contextSwitches,
        greenlets: runtime?.created ?? 0,
        greenletMemoryBytes: runtime?.peakMemoryBytes ?? 0,
        test1Finished: (test1 as Greenlet | null)?.dead ?? false,
      },
      report,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
