/**
 * Reference servers and clients for the I/O models, all speaking one
 * request/response protocol, so the same workload can run under each.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { ClientStats, closedLoopClient, pollServer } from "@iosim/iosim/models";
 *
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const ex = { requestBytes: 100, responseBytes: 100, serviceNs: 5_000 };
 * net.addHost("srv").spawn("poll", pollServer({ ...ex, port: 8080 }), { daemon: true });
 * const stats = new ClientStats();
 * net.addHost("cli").spawn("load", closedLoopClient({ ...ex, server: ["srv", 8080], connections: 4, rounds: 5, stats }));
 * sim.run();
 * assert.equal(stats.completed, 20);
 * ```
 *
 * @module
 */

export * from "./protocol.ts";
export * from "./server.ts";
export * from "./epoll_server.ts";
export * from "./poll_server.ts";
export * from "./select_server.ts";
export * from "./load.ts";
