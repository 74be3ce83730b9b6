/**
 * Real-time pacing for demos: run a simulation no faster than a wall clock.
 *
 * The kernel never reads the wall clock itself; the caller hands one in, so
 * the library stays deterministic and a test can pace against a fake clock.
 *
 * @module
 */

import type { Event } from "./event.ts";
import type { RunOptions, RunResult, Simulation } from "./simulation.ts";

/** A wall clock supplied by the caller. */
export interface WallClock {
  /** The current wall time in milliseconds (`performance.now` will do). */
  now(): number;
  /** Waits `ms` wall milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** Options for {@linkcode runPaced}. */
export interface PacedRunOptions extends RunOptions {
  /** Virtual seconds per wall second: 1 is real time, 10 is ten times faster. */
  readonly factor: number;
  /** The wall clock to pace against. */
  readonly clock: WallClock;
}

/**
 * Runs `sim` like {@linkcode Simulation.run}, but waits on `clock` before each
 * event so that virtual time advances `factor` times as fast as wall time.
 *
 * @example Pacing against a fake clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, runPaced, Simulation } from "@iosim/iosim/kernel";
 * let wall = 0;
 * const clock = { now: () => wall, sleep: async (d: number) => { wall += d; } };
 * const sim = new Simulation();
 * sim.spawn(function* () { yield* sim.sleep(ms(500)); });
 * await runPaced(sim, { factor: 1, clock });
 * assert.equal(wall, 500);
 * ```
 *
 * @param sim The simulation.
 * @param options The pacing factor, the clock, and the usual run options.
 * @returns Why the run stopped.
 * @throws {RangeError} If `factor` is not a positive finite number.
 * @throws {TypeError} If `clock` lacks `now` or `sleep`.
 */
export async function runPaced(sim: Simulation, options: PacedRunOptions): Promise<RunResult> {
  const { factor, clock, until } = options;
  if (typeof factor !== "number" || !(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(
      `Invalid pacing factor "${String(factor)}": it must be a positive finite number`,
    );
  }
  if (typeof clock?.now !== "function" || typeof clock?.sleep !== "function") {
    throw new TypeError("Invalid pacing clock: it needs now() and sleep(ms)");
  }
  const limit = typeof until === "number" ? until : Infinity;
  const stopEvent = typeof until === "object" ? until as Event<unknown> : null;
  const wallStart = clock.now(), simStart = sim.now;
  for (;;) {
    if (stopEvent?.processed) break;
    const t = sim.peek();
    if (t === Infinity || t >= limit) break;
    const wait = wallStart + (t - simStart) / 1e6 / factor - clock.now();
    if (wait > 0) await clock.sleep(wait);
    sim.step();
  }
  return sim.run(options);
}
