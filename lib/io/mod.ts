/**
 * Readiness machinery on top of the simulated OS: select(2), poll(2),
 * epoll(7) and a Python-style `selectors` layer.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { EVENT_READ, openSelector } from "@iosim/iosim/io";
 *
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const sel = yield* openSelector(sys, "poll");
 *   yield* sel.register(y, EVENT_READ);
 *   yield* sys.send(x, "ping");
 *   const ready = yield* sel.select();
 *   sys.print(ready.length, yield* sys.recv(ready[0]![0].fd, 16));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "1 b'ping'");
 * ```
 *
 * @module
 */

export * from "./select.ts";
export * from "./poll.ts";
export * from "./poll_set.ts";
export * from "./epoll.ts";
export * from "./selectors.ts";
export * from "./errno_numbers.ts";
export * from "./kernel_work.ts";
export * from "./aio.ts";
export * from "./uring.ts";
