/**
 * iosim: a discrete-event simulator of event loops and Unix I/O models.
 *
 * Simulated hosts, processes and sockets run on one virtual clock; the five
 * Unix I/O models, greenlet-style coroutines and Python-style
 * multiprocessing run on top. The same seed gives the same run.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim";
 *
 * const sim = new Simulation();
 * const test1 = sim.spawn(function* () {
 *   sim.print("11111111");
 *   yield* sim.sleep(ms(2000));
 *   sim.print("33333333");
 * });
 * const test2 = sim.spawn(function* () {
 *   sim.print("22222222");
 *   yield* sim.sleep(ms(1000));
 *   sim.print("44444444");
 * });
 * sim.run({ until: sim.allOf([test1, test2]) });
 * assert.deepEqual(sim.output.map((l) => l.text), ["11111111", "22222222", "44444444", "33333333"]);
 * assert.equal(sim.now, ms(2000));
 * ```
 *
 * @module
 */

export * from "./lib/kernel/mod.ts";
export * from "./lib/os/mod.ts";
export * from "./lib/net/mod.ts";
export * from "./lib/io/mod.ts";
