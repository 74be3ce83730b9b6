/**
 * Running one point: in this process or in a worker, with failures turned
 * into results rather than exceptions.
 *
 * @module
 */

import type { Scenario } from "../lib/scenario/define.ts";
import { runScenario, ScenarioError, toJson } from "../lib/scenario/run.ts";
import type { PointResult } from "./output.ts";
import type { Point } from "./points.ts";

/**
 * Runs one point of a sweep and describes the outcome. A scenario that
 * throws, or whose metrics say `ok: false`, is a failed point.
 *
 * @param scenario The scenario.
 * @param point The point.
 * @param total The sweep's size.
 * @param horizon A virtual time no run goes past, if set.
 * @returns The result.
 */
export function runPoint(
  scenario: Scenario,
  point: Point,
  total: number,
  horizon?: number,
): PointResult {
  const base = { index: point.index, total, scenario: scenario.name, seed: point.seed };
  try {
    const report = runScenario(scenario, {
      seed: point.seed,
      params: point.params,
      trace: { record: false },
      ...(horizon === undefined ? {} : { horizon }),
    });
    const json = toJson(report);
    const ok = json.metrics.ok !== false;
    return {
      ...base,
      params: json.params,
      ok,
      ...(ok
        ? {}
        : { error: String(json.metrics.failure ?? "the scenario's checks failed (ok: false)") }),
      virtualTimeNs: json.virtualTimeNs,
      metrics: json.metrics,
      digest: json.digest,
    };
  } catch (e) {
    if (!(e instanceof ScenarioError)) {
      // Bad parameters: not a failure of the point but of the command line.
      throw e;
    }
    return {
      ...base,
      params: point.params as Record<string, number | string | boolean>,
      ok: false,
      error: e.message,
      virtualTimeNs: e.time,
      metrics: {},
      digest: "",
    };
  }
}
