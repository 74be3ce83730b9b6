/**
 * Scale benchmarks: a million connections under epoll, a hundred thousand
 * under poll. Each compares against a baseline run in the same process: the
 * same workload at a tenth of the size (c1m: the wall time per connection
 * should not grow) or under epoll (c100k_poll: the simulated cost per
 * request grows with the scan, the simulator's cost per event should not).
 *
 * `IOSIM_C1M=N` runs the C1M benchmark at N connections instead.
 */

import { s } from "../lib/kernel/mod.ts";
import { compareModels, type ModelResult } from "../lib/models/mod.ts";
import { Simulation } from "../lib/kernel/mod.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

interface Run {
  readonly r: ModelResult;
  readonly wallS: number;
  readonly bytesPerConn: number;
}

/**
 * `connections` connections, 1% of them active, one request per simulated
 * second each (Poisson arrivals over the active pool), for `seconds`.
 */
function c1m(model: string, connections: number, seconds: number): Run {
  const before = heapUsed();
  let sim: Simulation | null = null;
  const t0 = wallMs();
  const cmp = compareModels(
    {
      connections,
      activeShare: 0.01,
      arrivalRate: connections * 0.01,
      durationNs: s(seconds),
      seed: 1,
    },
    [model],
    { simulation: () => (sim = new Simulation({ seed: 1, trace: false })) },
  );
  const wallS = (wallMs() - t0) / 1000;
  // The world is still alive through `sim`: its heap is every connection's share.
  const bytesPerConn = (heapUsed() - before) / connections;
  if (sim === null) throw new Error("the harness made no simulation");
  const r = cmp.results[0]!;
  if (!r.ok || !r.setup.complete) {
    throw new Error(`${model} at ${connections}: ${r.error ?? "setup incomplete"}`);
  }
  return { r, wallS, bytesPerConn };
}

function fields(x: Run): Record<string, number> {
  return {
    wall_s: x.wallS,
    sim_events_per_s: Math.round(x.r.events / x.wallS),
    bytes_per_conn: Math.round(x.bytesPerConn),
    requests: x.r.requests,
    p99_us: Math.round((x.r.latency.p99 ?? 0) / 1000),
    cpu_per_req_ns: Math.round(x.r.perRequest.cpuNs ?? 0),
  };
}

/** The scale benchmarks. */
export const benches: Bench[] = [
  {
    name: "scale.c1m_epoll",
    run: () => {
      const n = Number(Deno.env.get("IOSIM_C1M") ?? 1_000_000);
      if (!Number.isSafeInteger(n) || n < 1000) {
        throw new RangeError(`Invalid IOSIM_C1M "${Deno.env.get("IOSIM_C1M")}": at least 1000`);
      }
      const base = c1m("epoll", n / 10, 10);
      const big = c1m("epoll", n, 10);
      const perConn = (x: Run, k: number) => x.wallS / k;
      return [
        benchLine("scale.c1m_epoll", {
          connections: n,
          ...fields(big),
          baseline_connections: n / 10,
          baseline_wall_s: base.wallS,
          // Wall time per connection against a tenth of the size: 1 is linear.
          wall_per_conn_ratio: perConn(big, n) / perConn(base, n / 10),
        }),
      ];
    },
  },
  {
    name: "scale.c100k_poll",
    run: () => {
      const poll = c1m("poll", 100_000, 10);
      const epoll = c1m("epoll", 100_000, 10);
      const wallPerEvent = (x: Run) => x.wallS / x.r.events;
      return [
        benchLine("scale.c100k_poll", {
          ...fields(poll),
          epoll_cpu_per_req_ns: Math.round(epoll.r.perRequest.cpuNs ?? 0),
          // Simulated: poll's scan of 100,000 entries against epoll's ready list.
          sim_cpu_per_req_ratio: (poll.r.perRequest.cpuNs ?? 0) / (epoll.r.perRequest.cpuNs ?? 1),
          // The simulator's own cost per event, poll against epoll: near 1, not 100,000.
          wall_per_event_ratio: wallPerEvent(poll) / wallPerEvent(epoll),
        }),
      ];
    },
  },
];

if (import.meta.main) {
  for (const b of benches) for (const line of await b.run()) console.log(line);
}
