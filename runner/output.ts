/**
 * Turning scenario results into text, JSON Lines and CSV.
 *
 * @module
 */

import type { MetricValue } from "../lib/scenario/define.ts";
import type { ScenarioJson } from "../lib/scenario/run.ts";
import { formatTable } from "../lib/report/table.ts";

/** One point of a sweep (or one seed of a seed run), as streamed and merged. */
export interface PointResult {
  /** The point's position in the sweep's fixed order. */
  readonly index: number;
  /** How many points the whole sweep has. */
  readonly total: number;
  /** The scenario. */
  readonly scenario: string;
  /** The seed. */
  readonly seed: number;
  /** Every parameter's value. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** Whether the run succeeded (it did not throw, and its metrics do not say `ok: false`). */
  readonly ok: boolean;
  /** Why it failed, if it did. */
  readonly error?: string;
  /** The virtual time at the end (or of the failure). */
  readonly virtualTimeNs: number;
  /** The scenario's figures (empty after a failure). */
  readonly metrics: { readonly [key: string]: MetricValue };
  /** The digest (empty after a failure). */
  readonly digest: string;
}

/**
 * Flattens nested metrics to dotted keys with scalar values.
 *
 * @param metrics The metrics.
 * @param prefix A key prefix.
 * @returns The flat pairs, in order.
 */
export function flattenMetrics(
  metrics: { readonly [key: string]: MetricValue },
  prefix = "",
): [string, string | number | boolean | null][] {
  const out: [string, string | number | boolean | null][] = [];
  for (const [k, v] of Object.entries(metrics)) {
    const key = prefix + k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      out.push(...flattenMetrics(v as { readonly [key: string]: MetricValue }, `${key}.`));
    } else {out.push([
        key,
        Array.isArray(v) ? JSON.stringify(v) : v as string | number | boolean | null,
      ]);}
  }
  return out;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * A single run's metrics as CSV: `metric,value` rows.
 *
 * @param json The run.
 * @returns The CSV text.
 */
export function runToCsv(json: ScenarioJson): string {
  const rows = [["metric", "value"], ["virtualTimeNs", json.virtualTimeNs], [
    "digest",
    json.digest,
  ]];
  for (const [k, v] of flattenMetrics(json.metrics)) rows.push([k, v as never]);
  return rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

/**
 * Sweep points as CSV: one row per point, with its seed, parameters and
 * every metric any point has.
 *
 * @param points The points, in order.
 * @returns The CSV text.
 */
export function pointsToCsv(points: readonly PointResult[]): string {
  const paramKeys = [...new Set(points.flatMap((p) => Object.keys(p.params)))];
  const metricKeys: string[] = [];
  const flat = points.map((p) => new Map(flattenMetrics(p.metrics)));
  for (const m of flat) for (const k of m.keys()) if (!metricKeys.includes(k)) metricKeys.push(k);
  const header = [
    "index",
    "seed",
    ...paramKeys,
    "ok",
    "error",
    "virtualTimeNs",
    ...metricKeys,
    "digest",
  ];
  const rows = points.map((p, i) => [
    p.index,
    p.seed,
    ...paramKeys.map((k) => p.params[k]),
    p.ok,
    p.error ?? "",
    p.virtualTimeNs,
    ...metricKeys.map((k) => flat[i]!.get(k)),
    p.digest,
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

/**
 * Sweep points as a text table: the swept parameters, the seed, and the
 * numeric top-level metrics (at most `maxMetrics`), then the failures.
 *
 * @param points The points, in order.
 * @param swept The swept parameter names.
 * @param maxMetrics How many metric columns at most.
 * @returns The text.
 */
export function pointsToText(
  points: readonly PointResult[],
  swept: readonly string[],
  maxMetrics = 6,
): string {
  const metricKeys: string[] = [];
  for (const p of points) {
    for (const [k, v] of flattenMetrics(p.metrics)) {
      if (typeof v === "number" && !metricKeys.includes(k) && metricKeys.length < maxMetrics) {
        metricKeys.push(k);
      }
    }
  }
  const table = formatTable(points, [
    ...swept.map((k) => ({ title: k, value: (p: PointResult) => String(p.params[k]) })),
    { title: "seed", value: (p: PointResult) => String(p.seed) },
    { title: "ok", value: (p: PointResult) => (p.ok ? "yes" : "FAIL") },
    ...metricKeys.map((k) => ({
      title: k,
      value: (p: PointResult) => new Map(flattenMetrics(p.metrics)).get(k) as number | undefined,
      unit: (/Ns$/.test(k) ? "ns" : /Bytes$|bytes/.test(k) ? "bytes" : "count") as
        | "ns"
        | "bytes"
        | "count",
    })),
  ]);
  const failures = points.filter((p) => !p.ok);
  const lines = [
    table.trimEnd(),
    "",
    `${points.length - failures.length} of ${points.length} points passed`,
  ];
  return lines.join("\n") + "\n";
}
