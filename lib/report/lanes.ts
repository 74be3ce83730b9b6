/**
 * Swimlanes from a trace: one lane per simulated thread (or kernel task),
 * with its time spans and instant marks — what the text timeline, the HTML
 * report and other pictures draw.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";

/** A stretch of a lane's time in one state. */
export interface LaneSpan {
  /** When it starts, in virtual ns. */
  readonly start: number;
  /** How long it lasts. */
  readonly dur: number;
  /**
   * The state: `user`, `syscall`, `copy` (phase 2), `wasted` (busy-polling),
   * `switch`, `signal`, `phase1`, `blocked`, `runqueue`.
   */
  readonly cat: string;
  /** The system call, when the span is part of one. */
  readonly call?: string;
}

/** Something that happened at an instant on a lane. */
export interface LaneMark {
  /** When. */
  readonly t: number;
  /** What kind: `signal`, `print`, `exit`, `fault` (an injected fault: a packet rule, a partition, a crash, an EINTR...). */
  readonly kind: string;
  /** A short text. */
  readonly label: string;
}

/** One swimlane. */
export interface Lane {
  /** A unique key. */
  readonly key: string;
  /** What the lane shows, e.g. `web: server[1000]` or `web: server[1000]/worker`. */
  readonly label: string;
  /** Where it runs: the simulation label and host, for grouping. */
  readonly group: string;
  /** Its spans, in time order. */
  readonly spans: LaneSpan[];
  /** Its marks, in time order. */
  readonly marks: LaneMark[];
}

/** A simulation with its label in a scenario run ("" for the main one). */
export interface SimulationRef {
  /** The label. */
  readonly label: string;
  /** The simulation. */
  readonly sim: Simulation;
}

/**
 * Builds the lanes of one or more simulations from their trace records
 * ("thread", "span", "signal", "print", "exit", and the fault records).
 * Threads of simulated processes get a lane each; plain kernel tasks that
 * printed get one too. A fault injected into a thread's system call is a
 * mark on its lane; network and host faults (rules, partitions, crashes)
 * are marks on a lane of their own, `faults`.
 *
 * @example Lanes of a tiny run
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim, { name: "box" }).spawn("worker", function* (sys) {
 *   yield* sys.compute(us(40));
 * });
 * sim.run();
 * const [lane] = lanesOf([{ label: "", sim }]);
 * assert.equal(lane!.label, "box: worker[1000]");
 * assert.equal(lane!.spans.find((s) => s.cat === "user")!.dur, us(40));
 * ```
 *
 * @param sims The simulations.
 * @returns The lanes, in the order their threads started.
 */
export function lanesOf(sims: readonly SimulationRef[]): Lane[] {
  const out: Lane[] = [];
  sims.forEach(({ label, sim }) => {
    const byTask = new Map<number, Lane>();
    const names = new Map<number, string>();
    const prefix = label === "" ? "" : `${label}: `;
    let faults: Lane | null = null;
    const faultLane = (): Lane => {
      if (faults === null) {
        faults = {
          key: `${label}#faults`,
          label: `${prefix}faults`,
          group: `${prefix}faults`,
          spans: [],
          marks: [],
        };
        out.push(faults);
      }
      return faults;
    };
    const laneFor = (task: number): Lane => {
      let lane = byTask.get(task);
      if (lane === undefined) {
        lane = {
          key: `${label}#${task}`,
          label: `${prefix}${names.get(task) ?? `task ${task}`}`,
          group: label === "" ? "tasks" : label,
          spans: [],
          marks: [],
        };
        byTask.set(task, lane);
        out.push(lane);
      }
      return lane;
    };
    for (const r of sim.trace.records()) {
      const d = (r.data ?? {}) as Record<string, unknown>;
      switch (r.kind) {
        case "spawn":
          names.set(r.task, String(d.name));
          break;
        case "thread": {
          const base = `${d.host}: ${d.process}[${d.pid}]`;
          const lane: Lane = {
            key: `${label}#${r.task}`,
            label: `${prefix}${d.name === "main" ? base : `${base}/${d.name}`}`,
            group: `${prefix}${d.host}`,
            spans: [],
            marks: [],
          };
          byTask.set(r.task, lane);
          out.push(lane);
          break;
        }
        case "span": {
          const span: LaneSpan = d.call === undefined
            ? { start: Number(d.start), dur: Number(d.dur), cat: String(d.cat) }
            : {
              start: Number(d.start),
              dur: Number(d.dur),
              cat: String(d.cat),
              call: String(d.call),
            };
          laneFor(r.task).spans.push(span);
          break;
        }
        case "signal":
          if (r.task >= 0) {
            laneFor(r.task).marks.push({ t: r.t, kind: "signal", label: String(d.name) });
          }
          break;
        case "print":
          if (r.task >= 0) {
            laneFor(r.task).marks.push({ t: r.t, kind: "print", label: String(d.text) });
          }
          break;
        case "fault":
          if (r.task >= 0) {
            laneFor(r.task).marks.push({ t: r.t, kind: "fault", label: `${d.kind} in ${d.call}` });
          } else faultLane().marks.push({ t: r.t, kind: "fault", label: describeFault(r.kind, d) });
          break;
        case "fault-rule":
        case "fault-rule-removed":
        case "partition":
        case "heal":
        case "crash":
        case "restart":
          faultLane().marks.push({ t: r.t, kind: "fault", label: describeFault(r.kind, d) });
          break;
        case "exit":
          if (byTask.has(r.task)) {
            byTask.get(r.task)!.marks.push({
              t: r.t,
              kind: "exit",
              label: d.ok ? "exit" : `error: ${d.error}`,
            });
          }
          break;
      }
    }
  });
  for (const lane of out) lane.spans.sort((a, b) => a.start - b.start);
  return out;
}

/** A network or host fault record in a few words. */
function describeFault(kind: string, d: Record<string, unknown>): string {
  const where = (x: unknown) => (x === null || x === undefined ? "*" : String(x));
  switch (kind) {
    case "fault-rule": {
      const { from, to, bothWays: _b, ...rule } = d;
      const what = Object.entries(rule).map(([k, v]) => `${k}=${v}`).join(" ");
      return `rule ${where(from)} → ${where(to)}: ${what}`;
    }
    case "fault-rule-removed":
      return `rule ${where(d.from)} → ${where(d.to)} removed`;
    case "partition":
    case "heal":
      return `${kind} ${JSON.stringify(d.side)} | ${JSON.stringify(d.other)}`;
    case "crash":
    case "restart":
      return `${kind} ${where(d.host)}`;
    default:
      return `${kind} ${JSON.stringify(d)}`;
  }
}

/**
 * The time the lanes cover: from the earliest span or mark to the latest end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(lanesExtent([{ key: "a", label: "a", group: "g", spans: [{ start: 5, dur: 10, cat: "user" }], marks: [] }]), [5, 15]);
 * ```
 *
 * @param lanes The lanes.
 * @returns `[from, to]` in ns (`[0, 0]` when empty).
 */
export function lanesExtent(lanes: readonly Lane[]): [number, number] {
  let from = Infinity, to = -Infinity;
  for (const l of lanes) {
    for (const s of l.spans) {
      if (s.start < from) from = s.start;
      if (s.start + s.dur > to) to = s.start + s.dur;
    }
    for (const m of l.marks) {
      if (m.t < from) from = m.t;
      if (m.t > to) to = m.t;
    }
  }
  return from === Infinity ? [0, 0] : [from, to];
}
