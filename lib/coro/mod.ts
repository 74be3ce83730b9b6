/**
 * Coroutines on one simulated thread: greenlets with explicit switching,
 * and a gevent-style hub with green sockets on top of epoll.
 *
 * - {@linkcode runGreenlets} runs a thread's body as the main greenlet of a
 *   trampoline: greenlets switch among themselves with `yield* g.switch(v)`
 *   (a user-space switch charged `costs.userSwitchNs`, no system call), and
 *   any system call a greenlet makes blocks the whole thread — every
 *   greenlet on it waits.
 * - {@linkcode runHub} adds a hub: `spawn`, `sleep`, `joinAll`, `kill`,
 *   timeouts, events, queues, pools and locks; sleeping and waiting
 *   greenlets cost the thread nothing until the hub's single `epoll_wait`.
 * - {@linkcode patchAll} gives green sockets ({@linkcode GreenIo}), the
 *   monkey-patched calls: they park the calling greenlet on `EAGAIN`; the
 *   plain `sys` blocks the thread. Both satisfy {@linkcode BlockingIo}.
 *
 * Coroutines cannot use a second core: CPU work in any greenlet holds the
 * thread (and its one core) while the others wait.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { s, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { runHub } from "@iosim/iosim/coro";
 *
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const nap = (name: string, secs: number) =>
 *       hub.spawn(function* () {
 *         yield* hub.sleep(s(secs));
 *         sys.print(name);
 *       });
 *     yield* hub.joinAll([nap("slow", 2), nap("fast", 1)]);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["fast", "slow"]);
 * assert.ok(sim.now < s(2.001));
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./greenlet.ts";
export * from "./hub.ts";
export * from "./hub_greenlet.ts";
export * from "./timeout.ts";
export * from "./event.ts";
export * from "./async_result.ts";
export * from "./queue.ts";
export * from "./lock.ts";
export * from "./pool.ts";
export * from "./green_io.ts";
