/**
 * Multiprocessing benchmarks: how many simulated messages and pool tasks
 * the simulator moves per wall-clock second.
 *
 * - `mp.queue`: 1,000,000 small items put by a child on a `Queue` and got
 *   by its parent.
 * - `mp.pipe`: 1,000,000 small objects sent by a child over a one-way
 *   `Pipe` and received by its parent.
 * - `mp.pool_apply_async`: 100,000 trivial tasks through `Pool(4)` on four
 *   cores, `applyAsync` each, then every result.
 *
 * The baseline of the first two is the same number of 30-byte frames
 * moved by the OS layer alone, one `write(2)` and one `read(2)` each (what
 * a simulation without multiprocessing's batching of simulated steps
 * would cost); `ratio` is messages per second over baseline messages per
 * second.
 *
 * Run alone: `deno run --allow-read --v8-flags=--expose-gc bench/mp_bench.ts [filter]`.
 *
 * @module
 */

import { Simulation } from "../lib/kernel/mod.ts";
import { Host, type Sys, type ThreadRoutine } from "../lib/os/mod.ts";
import { type Connection, Pipe, Pool, Process, Queue } from "../lib/mp/mod.ts";
import { type Bench, benchLine, collect, wallMs } from "./_util.ts";

const MESSAGES = 1_000_000;
const TASKS = 100_000;
const FRAME = 30;

interface Run {
  wallS: number;
  simEvents: number;
  virtualNs: number;
}

function timed(sim: Simulation): Run {
  collect();
  const t0 = wallMs();
  sim.run();
  return { wallS: (wallMs() - t0) / 1000, simEvents: sim.eventsProcessed, virtualNs: sim.now };
}

/** The OS layer alone: one write and one read per frame, child to parent. */
function osPipe(n: number): Run {
  const sim = new Simulation({ seed: 1, trace: false });
  const host = new Host(sim, { cores: 2 });
  let got = 0;
  host.spawn("main", function* (sys) {
    const [r, w] = yield* sys.pipe();
    yield* sys.fork("writer", function* (c) {
      const frame = new Uint8Array(FRAME);
      for (let i = 0; i < n; i++) yield* c.write(w, frame);
    });
    while (got < n) got += (yield* sys.read(r, FRAME)).length === FRAME ? 1 : 0;
  });
  const run = timed(sim);
  if (got !== n) throw new Error(`os pipe: ${got} of ${n} frames`);
  return run;
}

function* putAll(_sys: Sys, q: Queue<number>, n: number): ThreadRoutine<void> {
  for (let i = 0; i < n; i++) yield* q.put(i);
}

function mpQueue(n: number): Run {
  const sim = new Simulation({ seed: 1, trace: false });
  const host = new Host(sim, { cores: 2 });
  let got = 0;
  host.spawn("main", function* (sys) {
    const q = new Queue<number>(sys);
    const p = new Process({ target: putAll, args: [q, n] });
    yield* p.start(sys);
    for (let i = 0; i < n; i++) if ((yield* q.get()) === i) got++;
    yield* p.join();
  });
  const run = timed(sim);
  if (got !== n) throw new Error(`queue: ${got} of ${n} items in order`);
  return run;
}

function* sendAll(_sys: Sys, c: Connection<number>, n: number): ThreadRoutine<void> {
  for (let i = 0; i < n; i++) yield* c.send(i);
}

function mpPipe(n: number): Run {
  const sim = new Simulation({ seed: 1, trace: false });
  const host = new Host(sim, { cores: 2 });
  let got = 0;
  host.spawn("main", function* (sys) {
    const [r, w] = Pipe<number>(sys, false);
    const p = new Process({ target: sendAll, args: [w, n] });
    yield* p.start(sys);
    for (let i = 0; i < n; i++) if ((yield* r.recv()) === i) got++;
    yield* p.join();
  });
  const run = timed(sim);
  if (got !== n) throw new Error(`pipe: ${got} of ${n} objects in order`);
  return run;
}

// deno-lint-ignore require-yield
function* double(_sys: Sys, x: number): ThreadRoutine<number> {
  return 2 * x;
}

function mpPool(n: number): Run {
  const sim = new Simulation({ seed: 1, trace: false });
  const host = new Host(sim, { cores: 4 });
  let sum = 0;
  host.spawn("main", function* (sys) {
    const pool = yield* Pool(sys, 4);
    const results = [];
    for (let i = 0; i < n; i++) results.push(yield* pool.applyAsync(double, [i]));
    for (const r of results) sum += yield* r.get();
    yield* pool.close();
    yield* pool.join();
  });
  const run = timed(sim);
  if (sum !== n * (n - 1)) throw new Error(`pool: sum ${sum}, expected ${n * (n - 1)}`);
  return run;
}

function messageLine(name: string, n: number, run: Run, base: Run): string {
  const rate = n / run.wallS, baseRate = n / base.wallS;
  return benchLine(name, {
    msgs_per_wall_s: Math.round(rate),
    baseline_os_pipe_msgs_per_wall_s: Math.round(baseRate),
    ratio: rate / baseRate,
    wall_s: run.wallS,
    sim_events_per_msg: run.simEvents / n,
    virtual_ns_per_msg: run.virtualNs / n,
  });
}

let baseline: Run | null = null;

/** The os-pipe baseline, measured once per run of the benchmarks. */
function base(): Run {
  return baseline ??= osPipe(MESSAGES);
}

/** The multiprocessing benchmarks. */
export const benches: Bench[] = [
  { name: "mp.queue", run: () => [messageLine("mp.queue", MESSAGES, mpQueue(MESSAGES), base())] },
  { name: "mp.pipe", run: () => [messageLine("mp.pipe", MESSAGES, mpPipe(MESSAGES), base())] },
  {
    name: "mp.pool_apply_async",
    run: () => {
      const run = mpPool(TASKS);
      return [benchLine("mp.pool_apply_async", {
        tasks_per_wall_s: Math.round(TASKS / run.wallS),
        wall_s: run.wallS,
        sim_events_per_task: run.simEvents / TASKS,
        virtual_ns_per_task: run.virtualNs / TASKS,
      })];
    },
  },
];

if (import.meta.main) {
  const filters = Deno.args;
  for (const b of benches) {
    if (filters.length > 0 && !filters.some((f) => b.name.includes(f))) continue;
    for (const line of await b.run()) console.log(line);
  }
}
