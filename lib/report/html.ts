/**
 * A self-contained HTML report: swimlane timelines (zoom, hover for each
 * span's details), tables and charts, in one file with inline SVG, style and
 * script, and no network access.
 *
 * @module
 */

import { formatTime } from "../kernel/time.ts";
import type { Lane } from "./lanes.ts";

/** A table for the report. */
export interface HtmlTable {
  /** The heading above it. */
  readonly title: string;
  /** The column titles. */
  readonly columns: readonly string[];
  /** The rows, already formatted. */
  readonly rows: readonly (readonly (string | number)[])[];
}

/** A line chart for the report (a sweep's metric against a parameter). */
export interface HtmlChart {
  /** The heading. */
  readonly title: string;
  /** The x axis's label. */
  readonly xLabel: string;
  /** The y axis's label. */
  readonly yLabel: string;
  /** A logarithmic x axis (for 100, 1,000, 10,000). */
  readonly logX?: boolean;
  /** One line per series. */
  readonly series: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
}

/** What a report shows. */
export interface HtmlReport {
  /** The page's title. */
  readonly title: string;
  /** A line under the title (seed, parameters). */
  readonly subtitle?: string;
  /** Timeline lanes (from `lanesOf`). */
  readonly lanes?: readonly Lane[];
  /** Tables. */
  readonly tables?: readonly HtmlTable[];
  /** Charts. */
  readonly charts?: readonly HtmlChart[];
  /** Printed lines, with their virtual time. */
  readonly output?: readonly {
    readonly t: number;
    readonly source: string;
    readonly text: string;
  }[];
}

/** The colour of each state, shared with the legend. */
export const STATE_COLORS: Readonly<Record<string, string>> = Object.freeze({
  user: "#2e7d32",
  syscall: "#f9a825",
  copy: "#1565c0",
  wasted: "#c62828",
  switch: "#6a1b9a",
  signal: "#ef6c00",
  phase1: "#b0bec5",
  blocked: "#eceff1",
  runqueue: "#f48fb1",
});

/** What each state means, for the legend. */
export const STATE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  user: "computing",
  syscall: "in a system call",
  copy: "copying (phase 2)",
  wasted: "busy-polling (EAGAIN)",
  switch: "context switch",
  signal: "handling a signal",
  phase1: "blocked waiting for data (phase 1)",
  blocked: "blocked (sleep, lock, join)",
  runqueue: "waiting for a core",
});

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Makes JSON safe inside a script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#666;margin-bottom:16px}
.legend span{display:inline-flex;align-items:center;margin:0 14px 6px 0;font-size:12px}
.legend i{display:inline-block;width:14px;height:10px;margin-right:5px;border:1px solid #999}
.controls button{margin-right:6px}
#timeline{border:1px solid #ccc;overflow:hidden;user-select:none}
#timeline svg{display:block}
.lane-label{font-size:11px;fill:#333}
.axis text{font-size:10px;fill:#555}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;padding:5px 8px;border-radius:4px;display:none;white-space:pre;z-index:10}
table{border-collapse:collapse;margin-bottom:8px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.chart{display:inline-block;margin:0 16px 16px 0;vertical-align:top}
.output{font:12px monospace;white-space:pre;max-height:320px;overflow:auto;border:1px solid #ddd;padding:6px}
`;

const SCRIPT = String.raw`
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const tip = document.getElementById("tip");
  const fmt = (ns) => {
    const a = Math.abs(ns);
    const u = a >= 1e9 ? [1e9, "s"] : a >= 1e6 ? [1e6, "ms"] : a >= 1e3 ? [1e3, "µs"] : [1, "ns"];
    return (+(ns / u[0]).toPrecision(4)) + " " + u[1];
  };
  const showTip = (ev, text) => { tip.textContent = text; tip.style.display = "block"; tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px"; };
  const hideTip = () => { tip.style.display = "none"; };
  const NS = "http://www.w3.org/2000/svg";
  const el = (name, attrs, parent) => { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; };

  const box = document.getElementById("timeline");
  if (box && data.lanes.length > 0) {
    const lanes = data.lanes, labelW = 190, laneH = 22, axisH = 24;
    let [from, to] = data.extent;
    if (to <= from) to = from + 1;
    const full = [from, to];
    const draw = () => {
      box.textContent = "";
      const width = Math.max(600, box.clientWidth || 1000), plotW = width - labelW - 10;
      const svg = el("svg", { width, height: axisH + lanes.length * laneH + 4, id: "timeline-svg" }, box);
      const x = (t) => labelW + ((t - from) / (to - from)) * plotW;
      const axis = el("g", { class: "axis" }, svg);
      for (let k = 0; k <= 8; k++) {
        const t = from + ((to - from) * k) / 8, px = x(t);
        el("line", { x1: px, x2: px, y1: axisH - 4, y2: axisH + lanes.length * laneH, stroke: "#eee" }, axis);
        el("text", { x: px, y: 12, "text-anchor": k === 0 ? "start" : k === 8 ? "end" : "middle" }, axis).textContent = fmt(t);
      }
      lanes.forEach((lane, li) => {
        const y = axisH + li * laneH;
        const g = el("g", { class: "lane", "data-lane": lane.label }, svg);
        el("text", { x: 4, y: y + 15, class: "lane-label" }, g).textContent = lane.label.length > 28 ? lane.label.slice(0, 27) + "…" : lane.label;
        let last = null;
        for (const s of lane.spans) {
          if (s.start + s.dur < from || s.start > to) continue;
          const x0 = Math.max(x(s.start), labelW), x1 = Math.min(x(s.start + s.dur), labelW + plotW);
          // Spans narrower than a pixel merge into their neighbour of the same state.
          if (last && last.cat === s.cat && x0 - last.x1 < 0.5) {
            last.x1 = x1; last.n++; last.dur = s.start + s.dur - last.start;
            last.rect.setAttribute("width", String(Math.max(0.5, last.x1 - last.x0)));
            continue;
          }
          const r = el("rect", { x: x0, y: y + 3, width: Math.max(0.5, x1 - x0), height: laneH - 6, fill: data.colors[s.cat] || "#999", class: "span", "data-cat": s.cat }, g);
          last = { x0, x1, cat: s.cat, call: s.call, start: s.start, dur: s.dur, n: 1, rect: r };
          const info = last;
          r.addEventListener("mousemove", (ev) => showTip(ev, lane.label + "\n" + (data.names[info.cat] || info.cat) + (info.call && info.n === 1 ? " — " + info.call : "") + "\nstart " + fmt(info.start) + ", " + (info.n > 1 ? info.n + " spans over " : "lasting ") + fmt(info.dur)));
          r.addEventListener("mouseleave", hideTip);
        }
        for (const m of lane.marks) {
          if (m.t < from || m.t > to) continue;
          const px = x(m.t);
          const p = el("path", { d: "M" + px + " " + (y + 1) + " l-4 -1 l4 6 l4 -6 z", fill: m.kind === "signal" ? "#ef6c00" : m.kind === "fault" ? "#c62828" : m.kind === "exit" ? "#000" : "#555", class: "mark" }, g);
          p.addEventListener("mousemove", (ev) => showTip(ev, lane.label + "\n" + m.kind + " at " + fmt(m.t) + "\n" + m.label));
          p.addEventListener("mouseleave", hideTip);
        }
      });
      document.getElementById("window").textContent = fmt(from) + " – " + fmt(to);
    };
    const zoom = (factor, centre) => {
      const c = centre ?? (from + to) / 2, span = (to - from) * factor;
      from = Math.max(full[0], c - span / 2); to = Math.min(full[1], from + span);
      if (to - from < 10) to = from + 10;
      draw();
    };
    document.getElementById("zoom-in").onclick = () => zoom(0.5);
    document.getElementById("zoom-out").onclick = () => zoom(2);
    document.getElementById("zoom-reset").onclick = () => { [from, to] = full; draw(); };
    box.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const rect = box.getBoundingClientRect(), plotW = rect.width - 200;
      const t = from + ((ev.clientX - rect.left - 190) / plotW) * (to - from);
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, t);
    }, { passive: false });
    window.addEventListener("resize", draw);
    draw();
  }

  for (const [ci, chart] of data.charts.entries()) {
    const holder = document.getElementById("chart-" + ci);
    const W = 460, H = 280, L = 64, B = 40, T = 12, R = 12;
    const svg = el("svg", { width: W, height: H, class: "chart-svg" }, holder);
    const pts = chart.series.flatMap((s) => s.points);
    if (pts.length === 0) continue;
    const tx = (v) => chart.logX ? Math.log10(Math.max(v, 1e-12)) : v;
    let x0 = Math.min(...pts.map((p) => tx(p[0]))), x1 = Math.max(...pts.map((p) => tx(p[0])));
    let y0 = 0, y1 = Math.max(...pts.map((p) => p[1]));
    if (x1 === x0) x1 = x0 + 1; if (y1 === y0) y1 = y0 + 1;
    const X = (v) => L + ((tx(v) - x0) / (x1 - x0)) * (W - L - R), Y = (v) => H - B - ((v - y0) / (y1 - y0)) * (H - B - T);
    const axis = el("g", { class: "axis" }, svg);
    el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#888" }, axis);
    el("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#888" }, axis);
    for (let k = 0; k <= 4; k++) {
      const v = y0 + ((y1 - y0) * k) / 4;
      el("text", { x: L - 4, y: Y(v) + 3, "text-anchor": "end" }, axis).textContent = +v.toPrecision(3);
    }
    for (const v of [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b)) {
      el("text", { x: X(v), y: H - B + 14, "text-anchor": "middle" }, axis).textContent = v;
    }
    el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, axis).textContent = chart.xLabel;
    const palette = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457"];
    chart.series.forEach((s, si) => {
      const colour = palette[si % palette.length];
      const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
      el("polyline", { points: sorted.map((p) => X(p[0]) + "," + Y(p[1])).join(" "), fill: "none", stroke: colour, "stroke-width": 2 }, svg);
      for (const p of sorted) {
        const c = el("circle", { cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: colour, class: "point" }, svg);
        c.addEventListener("mousemove", (ev) => showTip(ev, s.name + "\n" + chart.xLabel + " " + p[0] + "\n" + chart.yLabel + " " + p[1]));
        c.addEventListener("mouseleave", hideTip);
      }
      el("text", { x: W - R - 4, y: T + 12 + si * 14, "text-anchor": "end", fill: colour, style: "font-size:11px" }, svg).textContent = s.name;
    });
  }
})();
`;

/**
 * Renders a report as one self-contained HTML page.
 *
 * @example A page with a table
 * ```ts
 * import assert from "node:assert/strict";
 * const html = renderHtml({ title: "demo", tables: [{ title: "t", columns: ["a"], rows: [[1]] }] });
 * assert.match(html, /^<!doctype html>/);
 * assert.match(html, /<td>1<\/td>/);
 * // Nothing is fetched: no external scripts, styles or images.
 * assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/);
 * ```
 *
 * @param report What to show.
 * @returns The HTML text.
 */
export function renderHtml(report: HtmlReport): string {
  const lanes = report.lanes ?? [];
  let from = Infinity, to = -Infinity;
  for (const l of lanes) {
    for (const s of l.spans) {
      from = Math.min(from, s.start);
      to = Math.max(to, s.start + s.dur);
    }
    for (const m of l.marks) {
      from = Math.min(from, m.t);
      to = Math.max(to, m.t);
    }
  }
  const data = {
    lanes,
    extent: from === Infinity ? [0, 0] : [from, to],
    charts: report.charts ?? [],
    colors: STATE_COLORS,
    names: STATE_NAMES,
  };
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8">`);
  parts.push(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>${esc(report.title)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>${esc(report.title)}</h1>`);
  if (report.subtitle !== undefined) parts.push(`<div class="sub">${esc(report.subtitle)}</div>`);
  if (lanes.length > 0) {
    parts.push(`<h2>Timeline</h2><div class="legend">`);
    for (const [cat, colour] of Object.entries(STATE_COLORS)) {
      parts.push(`<span><i style="background:${colour}"></i>${esc(STATE_NAMES[cat]!)}</span>`);
    }
    parts.push(
      `</div><div class="controls"><button id="zoom-in">zoom in</button><button id="zoom-out">zoom out</button>`,
    );
    parts.push(
      `<button id="zoom-reset">reset</button> <span id="window"></span> (scroll on the timeline to zoom)</div>`,
    );
    parts.push(`<div id="timeline"></div>`);
  }
  for (const t of report.tables ?? []) {
    parts.push(`<h2>${esc(t.title)}</h2><table><thead><tr>`);
    for (const c of t.columns) parts.push(`<th>${esc(c)}</th>`);
    parts.push(`</tr></thead><tbody>`);
    for (const row of t.rows) {
      parts.push(`<tr>${row.map((v) => `<td>${esc(String(v))}</td>`).join("")}</tr>`);
    }
    parts.push(`</tbody></table>`);
  }
  const charts = report.charts ?? [];
  if (charts.length > 0) {
    parts.push(`<h2>Charts</h2>`);
    charts.forEach((c, i) => {
      parts.push(
        `<div class="chart"><div><b>${esc(c.title)}</b></div><div id="chart-${i}"></div></div>`,
      );
    });
  }
  const output = report.output ?? [];
  if (output.length > 0) {
    parts.push(`<h2>Output</h2><div class="output">`);
    for (const o of output.slice(0, 5000)) {
      parts.push(`${esc(`[${formatTime(o.t)}] ${o.source} | ${o.text}`)}\n`);
    }
    if (output.length > 5000) parts.push(esc(`… ${output.length - 5000} more lines`));
    parts.push(`</div>`);
  }
  parts.push(`<div id="tip"></div>`);
  parts.push(`<script type="application/json" id="report-data">${scriptJson(data)}</script>`);
  parts.push(`<script>${SCRIPT}</script></body></html>`);
  return parts.join("");
}
