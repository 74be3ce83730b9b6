/**
 * Running a scenario to a report: the same seed and parameters always give
 * the same report.
 *
 * @module
 */

import { checkSeed, Rng } from "../kernel/rng.ts";
import { type OutputLine, Simulation } from "../kernel/simulation.ts";
import { formatTime } from "../kernel/time.ts";
import type { TraceOptions } from "../kernel/trace.ts";
import {
  checkValue,
  kebab,
  type MetricValue,
  type ParamSpecs,
  type ParamValues,
  type Scenario,
} from "./define.ts";

/** Options for {@linkcode runScenario}. */
export interface RunScenarioOptions {
  /** The seed (default 1). */
  readonly seed?: number;
  /** Parameter values; the rest take their defaults. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** What the trace keeps (default: on, all records). */
  readonly trace?: TraceOptions | boolean;
  /** A virtual time no simulation of the run goes past (the runner's `--until`). */
  readonly horizon?: number;
}

/** One printed line with its virtual time and the simulation it came from. */
export interface ReportLine extends OutputLine {
  /** The label of the simulation ("" for the main one). */
  readonly sim: string;
}

/** What a scenario run produced. The JSON format prints `toJSON()` of it. */
export interface ScenarioReport {
  /** The scenario's name. */
  readonly scenario: string;
  /** The seed. */
  readonly seed: number;
  /** Every parameter's value. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /**
   * The virtual time at the end, in nanoseconds: the furthest any of the
   * scenario's simulations got (a scenario may run one per model).
   */
  readonly virtualTimeNs: number;
  /** The printed lines, in virtual-time order per simulation. */
  readonly lines: readonly ReportLine[];
  /** The scenario's figures. */
  readonly metrics: { readonly [key: string]: MetricValue };
  /** Extra text for the text format. */
  readonly report: string | undefined;
  /** The digest of every simulation's trace, in creation order. */
  readonly digest: string;
  /** The simulations, main first, for timelines and exports. */
  readonly simulations: readonly { readonly label: string; readonly sim: Simulation }[];
}

/** The JSON shape of a report, as `--format json` prints it. */
export interface ScenarioJson {
  /** The scenario's name. */
  readonly scenario: string;
  /** The seed. */
  readonly seed: number;
  /** Every parameter's value. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** The main simulation's virtual time at the end. */
  readonly virtualTimeNs: number;
  /** The printed lines, text only. */
  readonly output: readonly string[];
  /** The scenario's figures. */
  readonly metrics: { readonly [key: string]: MetricValue };
  /** The digest. */
  readonly digest: string;
}

/**
 * Fills in defaults and checks every given parameter.
 *
 * @example Defaults and overrides
 * ```ts
 * import assert from "node:assert/strict";
 * const specs = { n: { type: "int", default: 3, description: "count" } } as const;
 * assert.deepEqual(resolveParams("demo", specs, { n: 5 }), { n: 5 });
 * assert.throws(() => resolveParams("demo", specs, { m: 1 }), /Unknown parameter "m"/);
 * ```
 *
 * @typeParam S The parameter specifications.
 * @param scenario The scenario's name, for messages.
 * @param specs The specifications.
 * @param given The values given.
 * @returns Every parameter's value.
 * @throws {RangeError} If a name is unknown or a value out of range.
 * @throws {TypeError} If a value has the wrong type.
 */
export function resolveParams<S extends ParamSpecs>(
  scenario: string,
  specs: S,
  given: Readonly<Record<string, unknown>> = {},
): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key)) {
      const known = Object.keys(specs).map(kebab).join(", ") || "none";
      throw new RangeError(
        `Unknown parameter "${kebab(key)}" for scenario "${scenario}" (known: ${known})`,
      );
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, key) ? given[key] : spec.default;
    checkValue(key, spec, value);
    out[key] = value;
  }
  return out as ParamValues<S>;
}

/**
 * Runs a scenario with a seed and parameters and returns its report.
 *
 * @example Running a scenario twice gives the same digest
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * import { defineScenario, runScenario } from "@iosim/iosim/scenario";
 *
 * const demo = defineScenario({
 *   name: "demo",
 *   description: "a random nap",
 *   params: {},
 *   run({ sim }) {
 *     sim.spawn(function* () {
 *       yield* sim.sleep(Math.round(sim.rng.uniform(0, ms(10))));
 *       sim.print("up");
 *     });
 *     sim.run();
 *   },
 * });
 * const a = runScenario(demo, { seed: 4 }), b = runScenario(demo, { seed: 4 });
 * assert.equal(a.digest, b.digest);
 * assert.deepEqual(toJson(a).output, ["up"]);
 * ```
 *
 * @param scenario The scenario.
 * @param options The seed, parameters and trace options.
 * @returns The report.
 * @throws {TypeError} If a parameter has the wrong type or the scenario is not one.
 * @throws {RangeError} If a parameter is unknown or out of range, or the seed is bad.
 * @throws {ScenarioError} If the scenario itself throws.
 */
export function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): ScenarioReport {
  if (scenario?.kind !== "iosim.scenario") {
    throw new TypeError(`Invalid scenario "${String(scenario)}": make it with defineScenario()`);
  }
  const seed = checkSeed(options.seed ?? 1);
  const params = resolveParams(scenario.name, scenario.params, options.params);
  const trace = options.trace ?? true;
  const horizon = options.horizon === undefined ? {} : { horizon: options.horizon };
  const main = new Simulation({ seed, trace, ...horizon });
  const sims: { label: string; sim: Simulation }[] = [{ label: "", sim: main }];
  const seeds = new Rng(seed);
  const ctx = {
    sim: main,
    params,
    seed,
    simulation(label: string): Simulation {
      if (typeof label !== "string" || label === "" || sims.some((s) => s.label === label)) {
        throw new RangeError(
          `Invalid simulation label "${String(label)}": it must be new and non-empty`,
        );
      }
      const sim = new Simulation({
        seed: seeds.fork(label).int(0, 2 ** 32 - 1),
        trace,
        ...horizon,
      });
      sims.push({ label, sim });
      return sim;
    },
  };
  let result;
  try {
    result = scenario.run(ctx) ?? {};
  } catch (error) {
    const at = sims.map((s) => s.sim.now).reduce((a, b) => Math.max(a, b), 0);
    throw new ScenarioError(scenario.name, at, error);
  }
  const lines: ReportLine[] = [];
  for (const { label, sim } of sims) {
    for (const l of sim.output) lines.push({ ...l, sim: label });
  }
  return {
    scenario: scenario.name,
    seed,
    params: params as Record<string, number | string | boolean>,
    virtualTimeNs: Math.max(...sims.map((x) => x.sim.now)),
    lines,
    metrics: result.metrics ?? {},
    report: result.report,
    digest: combineDigests(sims.map((s) => s.sim.trace.digest())),
    simulations: sims,
  };
}

/**
 * The JSON object `--format json` prints for a report.
 *
 * @example The JSON keys
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineScenario, runScenario } from "@iosim/iosim/scenario";
 * const empty = defineScenario({ name: "empty", description: "nothing", params: {}, run() {} });
 * assert.deepEqual(Object.keys(toJson(runScenario(empty))), [
 *   "scenario", "seed", "params", "virtualTimeNs", "output", "metrics", "digest",
 * ]);
 * ```
 *
 * @param report The report.
 * @returns The JSON shape.
 */
export function toJson(report: ScenarioReport): ScenarioJson {
  return {
    scenario: report.scenario,
    seed: report.seed,
    params: report.params,
    virtualTimeNs: report.virtualTimeNs,
    output: report.lines.map((l) => l.text),
    metrics: report.metrics,
    digest: report.digest,
  };
}

/**
 * A scenario that threw: names it and the virtual time; `cause` is the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new ScenarioError("demo", 1_500_000, new Error("boom"));
 * assert.equal(err.message, 'Scenario "demo" failed at 1.5 ms: boom');
 * ```
 */
export class ScenarioError extends Error {
  /** The virtual time of the failure, in nanoseconds. */
  readonly time: number;

  /**
   * Makes the error.
   *
   * @param scenario The scenario's name.
   * @param time The virtual time.
   * @param cause What it threw.
   */
  constructor(scenario: string, time: number, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(`Scenario "${scenario}" failed at ${formatTime(time)}: ${what}`, { cause });
    this.name = "ScenarioError";
    this.time = time;
  }
}

function combineDigests(digests: readonly string[]): string {
  if (digests.length === 1) return digests[0]!;
  let h1 = 0x811c9dc5, h2 = 0x9747b28c;
  for (const d of digests) {
    for (let i = 0; i < d.length; i++) {
      const c = d.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 13);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}
