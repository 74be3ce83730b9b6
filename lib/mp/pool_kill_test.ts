import assert from "node:assert/strict";
import { DeadlockError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import type { AsyncResult } from "./async_result.ts";
import { WorkerLostError } from "./errors.ts";
import { mainProcess } from "./main.ts";
import { Pool, type ProcessPool } from "./pool.ts";

// A pool worker killed from outside (SIGKILL) loses at most the task it was
// running, which fails with WorkerLostError; the pool never hangs, and no
// result is reported twice. Found by tests/mp_property_test.ts.

function* triple(sys: Sys, x: number, workUs: number): ThreadRoutine<number> {
  if (workUs > 0) yield* sys.compute(us(workUs));
  return 3 * x + 1;
}

interface Run {
  /** Per task: its value, or the name of its error. */
  readonly outcomes: (number | string)[];
  /** Per task: how many times a callback (of either kind) ran. */
  readonly callbacks: number[];
  readonly killed: boolean;
  /** How long the pool took, from its start to the end of `join`. */
  readonly tookNs: number;
}

/**
 * Runs `n` tasks on a pool of `workers`, submitted `submitAt` after the
 * pool's start; at `killAt` (from the pool's start) SIGKILL is sent to
 * `pool.workers[0]` from outside.
 */
function run(workers: number, n: number, killAt: number, workUs: number, submitAt = 0): Run {
  const sim = new Simulation({ trace: false });
  const host = new Host(sim, { cores: 2 });
  const outcomes: (number | string)[] = [];
  const callbacks = Array.from({ length: n }, () => 0);
  let killed = false, tookNs = 0;
  const main = host.spawn(
    "python",
    mainProcess(function* (sys) {
      const pool: ProcessPool = yield* Pool(sys, workers);
      const start = sys.now;
      sim.schedule(killAt, () => {
        const w = pool.workers[0]!;
        if (w.exitCode === null) killed = host.signal(w.pid!, "SIGKILL");
      });
      if (submitAt > 0) yield* sys.sleep(submitAt);
      const results: AsyncResult<number>[] = [];
      for (let k = 0; k < n; k++) {
        results.push(
          yield* pool.applyAsync(triple, [k, workUs], {
            callback: () => callbacks[k]!++,
            errorCallback: () => callbacks[k]!++,
          }),
        );
      }
      yield* pool.close();
      yield* pool.join();
      tookNs = sys.now - start;
      for (const r of results) {
        try {
          outcomes.push(yield* r.get(0));
        } catch (e) {
          outcomes.push((e as Error).name);
        }
      }
    }),
  );
  try {
    sim.run({ until: ms(500) });
  } catch (e) {
    if (e instanceof DeadlockError) assert.fail(`the pool hangs (kill at ${killAt}): ${e.message}`);
    throw e;
  }
  assert.equal(main.exitCode, 0, `kill at ${killAt}: main ended with ${main.exitCode}`);
  return { outcomes, callbacks, killed, tookNs };
}

/** At most one task lost (WorkerLostError), the others right, each reported once. */
function checkRun(r: Run, n: number, killAt: number): void {
  assert.equal(r.outcomes.length, n, `kill at ${killAt}: results`);
  let lost = 0;
  r.outcomes.forEach((o, k) => {
    if (o === WorkerLostError.name) lost++;
    else assert.equal(o, 3 * k + 1, `kill at ${killAt}: task ${k}`);
  });
  assert.ok(lost <= (r.killed ? 1 : 0), `kill at ${killAt}: ${lost} tasks lost`);
  assert.deepEqual(r.callbacks, r.callbacks.map(() => 1), `kill at ${killAt}: callbacks`);
}

Deno.test("a pool worker killed while it waits for a task does not stall the others", () => {
  // The idle worker that waits in the task queue's read holds its read lock:
  // killed, it must not keep it (CPython's pool hangs for ever here).
  for (const workers of [1, 2, 3]) {
    const r = run(workers, 4, ms(2), 0, ms(5));
    assert.ok(r.killed);
    checkRun(r, 4, ms(2));
  }
});

Deno.test("a SIGKILL at any microsecond of a worker's tasks loses at most one, never hangs", () => {
  // Every step of handing a task over and its result back: taking it out of
  // the pipe, releasing the read lock, running it, committing the result,
  // releasing the write lock, and waiting for the end. A kill between two
  // of those once lost the task silently, left a frame without its bytes,
  // left the read lock held once the pool no longer replaced workers, or
  // freed it without waking its waiters.
  const cases = [[2, 3, 40], [2, 6, 5], [3, 6, 0], [4, 12, 3]] as const;
  for (const [workers, n, workUs] of cases) {
    const probe = run(workers, n, ms(400), workUs);
    assert.equal(probe.killed, false);
    checkRun(probe, n, ms(400));
    for (let t = 0; t <= probe.tookNs; t += us(1)) checkRun(run(workers, n, t, workUs), n, t);
  }
});
