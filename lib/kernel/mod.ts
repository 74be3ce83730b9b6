/**
 * The discrete-event kernel: virtual time in nanoseconds, an allocation-free
 * event heap, events, tasks written as generator functions, a seeded
 * generator and a trace with a digest.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 *
 * const sim = new Simulation({ seed: 7 });
 * sim.spawn(function* () {
 *   yield* sim.sleep(ms(2));
 *   sim.print("done");
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.t, ms(2));
 * ```
 *
 * @module
 */

export * from "./time.ts";
export * from "./heap.ts";
export * from "./errors.ts";
export * from "./event.ts";
export * from "./op.ts";
export * from "./task.ts";
export * from "./rng.ts";
export * from "./trace.ts";
export * from "./simulation.ts";
export * from "./pacing.ts";
