/**
 * Coroutine benchmarks: greenlet switches against bare generators, and
 * gevent-style spawn / sleep(0) / join.
 */

import {
  Greenlet,
  type GreenletRoutine,
  type GreenletRuntime,
  type Hub,
  type HubGreenlet,
  runGreenlets,
  runHub,
} from "../lib/coro/mod.ts";
import { Simulation } from "../lib/kernel/mod.ts";
import { Host } from "../lib/os/mod.ts";
import { type Bench, benchLine, heapUsed, wallMs } from "./_util.ts";

const SWITCHES = 1_000_000;
const GREENLETS = 100_000;
const SLEEPS = 5;

/** Two bare generators handing a value back and forth, driven by a loop: the floor. */
function bareGenerators(): number {
  function* side(): Generator<number, void, number> {
    let v = 0;
    for (;;) v = yield v + 1;
  }
  const a = side(), b = side();
  a.next();
  b.next();
  let v = 0;
  const t0 = wallMs();
  for (let i = 0; i < SWITCHES; i++) v = ((i & 1) === 0 ? a : b).next(v).value as number;
  const dt = wallMs() - t0;
  if (v !== SWITCHES) throw new Error(`bare ping-pong counted ${v}`);
  return SWITCHES / (dt / 1000);
}

/** Two greenlets switching to each other SWITCHES times in all, on a simulated thread. */
function pingPong(): { perS: number; switches: number } {
  const sim = new Simulation({ seed: 1, trace: false });
  let rt: GreenletRuntime<void> | null = null;
  new Host(sim).spawn("app", function* (sys) {
    rt = runGreenlets<void>(sys, function* () {
      const ping: Greenlet<void, number> = new Greenlet(function* (n: number) {
        while (n < SWITCHES) n = (yield* pong.switch(n + 1)) as number;
      });
      const pong: Greenlet<void, number> = new Greenlet(function* (n: number) {
        for (;;) n = (yield* ping.switch(n + 1)) as number;
      });
      yield* ping.switch(0);
    });
    yield* rt;
  });
  const t0 = wallMs();
  sim.run();
  const dt = wallMs() - t0;
  const switches = (rt as GreenletRuntime<void> | null)!.switches;
  return { perS: switches / (dt / 1000), switches };
}

/** Heap per suspended greenlet: 10,000 greenlets started and parked in a switch. */
function bytesPerRawGreenlet(): number {
  const n = 10_000;
  const sim = new Simulation({ seed: 1, trace: false });
  let bytes = 0;
  new Host(sim).spawn("app", function* (sys) {
    yield* runGreenlets<void>(sys, function* (rt) {
      const before = heapUsed();
      const gs: Greenlet<void, Greenlet>[] = [];
      for (let i = 0; i < n; i++) {
        const g = new Greenlet(parked, rt.main);
        gs.push(g);
        yield* g.switch(rt.main);
      }
      bytes = (heapUsed() - before) / n;
      if (gs.some((g) => g.dead)) throw new Error("the greenlets should be parked");
    });
  });
  sim.run();
  return bytes;
}

function* parked(main: Greenlet): GreenletRoutine<void> {
  yield* main.switch();
}

function* sleeper(hub: Hub): GreenletRoutine<void> {
  for (let i = 0; i < SLEEPS; i++) yield* hub.sleep(0);
}

/**
 * GREENLETS greenlets spawned, each sleeping 0 five times, then joined
 * (gevent.joinall). With `measure`, the heap is taken when they have all
 * started and wait in sleep(0).
 */
function spawnSleepJoin(measure: boolean): { usPer: number; bytesPer: number; switches: number } {
  const sim = new Simulation({ seed: 1, trace: false });
  let bytesPer = 0, switches = 0;
  const p = new Host(sim).spawn("app", function* (sys) {
    yield* runHub(sys, function* (hub) {
      const before = measure ? heapUsed() : 0;
      const gs: HubGreenlet<void>[] = new Array(GREENLETS);
      for (let i = 0; i < GREENLETS; i++) gs[i] = hub.spawn(sleeper, hub);
      if (measure) {
        yield* hub.sleep(0); // every greenlet has started and waits in sleep(0)
        bytesPer = (heapUsed() - before) / GREENLETS;
      }
      yield* hub.joinAll(gs);
      switches = hub.runtime.switches;
      if (!gs.every((g) => g.successful())) throw new Error("a greenlet failed");
    });
  });
  const t0 = wallMs();
  sim.run();
  const dt = wallMs() - t0;
  if (p.exitCode !== 0) throw new Error(`the benchmark process exited with ${p.exitCode}`);
  return { usPer: dt * 1000 / GREENLETS, bytesPer, switches };
}

function best<T>(f: () => T, runs: number, better: (a: T, b: T) => boolean): T {
  let top = f();
  for (let i = 1; i < runs; i++) {
    const r = f();
    if (better(r, top)) top = r;
  }
  return top;
}

/** The coroutine benchmarks. */
export const benches: Bench[] = [
  {
    name: "coro.switch",
    run() {
      pingPong(); // warm-up
      bareGenerators();
      const g = best(pingPong, 5, (a, b) => a.perS > b.perS);
      const bare = best(bareGenerators, 5, (a, b) => a > b);
      return [benchLine("coro.switch", {
        switches_per_s: Math.round(g.perS),
        ns_per_switch: 1e9 / g.perS,
        baseline_switches_per_s: Math.round(bare),
        ratio_vs_bare_generators: g.perS / bare,
        switches: g.switches,
        bytes_per_greenlet: Math.round(bytesPerRawGreenlet()),
      })];
    },
  },
  {
    name: "coro.spawn_sleep_join",
    run() {
      spawnSleepJoin(false); // warm-up
      const r = best(() => spawnSleepJoin(false), 5, (a, b) => a.usPer < b.usPer);
      const m = spawnSleepJoin(true);
      return [benchLine("coro.spawn_sleep_join", {
        us_per_greenlet: r.usPer,
        greenlets: GREENLETS,
        sleeps_each: SLEEPS,
        switches_per_greenlet: r.switches / GREENLETS,
        bytes_per_greenlet: Math.round(m.bytesPer),
      })];
    },
  },
];
