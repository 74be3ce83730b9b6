/**
 * The scenario runner behind `deno task sim`.
 *
 * ```sh
 * deno task sim --list
 * deno task sim hello --help
 * deno task sim hello --seed 7 --format json
 * deno task sim ./my_scenario.ts --clients 10
 * ```
 *
 * A scenario file can also run itself: end it with
 * `if (import.meta.main) Deno.exit(await runMain(scenario));`.
 *
 * @module
 */

import { parseArgs, styleText } from "node:util";
import { checkSeed } from "./lib/kernel/rng.ts";
import { kebab, type ParamSpec, parseParam, type Scenario } from "./lib/scenario/define.ts";
import { formatText } from "./lib/scenario/format.ts";
import { runScenario, ScenarioError, toJson } from "./lib/scenario/run.ts";

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const FORMATS = ["text", "json"] as const;
const RUNNER_OPTIONS = {
  seed: { type: "string" },
  format: { type: "string" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const RUNNER_HELP = `iosim scenario runner

Usage:
  deno task sim NAME|PATH [--PARAM VALUE ...] [--seed N] [--format text|json]
  deno task sim --list
  deno task sim NAME --help

Options:
  --seed N        the simulation's seed, an integer from 0 to 2^53-1 (default 1)
  --format F      text (default) or json: one JSON object with scenario, seed,
                  params, virtualTimeNs, output, metrics and digest
  --list          list the scenarios in sims/ with their descriptions
  -h, --help      this help, or a scenario's parameters after its name

Exit codes: 0 success, 1 the scenario failed, 2 a usage error.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
}

function defaultIo(): Io {
  const enc = new TextEncoder();
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  return {
    out: (t) => Deno.stdout.writeSync(enc.encode(t)),
    err: (t) => Deno.stderr.writeSync(enc.encode(t)),
    color: !noColor && Deno.stdout.isTerminal(),
  };
}

function isScenario(x: unknown): x is Scenario {
  return typeof x === "object" && x !== null && (x as Scenario).kind === "iosim.scenario";
}

/** The folders searched for scenarios by name: ./sims, then the package's own. */
function simDirs(): URL[] {
  const dirs = [new URL(`file://${Deno.cwd()}/sims/`)];
  const own = new URL("./sims/", import.meta.url);
  if (own.protocol === "file:" && own.href !== dirs[0]!.href) dirs.push(own);
  return dirs;
}

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

async function loadScenario(ref: string): Promise<Scenario> {
  let url: URL | undefined;
  if (ref.endsWith(".ts") || ref.includes("/")) {
    url = new URL(ref, `file://${Deno.cwd()}/`);
    if (!exists(url)) throw new UsageError(`Scenario file "${ref}" does not exist`);
  } else {
    if (!/^[a-z][a-z0-9_]*$/.test(ref)) {
      throw new UsageError(`Unknown scenario "${ref}": names are lower_snake_case (see --list)`);
    }
    url = simDirs().map((d) => new URL(`${ref}.ts`, d)).find(exists);
    if (url === undefined) throw new UsageError(`Unknown scenario "${ref}" (see --list)`);
  }
  const mod = await import(url.href) as Record<string, unknown>;
  const found = [mod.default, mod.scenario, ...Object.values(mod)].find(isScenario);
  if (found === undefined) {
    throw new UsageError(`"${ref}" defines no scenario: export one made with defineScenario()`);
  }
  return found;
}

async function listScenarios(): Promise<Scenario[]> {
  const seen = new Map<string, Scenario>();
  for (const dir of simDirs()) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    const files = entries.filter((e) =>
      e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_") && !e.name.endsWith("_test.ts")
    ).map((e) => e.name).sort();
    for (const f of files) {
      const mod = await import(new URL(f, dir).href) as Record<string, unknown>;
      const sc = [mod.default, mod.scenario, ...Object.values(mod)].find(isScenario);
      if (sc !== undefined && !seen.has(sc.name)) seen.set(sc.name, sc);
    }
  }
  return [...seen.values()];
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
  lines.push("", "Runner options: --seed N, --format text|json (see deno task sim --help)");
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

async function run(args: string[], io: Io, preloaded?: Scenario): Promise<number> {
  const style = io.color
    ? { dim: (s: string) => styleText("dim", s), bold: (s: string) => styleText("bold", s) }
    : undefined;
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
  const scenario = preloaded ?? await loadScenario(args[0]!);
  if (named) args = args.slice(1);
  const paramOptions: Record<string, { type: "string" }> = {};
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(scenario.params)) {
    paramOptions[kebab(key)] = { type: "string" };
    byFlag.set(kebab(key), key);
    if (kebab(key) !== key) {
      paramOptions[key] = { type: "string" };
      byFlag.set(key, key);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...RUNNER_OPTIONS, ...paramOptions },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    const m = /'(-{1,2}[^' ]+)/.exec((e as Error).message);
    const flag = m?.[1] ?? "";
    if (/Unknown option/.test((e as Error).message)) {
      const known = Object.keys(scenario.params).map(kebab).join(", ") || "none";
      throw new UsageError(
        `Unknown parameter "${flag}" for scenario "${scenario.name}" (known: ${known})`,
      );
    }
    if (/ambiguous/.test((e as Error).message)) {
      throw new UsageError(
        `Ambiguous value for "${flag}": write a value that starts with "-" as ${flag}=VALUE`,
      );
    }
    throw new UsageError(`${(e as Error).message.split("\n")[0]}`);
  }
  if (parsed.values.list === true) {
    throw new UsageError("--list takes no scenario name");
  }
  if (parsed.values.help === true) {
    io.out(scenarioHelp(scenario));
    return 0;
  }
  const format = (parsed.values.format as string | undefined) ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`Invalid --format "${format}": use ${FORMATS.join(" or ")}`);
  }
  let seed = 1;
  if (parsed.values.seed !== undefined) {
    const text = String(parsed.values.seed);
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    try {
      seed = checkSeed(n, "--seed");
    } catch {
      throw new UsageError(`Invalid --seed "${text}": it must be an integer from 0 to 2^53-1`);
    }
  }
  const params: Record<string, unknown> = {};
  for (const [flag, key] of byFlag) {
    const v = (parsed.values as Record<string, unknown>)[flag];
    if (v === undefined) continue;
    try {
      params[key] = parseParam(key, scenario.params[key]!, String(v));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const report = runScenario(scenario, { seed, params });
  if (format === "json") io.out(JSON.stringify(toJson(report)) + "\n");
  else io.out(formatText(report, style));
  return 0;
}

/**
 * Runs the command line `args` and returns the exit code: 0 on success, 1 if
 * the scenario failed (its message and virtual time on stderr), 2 for a
 * usage error (one line on stderr).
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
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ScenarioError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof RangeError || e instanceof TypeError) {
      io.err(`error: ${e.message}\n`);
      return 2;
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
