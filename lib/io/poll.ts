/**
 * poll(2).
 *
 * @module
 */

import { POLLERR, POLLHUP, POLLNVAL } from "../os/events.ts";
import type { File } from "../os/file.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { PollTable } from "./_poll_table.ts";
import { checkTimeout } from "./_args.ts";
import { PollSet } from "./poll_set.ts";

/** One entry of poll's array. */
export interface PollFd {
  /** The descriptor; negative entries are ignored. */
  readonly fd: number;
  /** The events of interest (`POLLIN`, `POLLOUT`, ...). */
  readonly events: number;
}

/** A ready entry: the descriptor and what happened. */
export interface PollResult {
  /** The descriptor. */
  readonly fd: number;
  /** The events that happened; `POLLERR`, `POLLHUP` and `POLLNVAL` come unasked. */
  readonly revents: number;
}

/**
 * Waits until some entry is ready, as poll(2) does: no descriptor limit,
 * but the kernel walks the whole array on every call (and again after each
 * wake-up), so the cost grows with the number of entries. A descriptor that
 * is not open reports `POLLNVAL` instead of failing.
 *
 * `fds` may be a {@linkcode PollSet} instead of an array: the call is
 * charged the same, but the simulator looks only at the entries that changed
 * or became ready, so a hundred thousand entries do not slow it down.
 *
 * @example Polling a socketpair
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { POLLIN, POLLOUT } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   yield* sys.send(x, "hi");
 *   const ready = yield* poll(sys, [{ fd: y, events: POLLIN }, { fd: 99, events: POLLOUT }], 0);
 *   sys.print(JSON.stringify(ready));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, '[{"fd":4,"revents":1},{"fd":99,"revents":32}]');
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param fds The entries: an array, or a {@linkcode PollSet}.
 * @param timeout Nanoseconds to wait at most; 0 polls; omitted or `null` waits forever.
 * @returns The operation, for `yield*`; it gives the ready entries in array order.
 * @throws {TypeError} If an entry is malformed.
 * @throws {SysError} EINVAL if there are more entries than RLIMIT_NOFILE allows.
 */
export function* poll(
  sys: Sys,
  fds: readonly PollFd[] | PollSet,
  timeout?: number | null,
): ThreadRoutine<PollResult[]> {
  if (fds instanceof PollSet) return yield* pollSet(sys, fds, timeout);
  if (!Array.isArray(fds)) {
    throw new TypeError(`Invalid poll array "${String(fds)}": expected an array or a PollSet`);
  }
  for (const p of fds) {
    if (typeof p?.fd !== "number" || !Number.isInteger(p.fd) || typeof p.events !== "number") {
      throw new TypeError(
        `Invalid poll entry "${JSON.stringify(p)}": expected { fd, events } integers`,
      );
    }
  }
  const wait = checkTimeout("poll", timeout);
  const thread = sys.thread, costs = thread.costs, sim = sys.host.sim;
  const deadline = wait < 0 ? Infinity : sim.now + wait;
  // One system call, however often it sleeps and walks the array again.
  sys.enter("poll");
  const limit = sys.process.fds.limit;
  if (fds.length > limit) {
    return yield* thread.fail(
      "EINVAL",
      "poll",
      `${fds.length} entries exceed RLIMIT_NOFILE (${limit})`,
    );
  }
  for (;;) {
    thread.charge("syscall", costs.pollBaseNs + fds.length * costs.pollPerFdNs, "poll");
    yield* thread.flush();
    const out: PollResult[] = [];
    const files: (File | undefined)[] = [];
    for (const p of fds) {
      if (p.fd < 0) {
        files.push(undefined);
        continue;
      }
      const f = sys.fileOf(p.fd);
      files.push(f);
      const revents = f === undefined ? POLLNVAL : f.poll() & (p.events | POLLERR | POLLHUP);
      if (revents !== 0) out.push({ fd: p.fd, revents });
    }
    if (out.length > 0 || wait === 0 || sim.now >= deadline) return out;
    const table = new PollTable(thread, "poll");
    fds.forEach((p, i) => {
      const f = files[i];
      if (f !== undefined) table.add(f, p.events | POLLERR | POLLHUP);
    });
    const left = deadline === Infinity ? undefined : deadline - sim.now;
    // A signal handler ends the wait with EINTR (signal(7): never restarted).
    try {
      yield* thread.block(table, "phase1", left, "poll", "eintr");
    } finally {
      // Also when block returns or throws without parking (a signal was pending).
      table.cancelWait();
    }
  }
}

/** poll(2) on a {@linkcode PollSet}: charged for every entry, simulated for the few that matter. */
function* pollSet(
  sys: Sys,
  set: PollSet,
  timeout: number | null | undefined,
): ThreadRoutine<PollResult[]> {
  const wait = checkTimeout("poll", timeout);
  const thread = sys.thread, costs = thread.costs, sim = sys.host.sim;
  const deadline = wait < 0 ? Infinity : sim.now + wait;
  sys.enter("poll");
  const limit = sys.process.fds.limit;
  if (set.size > limit) {
    return yield* thread.fail(
      "EINVAL",
      "poll",
      `${set.size} entries exceed RLIMIT_NOFILE (${limit})`,
    );
  }
  for (;;) {
    // The kernel walks every entry: charged, not simulated one by one.
    thread.charge("syscall", costs.pollBaseNs + set.size * costs.pollPerFdNs, "poll");
    yield* thread.flush();
    const out = set._collect(sys.process.fds);
    if (out.length > 0 || wait === 0 || sim.now >= deadline) return out;
    const left = deadline === Infinity ? undefined : deadline - sim.now;
    const blocker = set._sleep(thread);
    try {
      yield* thread.block(blocker, "phase1", left, "poll", "eintr");
    } finally {
      blocker.cancelWait(thread.task);
    }
  }
}
