/**
 * The property tests' shared harness: fast-check runs that are the same on
 * every run (seed 42) so CI is deterministic, options after `--` to explore
 * and replay, and failures that print the one command reproducing them.
 *
 * After `--` on the test command line: `--seed=S` runs from seed S,
 * `--seed=random` explores new cases, `--runs=N` changes how many cases each
 * property tries (`--seed=random --runs=50000` for a soak), `--path=P`
 * replays a shrunk counterexample, `--known-bugs` also runs the properties a
 * known bug breaks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import fc from "npm:fast-check@3.23.2";

function cliOption(name: string): string | undefined {
  const prefix = `--${name}=`;
  return Deno.args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const SEED = cliOption("seed");
const PATH = cliOption("path");
const RUNS = cliOption("runs");
/** Whether `-- --known-bugs` asks for the properties that known bugs break. */
export const KNOWN_BUGS: boolean = Deno.args.includes("--known-bugs");

/** Test names per file: none may contain another, so `--filter NAME` picks one. */
const names = new Map<string, string[]>();

/**
 * Registers a test that checks `predicate` on cases from `arb`; a failure
 * throws with the seed, the shrunk counterexample and the command that
 * replays exactly that counterexample.
 *
 * @param file The test file's `import.meta.url`.
 * @param name The test's name.
 * @param arb Where cases come from.
 * @param predicate Throws (an assertion) when a case breaks the property.
 * @param numRuns How many cases by default.
 * @param options `ignore` to skip it (a known bug, unless `--known-bugs`).
 */
export function propertyTest<T>(
  file: string,
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => void,
  numRuns: number,
  options: { readonly ignore?: boolean } = {},
): void {
  const list = names.get(file) ?? [];
  for (const other of list) {
    assert.ok(!other.includes(name) && !name.includes(other), `"${name}" vs "${other}"`);
  }
  names.set(file, [...list, name]);
  Deno.test({
    name,
    ignore: (options.ignore ?? false) && !KNOWN_BUGS,
    fn: () => assertProperty(file, name, arb, predicate, numRuns),
  });
}

/**
 * Checks `predicate` on cases from `arb` inside a test named `name` (see
 * {@linkcode propertyTest}); a failure throws with the replay command.
 *
 * @param file The test file's `import.meta.url`.
 * @param name The enclosing test's name, for `--filter`.
 * @param arb Where cases come from.
 * @param predicate Throws when a case breaks the property.
 * @param numRuns How many cases by default.
 */
export function assertProperty<T>(
  file: string,
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => void,
  numRuns: number,
): void {
  const params: fc.Parameters<[T]> = {
    numRuns: RUNS === undefined ? numRuns : Number(RUNS),
    ...(SEED === "random" ? {} : { seed: SEED === undefined ? 42 : Number(SEED) }),
    ...(PATH === undefined ? {} : { path: PATH }),
  };
  const details = fc.check(fc.property(arb, predicate), params);
  if (!details.failed) return;
  const cause = details.errorInstance ?? details.error;
  const path = relative(Deno.cwd(), fileURLToPath(file));
  throw new Error(
    [
      `Property "${name}" failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)`,
      `seed: ${details.seed}`,
      `counterexample: ${fc.stringify(details.counterexample)}`,
      `error: ${cause instanceof Error ? cause.message : String(cause)}`,
      `reproduce: deno test --allow-read ${path} --filter "${name}" -- --seed=${details.seed} --path=${details.counterexamplePath}${
        KNOWN_BUGS ? " --known-bugs" : ""
      }`,
    ].join("\n"),
    { cause },
  );
}
