/**
 * The simulated OS of one host: cores and a run queue, processes and
 * threads, descriptor tables, files and wait queues, the system-call
 * surface (`Sys`), errno, the cost model and per-process accounting.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 *
 * const sim = new Simulation();
 * const host = new Host(sim, { name: "box", cores: 1 });
 * const p = host.spawn("worker", function* (sys) {
 *   yield* sys.compute(us(40));
 *   sys.print("done");
 * });
 * sim.run();
 * assert.equal(p.usage().userNs, us(40));
 * ```
 *
 * @module
 */

export * from "./errno.ts";
export * from "./costs.ts";
export * from "./events.ts";
export * from "./usage.ts";
export * from "./file.ts";
export * from "./byte_queue.ts";
export * from "./pipe.ts";
export * from "./fd_table.ts";
export * from "./cpu.ts";
export * from "./thread.ts";
export * from "./process.ts";
export * from "./host.ts";
export * from "./sys.ts";
export * from "./socket_api.ts";
export * from "./signals.ts";
export * from "./faults.ts";
