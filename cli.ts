/**
 * The scenario runner behind `deno task sim`.
 *
 * ```sh
 * deno task sim --list
 * deno task sim hello --help
 * deno task sim hello --seed 7 --format json
 * deno task sim c10k --sweep connections=100,1000 --sweep model=poll,epoll --seeds 3 --workers 2
 * deno task sim ./my_scenario.ts --clients 10
 * ```
 *
 * A scenario file can also run itself: end it with
 * `if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));`.
 *
 * @module
 */

import { parseArgs, styleText } from "node:util";
import { checkSeed } from "./lib/kernel/rng.ts";
import { kebab, type ParamSpec, parseParam, type Scenario } from "./lib/scenario/define.ts";
import { formatText } from "./lib/scenario/format.ts";
import { runScenario, ScenarioError, type ScenarioReport, toJson } from "./lib/scenario/run.ts";
import { checkChromeTrace, toChromeTrace } from "./lib/report/chrome_trace.ts";
import { parseDuration } from "./runner/duration.ts";
import { checkOutputPath, writeOutput } from "./runner/files.ts";
import { listScenarios, loadScenario, UsageError } from "./runner/load.ts";
import { type PointResult, pointsToCsv, pointsToText, runToCsv } from "./runner/output.ts";
import { crossProduct, parseSeeds, shardOf } from "./runner/points.ts";
import { Progress } from "./runner/progress.ts";
import { runSweep } from "./runner/sweep.ts";
import { firstDifference } from "./runner/determinism.ts";
import { runHtml, sweepHtml } from "./runner/html.ts";
import { lanesOf } from "./lib/report/lanes.ts";
import { formatTimeline, type TimelineState } from "./lib/report/timeline.ts";

/** Terminal colours for the timeline's states. */
const TIMELINE_COLOURS: Partial<Record<TimelineState, Parameters<typeof styleText>[0]>> = {
  user: "green",
  syscall: "yellow",
  copy: "blue",
  wasted: "red",
  phase1: "gray",
  blocked: "gray",
  signal: "magenta",
  runqueue: "cyan",
};

const FORMATS = ["text", "json", "csv"] as const;
const RUNNER_OPTIONS = {
  seed: { type: "string" },
  seeds: { type: "string" },
  sweep: { type: "string", multiple: true },
  workers: { type: "string" },
  shard: { type: "string" },
  until: { type: "string" },
  format: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  timeline: { type: "boolean" },
  trace: { type: "string" },
  html: { type: "string" },
  "check-determinism": { type: "boolean" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const RUNNER_HELP = `iosim scenario runner

Usage:
  deno task sim NAME|PATH [--PARAM VALUE ...] [options]
  deno task sim NAME --sweep PARAM=V1,V2,... [--sweep ...] [--seeds N|A..B] [--workers N] [--shard I/N]
  deno task sim merge FILE.jsonl ... [--format text|json|csv]
  deno task sim --list
  deno task sim NAME --help

Options:
  --seed N              the seed, an integer from 0 to 2^53-1 (default 1)
  --until T             stop every simulation at virtual time T (2s, 500ms, 10us, 250ns)
  --format F            text (default), json or csv; json is one object per run
                        (scenario, seed, params, virtualTimeNs, output, metrics, digest),
                        one line per point for sweeps (JSON Lines)
  -q, --quiet           text format without the printed lines
  --timeline            text format with a swimlane timeline of every thread (phase 1, phase 2,
                        computing, polling, signals), as wide as the terminal
  --trace FILE          write the run's trace in Chrome's trace format (open it in ui.perfetto.dev)
  --html FILE           write a self-contained HTML report: timelines (zoom, hover), metrics,
                        and for sweeps a chart per metric
  --check-determinism   run twice with the same seed; report the first differing trace record
  --sweep PARAM=V,...   run every combination of the listed values (repeatable)
  --seeds N | A..B      run each point with seeds 1..N (or A..B); failures print the command
                        that reproduces them
  --workers N           parallel workers for sweeps (default: the number of CPUs)
  --shard I/N           run only shard I of N (1-based) of a sweep; merge the outputs with
                        "deno task sim merge"
  --list                list the scenarios in sims/ with their descriptions
  -h, --help            this help, or a scenario's parameters after its name

Exit codes: 0 success, 1 the scenario (or a sweep point) failed, 2 a usage error.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  progress: boolean;
  width: number;
}

function defaultIo(): Io {
  const enc = new TextEncoder();
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  return {
    out: (t) => Deno.stdout.writeSync(enc.encode(t)),
    err: (t) => Deno.stderr.writeSync(enc.encode(t)),
    color: !noColor && Deno.stdout.isTerminal(),
    progress: Deno.stderr.isTerminal(),
    width: Deno.stdout.isTerminal() ? Math.max(40, Deno.consoleSize().columns) : 100,
  };
}

function parseRunnerOnly(args: string[]): { list: boolean; help: boolean } {
  try {
    const { values } = parseArgs({ args, options: RUNNER_OPTIONS, strict: true });
    return { list: values.list === true, help: values.help === true };
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

function scenarioHelp(sc: Scenario): string {
  const lines = [
    `${sc.name}: ${sc.description}`,
    "",
    `Usage: deno task sim ${sc.name} [options]`,
    "",
  ];
  const entries = Object.entries(sc.params);
  if (entries.length === 0) lines.push("Parameters: none");
  else {
    lines.push("Parameters:");
    const rows = entries.map((
      [k, spec],
    ) => [`--${kebab(k)} ${typeLabel(spec)}`, describeParam(spec)]);
    const w = Math.max(...rows.map((r) => r[0]!.length));
    for (const [a, b] of rows) lines.push(`  ${a!.padEnd(w)}  ${b}`);
  }
  lines.push(
    "",
    "Runner options: --seed, --until, --format, --quiet, --trace, --sweep, --seeds (see deno task sim --help)",
  );
  return lines.join("\n") + "\n";
}

function typeLabel(spec: ParamSpec): string {
  if (spec.type === "string" && spec.choices) return spec.choices.join("|");
  return spec.type === "int" ? "INT" : spec.type.toUpperCase();
}

function describeParam(spec: ParamSpec): string {
  const range = spec.type === "int" || spec.type === "number"
    ? [
      spec.min !== undefined ? `min ${spec.min}` : "",
      spec.max !== undefined ? `max ${spec.max}` : "",
    ]
      .filter(Boolean).join(", ")
    : "";
  return `${spec.description} (default ${spec.default}${range ? `; ${range}` : ""})`;
}

/** The flags a scenario accepts: kebab-case, plus camelCase for multi-word names. */
function paramFlags(scenario: Scenario): Map<string, string> {
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(scenario.params)) {
    byFlag.set(kebab(key), key);
    byFlag.set(key, key);
  }
  return byFlag;
}

function parseScenarioArgs(scenario: Scenario, args: string[]) {
  const byFlag = paramFlags(scenario);
  const options: Record<string, { type: "string" }> = {};
  for (const flag of byFlag.keys()) options[flag] = { type: "string" };
  try {
    return {
      byFlag,
      parsed: parseArgs({
        args,
        options: { ...RUNNER_OPTIONS, ...options },
        strict: true,
        allowPositionals: false,
      }),
    };
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(-{1,2}[^' ]+)/.exec(msg)?.[1] ?? "";
    if (/Unknown option/.test(msg)) {
      const known = Object.keys(scenario.params).map(kebab).join(", ") || "none";
      throw new UsageError(
        `Unknown parameter "${flag}" for scenario "${scenario.name}" (known: ${known})`,
      );
    }
    if (/ambiguous/.test(msg)) {
      throw new UsageError(
        `Ambiguous value for "${flag}": write a value that starts with "-" as ${flag}=VALUE`,
      );
    }
    throw new UsageError(msg.split("\n")[0]!);
  }
}

function param(scenario: Scenario, key: string, text: string): number | string | boolean {
  try {
    return parseParam(key, scenario.params[key]!, text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The command that reproduces one run. */
function reproduce(
  scenario: Scenario,
  seed: number,
  params: Readonly<Record<string, unknown>>,
): string {
  const parts = ["deno task sim", scenario.name, "--seed", String(seed)];
  for (const [k, v] of Object.entries(params)) {
    if (scenario.params[k]?.default !== v) parts.push(`--${kebab(k)}`, String(v));
  }
  return parts.join(" ");
}

async function run(args: string[], io: Io, preloaded?: Scenario): Promise<number> {
  const style = io.color
    ? { dim: (s: string) => styleText("dim", s), bold: (s: string) => styleText("bold", s) }
    : undefined;
  if (preloaded === undefined && args[0] === "merge") return await merge(args.slice(1), io);
  const named = preloaded === undefined && args[0] !== undefined && !args[0].startsWith("-");
  if (preloaded === undefined && !named) {
    const runner = parseRunnerOnly(args);
    if (runner.list) {
      const all = await listScenarios();
      const w = Math.max(0, ...all.map((s) => s.name.length));
      for (const sc of all) io.out(`${sc.name.padEnd(w)}  ${sc.description}\n`);
      return 0;
    }
    if (runner.help) {
      io.out(RUNNER_HELP);
      return 0;
    }
    throw new UsageError("Missing scenario name: try deno task sim --list");
  }
  const loaded = preloaded === undefined
    ? await loadScenario(args[0]!)
    : { scenario: preloaded, url: "" };
  const scenario = loaded.scenario;
  const { parsed, byFlag } = parseScenarioArgs(scenario, named ? args.slice(1) : args);
  const v = parsed.values as Record<string, unknown>;
  if (v.list === true) throw new UsageError("--list takes no scenario name");
  if (v.help === true) {
    io.out(scenarioHelp(scenario));
    return 0;
  }
  const format = (v.format as string | undefined) ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`Invalid --format "${format}": use ${FORMATS.join(", ")}`);
  }
  let horizon: number | undefined;
  if (v.until !== undefined) {
    const ns = parseDuration(String(v.until));
    if (ns === null) {
      throw new UsageError(
        `Invalid --until "${v.until}": use a duration such as 2s, 500ms, 10us or 250ns`,
      );
    }
    horizon = ns;
  }
  const fixed: Record<string, unknown> = {};
  for (const [flag, key] of byFlag) {
    if (v[flag] === undefined) continue;
    if (Object.hasOwn(fixed, key)) {
      throw new UsageError(`Parameter "--${kebab(key)}" is given twice`);
    }
    fixed[key] = param(scenario, key, String(v[flag]));
  }
  const sweeps: [string, unknown[]][] = [];
  for (const text of (v.sweep as string[] | undefined) ?? []) {
    const m = /^([A-Za-z][\w-]*)=(.+)$/.exec(text);
    if (m === null) throw new UsageError(`Invalid --sweep "${text}": use PARAM=V1,V2,...`);
    const key = byFlag.get(m[1]!);
    if (key === undefined) {
      const known = Object.keys(scenario.params).map(kebab).join(", ") || "none";
      throw new UsageError(
        `Unknown parameter "${m[1]}" in --sweep for scenario "${scenario.name}" (known: ${known})`,
      );
    }
    if (Object.hasOwn(fixed, key) || sweeps.some(([k]) => k === key)) {
      throw new UsageError(`Parameter "${m[1]}" is both swept and given`);
    }
    sweeps.push([key, m[2]!.split(",").map((t) => param(scenario, key, t))]);
  }
  if (v.seed !== undefined && v.seeds !== undefined) {
    throw new UsageError("Give --seed or --seeds, not both");
  }
  let seeds = [1];
  if (v.seed !== undefined) {
    const text = String(v.seed);
    try {
      seeds = [checkSeed(/^\d+$/.test(text) ? Number(text) : NaN, "--seed")];
    } catch {
      throw new UsageError(`Invalid --seed "${text}": it must be an integer from 0 to 2^53-1`);
    }
  }
  if (v.seeds !== undefined) {
    const s = parseSeeds(String(v.seeds));
    if (s === null) {
      throw new UsageError(
        `Invalid --seeds "${v.seeds}": use a count such as 100 or a range such as 1..1000`,
      );
    }
    seeds = s;
  }
  const many = sweeps.length > 0 || v.seeds !== undefined;
  if (!many) {
    for (const flag of ["workers", "shard"]) {
      if (v[flag] !== undefined) {
        throw new UsageError(`--${flag} applies to sweeps (--sweep or --seeds)`);
      }
    }
    // Refuse an unwritable path now, not after the run.
    if (v.trace !== undefined) checkOutputPath("--trace", String(v.trace));
    if (v.html !== undefined) checkOutputPath("--html", String(v.html));
    return singleRun(
      scenario,
      seeds[0]!,
      fixed,
      {
        format,
        horizon,
        quiet: v.quiet === true,
        timeline: v.timeline === true,
        trace: v.trace as string | undefined,
        html: v.html as string | undefined,
        check: v["check-determinism"] === true,
      },
      io,
      style,
    );
  }
  if (v.trace !== undefined) throw new UsageError("--trace takes a single run, not a sweep");
  if (v["check-determinism"] === true) {
    throw new UsageError("--check-determinism takes a single run, not a sweep");
  }
  if (loaded.url === "") {
    throw new UsageError("Sweeps need the runner: deno task sim NAME --sweep ...");
  }
  if (v.html !== undefined) checkOutputPath("--html", String(v.html));
  let workers = navigator.hardwareConcurrency ?? 1;
  if (v.workers !== undefined) {
    const w = Number(v.workers);
    if (!Number.isInteger(w) || w < 1 || w > 64) {
      throw new UsageError(`Invalid --workers "${v.workers}": use 1 to 64`);
    }
    workers = w;
  }
  const all = crossProduct(fixed, sweeps, seeds);
  let points = all;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(String(v.shard));
    const i = Number(m?.[1]), n = Number(m?.[2]);
    if (m === null || n < 1 || i < 1 || i > n) {
      throw new UsageError(`Invalid --shard "${v.shard}": use I/N with 1 <= I <= N`);
    }
    points = shardOf(all, [i, n]);
  }
  const results: PointResult[] = [];
  const progress = new Progress(points.length, io.progress && format !== "json");
  await runSweep({
    scenario,
    url: loaded.url,
    points,
    total: all.length,
    workers,
    ...(horizon === undefined ? {} : { horizon }),
    onResult: (r) => {
      results.push(r);
      progress.tick();
      if (format === "json") io.out(JSON.stringify(r) + "\n");
    },
  });
  progress.end();
  if (v.html !== undefined) {
    writeOutput("--html", String(v.html), sweepHtml(results, sweeps.map(([k]) => k)));
  }
  if (format === "csv") io.out(pointsToCsv(results));
  if (format === "text") {
    io.out(pointsToText(results, sweeps.map(([k]) => k)));
    for (const r of results.filter((x) => !x.ok)) {
      io.out(
        `FAIL seed ${r.seed}: ${r.error}\n  reproduce: ${reproduce(scenario, r.seed, r.params)}\n`,
      );
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

interface SingleOptions {
  readonly format: string;
  readonly horizon: number | undefined;
  readonly quiet: boolean;
  readonly timeline: boolean;
  readonly trace: string | undefined;
  readonly html: string | undefined;
  readonly check: boolean;
}

function singleRun(
  scenario: Scenario,
  seed: number,
  params: Record<string, unknown>,
  opts: SingleOptions,
  io: Io,
  style: Parameters<typeof formatText>[1],
): number {
  // Trace records cost memory (a million connections make many): keep them only
  // for what reads them; the digest covers every record either way.
  const records = opts.check || opts.trace !== undefined || opts.html !== undefined ||
    opts.timeline;
  const options = {
    seed,
    params,
    trace: records ? true : { record: false },
    ...(opts.horizon === undefined ? {} : { horizon: opts.horizon }),
  };
  const report: ScenarioReport = runScenario(scenario, options);
  if (opts.check) {
    const again = runScenario(scenario, options);
    const diff = firstDifference(report, again);
    if (diff !== null) {
      io.err(`error: not deterministic: ${diff}\n`);
      return 1;
    }
    io.err(`deterministic: two runs with seed ${seed} gave digest ${report.digest}\n`);
  }
  if (opts.trace !== undefined) {
    const trace = toChromeTrace(report.simulations);
    const problems = checkChromeTrace(trace);
    if (problems.length > 0) throw new Error(`The trace export is invalid: ${problems[0]}`);
    writeOutput("--trace", opts.trace, JSON.stringify(trace));
  }
  if (opts.html !== undefined) writeOutput("--html", opts.html, runHtml(report));
  const json = toJson(report);
  if (opts.format === "json") io.out(JSON.stringify(json) + "\n");
  else if (opts.format === "csv") io.out(runToCsv(json));
  else {
    io.out(formatText(opts.quiet ? { ...report, lines: [] } : report, style));
    if (opts.timeline) {
      const lanes = lanesOf(report.simulations);
      if (lanes.some((l) => l.spans.length > 0)) {
        const colour = io.color
          ? (state: TimelineState, text: string) =>
            styleText(TIMELINE_COLOURS[state] ?? "white", text)
          : undefined;
        io.out(
          "\n" + formatTimeline(lanes, { width: io.width, ...(colour ? { colour } : {}) }) + "\n",
        );
      } else io.out("\n(no thread of a simulated process ran: nothing to draw)\n");
    }
  }
  return json.metrics.ok === false ? 1 : 0;
}

async function merge(files: string[], io: Io): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: files,
        options: { format: { type: "string" } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message.split("\n")[0]!);
    }
  })();
  if (positionals.length === 0) {
    throw new UsageError("merge needs the JSON Lines files of the shards");
  }
  const format = values.format ?? "json";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`Invalid --format "${format}": use ${FORMATS.join(", ")}`);
  }
  const byIndex = new Map<number, PointResult>();
  let total = -1, scenario = "";
  for (const file of positionals) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      throw new UsageError(`Cannot read "${file}"`);
    }
    text.split("\n").filter((l) => l.trim() !== "").forEach((line, n) => {
      let r: PointResult;
      try {
        r = JSON.parse(line);
      } catch {
        throw new UsageError(`"${file}" line ${n + 1} is not JSON`);
      }
      if (typeof r.index !== "number" || typeof r.total !== "number") {
        throw new UsageError(`"${file}" line ${n + 1} is not a sweep point (no index/total)`);
      }
      if (total >= 0 && (r.total !== total || r.scenario !== scenario)) {
        throw new UsageError(`"${file}" line ${n + 1} comes from another sweep`);
      }
      total = r.total;
      scenario = r.scenario;
      byIndex.set(r.index, r);
    });
  }
  const results = [...byIndex.values()].sort((a, b) => a.index - b.index);
  if (results.length !== total) {
    io.err(`warning: ${total - results.length} of ${total} points are missing\n`);
  }
  if (format === "json") { for (const r of results) io.out(JSON.stringify(r) + "\n"); }
  else if (format === "csv") io.out(pointsToCsv(results));
  else io.out(pointsToText(results, sweptKeys(results)));
  return results.every((r) => r.ok) ? 0 : 1;
}

function sweptKeys(results: readonly PointResult[]): string[] {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.params)))];
  return keys.filter((k) => new Set(results.map((r) => JSON.stringify(r.params[k]))).size > 1);
}

/**
 * Runs the command line `args` and returns the exit code: 0 on success, 1 if
 * the scenario (or a sweep point) failed — its message and virtual time on
 * stderr — and 2 for a usage error (one line on stderr).
 *
 * @param args The arguments, without the program name.
 * @param preloaded A scenario already loaded (a file running itself): then
 *   `args` hold only options.
 * @returns The exit code.
 */
export async function main(args: string[] = Deno.args, preloaded?: Scenario): Promise<number> {
  const io = defaultIo();
  try {
    return await run(args, io, preloaded);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ScenarioError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * Runs a scenario file from its own `import.meta.main` block, with the
 * process's arguments as its options: `deno run sims/hello.ts --seed 3`.
 *
 * @param scenario The scenario the file defines.
 * @param args The options (default: the process's arguments).
 * @returns The exit code.
 */
export function runMain(scenario: Scenario, args: string[] = Deno.args): Promise<number> {
  return main(args, scenario);
}

// No top-level await: scenario files import this module, and the runner
// imports them, so a pending top-level await would deadlock the cycle.
if (import.meta.main) main().then((code) => Deno.exit(code));
