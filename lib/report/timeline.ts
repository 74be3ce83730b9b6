/**
 * Text timelines: one swimlane per thread (and per kernel lane of
 * asynchronous I/O), virtual time across, one glyph per column for what
 * the thread was doing, with a time axis and a legend. Built on the lanes
 * of {@linkcode lanesOf}, so the text, HTML and trace views read the same
 * spans.
 *
 * @module
 */

import { formatTime } from "../kernel/time.ts";
import { type Lane, lanesExtent } from "./lanes.ts";

/** What a column of a lane shows. */
export type TimelineState =
  | "user"
  | "syscall"
  | "wasted"
  | "phase1"
  | "copy"
  | "blocked"
  | "signal"
  | "runqueue"
  | "idle";

/**
 * The glyph of each state.
 *
 * @example Phase 1 and phase 2
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(TIMELINE_GLYPHS.phase1 + TIMELINE_GLYPHS.copy, "~=");
 * ```
 */
export const TIMELINE_GLYPHS: Readonly<Record<TimelineState, string>> = Object.freeze({
  user: "#",
  syscall: "s",
  wasted: "!",
  phase1: "~",
  copy: "=",
  blocked: "-",
  signal: "S",
  runqueue: "r",
  idle: " ",
});

/**
 * What each state means, in legend order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(TIMELINE_LEGEND.wasted, "busy-polling (EAGAIN)");
 * ```
 */
export const TIMELINE_LEGEND: Readonly<Record<TimelineState, string>> = Object.freeze({
  user: "computing",
  syscall: "in a system call",
  wasted: "busy-polling (EAGAIN)",
  phase1: "blocked in phase 1 (waiting for data)",
  copy: "copying in phase 2",
  blocked: "blocked (sleep, join)",
  signal: "handling a signal",
  runqueue: "waiting for a core",
  idle: "idle",
});

/**
 * How much a state counts when several share a column: short states that
 * tell the story (a copy, a handler, a failed poll) win over long ones.
 */
const WEIGHT: Readonly<Record<TimelineState, number>> = {
  user: 1,
  syscall: 1,
  wasted: 2,
  phase1: 1,
  copy: 4,
  blocked: 1,
  signal: 4,
  runqueue: 1,
  idle: 0,
};

const ORDER: readonly TimelineState[] = [
  "signal",
  "copy",
  "wasted",
  "syscall",
  "user",
  "runqueue",
  "phase1",
  "blocked",
  "idle",
];

/**
 * The timeline state of a span category from the trace (`switch`, a context
 * switch, is kernel time and shows as a system call).
 *
 * @example Categories and their states
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(timelineState("copy"), "copy");
 * assert.equal(timelineState("switch"), "syscall");
 * assert.equal(timelineState("something else"), "idle");
 * ```
 *
 * @param cat The span's category.
 * @returns The state.
 */
export function timelineState(cat: string): TimelineState {
  switch (cat) {
    case "user":
    case "syscall":
    case "wasted":
    case "phase1":
    case "copy":
    case "blocked":
    case "signal":
    case "runqueue":
      return cat;
    case "switch":
      return "syscall";
    default:
      return "idle";
  }
}

/** Where a timeline starts and ends and how many columns it has. */
export interface ColumnRange {
  /** The first instant, in ns. */
  readonly from: number;
  /** The end, in ns (after `from`). */
  readonly to: number;
  /** How many columns. */
  readonly cells: number;
}

/**
 * The state of each column of a lane: the one covering the most of the
 * column, weighted so that copies and signal handlers (×4) and failed polls
 * (×2) show even when short — and one of those too short to win any column
 * still takes the column of its middle; a column nothing covers is idle.
 *
 * @example A lane that computes, then blocks
 * ```ts
 * import assert from "node:assert/strict";
 * const lane = {
 *   key: "a", label: "a", group: "g", marks: [],
 *   spans: [{ start: 0, dur: 50, cat: "user" }, { start: 50, dur: 50, cat: "phase1" }],
 * };
 * assert.deepEqual(laneColumns(lane, { from: 0, to: 100, cells: 4 }), ["user", "user", "phase1", "phase1"]);
 * ```
 *
 * @param lane The lane.
 * @param range The time range and column count.
 * @returns One state per column.
 * @throws {RangeError} If the range is empty or the column count not a positive integer.
 */
export function laneColumns(lane: Lane, range: ColumnRange): TimelineState[] {
  const { from, to, cells } = checkRange(range);
  const width = (to - from) / cells;
  const cover: Float64Array[] = ORDER.map(() => new Float64Array(cells));
  for (const span of lane.spans) {
    const state = timelineState(span.cat);
    if (state === "idle") continue;
    const s = Math.max(span.start, from), e = Math.min(span.start + span.dur, to);
    if (e <= s) continue;
    const row = cover[ORDER.indexOf(state)]!;
    const c0 = Math.min(cells - 1, Math.floor((s - from) / width));
    const c1 = Math.min(cells - 1, Math.floor((e - from) / width));
    for (let c = c0; c <= c1; c++) {
      const cs = from + c * width, ce = cs + width;
      const part = Math.min(e, ce) - Math.max(s, cs);
      if (part > 0) row[c]! += part;
    }
  }
  const out: TimelineState[] = [];
  for (let c = 0; c < cells; c++) {
    let best: TimelineState = "idle", score = 0;
    ORDER.forEach((state, i) => {
      const v = cover[i]![c]! * WEIGHT[state];
      if (v > score) {
        score = v;
        best = state;
      }
    });
    out.push(best);
  }
  // A copy, a handler or a failed poll never vanishes: if none of its columns shows it,
  // the column of its middle does (unless another such state holds that one).
  for (const span of lane.spans) {
    const state = timelineState(span.cat);
    if (WEIGHT[state] < 2) continue;
    const s = Math.max(span.start, from), e = Math.min(span.start + span.dur, to);
    if (e <= s) continue;
    const c0 = Math.min(cells - 1, Math.floor((s - from) / width));
    const c1 = Math.min(cells - 1, Math.floor((e - from) / width));
    let shown = false;
    for (let c = c0; c <= c1 && !shown; c++) shown = out[c] === state;
    const mid = Math.min(cells - 1, Math.floor(((s + e) / 2 - from) / width));
    if (!shown && WEIGHT[out[mid]!] < 2) out[mid] = state;
  }
  return out;
}

/** Options of {@linkcode formatTimeline}. */
export interface TimelineOptions {
  /** The whole width in columns, labels included (default 100). */
  readonly width?: number;
  /** The first instant shown, in ns (default: the lanes' earliest). */
  readonly from?: number;
  /** The end of what is shown, in ns (default: the lanes' latest). */
  readonly to?: number;
  /** The width of the label column (default: the longest label, at most a third of `width`). */
  readonly labelWidth?: number;
  /** Show the legend under the axis (default true). */
  readonly legend?: boolean;
  /** Show a row of `^` under a lane at each signal it received (default true). */
  readonly signals?: boolean;
  /** Wraps a run of glyphs of one state, e.g. in ANSI colours (default: as is). */
  readonly colour?: (state: TimelineState, text: string) => string;
}

/**
 * Draws lanes as text: a label, then one glyph per column for what the lane
 * was doing (see {@linkcode TIMELINE_GLYPHS}); under a lane that received
 * signals or faults, a `^` per signal and an `x` per fault; then a time
 * axis and a legend. Every line fits
 * in `width` columns (labels are cut with `…` when they would not).
 *
 * @example A process computes, then waits in recv
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { lanesOf } from "@iosim/iosim/report";
 * const sim = new Simulation();
 * const costs = { wakeupNs: 0, contextSwitchNs: 0 };
 * new Network(sim).addHost("box", { costs }).spawn("app", function* (sys) {
 *   const [a, b] = yield* sys.socketpair();
 *   yield* sys.spawnThread("peer", function* (t) {
 *     yield* t.sleep(us(50));
 *     yield* t.send(a, "hi");
 *   });
 *   yield* sys.compute(us(20));
 *   yield* sys.recv(b, 8);
 * });
 * sim.run();
 * const text = formatTimeline(lanesOf([{ label: "", sim }]), { width: 50, from: 0, to: us(100) });
 * const [app, peer] = text.split("\n");
 * assert.match(app!, /^box: app\[1000\] +\|s+#+s*~+/);
 * // The label is cut to a third of the width; the peer waits for the one core, then sleeps.
 * assert.match(peer!, /^box: app\[1000\]\/… \| +r+-+/);
 * assert.ok(text.split("\n").every((line) => line.length <= 50));
 * ```
 *
 * @param lanes The lanes (from {@linkcode lanesOf}).
 * @param options Width, time range, legend, colours.
 * @returns The text, lines joined with `\n`.
 * @throws {RangeError} If the width leaves fewer than 10 columns for time, or the range is empty.
 */
export function formatTimeline(lanes: readonly Lane[], options: TimelineOptions = {}): string {
  const width = options.width ?? 100;
  if (!Number.isSafeInteger(width) || width < 20) {
    throw new RangeError(`Invalid timeline width "${String(width)}": expected an integer >= 20`);
  }
  const [lo, hi] = lanesExtent(lanes);
  const from = options.from ?? lo;
  const to = options.to ?? (hi > from ? hi : from + 1);
  const colour = options.colour ?? ((_s: TimelineState, t: string) => t);
  const longest = lanes.reduce((n, l) => Math.max(n, [...l.label].length), 4);
  const labelWidth = options.labelWidth ?? Math.min(longest, Math.floor(width / 3));
  if (!Number.isSafeInteger(labelWidth) || labelWidth < 1) {
    throw new RangeError(
      `Invalid label width "${String(labelWidth)}": expected a positive integer`,
    );
  }
  const cells = width - labelWidth - 3;
  if (cells < 10) {
    throw new RangeError(`Invalid timeline width "${width}": it leaves ${cells} columns for time`);
  }
  const range = checkRange({ from, to, cells });
  const pad = " ".repeat(labelWidth);
  const lines: string[] = [];
  for (const lane of lanes) {
    const states = laneColumns(lane, range);
    lines.push(`${fit(lane.label, labelWidth)} |${paint(states, colour)}|`);
    if (options.signals !== false) {
      const marks = signalRow(lane, range);
      if (marks !== null) lines.push(`${pad}  ${marks}`.trimEnd());
    }
  }
  lines.push(...axis(range, pad));
  const faults = options.signals !== false &&
    lanes.some((l) => l.marks.some((m) => m.kind === "fault" && m.t >= from && m.t < to));
  if (options.legend !== false) lines.push(...legend(width, colour, faults));
  return lines.join("\n");
}

function checkRange(range: ColumnRange): ColumnRange {
  const { from, to, cells } = range;
  if (!Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) {
    throw new RangeError(
      `Invalid timeline range "${from}".."${to}": it must be finite and not empty`,
    );
  }
  if (!Number.isSafeInteger(cells) || cells < 1) {
    throw new RangeError(`Invalid column count "${String(cells)}": expected a positive integer`);
  }
  return range;
}

function fit(label: string, width: number): string {
  const chars = [...label];
  if (chars.length <= width) return label.padEnd(width + label.length - chars.length);
  return chars.slice(0, width - 1).join("") + "…";
}

function paint(
  states: readonly TimelineState[],
  colour: (state: TimelineState, text: string) => string,
): string {
  let out = "", run = "";
  let prev: TimelineState | null = null;
  for (const s of states) {
    if (s !== prev && prev !== null) {
      out += colour(prev, run);
      run = "";
    }
    run += TIMELINE_GLYPHS[s];
    prev = s;
  }
  if (prev !== null) out += colour(prev, run);
  return out;
}

function signalRow(lane: Lane, range: ColumnRange): string | null {
  const { from, to, cells } = range;
  const row = new Array<string>(cells).fill(" ");
  const names = new Set<string>();
  for (const m of lane.marks) {
    if ((m.kind !== "signal" && m.kind !== "fault") || m.t < from || m.t >= to) continue;
    row[Math.min(cells - 1, Math.floor((m.t - from) / ((to - from) / cells)))] = m.kind === "signal"
      ? "^"
      : "x";
    names.add(m.label);
  }
  if (names.size === 0) return null;
  const text = row.join("").trimEnd();
  const note = ` ${[...names].join(", ")}`;
  return text.length + note.length <= cells + 1 ? text + note : text;
}

/** A tick step of 1, 2 or 5 times a power of ten, at least `min`. */
function niceStep(min: number): number {
  let p = 1;
  while (p * 10 <= min) p *= 10;
  for (const m of [1, 2, 5, 10]) if (m * p >= min) return m * p;
  return 10 * p;
}

function axis(range: ColumnRange, pad: string): string[] {
  const { from, to, cells } = range;
  const per = (to - from) / cells;
  const step = niceStep(Math.max(1, per * 12));
  const ruler = new Array<string>(cells).fill("-");
  const labels = new Array<string>(cells + 12).fill(" ");
  let free = 0;
  for (let t = Math.ceil(from / step) * step; t < to; t += step) {
    const c = Math.floor((t - from) / per);
    if (c >= cells) break;
    ruler[c] = "+";
    const text = formatTime(t);
    if (c < free || c + text.length > cells + 1) continue;
    for (let i = 0; i < text.length; i++) labels[c + i] = text[i]!;
    free = c + text.length + 1;
  }
  return [`${pad}  ${ruler.join("")}`, `${pad}  ${labels.join("")}`.trimEnd()];
}

/**
 * The legend of the glyphs, wrapped to `width` columns (what
 * {@linkcode formatTimeline} prints under the axis).
 *
 * @example A legend in 60 columns
 * ```ts
 * import assert from "node:assert/strict";
 * const lines = timelineLegend(60);
 * assert.equal(lines[0], "# computing   s in a system call   ! busy-polling (EAGAIN)");
 * assert.ok(lines.every((l) => l.length <= 60));
 * ```
 *
 * @param width The most columns per line.
 * @param colour Wraps each glyph, e.g. in ANSI colours (default: as is).
 * @returns The lines.
 * @throws {RangeError} If `width` is not an integer >= 20.
 */
export function timelineLegend(
  width: number,
  colour: (state: TimelineState, text: string) => string = (_s, t) => t,
): string[] {
  if (!Number.isSafeInteger(width) || width < 20) {
    throw new RangeError(`Invalid legend width "${String(width)}": expected an integer >= 20`);
  }
  return legend(width, colour, false);
}

function legend(
  width: number,
  colour: (state: TimelineState, text: string) => string,
  faults: boolean,
): string[] {
  const items = (Object.keys(TIMELINE_LEGEND) as TimelineState[]).map((s) => {
    const glyph = s === "idle" ? "' '" : TIMELINE_GLYPHS[s];
    const text = fit(TIMELINE_LEGEND[s], width - glyph.length - 1).trimEnd();
    return {
      plain: `${glyph} ${text}`,
      shown: `${s === "idle" ? glyph : colour(s, glyph)} ${text}`,
    };
  });
  // Signal marks are named where they stand; fault marks may be too many to name.
  if (faults) {
    const text = fit("an injected fault, under its lane", width - 2).trimEnd();
    items.push({ plain: `x ${text}`, shown: `x ${text}` });
  }
  const lines: string[] = [];
  let line = "", len = 0;
  for (const item of items) {
    const sep = len === 0 ? "" : "   ";
    if (len > 0 && len + sep.length + item.plain.length > width) {
      lines.push(line);
      line = "";
      len = 0;
    }
    line += (len === 0 ? "" : sep) + item.shown;
    len += (len === 0 ? 0 : sep.length) + item.plain.length;
  }
  if (len > 0) lines.push(line);
  return lines;
}
