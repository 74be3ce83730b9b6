/**
 * Rendering a scenario report as text.
 *
 * @module
 */

import { formatTime } from "../kernel/time.ts";
import type { MetricValue } from "./define.ts";
import type { ScenarioReport } from "./run.ts";

/** Colour hooks for {@linkcode formatText}; identity functions mean no colour. */
export interface TextStyle {
  /** Dims secondary text (timestamps). */
  readonly dim: (s: string) => string;
  /** Emphasises headings. */
  readonly bold: (s: string) => string;
}

const PLAIN: TextStyle = { dim: (s) => s, bold: (s) => s };

/**
 * Renders a report for people: a heading, each printed line with its
 * virtual timestamp and who printed it, the scenario's extra report, the
 * metrics, and the virtual time and digest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineScenario, runScenario } from "@iosim/iosim/scenario";
 * const hi = defineScenario({
 *   name: "hi", description: "prints", params: {},
 *   run({ sim }) { sim.print("hello"); return { metrics: { answer: 42 } }; },
 * });
 * const text = formatText(runScenario(hi));
 * assert.match(text, /\[\s*0 ns\] main \| hello/);
 * assert.match(text, /answer\s+42/);
 * ```
 *
 * @param report The report.
 * @param style Colour hooks (none by default).
 * @returns The text, ending with a newline.
 */
export function formatText(report: ScenarioReport, style: TextStyle = PLAIN): string {
  const out: string[] = [];
  const params = Object.entries(report.params).map(([k, v]) => `${k}=${v}`).join(" ");
  out.push(
    style.bold(`${report.scenario}`) +
      style.dim(` · seed ${report.seed}${params ? ` · ${params}` : ""}`),
  );
  const stamps = report.lines.map((l) => formatTime(l.t));
  const width = Math.max(0, ...stamps.map((s) => s.length));
  let lastSim: string | undefined = undefined;
  report.lines.forEach((l, i) => {
    if (l.sim !== lastSim && report.simulations.length > 1) {
      out.push(style.bold(`-- ${l.sim === "" ? "main" : l.sim}`));
      lastSim = l.sim;
    }
    out.push(`${style.dim(`[${stamps[i]!.padStart(width)}]`)} ${l.source} | ${l.text}`);
  });
  if (report.report !== undefined && report.report.length > 0) {
    out.push("", report.report.replace(/\n+$/, ""));
  }
  const metrics = flatten(report.metrics);
  if (metrics.length > 0) {
    out.push("", style.bold("metrics"));
    const kw = Math.max(...metrics.map(([k]) => k.length));
    for (const [k, v] of metrics) out.push(`  ${k.padEnd(kw)}  ${v}`);
  }
  out.push(
    "",
    style.dim(`virtual time ${formatTime(report.virtualTimeNs)} · digest ${report.digest}`),
  );
  return out.join("\n") + "\n";
}

function flatten(
  metrics: { readonly [key: string]: MetricValue },
  prefix = "",
): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(metrics)) {
    const key = prefix + k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      out.push(...flatten(v as { readonly [key: string]: MetricValue }, `${key}.`));
    } else {
      out.push([key, Array.isArray(v) ? JSON.stringify(v) : formatMetric(key, v as MetricValue)]);
    }
  }
  return out;
}

function formatMetric(key: string, v: MetricValue): string {
  if (typeof v === "number" && /Ns$/.test(key) && Number.isFinite(v)) {
    return `${formatTime(v)} (${v} ns)`;
  }
  return String(v);
}
