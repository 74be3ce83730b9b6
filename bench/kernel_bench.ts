/** Kernel benchmarks: the "timeout" workload against a bare heap. */

import { EventHeap, ms, type Op, Rng, Simulation } from "../lib/kernel/mod.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

const TASKS = 1_000;
const EVENTS = 1_000_000;

/** A bare heap doing the same hold pattern as the tasks, with no tasks. */
function rawHold(): number {
  const heap = new EventHeap();
  const rng = new Rng(1);
  for (let i = 0; i < TASKS; i++) heap.push(Math.round(rng.uniform(0, ms(1))), i, i);
  let seq = TASKS;
  const t0 = wallMs();
  for (let n = 0; n < EVENTS; n++) {
    const id = heap.pop();
    heap.push(heap.poppedTime + Math.round(rng.uniform(0, ms(1))), seq++, id);
  }
  return EVENTS / ((wallMs() - t0) / 1000);
}

/** 1,000 tasks each looping sleep(uniform(0, 1) ms) until 1,000,000 events ran. */
function timeoutWorkload(): number {
  const sim = new Simulation({ seed: 1, trace: false });
  const rng = sim.rng.fork("bench");
  let count = 0;
  for (let i = 0; i < TASKS; i++) {
    sim.spawn(function* () {
      while (count < EVENTS) {
        yield* sim.sleep(Math.round(rng.uniform(0, ms(1))));
        count++;
      }
    });
  }
  const t0 = wallMs();
  sim.run();
  return sim.eventsProcessed / ((wallMs() - t0) / 1000);
}

function* sleeper(sim: Simulation, d: number): Generator<Op, void, unknown> {
  yield* sim.sleep(d);
}

/**
 * Heap growth per pending task at 100,000 tasks. The body is one top-level
 * generator function called with arguments: a fresh `function*` closure per
 * task would add about 0.4 KB, because V8 gives each generator closure its
 * own prototype object and hidden class.
 */
function bytesPerTask(): number {
  const n = 100_000;
  const sim = new Simulation({ seed: 1, trace: false });
  const before = heapUsed();
  for (let i = 0; i < n; i++) sim.spawn(sleeper(sim, ms(1000)));
  sim.run({ until: 1 });
  const after = heapUsed();
  if (sim.peek() !== ms(1000)) throw new Error("the tasks should all be asleep");
  return (after - before) / n;
}

function best(f: () => number, runs: number): number {
  let top = 0;
  for (let i = 0; i < runs; i++) top = Math.max(top, f());
  return top;
}

/** The kernel benchmarks. */
export const benches: Bench[] = [{
  name: "kernel.timeout",
  run() {
    best(timeoutWorkload, 1); // warm-up
    const raw = best(rawHold, 3);
    const tasks = best(timeoutWorkload, 3);
    return [benchLine("kernel.timeout", {
      events_per_s: Math.round(tasks),
      ratio_vs_raw: tasks / raw,
      raw_events_per_s: Math.round(raw),
      bytes_per_task: Math.round(bytesPerTask()),
    })];
  },
}];
