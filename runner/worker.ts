/**
 * A sweep worker: receives points, runs them, posts results.
 *
 * @module
 */

import type { Scenario } from "../lib/scenario/define.ts";
import { runPoint } from "./execute.ts";
import type { Point } from "./points.ts";

/** What the runner sends a worker. */
export interface WorkerJob {
  /** The scenario module's URL. */
  readonly url: string;
  /** The point. */
  readonly point: Point;
  /** The sweep's size. */
  readonly total: number;
  /** The horizon, if any. */
  readonly horizon?: number;
}

/** The worker's global scope (typed here rather than with a global lib directive). */
declare const self: {
  onmessage: ((e: MessageEvent<WorkerJob>) => void) | null;
  postMessage(message: unknown): void;
};

const cache = new Map<string, Scenario>();

self.onmessage = async (e: MessageEvent<WorkerJob>) => {
  const job = e.data;
  try {
    let scenario = cache.get(job.url);
    if (scenario === undefined) {
      const mod = await import(job.url) as Record<string, unknown>;
      scenario = [mod.default, mod.scenario, ...Object.values(mod)].find((x) =>
        typeof x === "object" && x !== null && (x as Scenario).kind === "iosim.scenario"
      ) as Scenario;
      cache.set(job.url, scenario);
    }
    self.postMessage({ ok: true, result: runPoint(scenario, job.point, job.total, job.horizon) });
  } catch (err) {
    self.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  }
};
