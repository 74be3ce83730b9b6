/** Reliability: how many seeds of chaos_echo a minute, with workers. */

import { crossProduct } from "../runner/points.ts";
import { runSweep } from "../runner/sweep.ts";
import { scenario } from "../sims/chaos_echo.ts";
import { type Bench, benchLine, wallMs } from "./_util.ts";

const URL_OF = new URL("../sims/chaos_echo.ts", import.meta.url).href;

async function seedsPerMinute(
  seeds: number,
  workers: number,
): Promise<{ perMin: number; passed: number }> {
  const points = crossProduct({}, [], Array.from({ length: seeds }, (_, i) => i + 1));
  let passed = 0;
  const t0 = wallMs();
  await runSweep({
    scenario,
    url: URL_OF,
    points,
    total: points.length,
    workers,
    onResult: (r) => {
      if (r.ok) passed++;
    },
  });
  return { perMin: (seeds * 60_000) / (wallMs() - t0), passed };
}

/** The reliability benchmark. */
export const benches: Bench[] = [{
  name: "reliability.seeds_per_min",
  async run() {
    const workers = Math.max(2, navigator.hardwareConcurrency ?? 2);
    const serial = await seedsPerMinute(100, 1);
    const parallel = await seedsPerMinute(400, workers);
    return [benchLine("reliability.seeds_per_min", {
      seeds_per_min: Math.round(parallel.perMin),
      workers,
      ratio_vs_one_worker: parallel.perMin / serial.perMin,
      one_worker_seeds_per_min: Math.round(serial.perMin),
      passed: `${parallel.passed}/400`,
    })];
  },
}];
