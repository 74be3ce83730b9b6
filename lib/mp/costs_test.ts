import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { DEFAULT_MP_COSTS, mpCosts, pickleTime, setMpCosts, unpickleTime } from "./costs.ts";
import { mainProcess } from "./main.ts";
import { Process } from "./process.ts";
import { Queue } from "./queue.ts";

Deno.test("mp costs: defaults, overrides per host, and checks", () => {
  const a = new Host(new Simulation()), b = new Host(new Simulation());
  setMpCosts(a, { pickleNs: 0, lazyFlushNs: 0 });
  assert.equal(mpCosts(a).pickleNs, 0);
  assert.equal(mpCosts(b).pickleNs, DEFAULT_MP_COSTS.pickleNs);
  assert.throws(() => setMpCosts(a, { nope: 1 } as never), /Unknown mp cost "nope"/);
  assert.throws(() => setMpCosts(a, { putNs: "1" as never }), TypeError);
  assert.throws(() => setMpCosts(a, { pickleBytesPerNs: 0 }), RangeError);
  assert.equal(pickleTime(DEFAULT_MP_COSTS, 26, 1), 1_200 + 7 + 1);
  assert.equal(unpickleTime(DEFAULT_MP_COSTS, 26, 1), 100 + 10 + 1);
});

/** 2,000 messages from a child to its parent; the parent's CPU and the end time. */
function transfer(lazyFlushNs: number): { cpu: number; end: number; got: number } {
  const sim = new Simulation();
  const host = new Host(sim, { cores: 2 });
  setMpCosts(host, { lazyFlushNs });
  function* producer(_sys: Sys, q: Queue<number>): ThreadRoutine<void> {
    for (let i = 0; i < 2000; i++) yield* q.put(i);
  }
  let got = 0;
  const main = host.spawn(
    "main",
    mainProcess(function* (sys) {
      const q = new Queue<number>(sys);
      yield* new Process({ target: producer, args: [q] }).start(sys);
      for (let i = 0; i < 2000; i++) got += (yield* q.get()) === i ? 1 : 0;
    }),
  );
  sim.run();
  return { cpu: main.usage().cpuNs, end: sim.now, got };
}

Deno.test("running ahead on CPU debt saves steps, not time: totals match step-by-step", () => {
  const lazy = transfer(DEFAULT_MP_COSTS.lazyFlushNs), exact = transfer(0);
  assert.equal(lazy.got, 2000);
  assert.equal(exact.got, 2000);
  // The same work is charged; when it is slept off moves the end by little.
  assert.ok(Math.abs(lazy.cpu - exact.cpu) / exact.cpu < 0.02, `${lazy.cpu} vs ${exact.cpu}`);
  assert.ok(Math.abs(lazy.end - exact.end) / exact.end < 0.05, `${lazy.end} vs ${exact.end}`);
});

Deno.test("mp costs name a host that is not a Host, and sizes that are not sizes", () => {
  for (const v of [null, undefined, 5, {}]) {
    assert.throws(() => mpCosts(v as never), {
      name: "TypeError",
      message: `Invalid host "${String(v)}": expected a Host`,
    });
    assert.throws(() => setMpCosts(v as never, {}), {
      name: "TypeError",
      message: `Invalid host "${String(v)}": expected a Host`,
    });
  }
  for (const f of [pickleTime, unpickleTime]) {
    assert.throws(() => f(DEFAULT_MP_COSTS, NaN, 1), {
      name: "RangeError",
      message: 'Invalid pickled bytes "NaN": expected a finite number >= 0',
    });
    assert.throws(() => f(DEFAULT_MP_COSTS, 10, -1), {
      name: "RangeError",
      message: 'Invalid pickled items "-1": expected a finite number >= 0',
    });
    assert.throws(() => f(DEFAULT_MP_COSTS, Infinity, 1), /bytes "Infinity"/);
    assert.equal(f(DEFAULT_MP_COSTS, 0, 0) > 0, true);
  }
});
