/**
 * Comparing two runs of the same seed.
 *
 * @module
 */

import type { ScenarioReport } from "../lib/scenario/run.ts";

/**
 * Compares two reports of the same scenario, seed and parameters: `null`
 * when they match, else a description of the first trace record that
 * differs (or of the first differing field when the traces match).
 *
 * @param a The first run.
 * @param b The second run.
 * @returns The difference, or null.
 */
export function firstDifference(a: ScenarioReport, b: ScenarioReport): string | null {
  if (a.simulations.length !== b.simulations.length) {
    return `the runs made ${a.simulations.length} and ${b.simulations.length} simulations`;
  }
  for (let s = 0; s < a.simulations.length; s++) {
    const label = a.simulations[s]!.label || "main";
    const ra = a.simulations[s]!.sim.trace.records(), rb = b.simulations[s]!.sim.trace.records();
    const n = Math.min(ra.length, rb.length);
    for (let i = 0; i < n; i++) {
      const x = JSON.stringify(ra[i]), y = JSON.stringify(rb[i]);
      if (x !== y) {
        return `simulation "${label}", trace record ${i}: first run ${x}, second run ${y}`;
      }
    }
    if (ra.length !== rb.length) {
      return `simulation "${label}": the traces have ${ra.length} and ${rb.length} records`;
    }
  }
  if (a.digest !== b.digest) {
    return `the digests differ (${a.digest}, ${b.digest}) beyond the kept records`;
  }
  const ma = JSON.stringify(a.metrics), mb = JSON.stringify(b.metrics);
  if (ma !== mb) return `the metrics differ: ${ma} and ${mb}`;
  return null;
}
