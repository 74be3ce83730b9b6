/**
 * Export to the Chrome Trace Event Format, which the Perfetto UI
 * (ui.perfetto.dev) and chrome://tracing open.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";

/** One trace event (the fields this exporter uses). */
export interface ChromeEvent {
  /** The event's name. */
  readonly name: string;
  /** The phase: `X` complete, `i` instant, `C` counter, `M` metadata. */
  readonly ph: "X" | "i" | "C" | "M";
  /** The process id (unique across hosts and simulations). */
  readonly pid: number;
  /** The thread id. */
  readonly tid?: number;
  /** The start, in microseconds. */
  readonly ts?: number;
  /** The duration, in microseconds (complete events). */
  readonly dur?: number;
  /** The category. */
  readonly cat?: string;
  /** The scope of an instant: `t` thread, `p` process. */
  readonly s?: "t" | "p" | "g";
  /** Extra fields. */
  readonly args?: Record<string, unknown>;
}

/** A trace file: an object with `traceEvents`. */
export interface ChromeTrace {
  /** The events. */
  readonly traceEvents: ChromeEvent[];
  /** How the UI shows times. */
  readonly displayTimeUnit: "ns";
  /** Where the trace came from. */
  readonly otherData: Record<string, unknown>;
}

/** A simulation and the label it had in a scenario run. */
export interface LabelledSimulation {
  /** "" for the main simulation. */
  readonly label: string;
  /** The simulation. */
  readonly sim: Simulation;
}

/**
 * Converts the traces of one or more simulations to Chrome's trace format:
 * each simulated process becomes a process (hosts and simulations kept
 * apart), each thread a thread; CPU and blocking spans become complete
 * events named by their category (with the system call in `args`), signals
 * and prints become instants, and socket-buffer occupancy becomes a counter
 * per host. Times are converted from nanoseconds to microseconds.
 *
 * @example Exporting a tiny run
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim, { name: "box" }).spawn("worker", function* (sys) {
 *   yield* sys.compute(us(40));
 * });
 * sim.run();
 * const trace = toChromeTrace([{ label: "", sim }]);
 * const spans = trace.traceEvents.filter((e) => e.ph === "X" && e.name === "user");
 * assert.equal(spans[0]!.dur, 40);
 * ```
 *
 * @param sims The simulations.
 * @returns The trace object (serialise it with `JSON.stringify`).
 */
export function toChromeTrace(sims: readonly LabelledSimulation[]): ChromeTrace {
  const events: ChromeEvent[] = [];
  const pids = new Map<string, number>();
  let nextPid = 1;
  const pidFor = (key: string, name: string): number => {
    let pid = pids.get(key);
    if (pid === undefined) {
      pid = nextPid++;
      pids.set(key, pid);
      events.push({ name: "process_name", ph: "M", pid, args: { name } });
    }
    return pid;
  };
  sims.forEach(({ label, sim }, index) => {
    const prefix = label === "" ? "" : `${label}: `;
    const where = new Map<number, { pid: number; tid: number }>();
    // Kernel tasks that are not threads of a simulated process go in one lane group.
    const loose = (task: number): { pid: number; tid: number } => {
      let w = where.get(task);
      if (w === undefined) {
        w = { pid: pidFor(`${index}/tasks`, `${prefix}tasks`), tid: task };
        where.set(task, w);
      }
      return w;
    };
    const us = (ns: number) => ns / 1000;
    for (const r of sim.trace.records()) {
      const d = (r.data ?? {}) as Record<string, unknown>;
      switch (r.kind) {
        case "thread": {
          const host = String(d.host), procName = String(d.process), pidNum = Number(d.pid);
          const pid = pidFor(
            `${index}/${host}/${pidNum}`,
            `${prefix}${procName}[${pidNum}] on ${host}`,
          );
          where.set(r.task, { pid, tid: r.task });
          events.push({
            name: "thread_name",
            ph: "M",
            pid,
            tid: r.task,
            args: { name: `${d.name} (tid ${d.tid})` },
          });
          break;
        }
        case "span": {
          const w = where.get(r.task) ?? loose(r.task);
          const args: Record<string, unknown> = {};
          if (d.call !== undefined) args.call = d.call;
          events.push({
            name: d.call === undefined ? String(d.cat) : `${d.cat}: ${d.call}`,
            cat: String(d.cat),
            ph: "X",
            pid: w.pid,
            tid: w.tid,
            ts: us(Number(d.start)),
            dur: us(Number(d.dur)),
            args,
          });
          break;
        }
        case "signal":
        case "print":
        case "interrupt":
        case "kill": {
          if (r.task < 0) break;
          const w = where.get(r.task) ?? loose(r.task);
          events.push({
            name: r.kind === "signal"
              ? String(d.name)
              : r.kind === "print"
              ? `print: ${String(d.text)}`
              : r.kind,
            cat: r.kind,
            ph: "i",
            s: "t",
            pid: w.pid,
            tid: w.tid,
            ts: us(r.t),
            args: { ...d },
          });
          break;
        }
        case "fault":
        case "fault-rule":
        case "fault-rule-removed":
        case "partition":
        case "heal":
        case "crash":
        case "restart": {
          // A fault in a thread's call marks that thread; network and host faults mark all.
          const w = r.task >= 0 ? (where.get(r.task) ?? loose(r.task)) : null;
          events.push({
            name: r.kind === "fault" ? `fault: ${String(d.kind)}` : r.kind,
            cat: "fault",
            ph: "i",
            s: w === null ? "g" : "t",
            pid: w === null ? pidFor(`${index}/faults`, `${prefix}faults`) : w.pid,
            ...(w === null ? {} : { tid: w.tid }),
            ts: us(r.t),
            args: { ...d },
          });
          break;
        }
        case "buffer": {
          const host = String(d.host);
          const pid = pidFor(`${index}/${host}/net`, `${prefix}${host} network stack`);
          events.push({
            name: "socket receive buffers",
            ph: "C",
            pid,
            ts: us(r.t),
            args: { bytes: Number(d.bytes) },
          });
          break;
        }
        default:
          if (r.kind === "spawn" && !where.has(r.task)) loose(r.task);
      }
    }
  });
  return {
    traceEvents: events,
    displayTimeUnit: "ns",
    otherData: { generator: "iosim", simulations: sims.map((s) => s.label || "main") },
  };
}

/**
 * Checks a trace against the format's rules (what Perfetto needs to open
 * it): every event has a name, a known phase and an integer pid; timed
 * events have finite non-negative timestamps; complete events have a
 * duration; instants a scope; counters numeric args; metadata a name arg.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkChromeTrace({ traceEvents: [], displayTimeUnit: "ns", otherData: {} }), []);
 * assert.equal(checkChromeTrace({ traceEvents: [{ name: "x", ph: "X", pid: 1, tid: 1, ts: -1 }], displayTimeUnit: "ns", otherData: {} }).length, 2);
 * ```
 *
 * @param trace The trace.
 * @returns The problems found (empty when it is valid).
 */
export function checkChromeTrace(trace: ChromeTrace): string[] {
  const problems: string[] = [];
  if (!Array.isArray(trace?.traceEvents)) return ["traceEvents is not an array"];
  trace.traceEvents.forEach((e, i) => {
    const at = `event ${i} (${e?.ph} "${e?.name}")`;
    if (typeof e.name !== "string" || e.name === "") problems.push(`${at}: no name`);
    if (!Number.isInteger(e.pid)) problems.push(`${at}: pid is not an integer`);
    if (e.ph !== "M") {
      if (typeof e.ts !== "number" || !Number.isFinite(e.ts) || e.ts < 0) {
        problems.push(`${at}: bad ts`);
      }
    }
    switch (e.ph) {
      case "X":
        if (!Number.isInteger(e.tid)) problems.push(`${at}: tid is not an integer`);
        if (typeof e.dur !== "number" || !Number.isFinite(e.dur) || e.dur < 0) {
          problems.push(`${at}: bad dur`);
        }
        break;
      case "i":
        if (e.s !== "t" && e.s !== "p" && e.s !== "g") problems.push(`${at}: bad scope`);
        break;
      case "C":
        if (e.args === undefined || Object.values(e.args).some((v) => typeof v !== "number")) {
          problems.push(`${at}: counter args must be numbers`);
        }
        break;
      case "M":
        if (e.name !== "process_name" && e.name !== "thread_name") {
          problems.push(`${at}: unknown metadata`);
        }
        if (typeof e.args?.name !== "string") problems.push(`${at}: metadata without a name`);
        break;
      default:
        problems.push(`${at}: unknown phase`);
    }
  });
  return problems;
}
