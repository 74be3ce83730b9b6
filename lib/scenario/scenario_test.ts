import assert from "node:assert/strict";
import { ms } from "../kernel/time.ts";
import { checkValue, defineScenario, kebab, parseParam } from "./define.ts";
import { formatText } from "./format.ts";
import { resolveParams, runScenario, ScenarioError, toJson } from "./run.ts";

const twoSims = defineScenario({
  name: "two_sims",
  description: "one line in each of two simulations",
  params: { n: { type: "int", default: 2, min: 1, max: 5, description: "lines" } },
  run({ sim, params, simulation }) {
    const other = simulation("other");
    for (const s of [sim, other]) {
      s.spawn(function* () {
        for (let i = 0; i < params.n; i++) {
          yield* s.sleep(Math.round(s.rng.uniform(0, ms(1))));
          s.print(`line ${i}`);
        }
      });
      s.run();
    }
    return { metrics: { lines: params.n * 2, nested: { a: 1, list: [1, 2] } }, report: "TABLE" };
  },
});

Deno.test("a scenario may run several simulations; their output and digests join", () => {
  const r = runScenario(twoSims, { seed: 3 });
  assert.deepEqual(r.lines.map((l) => [l.sim, l.text]), [
    ["", "line 0"],
    ["", "line 1"],
    ["other", "line 0"],
    ["other", "line 1"],
  ]);
  assert.equal(r.simulations.length, 2);
  assert.equal(r.digest, runScenario(twoSims, { seed: 3 }).digest);
  assert.notEqual(r.digest, runScenario(twoSims, { seed: 4 }).digest);
  const text = formatText(r);
  assert.match(text, /-- main/);
  assert.match(text, /-- other/);
  assert.match(text, /TABLE/);
  assert.match(text, /nested\.list\s+\[1,2\]/);
  assert.equal(toJson(r).output.length, 4);
});

Deno.test("another simulation needs a new, non-empty label", () => {
  const dup = defineScenario({
    name: "dup",
    description: "asks twice",
    params: {},
    run({ simulation }) {
      simulation("x");
      simulation("x");
    },
  });
  assert.throws(
    () => runScenario(dup),
    (e: unknown) => e instanceof ScenarioError && /label "x"/.test(e.message),
  );
});

Deno.test("parameters: defaults, overrides, unknown names and bad values", () => {
  assert.deepEqual(resolveParams("s", twoSims.params), { n: 2 });
  assert.throws(() => runScenario(twoSims, { params: { n: 9 } }), /at most 5/);
  assert.throws(() => runScenario(twoSims, { params: { n: "2" } }), TypeError);
  assert.throws(
    () => runScenario(twoSims, { params: { m: 1 } }),
    /Unknown parameter "m" for scenario "two_sims" \(known: n\)/,
  );
  assert.throws(() => runScenario(twoSims, { seed: -1 }), RangeError);
  assert.throws(() => runScenario({} as never), /defineScenario/);
});

Deno.test("parseParam reads ints, numbers, booleans and choices from text", () => {
  const int = { type: "int", default: 1, description: "" } as const;
  assert.equal(parseParam("n", int, "1_000"), 1000);
  assert.throws(() => parseParam("n", int, "1.5"), /expected an integer/);
  assert.throws(() => parseParam("n", int, ""), TypeError);
  assert.equal(parseParam("x", { type: "number", default: 0, description: "" }, "2.5"), 2.5);
  assert.throws(
    () => parseParam("x", { type: "number", default: 0, description: "" }, "Infinity"),
    /finite/,
  );
  const flag = { type: "boolean", default: false, description: "" } as const;
  assert.equal(parseParam("v", flag, "yes"), true);
  assert.equal(parseParam("v", flag, "0"), false);
  assert.throws(() => parseParam("v", flag, "maybe"), /expected true or false/);
  const choice = { type: "string", default: "a", choices: ["a", "b"], description: "" } as const;
  assert.equal(parseParam("m", choice, "b"), "b");
  assert.throws(
    () => parseParam("activeShare", choice, "c"),
    /parameter "active-share": expected one of a, b/,
  );
  assert.throws(() => checkValue("x", { type: "weird" } as never, 1), /type must be/);
  assert.equal(kebab("maxTasksPerChild"), "max-tasks-per-child");
});

Deno.test("defineScenario rejects malformed definitions", () => {
  const ok = { name: "ok", description: "d", params: {}, run() {} };
  assert.throws(() => defineScenario({ ...ok, name: "Bad Name" }), RangeError);
  assert.throws(() => defineScenario({ ...ok, description: "" }), TypeError);
  assert.throws(() => defineScenario({ ...ok, run: 5 } as never), TypeError);
  assert.throws(
    () =>
      defineScenario({
        ...ok,
        params: { "bad-name": { type: "int", default: 1, description: "" } },
      }),
    /camelCase/,
  );
  assert.throws(
    () => defineScenario({ ...ok, params: { n: { type: "int", default: 1.5, description: "" } } }),
    /integer/,
  );
  assert.throws(() => defineScenario(null as never), TypeError);
});
