import assert from "node:assert/strict";
import { cli } from "./_cli.ts";

Deno.test("sim --format json prints exactly one JSON object of the contract's shape", async () => {
  const r = await cli("hello", "--format", "json", "--seed", "5");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const json = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(json), [
    "scenario",
    "seed",
    "params",
    "virtualTimeNs",
    "output",
    "metrics",
    "digest",
  ]);
  assert.equal(json.scenario, "hello");
  assert.equal(json.seed, 5);
  assert.deepEqual(json.params, { slow: 2, fast: 1, jitter: 0 });
  assert.equal(json.virtualTimeNs, 2e9);
  assert.deepEqual(json.output, ["11111111", "22222222", "44444444", "33333333"]);
  assert.match(json.digest, /^[0-9a-f]{16}$/);
});

Deno.test("sim text format shows each line with its virtual time and who printed it", async () => {
  const r = await cli("hello");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[0 ns\] test1 \| 11111111/);
  assert.match(r.stdout, /\[ 1 s\] test2 \| 44444444/);
  assert.match(r.stdout, /\[ 2 s\] test1 \| 33333333/);
  assert.match(r.stdout, /virtual time 2 s · digest [0-9a-f]{16}/);
});

Deno.test("sim parameters accept kebab-case flags, --flag=value and a path", async () => {
  const r = await cli("./sims/hello.ts", "--slow=3", "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).virtualTimeNs, 3e9);
});

Deno.test("sim --list and --help describe scenarios and parameters", async () => {
  const list = await cli("--list");
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^hello\s+two tasks sleep and print/m);
  const help = await cli("hello", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--slow NUMBER\s+test1's sleep in seconds \(default 2; min 0\)/);
  const runner = await cli("--help");
  assert.match(runner.stdout, /Usage:/);
});

Deno.test("a randomised scenario: same seed same digest, other seed other digest", async () => {
  const run = async (seed: string) =>
    JSON.parse((await cli("hello", "--jitter", "0.5", "--seed", seed, "--format", "json")).stdout);
  const [a, b, c] = await Promise.all([run("11"), run("11"), run("12")]);
  assert.equal(a.digest, b.digest);
  assert.deepEqual(a, b);
  assert.notEqual(a.digest, c.digest);
  assert.notEqual(a.virtualTimeNs, c.virtualTimeNs);
});

const usageErrors: [string[], RegExp][] = [
  [["nope"], /^error: Unknown scenario "nope" \(see --list\)$/],
  [
    ["hello", "--bogus", "1"],
    /^error: Unknown parameter "--bogus" for scenario "hello" \(known: slow, fast, jitter\)$/,
  ],
  [
    ["hello", "--slow", "abc"],
    /^error: Invalid value "abc" for parameter "slow": expected a number$/,
  ],
  [
    ["hello", "--slow=-1"],
    /^error: Invalid value "-1" for parameter "slow": it must be at least 0$/,
  ],
  [["hello", "--slow", "-1"], /^error: Ambiguous value for "--slow"/],
  [["hello", "--seed", "x"], /^error: Invalid --seed "x"/],
  [["hello", "--seed", "-3"], /^error: /],
  [["hello", "--seed", "9007199254740992"], /^error: Invalid --seed "9007199254740992"/],
  [["hello", "--format", "xml"], /^error: Invalid --format "xml": use text, json, csv$/],
  [[], /^error: Missing scenario name/],
  [["hello", "extra"], /^error: Unexpected argument 'extra'/],
  [["./sims/missing.ts"], /^error: Scenario file "\.\/sims\/missing\.ts" does not exist$/],
  [["Bad-Name"], /^error: Unknown scenario "Bad-Name"/],
];

for (const [args, expected] of usageErrors) {
  Deno.test(`sim ${args.join(" ") || "(no arguments)"} is a one-line usage error, exit 2`, async () => {
    const r = await cli(...args);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, expected);
  });
}

Deno.test("a scenario that throws reports its message and virtual time, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/boom.ts`;
  const scenarioModule = new URL("../lib/scenario/define.ts", import.meta.url).href;
  const timeModule = new URL("../lib/kernel/time.ts", import.meta.url).href;
  await Deno.writeTextFile(
    file,
    `import { defineScenario } from "${scenarioModule}";
import { ms } from "${timeModule}";
export const scenario = defineScenario({
  name: "boom", description: "fails", params: {},
  run({ sim }) {
    sim.spawn(function* () { yield* sim.sleep(ms(3)); throw new Error("disk on fire"); });
    sim.run();
  },
});
`,
  );
  try {
    const r = await cli(file);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: Scenario "boom" failed at 3 ms: disk on fire');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a scenario file runs itself when executed directly", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "sims/hello.ts",
      "--format",
      "json",
      "--fast",
      "0.5",
    ],
    cwd: new URL("../", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(json.output, ["11111111", "22222222", "44444444", "33333333"]);
  assert.equal(json.params.fast, 0.5);
});
