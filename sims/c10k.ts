/**
 * The C10K problem: connections swept from a hundred to ten thousand, most
 * of them idle, served by select, poll, epoll and a thread per connection.
 * select fails once a descriptor reaches FD_SETSIZE; poll's cost per
 * request grows with the idle connections it must scan; epoll's stays flat;
 * threads stay flat too but pay a stack and a context switch per request.
 *
 * @module
 */

import { ms, us } from "../lib/kernel/time.ts";
import { compareModels } from "../lib/models/harness.ts";
import type { ModelResult } from "../lib/models/harness.ts";
import { getModel } from "../lib/models/registry.ts";
import { formatTable } from "../lib/report/table.ts";
import type { MetricValue } from "../lib/scenario/define.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** Parses a comma-separated list of connection counts. */
export function parseCounts(text: string): number[] {
  const out = text.split(",").map((t) => t.trim()).filter((t) => t !== "").map((t) => {
    const n = Number(t.replaceAll("_", ""));
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(
        `Invalid connection count "${t}" in "${text}": expected positive integers separated by commas`,
      );
    }
    return n;
  });
  if (out.length === 0) throw new RangeError(`Invalid connections "${text}": the list is empty`);
  return out;
}

/** Parses a comma-separated list of model names, checking each against the registry. */
export function parseModels(text: string): string[] {
  const out = text.split(",").map((t) => t.trim()).filter((t) => t !== "");
  if (out.length === 0) throw new RangeError(`Invalid models "${text}": the list is empty`);
  for (const m of out) getModel(m);
  return out;
}

/** The C10K scenario. */
export const scenario = defineScenario({
  name: "c10k",
  description:
    "connections swept 100 → 10,000 (mostly idle) across select, poll, epoll and threads",
  params: {
    connections: {
      type: "string",
      default: "100,1000,2000,10000",
      description: "connection counts to sweep, comma-separated",
    },
    models: {
      type: "string",
      default: "select,poll,epoll,threads",
      description: "models to run at each point, comma-separated",
    },
    active: {
      type: "int",
      default: 10,
      min: 1,
      description: "connections that send requests (closed loop); the rest stay idle",
    },
    duration: { type: "int", default: 50, min: 1, description: "milliseconds measured per point" },
    service: { type: "int", default: 2, min: 0, description: "server microseconds per request" },
    size: { type: "int", default: 64, min: 1, description: "request and response bytes" },
    cores: { type: "int", default: 1, min: 1, description: "server cores" },
  },
  run({ params, simulation, seed }) {
    const counts = parseCounts(params.connections);
    const models = parseModels(params.models);
    const rows: { n: number; r: ModelResult }[] = [];
    for (const n of counts) {
      const cmp = compareModels(
        {
          connections: n,
          activeShare: Math.min(1, params.active / n),
          durationNs: ms(params.duration),
          serviceNs: us(params.service),
          requestBytes: params.size,
          responseBytes: params.size,
          cores: params.cores,
          seed,
        },
        models,
        { simulation: (model) => simulation(`${model}@${n}`) },
      );
      for (const r of cmp.results) rows.push({ n, r });
    }
    const report = formatTable(rows, [
      { title: "connections", value: (x) => x.n, unit: "count" },
      { title: "model", value: (x) => x.r.model },
      {
        title: "req/s",
        value: (x) => (x.r.ok ? Math.round(x.r.throughput) : "FAILED"),
        unit: "count",
      },
      { title: "p99", value: (x) => (x.r.latency.count > 0 ? x.r.latency.p99 : null), unit: "ns" },
      { title: "CPU/req", value: (x) => x.r.perRequest.cpuNs, unit: "ns" },
      { title: "syscalls/req", value: (x) => x.r.perRequest.syscalls, unit: "count" },
      { title: "cs/req", value: (x) => x.r.perRequest.contextSwitches, unit: "count" },
      { title: "threads", value: (x) => (x.r.ok ? x.r.memory.threads : null), unit: "count" },
      { title: "stacks", value: (x) => (x.r.ok ? x.r.memory.stackBytes : null), unit: "bytes" },
      {
        title: "memory",
        value: (x) =>
          x.r.ok ? x.r.memory.residentBytes + x.r.memory.socketBytes + x.r.memory.userBytes : null,
        unit: "bytes",
      },
    ]) + rows.filter((x) =>
      x.r.error !== null
    ).map((x) => `${x.r.model} at ${x.n} connections failed: ${x.r.error}\n`).join("");
    const points: Record<string, Record<string, MetricValue>> = {};
    for (const { n, r } of rows) {
      (points[String(n)] ??= {})[r.model] = {
        ok: r.ok,
        error: r.error,
        requests: r.requests,
        throughput: Math.round(r.throughput),
        p99Ns: r.latency.p99,
        cpuPerRequestNs: r.perRequest.cpuNs === null ? null : Math.round(r.perRequest.cpuNs),
        syscallsPerRequest: r.perRequest.syscalls,
        contextSwitchesPerRequest: r.perRequest.contextSwitches,
        threads: r.memory.threads,
        stackBytes: r.memory.stackBytes,
        memoryBytes: r.memory.residentBytes + r.memory.socketBytes + r.memory.userBytes,
      };
    }
    return { metrics: { points }, report };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
