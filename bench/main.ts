/**
 * Runs the benchmarks and prints one `BENCH` line per figure set:
 * `deno task bench [name-filter ...]`.
 */

import type { Bench } from "./_util.ts";
import { benches as kernel } from "./kernel_bench.ts";
import { benches as net } from "./net_bench.ts";
import { benches as models } from "./models_bench.ts";
import { benches as coro } from "./coro_bench.ts";
import { benches as uring } from "./uring_bench.ts";
import { benches as reliability } from "./reliability_bench.ts";
import { benches as mp } from "./mp_bench.ts";
import { benches as scale } from "./scale_bench.ts";

const all: Bench[] = [
  ...kernel,
  ...net,
  ...models,
  ...uring,
  ...coro,
  ...mp,
  ...reliability,
  ...scale,
];
const filters = Deno.args;
const chosen = all.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
if (chosen.length === 0) {
  console.error(
    `No benchmark matches ${filters.map((f) => `"${f}"`).join(", ")}; known: ${
      all.map((b) => b.name).join(", ")
    }`,
  );
  Deno.exit(2);
}
for (const b of chosen) {
  for (const line of await b.run()) console.log(line);
}
