/** Model benchmarks: the comparison harness on a C10K workload. */

import { s } from "../lib/kernel/mod.ts";
import { type ModelResult, runModel, type Workload } from "../lib/models/mod.ts";
import { type Bench, benchLine, collect, wallMs } from "./_util.ts";

/** 10,000 connections, 1% of them active in a closed loop, measured for 1 simulated second. */
const C10K: Workload = { connections: 10_000, activeShare: 0.01, durationNs: s(1), seed: 1 };

function timed(model: string): { r: ModelResult; wallS: number } {
  collect();
  const t0 = wallMs();
  const r = runModel(C10K, model);
  const wallS = (wallMs() - t0) / 1000;
  if (!r.ok || r.requests === 0) throw new Error(`${model} failed: ${r.error ?? "no requests"}`);
  return { r, wallS };
}

function compareEpollVsPoll(): string[] {
  const name = "models.compare_epoll_vs_poll";
  const runs = ["epoll", "poll"].map((m) => ({ model: m, ...timed(m) }));
  const lines = runs.map(({ model, r, wallS }) =>
    benchLine(name, {
      model,
      wall_s: wallS,
      sim_events_per_s: Math.round(r.events / wallS),
      requests: r.requests,
      cpu_per_req_ns: Math.round(r.perRequest.cpuNs!),
      p99_us: r.latency.p99 / 1000,
    })
  );
  const [epoll, poll] = runs;
  const wall = epoll!.wallS + poll!.wallS;
  lines.push(benchLine(name, {
    wall_s: wall,
    sim_events_per_s: Math.round((epoll!.r.events + poll!.r.events) / wall),
    poll_over_epoll_cpu_per_req: poll!.r.perRequest.cpuNs! / epoll!.r.perRequest.cpuNs!,
    poll_over_epoll_wall: poll!.wallS / epoll!.wallS,
  }));
  return lines;
}

/** The model benchmarks. */
export const benches: Bench[] = [
  { name: "models.compare_epoll_vs_poll", run: compareEpollVsPoll },
];
