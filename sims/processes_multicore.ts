/**
 * Why processes: CPU-bound work split over 1, 2 and 4 processes on hosts
 * of 1, 2 and 4 cores. Processes run in parallel on as many cores as there
 * are; on fewer cores they take turns in time slices, and the split buys
 * nothing but the cost of starting them.
 *
 * Each run is a main program that starts `p` processes, each computing
 * `work / p`, and joins them. The speed-up is against one process on one
 * core.
 *
 * @module
 */

import { ms } from "../lib/kernel/time.ts";
import { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { mainProcess } from "../lib/mp/main.ts";
import { Process } from "../lib/mp/process.ts";
import { formatTable } from "../lib/report/table.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

function* crunch(sys: Sys, ns: number): ThreadRoutine<void> {
  yield* sys.compute(ns);
}

interface Row {
  processes: number;
  cores: number;
  elapsedNs: number;
  cpuNs: number;
  preemptions: number;
  speedup: number;
  efficiency: number;
}

const COUNTS = [1, 2, 4] as const;

/** The processes_multicore scenario. */
export const scenario = defineScenario({
  name: "processes_multicore",
  description: "CPU-bound work over 1, 2, 4 processes on 1, 2, 4 cores: parallel speed-up",
  params: {
    work: { type: "number", default: 400, min: 1, description: "total CPU work, milliseconds" },
  },
  run({ simulation, params }) {
    const rows: Row[] = [];
    for (const cores of COUNTS) {
      for (const processes of COUNTS) {
        const sim = simulation(`${processes}p-${cores}c`);
        const host = new Host(sim, { name: "box", cores });
        const share = ms(params.work) / processes;
        const main = host.spawn(
          "python",
          mainProcess(function* (sys) {
            const t0 = sys.now;
            const ps: Process<[number]>[] = [];
            for (let i = 0; i < processes; i++) {
              const p = new Process({ target: crunch, args: [share] });
              yield* p.start(sys);
              ps.push(p);
            }
            for (const p of ps) yield* p.join();
            sys.print(
              `${processes} process(es) on ${cores} core(s): ${
                ((sys.now - t0) / 1e6).toFixed(1)
              } ms`,
            );
          }),
        );
        sim.run();
        let cpuNs = 0, preemptions = 0;
        for (const proc of host.processes.values()) {
          const u = proc.usage();
          cpuNs += u.cpuNs;
          preemptions += u.preemptions;
        }
        rows.push({
          processes,
          cores,
          elapsedNs: main.exitCode === 0 ? sim.now : NaN,
          cpuNs,
          preemptions,
          speedup: 0,
          efficiency: 0,
        });
      }
    }
    const base = rows[0]!.elapsedNs;
    for (const r of rows) {
      r.speedup = base / r.elapsedNs;
      r.efficiency = r.speedup / Math.min(r.processes, r.cores);
    }
    const report = formatTable(rows, [
      { title: "processes", value: (r) => r.processes, unit: "count" },
      { title: "cores", value: (r) => r.cores, unit: "count" },
      { title: "elapsed", value: (r) => r.elapsedNs, unit: "ns" },
      { title: "CPU", value: (r) => r.cpuNs, unit: "ns" },
      { title: "preemptions", value: (r) => r.preemptions, unit: "count" },
      { title: "speed-up", value: (r) => r.speedup, unit: "ratio" },
      { title: "efficiency", value: (r) => r.efficiency, unit: "percent" },
    ]);
    return {
      metrics: {
        runs: rows.map((r) => ({
          processes: r.processes,
          cores: r.cores,
          elapsedNs: r.elapsedNs,
          cpuNs: r.cpuNs,
          preemptions: r.preemptions,
          speedup: Number(r.speedup.toFixed(3)),
        })),
        speedup4on4: Number(
          rows.find((r) => r.processes === 4 && r.cores === 4)!.speedup.toFixed(3),
        ),
        speedup4on1: Number(
          rows.find((r) => r.processes === 4 && r.cores === 1)!.speedup.toFixed(3),
        ),
      },
      report,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
