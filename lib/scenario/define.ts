/**
 * Scenario definitions: a name, a description, typed parameters with
 * defaults, and a run function.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";

/** An integer parameter. */
export interface IntParam {
  /** The kind of value. */
  readonly type: "int";
  /** The value when none is given. */
  readonly default: number;
  /** What the parameter means, for `--help`. */
  readonly description: string;
  /** The smallest allowed value. */
  readonly min?: number;
  /** The largest allowed value. */
  readonly max?: number;
}

/** A real-number parameter. */
export interface NumberParam {
  /** The kind of value. */
  readonly type: "number";
  /** The value when none is given. */
  readonly default: number;
  /** What the parameter means, for `--help`. */
  readonly description: string;
  /** The smallest allowed value. */
  readonly min?: number;
  /** The largest allowed value. */
  readonly max?: number;
}

/** A text parameter, optionally one of fixed choices. */
export interface StringParam {
  /** The kind of value. */
  readonly type: "string";
  /** The value when none is given. */
  readonly default: string;
  /** What the parameter means, for `--help`. */
  readonly description: string;
  /** The allowed values, when only some are. */
  readonly choices?: readonly string[];
}

/** A yes/no parameter (`true`/`false`, `yes`/`no`, `1`/`0`). */
export interface BooleanParam {
  /** The kind of value. */
  readonly type: "boolean";
  /** The value when none is given. */
  readonly default: boolean;
  /** What the parameter means, for `--help`. */
  readonly description: string;
}

/** Any parameter specification. */
export type ParamSpec = IntParam | NumberParam | StringParam | BooleanParam;

/** A scenario's parameter specifications, by name. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The parameter values a scenario's run function receives. */
export type ParamValues<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends BooleanParam ? boolean
    : S[K] extends StringParam ? string
    : number;
};

/** A metric value: numbers, text, flags, and lists or records of them. */
export type MetricValue =
  | number
  | string
  | boolean
  | null
  | readonly MetricValue[]
  | { readonly [key: string]: MetricValue };

/** What a scenario's run function returns. */
export interface ScenarioResult {
  /** Figures for the JSON `metrics` object. */
  readonly metrics?: { readonly [key: string]: MetricValue };
  /** Extra text (tables, timelines) shown after the output in text format. */
  readonly report?: string | undefined;
}

/** What a scenario's run function receives. */
export interface ScenarioContext<S extends ParamSpecs> {
  /** The simulation, seeded with the run's seed. Print through it. */
  readonly sim: Simulation;
  /** The parameter values. */
  readonly params: ParamValues<S>;
  /** The run's seed. */
  readonly seed: number;
  /**
   * Another simulation for this run (one per model, say), seeded from the
   * run's seed and `label`; its output and digest join the run's.
   */
  simulation(label: string): Simulation;
}

/** A scenario as written in a `sims/` file. */
export interface ScenarioDefinition<S extends ParamSpecs> {
  /** The name used on the command line (`deno task sim NAME`). */
  readonly name: string;
  /** One line saying what the scenario shows. */
  readonly description: string;
  /** The parameters, by name. */
  readonly params: S;
  /** Builds the world, runs the simulation(s), and returns the figures. */
  run(ctx: ScenarioContext<S>): ScenarioResult | void;
}

/** A checked scenario definition. */
export interface Scenario<S extends ParamSpecs = ParamSpecs> extends ScenarioDefinition<S> {
  /** Marks a value made by {@linkcode defineScenario}. */
  readonly kind: "iosim.scenario";
}

const NAME = /^[a-z][a-z0-9_]*$/;
const PARAM = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Checks and returns a scenario definition. Parameter names are camelCase;
 * the command line also accepts them in kebab-case.
 *
 * @example A scenario with one parameter
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * import { defineScenario } from "@iosim/iosim/scenario";
 *
 * const nap = defineScenario({
 *   name: "nap",
 *   description: "one task sleeps and prints",
 *   params: { millis: { type: "int", default: 5, min: 0, description: "how long to sleep" } },
 *   run({ sim, params }) {
 *     sim.spawn(function* () {
 *       yield* sim.sleep(ms(params.millis));
 *       sim.print("awake");
 *     });
 *     sim.run();
 *     return { metrics: { sleptNs: sim.now } };
 *   },
 * });
 * assert.equal(nap.name, "nap");
 * ```
 *
 * @typeParam S The parameter specifications.
 * @param def The definition.
 * @returns The scenario.
 * @throws {TypeError} If a field is missing or of the wrong type.
 * @throws {RangeError} If a name is malformed or a default is out of range.
 */
export function defineScenario<S extends ParamSpecs>(def: ScenarioDefinition<S>): Scenario<S> {
  if (def === null || typeof def !== "object") {
    throw new TypeError(`Invalid scenario "${String(def)}": it must be an object`);
  }
  if (typeof def.name !== "string" || !NAME.test(def.name)) {
    throw new RangeError(`Invalid scenario name "${String(def.name)}": use lower_snake_case`);
  }
  if (typeof def.description !== "string" || def.description.length === 0) {
    throw new TypeError(
      `Invalid description for scenario "${def.name}": it must be a non-empty string`,
    );
  }
  if (typeof def.run !== "function") {
    throw new TypeError(`Invalid run for scenario "${def.name}": it must be a function`);
  }
  if (def.params === null || typeof def.params !== "object") {
    throw new TypeError(`Invalid params for scenario "${def.name}": it must be an object`);
  }
  for (const [key, spec] of Object.entries(def.params)) {
    if (!PARAM.test(key)) {
      throw new RangeError(
        `Invalid parameter name "${key}" in scenario "${def.name}": use camelCase`,
      );
    }
    checkValue(key, spec, (spec as ParamSpec | null)?.default);
  }
  return { ...def, kind: "iosim.scenario" };
}

/**
 * Converts a parameter name to its command-line form (`activeShare` →
 * `active-share`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(kebab("activeShare"), "active-share");
 * ```
 *
 * @param name A camelCase name.
 * @returns The kebab-case name.
 */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Parses one parameter's value from command-line text.
 *
 * @example Parsing an integer
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = { type: "int", default: 1, min: 1, description: "clients" } as const;
 * assert.equal(parseParam("clients", spec, "12"), 12);
 * assert.throws(() => parseParam("clients", spec, "0"), RangeError);
 * ```
 *
 * @param name The parameter's name, for messages.
 * @param spec Its specification.
 * @param text The text given.
 * @returns The typed value.
 * @throws {TypeError} If the text is not of the parameter's type.
 * @throws {RangeError} If the value is out of range or not a choice.
 */
export function parseParam(name: string, spec: ParamSpec, text: string): number | string | boolean {
  let value: number | string | boolean;
  switch (spec.type) {
    case "int":
    case "number": {
      const trimmed = text.trim().replaceAll("_", "");
      const n = trimmed === "" ? NaN : Number(trimmed);
      if (Number.isNaN(n)) {
        throw new TypeError(
          `Invalid value "${text}" for parameter "${kebab(name)}": expected ${
            spec.type === "int" ? "an integer" : "a number"
          }`,
        );
      }
      value = n;
      break;
    }
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (["true", "yes", "1", "on"].includes(t)) value = true;
      else if (["false", "no", "0", "off"].includes(t)) value = false;
      else {
        throw new TypeError(
          `Invalid value "${text}" for parameter "${kebab(name)}": expected true or false`,
        );
      }
      break;
    }
    case "string":
      value = text;
      break;
  }
  checkValue(name, spec, value);
  return value;
}

/**
 * Checks a parameter value against its specification.
 *
 * @example Rejecting a bad choice
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = { type: "string", default: "epoll", choices: ["select", "epoll"], description: "model" } as const;
 * assert.throws(() => checkValue("model", spec, "kqueue"), /one of select, epoll/);
 * ```
 *
 * @param name The parameter's name, for messages.
 * @param spec Its specification.
 * @param value The value.
 * @throws {TypeError} If the value is not of the parameter's type.
 * @throws {RangeError} If the value is out of range or not a choice.
 */
export function checkValue(name: string, spec: ParamSpec, value: unknown): void {
  const label = `parameter "${kebab(name)}"`;
  switch (spec?.type) {
    case "int":
    case "number": {
      if (typeof value !== "number" || Number.isNaN(value)) {
        throw new TypeError(`Invalid value "${String(value)}" for ${label}: expected a number`);
      }
      if (!Number.isFinite(value)) {
        throw new RangeError(`Invalid value "${value}" for ${label}: it must be finite`);
      }
      if (spec.type === "int" && !Number.isSafeInteger(value)) {
        throw new RangeError(`Invalid value "${value}" for ${label}: expected an integer`);
      }
      if (spec.min !== undefined && value < spec.min) {
        throw new RangeError(
          `Invalid value "${value}" for ${label}: it must be at least ${spec.min}`,
        );
      }
      if (spec.max !== undefined && value > spec.max) {
        throw new RangeError(
          `Invalid value "${value}" for ${label}: it must be at most ${spec.max}`,
        );
      }
      return;
    }
    case "string":
      if (typeof value !== "string") {
        throw new TypeError(`Invalid value "${String(value)}" for ${label}: expected text`);
      }
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        throw new RangeError(
          `Invalid value "${value}" for ${label}: expected one of ${spec.choices.join(", ")}`,
        );
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") {
        throw new TypeError(
          `Invalid value "${String(value)}" for ${label}: expected true or false`,
        );
      }
      return;
    default:
      throw new TypeError(
        `Invalid specification for ${label}: type must be int, number, string or boolean`,
      );
  }
}
