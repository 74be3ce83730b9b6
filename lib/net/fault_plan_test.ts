import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { Rng } from "../kernel/rng.ts";
import { ms } from "../kernel/time.ts";
import {
  applyFaultPlan,
  type FaultAction,
  MAX_RANDOM_FAULTS,
  randomFaultPlan,
  type RandomPlanOptions,
} from "./fault_plan.ts";
import { Network } from "./network.ts";

function world(): [Simulation, Network] {
  const sim = new Simulation({ seed: 1 });
  const net = new Network(sim);
  net.addHost("a");
  net.addHost("b");
  return [sim, net];
}

/** A plan with a bad action is refused and leaves nothing scheduled. */
function refused(action: unknown, error: ErrorConstructor, message: RegExp): void {
  const [sim, net] = world();
  const good: FaultAction = { kind: "partition", at: ms(1), side: ["a"] };
  assert.throws(
    () => applyFaultPlan(net, { actions: [good, action as FaultAction] }),
    (e: unknown) => {
      assert.ok(e instanceof error, `expected ${error.name}, got ${String(e)}`);
      assert.match((e as Error).message, message);
      return true;
    },
  );
  assert.equal(sim.peek(), Infinity, "something was scheduled");
  sim.run();
  assert.ok(!sim.failed);
  assert.equal(net.path("a", "b").blocked, 0, "the good action was applied");
}

Deno.test("a fault plan with a null or non-object action is a TypeError naming it", () => {
  refused(null, TypeError, /Invalid fault action "null": expected an object/);
  refused(undefined, TypeError, /Invalid fault action "undefined"/);
  refused(7, TypeError, /Invalid fault action "7"/);
});

Deno.test("a rule action is checked when the plan is applied, not when its time comes", () => {
  refused({ kind: "rule", at: ms(5), rule: { drop: 2 } }, RangeError, /drop "2"/);
  refused({ kind: "rule", at: ms(5), rule: { delay: -1 } }, RangeError, /delay "-1"/);
  refused({ kind: "rule", at: ms(5), rule: { jitter: "1" } }, TypeError, /jitter "1"/);
  refused({ kind: "rule", at: ms(5), rule: null }, TypeError, /fault rule "null"/);
  refused(
    { kind: "rule", at: ms(5), rule: { from: "zz", drop: 0.1 } },
    RangeError,
    /Unknown host "zz" in the fault plan/,
  );
  refused(
    { kind: "rule", at: ms(5), rule: { to: "zz", drop: 0.1 } },
    RangeError,
    /Unknown host "zz"/,
  );
  refused(
    { kind: "rule", at: ms(5), rule: { drop: 0.1 }, untilAt: ms(4) },
    RangeError,
    /untilAt "4000000": before the rule at 5000000/,
  );
});

Deno.test("syscall faults and kill signals in a plan are checked up front", () => {
  refused(
    { kind: "syscalls", at: ms(5), host: "a", faults: { eintr: 2 } },
    RangeError,
    /eintr "2"/,
  );
  refused(
    { kind: "syscalls", at: ms(5), host: "a", faults: { bogus: 1 } },
    TypeError,
    /Unknown syscall fault "bogus"/,
  );
  refused(
    { kind: "kill", at: ms(5), host: "a", process: "p", signal: "SIGBOGUS" },
    RangeError,
    /Invalid signal "SIGBOGUS"/,
  );
  refused(
    { kind: "kill", at: ms(5), host: "a", process: "p", signal: 65 },
    RangeError,
    /Invalid signal "65"/,
  );
  refused({ kind: "kill", at: ms(5), host: "a", process: null }, TypeError, /process "null"/);
  refused({ kind: "kill", at: ms(5), host: "a", process: 1.5 }, TypeError, /process "1\.5"/);
});

Deno.test("partition sides in a plan must be arrays of known hosts, not overlapping", () => {
  refused({ kind: "partition", at: 0, side: "a" }, TypeError, /partition side "a"/);
  refused({ kind: "partition", at: 0, side: ["a"], other: "b" }, TypeError, /other "b"/);
  refused({ kind: "partition", at: 0, side: ["a"], other: ["zz"] }, RangeError, /"zz"/);
  refused(
    { kind: "partition", at: 0, side: ["a"], other: ["a", "b"] },
    RangeError,
    /host "a" is on both sides/,
  );
});

Deno.test("a plan that passes the checks runs every kind of action", () => {
  const [sim, net] = world();
  const victim = net.host("b")!.spawn("victim", function* (sys) {
    yield* sys.sleep(ms(100));
  });
  applyFaultPlan(net, {
    actions: [
      { kind: "rule", at: ms(1), rule: { from: "a", to: "b", drop: 1 }, untilAt: ms(3) },
      { kind: "syscalls", at: ms(1), host: "a", faults: { eintr: 0.5 } },
      { kind: "syscalls", at: ms(2), host: "a", faults: null },
      { kind: "kill", at: ms(4), host: "b", process: victim.pid },
    ],
  });
  sim.run({ until: ms(2) });
  assert.equal(net.path("a", "b").rules.length, 1);
  assert.ok(net.host("a")!.faults !== null);
  sim.run({ until: ms(3.5) });
  assert.equal(net.path("a", "b").rules.length, 0);
  assert.equal(net.host("a")!.faults, null);
  sim.run();
  assert.equal(victim.exitCode, -9);
});

const base: RandomPlanOptions = { hosts: ["a", "b"], servers: ["a"], durationNs: ms(10) };

Deno.test("randomFaultPlan checks loss and duplicate as probabilities", () => {
  const draw = (over: Record<string, unknown>) =>
    randomFaultPlan(new Rng(1), { ...base, ...over } as RandomPlanOptions);
  assert.throws(() => draw({ loss: 5 }), { name: "RangeError", message: /loss "5"/ });
  assert.throws(() => draw({ loss: -0.1 }), { name: "RangeError", message: /loss "-0\.1"/ });
  assert.throws(() => draw({ loss: NaN }), { name: "RangeError", message: /loss "NaN"/ });
  assert.throws(() => draw({ duplicate: 2 }), { name: "RangeError", message: /duplicate "2"/ });
  assert.throws(() => draw({ loss: "0.1" }), { name: "TypeError", message: /loss "0\.1"/ });
  assert.deepEqual(draw({ loss: 0.1, duplicate: 1 }).actions, [
    { kind: "rule", at: 0, rule: { drop: 0.1, duplicate: 1 } },
  ]);
});

Deno.test("randomFaultPlan bounds its counts, so a huge one fails at once", () => {
  const draw = (over: Record<string, unknown>) =>
    randomFaultPlan(new Rng(1), { ...base, ...over } as RandomPlanOptions);
  const start = performance.now();
  assert.throws(() => draw({ partitions: 1e9 }), {
    name: "RangeError",
    message:
      `Invalid partitions "1000000000": expected a whole number from 0 to ${MAX_RANDOM_FAULTS}`,
  });
  assert.throws(() => draw({ crashes: MAX_RANDOM_FAULTS + 1 }), {
    name: "RangeError",
    message: /crashes "10001"/,
  });
  assert.throws(() => draw({ crashes: Infinity }), { name: "RangeError", message: /"Infinity"/ });
  assert.throws(() => draw({ partitions: "2" }), { name: "TypeError", message: /partitions "2"/ });
  assert.ok(performance.now() - start < 1000);
  assert.equal(draw({ partitions: MAX_RANDOM_FAULTS }).actions.length, MAX_RANDOM_FAULTS);
});

Deno.test("randomFaultPlan with partitions but no hosts is a RangeError that says why", () => {
  assert.throws(
    () => randomFaultPlan(new Rng(1), { ...base, hosts: [], partitions: 1 }),
    {
      name: "RangeError",
      message: /Invalid hosts "\[\]": 1 partition\(s\) need at least one host/,
    },
  );
  // Without partitions no host is needed.
  assert.deepEqual(randomFaultPlan(new Rng(1), { ...base, hosts: [] }).actions, []);
  assert.throws(
    () => randomFaultPlan(new Rng(1), { ...base, hosts: "a" as never, partitions: 1 }),
    { name: "TypeError", message: /hosts "a"/ },
  );
  assert.throws(
    () => randomFaultPlan(new Rng(1), null as never),
    { name: "TypeError", message: /options "null"/ },
  );
});

Deno.test("randomFaultPlan draws the same plan as before its checks were added", () => {
  // The checks take no draws: seeds of existing runs keep their plans (pinned
  // from the version before the checks).
  const plan = randomFaultPlan(new Rng(7), { ...base, partitions: 2, crashes: 1, loss: 0.01 });
  assert.deepEqual(plan.actions, [
    { kind: "rule", at: 0, rule: { drop: 0.01, duplicate: 0 } },
    { kind: "crash", at: 1130052, host: "a", restartAt: 1745121 },
    { kind: "partition", at: 4995460, side: ["b"], healAt: 5907035 },
    { kind: "partition", at: 6749876, side: ["a"], healAt: 8843989 },
  ]);
});
