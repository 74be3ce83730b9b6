/**
 * Determinism over every scenario in `sims/`: the same seed gives the same
 * trace digest, metrics and output, run after run in one process (so no state
 * leaks from one run into the next) and in a fresh runner process; and where a
 * scenario draws random numbers, another seed gives another run.
 *
 * New scenario files are picked up by themselves. Give one small parameters
 * in `SMALL` when its defaults take long, and list it in `SEEDED` (with
 * parameters that make it draw from its seed) when the seed must matter.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli } from "./_cli.ts";
import { formatText, runScenario, type Scenario, toJson } from "../lib/scenario/mod.ts";
import { firstDifference } from "../runner/determinism.ts";

const SIMS = new URL("../sims/", import.meta.url);

/** Smaller parameters for scenarios whose defaults take more than a moment. */
const SMALL: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  c10k: { connections: "50,100", duration: 5 },
  c1m: { connections: 2000, activePercent: 5, duration: 1 },
  blocking_vs_nonblocking: { messages: 3 },
  et_starvation: { rounds: 5 },
  processes_multicore: { work: 40 },
};

/**
 * Scenarios that draw from their seed (with these parameters): another seed
 * must give another digest. The others are deterministic whatever the seed.
 */
const SEEDED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  hello: { jitter: 0.5 },
  gevent_crawler: { extra: 3 },
  // Its fault plan draws loss, duplication and delays from the seed.
  chaos_echo: {},
};

/** The scenario files: every `.ts` in sims/ but helpers (`_*.ts`) and tests. */
const files = [...Deno.readDirSync(SIMS)]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .filter((e) => !e.name.startsWith("_") && !e.name.endsWith("_test.ts"))
  .map((e) => e.name)
  .sort();

async function load(file: string): Promise<Scenario> {
  const mod = await import(new URL(file, SIMS).href) as Record<string, unknown>;
  const scenario = [mod.scenario, mod.default, ...Object.values(mod)].find((v) =>
    (v as Scenario | undefined)?.kind === "iosim.scenario"
  ) as Scenario | undefined;
  assert.ok(scenario !== undefined, `${file} exports no scenario`);
  return scenario;
}

/** Everything a run shows: the digest, the metrics, the lines, the text report. */
function observe(scenario: Scenario, seed: number, params: Readonly<Record<string, unknown>>) {
  const report = runScenario(scenario, { seed, params });
  return {
    report,
    json: toJson(report),
    lines: report.lines.map((l) => ({ ...l })),
    text: formatText(report),
  };
}

Deno.test("sims/ holds scenarios to check", () => {
  assert.ok(files.length >= 10, `only ${files.length} scenario files`);
  for (const name of [...Object.keys(SMALL), ...Object.keys(SEEDED)]) {
    assert.ok(files.includes(`${name}.ts`), `SMALL or SEEDED names "${name}", which sims/ lacks`);
  }
});

for (const file of files) {
  const name = file.slice(0, -3);
  const params = { ...SMALL[name] };
  Deno.test(`${name}: the same seed gives the same digest, metrics and output`, async () => {
    const scenario = await load(file);
    assert.equal(scenario.name, name, `${file} defines scenario "${scenario.name}"`);
    const a = observe(scenario, 7, params);
    const b = observe(scenario, 7, params);
    assert.equal(firstDifference(a.report, b.report), null);
    assert.equal(a.json.digest, b.json.digest);
    assert.deepEqual(a.json.metrics, b.json.metrics);
    assert.deepEqual(a.lines, b.lines);
    assert.equal(a.text, b.text);
    assert.deepEqual(a.json, b.json);
    assert.equal(a.report.simulations.length, b.report.simulations.length);
  });
}

for (const [name, params] of Object.entries(SEEDED)) {
  const present = files.includes(`${name}.ts`);
  Deno.test({
    name: `${name}: another seed gives another run`,
    ignore: !present,
    fn: async () => {
      const scenario = await load(`${name}.ts`);
      const merged = { ...SMALL[name], ...params };
      const digests = new Set([7, 8, 9].map((seed) => observe(scenario, seed, merged).json.digest));
      assert.equal(digests.size, 3, `seeds 7, 8 and 9 gave ${[...digests].join(", ")}`);
    },
  });
}

Deno.test("a scenario without randomness gives one digest whatever the seed", async () => {
  const scenario = await load("hello.ts");
  assert.equal(observe(scenario, 7, {}).json.digest, observe(scenario, 8, {}).json.digest);
});

/** Runs `--check-determinism` in a fresh runner process; returns the digest it reports. */
async function checkDeterminism(name: string, params: Record<string, unknown>): Promise<string> {
  const flags = Object.entries(params).flatMap(([k, v]) => [
    `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(v),
  ]);
  const r = await cli(name, "--seed", "7", ...flags, "--check-determinism", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const m = /^deterministic: two runs with seed 7 gave digest ([0-9a-f]{16})$/m.exec(r.stderr);
  assert.ok(m !== null, r.stderr);
  assert.match(r.stdout, new RegExp(`digest ${m[1]}`));
  return m[1]!;
}

Deno.test("deno task sim NAME --check-determinism passes, and a fresh process gives the same digest", async () => {
  const cases: [string, Record<string, unknown>][] = [
    ["hello", { jitter: 0.5 }],
    ["gevent_crawler", { extra: 2 }],
    ["select_echo_server", {}],
    ["five_models", {}],
    ["chaos_echo", {}],
  ];
  const digests = await Promise.all(cases.map(([name, params]) => checkDeterminism(name, params)));
  for (const [i, [name, params]] of cases.entries()) {
    const inProcess = observe(await load(`${name}.ts`), 7, params).json.digest;
    assert.equal(digests[i], inProcess, `${name}: the runner and this process disagree`);
  }
});
