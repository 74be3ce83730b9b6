/**
 * Snapshots of a host's processes — CPU time, counts, memory — and their
 * differences, for the harness.
 *
 * @module
 */

import type { Host } from "../os/host.ts";
import { Usage } from "../os/usage.ts";

/** One process's usage and delivered signals at a moment. */
export interface ProcessSnapshot {
  readonly usage: Usage;
  readonly delivered: number;
}

/**
 * Usage of every process of `host`, by pid, with the waits still going on
 * counted up to now (a thread's usage gets a wait only when it ends), so
 * that the difference of two snapshots is what happened between them.
 */
export function snapshot(host: Host): Map<number, ProcessSnapshot> {
  const out = new Map<number, ProcessSnapshot>();
  const now = host.sim.now;
  for (const p of host.processes.values()) {
    const usage = new Usage();
    for (const t of p.threads) {
      usage.add(t.usage);
      if (!t.done && t._waitSince >= 0) usage.addTime(t._waitKind, now - t._waitSince);
    }
    out.set(p.pid, { usage, delivered: p.signals.delivered });
  }
  return out;
}

/** `a - b`, field by field. */
export function minus(a: Usage, b: Usage | undefined): Usage {
  const d = new Usage();
  d.add(a);
  if (b === undefined) return d;
  d.userNs -= b.userNs;
  d.syscallNs -= b.syscallNs;
  d.copyNs -= b.copyNs;
  d.wastedNs -= b.wastedNs;
  d.switchNs -= b.switchNs;
  d.signalNs -= b.signalNs;
  d.phase1Ns -= b.phase1Ns;
  d.blockedNs -= b.blockedNs;
  d.runqueueNs -= b.runqueueNs;
  d.syscalls -= b.syscalls;
  d.eagain -= b.eagain;
  d.contextSwitches -= b.contextSwitches;
  d.wakeups -= b.wakeups;
  d.preemptions -= b.preemptions;
  return d;
}

/** Memory held by a host's live processes, and how many threads and processes run. */
export interface MemorySample {
  readonly stackBytes: number;
  readonly residentBytes: number;
  readonly socketBytes: number;
  readonly threads: number;
  readonly processes: number;
}

/** Sums `memory()` over the live processes of `host`. */
export function sampleMemory(host: Host): MemorySample {
  let stackBytes = 0, residentBytes = 0, socketBytes = 0, threads = 0, processes = 0;
  for (const p of host.processes.values()) {
    if (!p.alive) continue;
    const m = p.memory();
    stackBytes += m.stackBytes;
    residentBytes += m.residentBytes;
    socketBytes += m.socketBytes;
    threads += p.liveThreads.length;
    processes++;
  }
  return { stackBytes, residentBytes, socketBytes, threads, processes };
}
