import assert from "node:assert/strict";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { applyFaultPlan, Network } from "../net/mod.ts";
import { checkChromeTrace, toChromeTrace } from "./chrome_trace.ts";
import { lanesOf } from "./lanes.ts";
import { formatTimeline } from "./timeline.ts";

/** A run with a packet rule, a partition that heals, a crash and an injected EINTR. */
function faulty(): Simulation {
  const sim = new Simulation();
  const net = new Network(sim, { link: { latency: us(100) } });
  net.addHost("a").spawn("sleeper", function* (sys) {
    // Every blocking call is interrupted (probability 1): EINTR, caught.
    try {
      yield* sys.sleep(ms(60));
    } catch { /* EINTR */ }
  });
  net.addHost("b");
  applyFaultPlan(net, {
    actions: [
      { kind: "rule", at: ms(1), rule: { from: "a", to: "b", drop: 0.5 } },
      { kind: "partition", at: ms(10), side: ["a"], healAt: ms(20) },
      { kind: "crash", at: ms(40), host: "b", restartAt: ms(50) },
      { kind: "syscalls", at: 0, host: "a", faults: { eintr: 1 } },
    ],
  });
  sim.run();
  return sim;
}

Deno.test("faults are marks: on the thread they hit, and on a lane of their own", () => {
  const lanes = lanesOf([{ label: "", sim: faulty() }]);
  const faults = lanes.find((l) => l.label === "faults")!;
  assert.deepEqual(faults.marks.map((m) => [m.t / 1e6, m.label]), [
    [1, "rule a → b: drop=0.5"],
    [10, 'partition ["a"] | ["b"]'],
    [20, 'heal ["a"] | ["b"]'],
    [40, "crash b"],
    [50, "restart b"],
  ]);
  const sleeper = lanes.find((l) => l.label.includes("sleeper"))!;
  assert.deepEqual(sleeper.marks.filter((m) => m.kind === "fault").map((m) => m.label), [
    "eintr in nanosleep",
  ]);
  const text = formatTimeline(lanes, { width: 80, legend: false });
  assert.match(text, /faults +\|/);
  assert.match(text, /\n +x/);
  // The legend explains the mark when one is shown.
  assert.match(formatTimeline(lanes, { width: 80 }), /x an injected fault, under its lane/);
});

Deno.test("faults are instants in the Chrome trace, global for the network's", () => {
  const trace = toChromeTrace([{ label: "", sim: faulty() }]);
  assert.deepEqual(checkChromeTrace(trace), []);
  const faults = trace.traceEvents.filter((e) => e.cat === "fault");
  assert.deepEqual(faults.map((e) => [e.name, e.s]), [
    ["fault: eintr", "t"],
    ["fault-rule", "g"],
    ["partition", "g"],
    ["heal", "g"],
    ["crash", "g"],
    ["restart", "g"],
  ]);
});
