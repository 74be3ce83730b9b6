/**
 * HTML reports for the runner: one run (timelines, metrics, output) or a
 * sweep (a chart per metric).
 *
 * @module
 */

import { formatTime } from "../lib/kernel/time.ts";
import type { ScenarioReport } from "../lib/scenario/run.ts";
import { type HtmlChart, renderHtml } from "../lib/report/html.ts";
import { lanesOf } from "../lib/report/lanes.ts";
import { flattenMetrics, type PointResult } from "./output.ts";

/**
 * The HTML page of one run.
 *
 * @param report The run.
 * @returns The page.
 */
export function runHtml(report: ScenarioReport): string {
  const params = Object.entries(report.params).map(([k, v]) => `${k}=${v}`).join(" ");
  return renderHtml({
    title: `iosim: ${report.scenario}`,
    subtitle: `seed ${report.seed}${params ? ` · ${params}` : ""} · virtual time ${
      formatTime(report.virtualTimeNs)
    } · digest ${report.digest}`,
    lanes: lanesOf(report.simulations),
    tables: [{
      title: "Metrics",
      columns: ["metric", "value"],
      rows: flattenMetrics(report.metrics).map(([k, v]) => [
        k,
        typeof v === "number" && /Ns$/.test(k) ? `${formatTime(v)} (${v} ns)` : String(v),
      ]),
    }],
    output: report.lines,
  });
}

/**
 * The HTML page of a sweep: the points as a table, and a chart per numeric
 * metric against the first swept parameter, one line per value of the
 * second (or per seed).
 *
 * @param results The points, in order.
 * @param swept The swept parameters.
 * @returns The page.
 */
export function sweepHtml(results: readonly PointResult[], swept: readonly string[]): string {
  const flat = results.map((r) => new Map(flattenMetrics(r.metrics)));
  const keys: string[] = [];
  for (const m of flat) {
    for (const [k, v] of m) if (typeof v === "number" && !keys.includes(k)) keys.push(k);
  }
  const xKey = swept[0];
  const lineKey = swept[1];
  const charts: HtmlChart[] = [];
  if (xKey !== undefined) {
    const numericX = results.every((r) => typeof r.params[xKey] === "number");
    for (const k of keys) {
      const series = new Map<string, [number, number][]>();
      results.forEach((r, i) => {
        const y = flat[i]!.get(k);
        if (typeof y !== "number" || !r.ok) return;
        const name = lineKey === undefined ? `seed ${r.seed}` : `${lineKey}=${r.params[lineKey]}`;
        const x = numericX ? Number(r.params[xKey]) : i;
        (series.get(name) ?? series.set(name, []).get(name)!).push([x, y]);
      });
      const xs = results.map((r) => Number(r.params[xKey]));
      const logX = numericX && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
      charts.push({
        title: k,
        xLabel: xKey,
        yLabel: k,
        logX,
        series: [...series].map(([name, points]) => ({ name, points })),
      });
    }
  }
  const scenario = results[0]?.scenario ?? "sweep";
  return renderHtml({
    title: `iosim: ${scenario} sweep`,
    subtitle: `${results.length} points · swept ${swept.join(", ") || "seeds"} · ${
      results.filter((r) => r.ok).length
    } passed`,
    tables: [{
      title: "Points",
      columns: ["#", "seed", ...swept, "ok", ...keys],
      rows: results.map((r, i) => [
        r.index,
        r.seed,
        ...swept.map((s) => String(r.params[s])),
        r.ok ? "yes" : `FAIL: ${r.error}`,
        ...keys.map((k) => {
          const v = flat[i]!.get(k);
          return typeof v === "number" && /Ns$/.test(k) ? formatTime(v) : String(v ?? "");
        }),
      ]),
    }],
    charts,
  });
}
