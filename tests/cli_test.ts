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
  // A file that is not a module is refused before it is imported (and run).
  [
    ["/etc/hostname"],
    /^error: Scenario file "\/etc\/hostname" is not a module: expected a \.ts, \.mts, \.js, \.mjs file$/,
  ],
  [["/etc/passwd"], /^error: Scenario file "\/etc\/passwd" is not a module/],
  [["./deno.json"], /^error: Scenario file "\.\/deno\.json" is not a module/],
  // Output paths are checked before the run (stdout stays empty).
  [
    ["hello", "--trace", "/nonexistent/dir/t.json"],
    /^error: Cannot write --trace "\/nonexistent\/dir\/t\.json": directory "\/nonexistent\/dir" does not exist$/,
  ],
  [
    ["hello", "--html", "/nonexistent/dir/r.html"],
    /^error: Cannot write --html "\/nonexistent\/dir\/r\.html": directory "\/nonexistent\/dir" does not exist$/,
  ],
  [["hello", "--trace", "/tmp"], /^error: Cannot write --trace "\/tmp": it is a directory$/],
  [
    ["hello", "--html", "./deno.json/r.html"],
    /^error: Cannot write --html "\.\/deno\.json\/r\.html": ".*deno\.json" is not a directory$/,
  ],
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

Deno.test("a scenario file that fails to load is a one-line error naming it, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const files: [string, string, RegExp][] = [
    ["junk.ts", "this is not { TypeScript\n", /SyntaxError|Expected/],
    ["throws.ts", 'throw new Error("no config\\nsecond line");\n', /: no config$/],
    ["imports.ts", 'import "./missing.ts";\n', /missing\.ts/],
  ];
  try {
    for (const [name, text, why] of files) {
      const file = `${dir}/${name}`;
      await Deno.writeTextFile(file, text);
      const r = await cli(file);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.startsWith(`error: Cannot load scenario file "${file}": `), lines[0]);
      assert.match(lines[0]!, why);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--html writes a report next to a --trace in an existing directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli("hello", "--quiet", "--trace", `${dir}/t.json`, "--html", `${dir}/r.html`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await Deno.readTextFile(`${dir}/r.html`), /<html/i);
    assert.ok(JSON.parse(await Deno.readTextFile(`${dir}/t.json`)).traceEvents.length > 0);
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

Deno.test("a sweep streams one JSON line per point, equal to running each point alone", async () => {
  const sweep = await cli(
    "hello",
    "--sweep",
    "slow=1,3",
    "--sweep",
    "jitter=0,0.5",
    "--seeds",
    "2",
    "--workers",
    "2",
    "--format",
    "json",
  );
  assert.equal(sweep.code, 0, sweep.stderr);
  const points = sweep.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(points.length, 8);
  assert.deepEqual(points.map((p) => p.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(points.every((p) => p.total === 8 && p.ok === true));
  for (const p of [points[0], points[7]]) {
    const alone = await cli(
      "hello",
      "--slow",
      String(p.params.slow),
      "--jitter",
      String(p.params.jitter),
      "--seed",
      String(p.seed),
      "--format",
      "json",
    );
    const json = JSON.parse(alone.stdout);
    assert.equal(json.digest, p.digest);
    assert.deepEqual(json.metrics, p.metrics);
  }
});

Deno.test("shards of a sweep merge into the same result as one run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const whole = await cli(
      "hello",
      "--sweep",
      "fast=0.1,0.2,0.3",
      "--seeds",
      "2",
      "--workers",
      "1",
      "--format",
      "json",
    );
    const files: string[] = [];
    for (const shard of ["1/3", "2/3", "3/3"]) {
      const r = await cli(
        "hello",
        "--sweep",
        "fast=0.1,0.2,0.3",
        "--seeds",
        "2",
        "--workers",
        "1",
        "--shard",
        shard,
        "--format",
        "json",
      );
      assert.equal(r.code, 0, r.stderr);
      const file = `${dir}/${shard.replace("/", "of")}.jsonl`;
      await Deno.writeTextFile(file, r.stdout);
      files.push(file);
    }
    const merged = await cli("merge", ...files, "--format", "json");
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout, whole.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweeps print CSV with a header and one row per point", async () => {
  const r = await cli("hello", "--sweep", "slow=1,2", "--workers", "1", "--format", "csv");
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split("\n");
  assert.equal(rows.length, 3);
  assert.equal(rows[0], "index,seed,slow,fast,jitter,ok,error,virtualTimeNs,totalNs,tasks,digest");
  assert.match(rows[2]!, /^1,1,2,1,0,true,,2000000000,2000000000,2,[0-9a-f]{16}$/);
});

Deno.test("--trace writes a Chrome trace that follows the format's rules", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli(
      "blocking_vs_nonblocking",
      "--messages",
      "3",
      "--trace",
      `${dir}/t.json`,
      "--quiet",
    );
    assert.equal(r.code, 0, r.stderr);
    const { checkChromeTrace } = await import("../lib/report/chrome_trace.ts");
    const trace = JSON.parse(await Deno.readTextFile(`${dir}/t.json`));
    assert.deepEqual(checkChromeTrace(trace), []);
    const names = new Set(trace.traceEvents.map((e: { name: string }) => e.name));
    assert.ok(names.has("process_name") && names.has("thread_name"));
    assert.ok(
      trace.traceEvents.some((e: { ph: string; cat?: string }) =>
        e.ph === "X" && e.cat === "phase1"
      ),
    );
    assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === "C"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--until stops every simulation at that virtual time", async () => {
  const r = await cli("hello", "--until", "1500ms", "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.virtualTimeNs, 1.5e9);
  assert.deepEqual(json.output, ["11111111", "22222222", "44444444"]);
});

Deno.test("--check-determinism runs twice and reports the digest", async () => {
  const r = await cli("hello", "--jitter", "0.5", "--check-determinism", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /deterministic: two runs with seed 1 gave digest [0-9a-f]{16}/);
});

Deno.test("--seeds reports failures with the command that reproduces them", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/flaky.ts`;
  const define = new URL("../lib/scenario/define.ts", import.meta.url).href;
  await Deno.writeTextFile(
    file,
    `import { defineScenario } from "${define}";
export const scenario = defineScenario({
  name: "flaky", description: "fails for some seeds", params: { limit: { type: "int", default: 3, description: "x" } },
  run({ seed, params }) { if (seed % params.limit === 0) throw new Error("bad seed " + seed); return { metrics: { seed } }; },
});
`,
  );
  try {
    const r = await cli(file, "--seeds", "1..6", "--workers", "2");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /4 of 6 points passed/);
    assert.match(
      r.stdout,
      /FAIL seed 3: Scenario "flaky" failed at 0 ns: bad seed 3\n {2}reproduce: deno task sim flaky --seed 3/,
    );
    assert.match(r.stdout, /FAIL seed 6/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const sweepErrors: [string[], RegExp][] = [
  [["hello", "--sweep", "bogus=1,2"], /Unknown parameter "bogus" in --sweep/],
  [["hello", "--sweep", "slow"], /Invalid --sweep "slow"/],
  [["hello", "--sweep", "slow=1,x"], /Invalid value "x" for parameter "slow"/],
  [["hello", "--slow", "1", "--sweep", "slow=1,2"], /both swept and given/],
  [["hello", "--seeds", "0"], /Invalid --seeds "0"/],
  [["hello", "--seeds", "5..2"], /Invalid --seeds "5..2"/],
  [["hello", "--seed", "1", "--seeds", "3"], /--seed or --seeds, not both/],
  [["hello", "--sweep", "slow=1,2", "--shard", "3/2"], /Invalid --shard "3\/2"/],
  [["hello", "--sweep", "slow=1,2", "--workers", "0"], /Invalid --workers "0"/],
  [["hello", "--shard", "1/2"], /--shard applies to sweeps/],
  [["hello", "--until", "soon"], /Invalid --until "soon"/],
  [["hello", "--sweep", "slow=1,2", "--trace", "x.json"], /--trace takes a single run/],
  [["merge"], /merge needs the JSON Lines files/],
  [["merge", "/nonexistent.jsonl"], /Cannot read "\/nonexistent.jsonl"/],
  [
    ["hello", "--sweep", "slow=1,2", "--html", "/nonexistent/dir/s.html"],
    /Cannot write --html "\/nonexistent\/dir\/s\.html": directory "\/nonexistent\/dir" does not exist/,
  ],
];

for (const [args, expected] of sweepErrors) {
  Deno.test(`sim ${args.join(" ")} is a one-line usage error, exit 2`, async () => {
    const r = await cli(...args);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, expected);
  });
}

Deno.test("--timeline draws a swimlane per thread with a legend, 100 columns when piped", async () => {
  const r = await cli("blocking_vs_nonblocking", "--messages", "3", "--timeline", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const lane = (name: string) => lines.find((l) => l.startsWith(name))!;
  assert.match(lane("blocking: reader[1000]"), /\|[r~=]+\|$/);
  assert.match(lane("nonblocking: reader[1000]"), /!{20,}/);
  assert.ok(lines.filter((l) => l.includes("|")).every((l) => [...l].length <= 100));
  assert.match(r.stdout, /# computing {3}s in a system call {3}! busy-polling \(EAGAIN\)/);
});
