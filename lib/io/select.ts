/**
 * select(2), as Python's `select.select` calls it.
 *
 * @module
 */

import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI } from "../os/events.ts";
import type { File } from "../os/file.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { PollTable } from "./_poll_table.ts";
import { checkTimeout, fdList } from "./_args.ts";

/** select(2)'s fd_set size: descriptors must be below it. */
export const FD_SETSIZE = 1024;

/** What Linux counts as readable, writable and exceptional (fs/select.c). */
const READ_SET = POLLIN | POLLHUP | POLLERR;
const WRITE_SET = POLLOUT | POLLERR;
const EXCEPT_SET = POLLPRI;

/** The three lists `select` returns: the descriptors ready in each set. */
export type SelectResult = [readable: number[], writable: number[], exceptional: number[]];

/**
 * Waits until some of the descriptors are ready, as select(2) does and with
 * Python's `select.select` calling convention: three lists in, the ready
 * subsets out (Python builds new lists where C rewrites its fd_sets in
 * place). Each call scans every descriptor below `nfds` = highest + 1, so it
 * costs O(nfds) — again after each wake-up — and a ready read takes two
 * system calls (select, then recv).
 *
 * @example A listening socket becomes readable
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * net.addHost("a").spawn("server", function* (sys) {
 *   const ls = yield* sys.socket();
 *   yield* sys.bind(ls, ["0.0.0.0", 9000]);
 *   yield* sys.listen(ls);
 *   const [r] = yield* select(sys, [ls], [], []);
 *   sys.print("readable:", r.join(","));
 * });
 * net.addHost("b").spawn("client", function* (sys) {
 *   yield* sys.connect(yield* sys.socket(), ["a", 9000]);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "readable: 3");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param rlist Descriptors to watch for reading (or a pending connection).
 * @param wlist Descriptors to watch for writing.
 * @param xlist Descriptors to watch for exceptional conditions (urgent data).
 * @param timeout Nanoseconds to wait at most; 0 polls; omitted or `null` waits forever.
 * @returns The operation, for `yield*`; it gives the three ready lists.
 * @throws {RangeError} "filedescriptor out of range in select()" for a descriptor
 *   of FD_SETSIZE (1024) or more, or a negative one, as Python raises; and for a
 *   negative timeout ("timeout must be non-negative").
 * @throws {SysError} EBADF if a descriptor is not open when select is called. As on
 *   Linux, one closed by another thread while select sleeps is skipped by later
 *   scans (the close does not wake select); the next call fails.
 */
export function* select(
  sys: Sys,
  rlist: readonly number[],
  wlist: readonly number[],
  xlist: readonly number[],
  timeout?: number | null,
): ThreadRoutine<SelectResult> {
  const sets = [fdList("select", rlist), fdList("select", wlist), fdList("select", xlist)];
  if (typeof timeout === "number" && timeout < 0) {
    throw new RangeError(`Invalid timeout "${timeout}" for select: timeout must be non-negative`);
  }
  const wait = checkTimeout("select", timeout);
  let nfds = 0;
  for (const set of sets) {
    for (const fd of set) {
      if (fd < 0 || fd >= FD_SETSIZE) {
        throw new RangeError(
          `filedescriptor out of range in select(): fd ${fd} is not below FD_SETSIZE (${FD_SETSIZE})`,
        );
      }
      if (fd + 1 > nfds) nfds = fd + 1;
    }
  }
  const thread = sys.thread, costs = thread.costs, sim = sys.host.sim;
  const deadline = wait < 0 ? Infinity : sim.now + wait;
  const masks = [READ_SET, WRITE_SET, EXCEPT_SET];
  // One system call, however often it sleeps and scans again.
  sys.enter("select");
  for (let scan = 0;; scan++) {
    thread.charge("syscall", costs.selectBaseNs + nfds * costs.selectPerFdNs, "select");
    yield* thread.flush();
    // Descriptors are checked once, on entry (Linux's max_select_fd): one that
    // another thread closes while select sleeps is skipped by later scans.
    if (scan === 0) {
      for (const set of sets) {
        for (const fd of set) {
          if (sys.fileOf(fd) === undefined) {
            return yield* thread.fail("EBADF", "select", `fd ${fd} is not open`);
          }
        }
      }
    }
    const files: (File | undefined)[][] = sets.map((set) => set.map((fd) => sys.fileOf(fd)));
    const out: SelectResult = [[], [], []];
    let ready = 0;
    for (let k = 0; k < 3; k++) {
      const set = sets[k]!;
      for (let i = 0; i < set.length; i++) {
        const f = files[k]![i];
        if (f !== undefined && (f.poll() & masks[k]!) !== 0) {
          out[k]!.push(set[i]!);
          ready++;
        }
      }
    }
    if (ready > 0 || wait === 0 || sim.now >= deadline) return out;
    const table = new PollTable(thread, "select");
    for (let k = 0; k < 3; k++) {
      for (const f of files[k]!) if (f !== undefined) table.add(f, masks[k]!);
    }
    const left = deadline === Infinity ? undefined : deadline - sim.now;
    // A signal handler ends the wait with EINTR (signal(7): never restarted).
    try {
      yield* thread.block(table, "phase1", left, "select", "eintr");
    } finally {
      // Also when block returns or throws without parking (a signal was pending).
      table.cancelWait();
    }
  }
}
