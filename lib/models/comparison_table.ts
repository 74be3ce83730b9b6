/**
 * The harness's results as text tables.
 *
 * @module
 */

import { formatTable } from "../report/table.ts";
import type { ModelResult, ProcessTimes } from "./harness.ts";

/** Options of {@linkcode formatComparison}. */
export interface ComparisonTableOptions {
  /** Add the per-process table of phase 1 and phase 2 times (default true). */
  readonly processes?: boolean;
}

const share = (r: ModelResult, ns: number): number | null =>
  r.cpu.totalNs > 0 ? ns / r.cpu.totalNs : null;

/**
 * Renders results as text: one row per model with throughput, latency, CPU
 * per request and its split (useful, syscalls, phase-2 copies, wasted
 * EAGAIN calls — busy-poll waste —, switches, signals), syscalls and
 * context switches per request, threads, stacks and other
 * peak memory; then each failed model's error; then (optionally) where each
 * server process spent the window — phase 1 blocked, phase 2 copying.
 *
 * @example A table for two models
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareModels, formatComparison } from "@iosim/iosim/models";
 * const cmp = compareModels({ connections: 4, rounds: 5 }, ["blocking", "epoll"]);
 * const text = formatComparison(cmp.results);
 * assert.match(text, /^model\s+req\/s/);
 * assert.match(text, /\nblocking\s/);
 * assert.match(text, /phase 1/);
 * ```
 *
 * @param results The results (`compareModels(...).results`).
 * @param options Whether to add the per-process table.
 * @returns The tables, each line ending in a newline.
 */
export function formatComparison(
  results: readonly ModelResult[],
  options: ComparisonTableOptions = {},
): string {
  let text = formatTable(results, [
    { title: "model", value: (r) => r.model },
    { title: "req/s", value: (r) => (r.ok ? Math.round(r.throughput) : "FAILED"), unit: "count" },
    { title: "p50", value: (r) => (r.latency.count > 0 ? r.latency.p50 : null), unit: "ns" },
    { title: "p99", value: (r) => (r.latency.count > 0 ? r.latency.p99 : null), unit: "ns" },
    { title: "max", value: (r) => (r.latency.count > 0 ? r.latency.max : null), unit: "ns" },
    { title: "unanswered", value: (r) => r.unanswered, unit: "count" },
    { title: "CPU/req", value: (r) => r.perRequest.cpuNs, unit: "ns" },
    { title: "useful", value: (r) => share(r, r.cpu.usefulNs), unit: "percent" },
    { title: "syscall", value: (r) => share(r, r.cpu.syscallNs), unit: "percent" },
    { title: "copy", value: (r) => share(r, r.cpu.copyNs), unit: "percent" },
    { title: "wasted", value: (r) => share(r, r.cpu.wastedNs), unit: "percent" },
    { title: "switch", value: (r) => share(r, r.cpu.switchNs), unit: "percent" },
    { title: "signal", value: (r) => share(r, r.cpu.signalNs), unit: "percent" },
    { title: "kernel", value: (r) => share(r, r.cpu.kernelNs), unit: "percent" },
    { title: "syscalls/req", value: (r) => r.perRequest.syscalls, unit: "count" },
    { title: "cs/req", value: (r) => r.perRequest.contextSwitches, unit: "count" },
    { title: "threads", value: (r) => r.memory.threads, unit: "count" },
    { title: "stacks", value: (r) => r.memory.stackBytes, unit: "bytes" },
    {
      title: "memory",
      value: (r) => r.memory.residentBytes + r.memory.socketBytes + r.memory.userBytes,
      unit: "bytes",
    },
  ]);
  for (const r of results) if (r.error !== null) text += `${r.model} failed: ${r.error}\n`;
  if (options.processes === false) return text;
  const rows: { model: string; p: ProcessTimes }[] = [];
  for (const r of results) for (const p of r.processes) rows.push({ model: r.model, p });
  text += "\n" + formatTable(rows, [
    { title: "model", value: (x) => x.model },
    { title: "process", value: (x) => (x.p.count > 1 ? `${x.p.name} ×${x.p.count}` : x.p.name) },
    { title: "CPU", value: (x) => x.p.cpuNs, unit: "ns" },
    { title: "phase 1 blocked", value: (x) => x.p.phase1Ns, unit: "ns" },
    { title: "phase 1 polling", value: (x) => x.p.wastedNs, unit: "ns" },
    { title: "phase 2 copy", value: (x) => x.p.phase2Ns, unit: "ns" },
    { title: "other blocked", value: (x) => x.p.blockedNs, unit: "ns" },
    { title: "run queue", value: (x) => x.p.runqueueNs, unit: "ns" },
    { title: "syscalls", value: (x) => x.p.syscalls, unit: "count" },
  ]);
  return text;
}
