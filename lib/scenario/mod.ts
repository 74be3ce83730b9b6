/**
 * The scenario contract: a scenario file defines a name, a description,
 * typed parameters and a run function, and runs itself when executed
 * directly. `runScenario` turns one into a report; `formatText` and
 * `toJson` render it as `deno task sim` does.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * import { defineScenario, runScenario, toJson } from "@iosim/iosim/scenario";
 *
 * const nap = defineScenario({
 *   name: "nap",
 *   description: "sleeps, then prints",
 *   params: { millis: { type: "int", default: 5, min: 0, description: "how long" } },
 *   run({ sim, params }) {
 *     sim.spawn(function* () {
 *       yield* sim.sleep(ms(params.millis));
 *       sim.print("awake");
 *     });
 *     sim.run();
 *   },
 * });
 * const json = toJson(runScenario(nap, { params: { millis: 7 } }));
 * assert.equal(json.virtualTimeNs, ms(7));
 * assert.deepEqual(json.output, ["awake"]);
 * ```
 *
 * @module
 */

export * from "./define.ts";
export * from "./run.ts";
export * from "./format.ts";
