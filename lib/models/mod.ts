/**
 * Reference servers and clients for the I/O models, all speaking one
 * request/response protocol, and the harness that runs one workload under
 * several of them and compares the results.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * import { compareModels, formatComparison } from "@iosim/iosim/models";
 *
 * const cmp = compareModels(
 *   { connections: 50, activeShare: 0.1, durationNs: ms(20) },
 *   ["threads", "poll", "epoll"],
 * );
 * assert.ok(cmp.results.every((r) => r.ok && r.requests > 0));
 * assert.match(formatComparison(cmp.results), /epoll/);
 * ```
 *
 * @module
 */

export * from "./protocol.ts";
export * from "./server.ts";
export * from "./blocking_server.ts";
export * from "./thread_server.ts";
export * from "./process_server.ts";
export * from "./busy_poll_server.ts";
export * from "./select_server.ts";
export * from "./poll_server.ts";
export * from "./epoll_server.ts";
export * from "./sigio_server.ts";
export * from "./prefork_server.ts";
export * from "./aio_server.ts";
export * from "./uring_server.ts";
export * from "./load.ts";
export * from "./open_loop.ts";
export * from "./workload.ts";
export * from "./registry.ts";
export * from "./harness.ts";
export * from "./comparison_table.ts";
