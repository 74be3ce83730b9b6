/**
 * Running many points: in parallel Deno Workers, results delivered in the
 * sweep's order whatever order they finish in.
 *
 * @module
 */

import type { Scenario } from "../lib/scenario/define.ts";
import { runPoint } from "./execute.ts";
import type { PointResult } from "./output.ts";
import type { Point } from "./points.ts";
import type { WorkerJob } from "./worker.ts";

/** How to run a set of points. */
export interface SweepOptions {
  /** The scenario. */
  readonly scenario: Scenario;
  /** Its module's URL (workers import it). */
  readonly url: string;
  /** The points to run. */
  readonly points: readonly Point[];
  /** The whole sweep's size (shards run part of it). */
  readonly total: number;
  /** Parallel workers; 0 or 1 runs in this process. */
  readonly workers: number;
  /** The virtual-time horizon, if any. */
  readonly horizon?: number;
  /** Called with each result, in point order. */
  readonly onResult: (r: PointResult) => void;
}

/**
 * Runs the points and hands each result to `onResult` in index order. A
 * failing point is a result, not an exception; the others go on.
 *
 * @param opts What to run and where results go.
 * @returns When every point is done.
 */
export async function runSweep(opts: SweepOptions): Promise<void> {
  const { points } = opts;
  const ordered = new Map<number, PointResult>();
  let next = 0;
  const deliver = (r: PointResult) => {
    ordered.set(r.index, r);
    while (next < points.length && ordered.has(points[next]!.index)) {
      opts.onResult(ordered.get(points[next]!.index)!);
      ordered.delete(points[next]!.index);
      next++;
    }
  };
  const workers = Math.min(opts.workers, points.length);
  if (workers <= 1) {
    for (const p of points) deliver(runPoint(opts.scenario, p, opts.total, opts.horizon));
    return;
  }
  let cursor = 0;
  const pool = Array.from(
    { length: workers },
    () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    await Promise.all(pool.map((w) =>
      new Promise<void>((resolve, reject) => {
        const send = () => {
          if (cursor >= points.length) return resolve();
          const point = points[cursor++]!;
          const job: WorkerJob = {
            url: opts.url,
            point,
            total: opts.total,
            ...(opts.horizon === undefined ? {} : { horizon: opts.horizon }),
          };
          w.postMessage(job);
        };
        w.onmessage = (
          e: MessageEvent<{ ok: boolean; result?: PointResult; message?: string }>,
        ) => {
          if (!e.data.ok) return reject(new Error(e.data.message));
          deliver(e.data.result!);
          send();
        };
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
        send();
      })
    ));
  } finally {
    for (const w of pool) w.terminate();
  }
}
