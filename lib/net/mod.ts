/**
 * The network: hosts joined by links with latency, bandwidth, jitter and
 * loss; TCP-like stream sockets (handshake, accept queue, send and receive
 * buffers with flow control, FIN and RST) and UDP-like datagram sockets.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 *
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const box = net.addHost("box");
 * box.spawn("pair", function* (sys) {
 *   const [a, b] = yield* sys.socketpair();
 *   yield* sys.send(a, "hello");
 *   sys.print(yield* sys.recv(b, 100));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "b'hello'");
 * ```
 *
 * @module
 */

export * from "./path.ts";
export * from "./network.ts";
export * from "./stack.ts";
export * from "./stream.ts";
export * from "./dgram.ts";
export * from "./fault_plan.ts";
