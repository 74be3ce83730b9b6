import assert from "node:assert/strict";
import { formatComparison } from "./comparison_table.ts";
import { compareModels } from "./harness.ts";

Deno.test("the comparison table has a row per model and, optionally, one per process", () => {
  const { results } = compareModels({ connections: 3, rounds: 2 }, ["processes", "epoll"]);
  const full = formatComparison(results);
  const [main, procs] = full.split("\n\n");
  const lines = main!.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^model\s+req\/s\s+p50\s+p99\s+max\s+unanswered\s+CPU\/req\s+useful/);
  assert.match(lines[1]!, /^processes\s/);
  assert.match(procs!, /processes\s+conn ×3/);
  assert.match(procs!, /phase 1 blocked\s+phase 1 polling\s+phase 2 copy/);
  assert.equal(formatComparison(results, { processes: false }), main!.trimEnd() + "\n");
});
