/**
 * Kernel and OS invariants, property-tested with fast-check on random task
 * programs and random host workloads:
 *
 * - the clock never goes backwards, and every event runs at the time it was
 *   scheduled for — never before (checked at each `sim.step()` against
 *   `sim.peek()`, and inside the tasks against what they asked for);
 * - every task that blocks is either woken or named in the deadlock report;
 * - a core is never busy longer than the time that passed, and the threads'
 *   CPU time adds up to the cores' busy time after every event, SIGKILL in
 *   the middle of a computation included;
 * - the same seed gives the same trace digest.
 *
 * A failing property prints its seed, its shrunk counterexample and the
 * command that replays exactly that counterexample:
 *
 * ```sh
 * deno test --allow-read tests/invariants_property_test.ts --filter "NAME" -- --seed=S --path=P
 * ```
 *
 * The runs are the same every time (fast-check seed 42, as in the other
 * property tests) so CI is deterministic. After `--`: `--seed=S` reruns a
 * whole property from seed S, `--seed=random` explores new cases, `--runs=N`
 * changes how many cases each property tries (`--seed=random --runs=50000`
 * for a soak), and `--known-bugs` also runs the properties a known bug breaks.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { propertyTest } from "./_property.ts";
import {
  type Event,
  Interrupt,
  Killed,
  type Routine,
  Simulation,
  StateError,
  type Task,
  TIMEOUT,
  TimeoutError,
} from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import type { CostModel, Host, Sys, ThreadRoutine } from "../lib/os/mod.ts";

/**
 * Steps a simulation to its end, checking the clock at every event (and
 * `each`, if given, after every event).
 */
function stepToEnd(sim: Simulation, budget: number, each?: () => void): number[] {
  const times: number[] = [];
  let last = sim.now;
  for (let n = 0;; n++) {
    const due = sim.peek();
    if (due === Infinity) break;
    if (n >= budget) throw new Error(`still running after ${budget} events (at ${sim.now} ns)`);
    // Nothing is ever scheduled in the past...
    assert.ok(due >= sim.now, `an event is due at ${due}, before now (${sim.now})`);
    sim.step();
    // ...and each runs exactly when it was due.
    assert.equal(sim.now, due, `an event due at ${due} ran at ${sim.now}`);
    assert.ok(sim.now >= last, `the clock went back from ${last} to ${sim.now}`);
    last = sim.now;
    times.push(sim.now);
    each?.();
  }
  return times;
}

// ---- random task programs ------------------------------------------------------

/** One thing a task does. Indexes pick among the program's events and tasks. */
type Step =
  | { readonly op: "sleep"; readonly ns: number }
  | { readonly op: "sleepRandom"; readonly max: number }
  | { readonly op: "timer"; readonly ns: number }
  | { readonly op: "wait"; readonly event: number; readonly timeout: number | null }
  | { readonly op: "succeed"; readonly event: number }
  | { readonly op: "fail"; readonly event: number }
  | { readonly op: "anyOf"; readonly events: readonly number[]; readonly timeout: number | null }
  | { readonly op: "allOf"; readonly events: readonly number[]; readonly timeout: number | null }
  | { readonly op: "park"; readonly timeout: number | null }
  | { readonly op: "wake"; readonly task: number }
  | { readonly op: "interrupt"; readonly task: number }
  | { readonly op: "kill"; readonly task: number }
  | { readonly op: "join"; readonly task: number; readonly timeout: number | null }
  | {
    readonly op: "spawn";
    readonly steps: readonly Step[];
    readonly daemon: boolean;
    readonly delay: number;
  };

interface Program {
  readonly seed: number;
  readonly events: number;
  readonly tasks: readonly {
    readonly steps: readonly Step[];
    readonly daemon: boolean;
    readonly delay: number;
  }[];
}

const ns = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 50 }),
  fc.integer({ min: 0, max: 5_000 }),
);
const timeoutArb = fc.option(ns, { nil: null });
const index = fc.nat({ max: 7 });

function stepArb(withSpawn: boolean): fc.Arbitrary<Step> {
  const simple: fc.Arbitrary<Step>[] = [
    fc.record({ op: fc.constant("sleep" as const), ns }),
    fc.record({ op: fc.constant("sleepRandom" as const), max: fc.integer({ min: 1, max: 1_000 }) }),
    fc.record({ op: fc.constant("timer" as const), ns }),
    fc.record({ op: fc.constant("wait" as const), event: index, timeout: timeoutArb }),
    fc.record({ op: fc.constant("succeed" as const), event: index }),
    fc.record({ op: fc.constant("fail" as const), event: index }),
    fc.record({
      op: fc.constant("anyOf" as const),
      events: fc.array(index, { maxLength: 3 }),
      timeout: timeoutArb,
    }),
    fc.record({
      op: fc.constant("allOf" as const),
      events: fc.array(index, { maxLength: 3 }),
      timeout: timeoutArb,
    }),
    fc.record({ op: fc.constant("park" as const), timeout: timeoutArb }),
    fc.record({ op: fc.constant("wake" as const), task: index }),
    fc.record({ op: fc.constant("interrupt" as const), task: index }),
    fc.record({ op: fc.constant("kill" as const), task: index }),
    fc.record({ op: fc.constant("join" as const), task: index, timeout: timeoutArb }),
  ];
  if (!withSpawn) return fc.oneof(...simple);
  return fc.oneof(
    ...simple,
    fc.record({
      op: fc.constant("spawn" as const),
      steps: fc.array(stepArb(false), { maxLength: 4 }),
      daemon: fc.boolean(),
      delay: ns,
    }),
  );
}

const programArb: fc.Arbitrary<Program> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  events: fc.integer({ min: 1, max: 4 }),
  tasks: fc.array(
    fc.record({
      steps: fc.array(stepArb(true), { maxLength: 8 }),
      daemon: fc.boolean(),
      delay: ns,
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

/** What a run of a program shows, for comparing two runs. */
interface ProgramRun {
  readonly digest: string;
  readonly times: readonly number[];
  readonly log: readonly string[];
}

/** An error a program fails its events with. */
class ProgramFailure extends Error {
  override name = "ProgramFailure";
}

/** A blocker of the program's own `park` steps. */
class Parking {
  readonly parked = new Set<Task<unknown>>();
  constructor(readonly label: string) {}
  describe(): string {
    return this.label;
  }
  cancelWait(task: unknown): void {
    this.parked.delete(task as Task<unknown>);
  }
}

function runProgram(p: Program): ProgramRun {
  const sim = new Simulation({ seed: p.seed });
  const rng = sim.rng.fork("program");
  const events: Event<unknown>[] = Array.from({ length: p.events }, (_, i) => sim.event(`e${i}`));
  const tasks: Task<unknown>[] = [];
  const parking = new Parking("parking lot");
  const log: string[] = [];
  const violations: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) violations.push(`${what} (at ${sim.now} ns)`);
  };
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
  /** Conditions of failed events must not fail the run when nobody waits on them any more. */
  const condition = (ev: Event<unknown>) => ev.defuse();

  function* body(steps: readonly Step[]): Routine<void> {
    const me = sim.current!;
    for (const st of steps) {
      const t0 = sim.now;
      const deadline = "timeout" in st && st.timeout !== null ? t0 + st.timeout : Infinity;
      try {
        switch (st.op) {
          case "sleep":
            yield* sim.sleep(st.ns);
            expect(sim.now === t0 + st.ns, `sleep(${st.ns}) from ${t0} ended at ${sim.now}`);
            break;
          case "sleepRandom": {
            const d = rng.int(0, st.max);
            yield* sim.sleep(d);
            expect(sim.now === t0 + d, `sleep(${d}) from ${t0} ended at ${sim.now}`);
            break;
          }
          case "timer": {
            const due = t0 + st.ns;
            sim.schedule(st.ns, () => {
              expect(sim.now === due, `a timer due at ${due} ran at ${sim.now}`);
              log.push(`timer ${due}`);
            });
            break;
          }
          case "wait": {
            const ev = pick(events, st.event);
            yield* sim.wait(ev, st.timeout ?? undefined);
            expect(ev.processed, `a wait on ${ev.describe()} returned before it was processed`);
            expect(sim.now <= deadline, `a wait past its deadline ${deadline}`);
            break;
          }
          case "succeed":
          case "fail": {
            const ev = pick(events, st.event);
            const was = ev.triggered;
            try {
              if (st.op === "succeed") ev.succeed(sim.now);
              else ev.fail(new ProgramFailure(ev.label)).defuse();
              expect(!was, `${ev.describe()} was triggered twice`);
            } catch (e) {
              expect(was && e instanceof StateError, `triggering ${ev.describe()}: ${e}`);
            }
            break;
          }
          case "anyOf":
          case "allOf": {
            const list = st.events.map((i) => pick(events, i));
            const cond: Event<unknown> = st.op === "anyOf" ? sim.anyOf(list) : sim.allOf(list);
            condition(cond);
            yield* sim.wait(cond, st.timeout ?? undefined);
            if (st.op === "allOf") {
              expect(list.every((e) => e.processed), "allOf succeeded before all were processed");
            } else {
              expect(
                list.length === 0 || list.some((e) => e.processed),
                "anyOf with none processed",
              );
            }
            expect(sim.now <= deadline, `a condition wait past its deadline ${deadline}`);
            break;
          }
          case "park": {
            parking.parked.add(me);
            let v: unknown;
            try {
              v = yield* sim.park<unknown>(parking, st.timeout ?? undefined);
            } finally {
              // An interrupt pending since before the park throws in its place.
              parking.parked.delete(me);
            }
            if (v === TIMEOUT) {
              expect(sim.now === deadline, `a park timed out at ${sim.now}, not ${deadline}`);
            } else expect(sim.now <= deadline, `a park woke past its deadline ${deadline}`);
            break;
          }
          case "wake": {
            const t = pick(tasks, st.task);
            if (parking.parked.has(t) && t.status === "parked") {
              parking.parked.delete(t);
              sim.wake(t, "woken");
            }
            break;
          }
          case "interrupt": {
            const t = pick(tasks, st.task);
            const status = t.status;
            try {
              t.interrupt("program");
              expect(status !== "done" && t !== me, `interrupted a task that was ${status}`);
            } catch (e) {
              expect(
                e instanceof StateError && (status === "done" || t === me),
                `interrupt of a task that was ${status}: ${e}`,
              );
            }
            break;
          }
          case "kill": {
            const t = pick(tasks, st.task);
            if (t === me) {
              try {
                t.kill();
                expect(false, "a task killed itself");
              } catch (e) {
                expect(e instanceof StateError, `self-kill: ${e}`);
              }
            } else {
              const wasAlive = t.alive;
              t.kill();
              expect(t.done, "a killed task is not done");
              if (wasAlive) {
                expect(t.error instanceof Killed, "a killed task's error is not Killed");
              }
            }
            break;
          }
          case "join": {
            const t = pick(tasks, st.task);
            if (t === me) break;
            yield* sim.join(t, st.timeout ?? undefined);
            expect(t.done, "a join returned before the task finished");
            expect(sim.now <= deadline, `a join past its deadline ${deadline}`);
            break;
          }
          case "spawn":
            tasks.push(sim.spawn(() => body(st.steps), {
              name: `child-${tasks.length}`,
              daemon: st.daemon,
              delay: st.delay,
            }));
            break;
        }
      } catch (e) {
        if (e instanceof TimeoutError) {
          expect(sim.now === deadline, `a timeout at ${sim.now}, not at the deadline ${deadline}`);
        } else if (
          !(e instanceof Interrupt || e instanceof Killed || e instanceof ProgramFailure)
        ) {
          violations.push(`step ${st.op} threw ${e instanceof Error ? e.stack : e}`);
        }
      }
      expect(sim.now >= t0, `step ${st.op} went back in time from ${t0} to ${sim.now}`);
      log.push(`${me.name} ${st.op} ${sim.now}`);
    }
  }

  p.tasks.forEach((t, i) => {
    tasks.push(
      sim.spawn(() => body(t.steps), { name: `task-${i}`, daemon: t.daemon, delay: t.delay }),
    );
  });
  const times = stepToEnd(sim, 100_000);
  const result = sim.run({ deadlock: "report" });
  assert.deepEqual(violations, []);

  // Every task is done, or waits forever and is named in the report (daemons never are).
  const reported = new Map(result.blocked.map((b) => [b.id, b]));
  for (const t of tasks) {
    if (t.done) {
      assert.ok(!reported.has(t.id), `${t.describe()} is done but reported`);
    } else if (t.daemon) {
      assert.ok(!reported.has(t.id), `daemon ${t.describe()} is reported`);
      assert.equal(t.status, "parked", `${t.describe()} is ${t.status} at the end`);
    } else {
      const b = reported.get(t.id);
      assert.ok(b !== undefined, `${t.describe()} is ${t.status} but not in the deadlock report`);
      assert.equal(b.name, t.name);
      assert.equal(t.status, "parked");
      assert.match(b.waitingOn, /event #\d+|task #\d+|parking lot/);
    }
    reported.delete(t.id);
  }
  assert.deepEqual([...reported.values()], [], "the report names tasks the program never made");
  assert.equal(result.stop, result.blocked.length > 0 ? "deadlock" : "empty");
  return { digest: sim.trace.digest(), times, log };
}

propertyTest(
  import.meta.url,
  "kernel invariants over random task programs: the clock never goes back, events run when due, every waiter is woken or reported",
  programArb,
  (p) => void runProgram(p),
  20_000,
);

propertyTest(
  import.meta.url,
  "kernel replay of random task programs: the same seed gives the same trace digest",
  programArb,
  (p) => {
    const a = runProgram(p), b = runProgram(p);
    assert.equal(a.digest, b.digest);
    assert.deepEqual(a.times, b.times);
    assert.deepEqual(a.log, b.log);
  },
  4_000,
);

// ---- random host workloads -----------------------------------------------------

/** One thing a thread does. */
type Action =
  | { readonly a: "compute"; readonly ns: number }
  | { readonly a: "sleep"; readonly ns: number }
  | { readonly a: "pingpong"; readonly rounds: number; readonly size: number }
  | { readonly a: "pipe"; readonly bytes: number; readonly chunk: number }
  | { readonly a: "thread"; readonly actions: readonly Action[] }
  | { readonly a: "kill"; readonly work: number; readonly after: number };

/** How a process that never finishes waits. */
type Stuck = "recv" | "read" | "waitpid" | "join";

interface Workload {
  readonly seed: number;
  readonly cores: number;
  readonly costs: Partial<CostModel>;
  /** Processes that block forever after some work: the deadlock report must name them. */
  readonly stuck: readonly { readonly how: Stuck; readonly after: number }[];
  readonly processes: readonly {
    readonly delay: number;
    readonly actions: readonly Action[];
  }[];
}

const work = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 4_000_000 }));

function actionArb(depth: number, kills = false): fc.Arbitrary<Action> {
  const leaves: fc.Arbitrary<Action>[] = [
    ...(kills ? [fc.record({ a: fc.constant("kill" as const), work, after: work })] : []),
    fc.record({ a: fc.constant("compute" as const), ns: work }),
    fc.record({ a: fc.constant("sleep" as const), ns: work }),
    fc.record({
      a: fc.constant("pingpong" as const),
      rounds: fc.integer({ min: 1, max: 4 }),
      size: fc.integer({ min: 1, max: 3_000 }),
    }),
    fc.record({
      a: fc.constant("pipe" as const),
      bytes: fc.integer({ min: 0, max: 100_000 }),
      chunk: fc.integer({ min: 1, max: 70_000 }),
    }),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  return fc.oneof(
    ...leaves,
    fc.record({
      a: fc.constant("thread" as const),
      actions: fc.array(actionArb(depth - 1, kills), { maxLength: 3 }),
    }),
  );
}

const costsArb: fc.Arbitrary<Partial<CostModel>> = fc.record({
  syscallNs: fc.integer({ min: 0, max: 2_000 }),
  contextSwitchNs: fc.integer({ min: 0, max: 20_000 }),
  wakeupNs: fc.integer({ min: 0, max: 50_000 }),
  timesliceNs: fc.integer({ min: 1_000, max: 5_000_000 }),
  copyBytesPerNs: fc.integer({ min: 1, max: 40 }),
  forkNs: fc.integer({ min: 0, max: 200_000 }),
  threadCreateNs: fc.integer({ min: 0, max: 50_000 }),
}, { requiredKeys: [] });

const workloadArb = (kills = false): fc.Arbitrary<Workload> =>
  fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    cores: fc.integer({ min: 1, max: 4 }),
    costs: costsArb,
    stuck: fc.array(
      fc.record({
        how: fc.constantFrom<Stuck>("recv", "read", "waitpid", "join"),
        after: work,
      }),
      { maxLength: 2 },
    ),
    processes: fc.array(
      fc.record({ delay: work, actions: fc.array(actionArb(2, kills), { maxLength: 4 }) }),
      { minLength: 1, maxLength: 4 },
    ),
  });

function* perform(sys: Sys, actions: readonly Action[]): ThreadRoutine<void> {
  for (const act of actions) {
    switch (act.a) {
      case "compute":
        yield* sys.compute(act.ns);
        break;
      case "sleep":
        yield* sys.sleep(act.ns);
        break;
      case "pingpong": {
        // A socketpair between this thread and an echo thread.
        const [x, y] = yield* sys.socketpair();
        const echo = yield* sys.spawnThread("echo", function* (s) {
          for (let r = 0; r < act.rounds; r++) {
            let got = 0;
            while (got < act.size) got += (yield* s.recv(y, act.size - got)).length;
            yield* s.sendall(y, new Uint8Array(act.size));
          }
        });
        for (let r = 0; r < act.rounds; r++) {
          yield* sys.sendall(x, new Uint8Array(act.size).fill(r));
          let got = 0;
          while (got < act.size) got += (yield* sys.recv(x, act.size - got)).length;
        }
        yield* sys.joinThread(echo);
        yield* sys.close(x);
        yield* sys.close(y);
        break;
      }
      case "pipe": {
        // A pipe to a forked child that reads to EOF.
        const [r, w] = yield* sys.pipe();
        const pid = yield* sys.fork("reader", function* (child) {
          yield* child.close(w);
          let total = 0;
          for (;;) {
            const got = yield* child.read(r, act.chunk);
            if (got.length === 0) break;
            total += got.length;
          }
          return total === act.bytes ? 0 : 1;
        });
        yield* sys.close(r);
        let left = act.bytes;
        while (left > 0) {
          const n = Math.min(left, act.chunk);
          left -= yield* sys.write(w, new Uint8Array(n));
        }
        yield* sys.close(w);
        const status = yield* sys.waitpid(pid);
        assert.equal(status?.status, 0, "the pipe's reader lost or gained bytes");
        break;
      }
      case "thread": {
        const t = yield* sys.spawnThread("worker", (s) => perform(s, act.actions));
        yield* sys.joinThread(t);
        break;
      }
      case "kill": {
        // SIGKILL a forked child, perhaps in the middle of its work.
        const pid = yield* sys.fork("victim", function* (child) {
          yield* child.compute(act.work);
        });
        yield* sys.sleep(act.after);
        try {
          yield* sys.kill(pid, "SIGKILL");
        } catch (e) {
          if ((e as { errno?: string }).errno !== "ESRCH") throw e; // it had finished
        }
        const status = yield* sys.waitpid(pid);
        assert.ok(status?.status === 0 || status?.status === -9, `victim status ${status?.status}`);
        break;
      }
    }
  }
}

/** Blocks forever in the given way; returns only to fail the run. */
function* blockForever(sys: Sys, how: Stuck): ThreadRoutine<void> {
  switch (how) {
    case "recv": {
      const [x] = yield* sys.socketpair();
      yield* sys.recv(x, 1);
      break;
    }
    case "read": {
      const [r] = yield* sys.pipe(); // the write end stays open: no EOF
      yield* sys.read(r, 1);
      break;
    }
    case "waitpid": {
      const pid = yield* sys.fork("stuck-child", (child) => blockForever(child, "recv"));
      yield* sys.waitpid(pid);
      break;
    }
    case "join": {
      const t = yield* sys.spawnThread("stuck-thread", (s) => blockForever(s, "read"));
      yield* sys.joinThread(t);
      break;
    }
  }
  throw new Error(`a thread stuck in ${how} went on`);
}

/** What a workload's run shows, for comparing two runs. */
interface WorkloadRun {
  readonly digest: string;
  readonly now: number;
  readonly busy: readonly number[];
}

function checkHost(host: Host, stuck: ReadonlySet<string>): void {
  const now = host.sim.now;
  const busy = host.cpu.busyTime();
  busy.forEach((b, core) => assert.ok(b <= now, `core ${core} was busy ${b} ns of ${now}`));
  let cpu = 0;
  let stuckThreads = 0;
  for (const p of host.processes.values()) {
    if (stuck.has(p.name)) {
      assert.equal(p.exitCode, null, `${p.name} should still wait`);
      stuckThreads += p.liveThreads.length;
      for (const t of p.threads) cpu += t.usage.cpuNs;
      continue;
    }
    const killed = p.name === "victim" && p.exitCode === -9;
    assert.ok(p.exitCode === 0 || killed, `${p.name}[${p.pid}] exited ${p.exitCode}: ${p.error}`);
    for (const t of p.threads) {
      const u = t.usage;
      cpu += u.cpuNs;
      // A thread's time is spent once: running, waiting for a core, or blocked.
      assert.ok(u.cpuNs + u.runqueueNs + u.blockedNs + u.phase1Ns <= now);
    }
  }
  assert.equal(
    cpu,
    busy.reduce((a, b) => a + b, 0),
    "the threads' CPU time vs the cores' busy time",
  );
  assert.equal(host.threadCount, stuckThreads, "threads counted live");
  assert.equal(host.cpu.idleCores, host.cpu.cores, "cores still held");
}

function runWorkload(w: Workload): WorkloadRun {
  const sim = new Simulation({ seed: w.seed });
  const host = new Network(sim).addHost("h", { cores: w.cores, costs: w.costs });
  w.processes.forEach((p, i) => {
    host.spawn(`p${i}`, (sys) => perform(sys, p.actions), { delay: p.delay });
  });
  const stuck = new Set<string>();
  w.stuck.forEach((s, i) => {
    host.spawn(`stuck${i}`, function* (sys) {
      yield* sys.compute(s.after);
      yield* blockForever(sys, s.how);
    });
    stuck.add(`stuck${i}`);
    if (s.how === "waitpid") stuck.add("stuck-child");
  });
  // The books balance at every instant, not only at the end.
  stepToEnd(sim, 500_000, () => {
    let cpu = 0;
    for (const p of host.processes.values()) for (const t of p.threads) cpu += t.usage.cpuNs;
    const busy = host.cpu.busyTime().reduce((a, b) => a + b, 0);
    if (cpu !== busy) assert.fail(`at ${sim.now} ns the cores were busy ${busy} ns, CPU ${cpu} ns`);
  });
  const result = sim.run({ deadlock: "report" });
  // Exactly the threads that wait forever are reported, each with what it waits on.
  const expected: string[] = [];
  for (const p of host.processes.values()) {
    if (!stuck.has(p.name)) continue;
    for (const t of p.liveThreads) expected.push(t.task.name);
  }
  assert.deepEqual(result.blocked.map((b) => b.name).sort(), expected.sort());
  assert.equal(result.stop, expected.length > 0 ? "deadlock" : "empty");
  for (const b of result.blocked) {
    const what =
      /^(recv on fd \d+|read on fd \d+|task #\d+ "[^"]+"|event #\d+ "anyOf" of event #\d+ "exit of [^"]+")/;
    assert.match(b.waitingOn, what);
  }
  checkHost(host, stuck);
  return { digest: sim.trace.digest(), now: sim.now, busy: host.cpu.busyTime() };
}

propertyTest(
  import.meta.url,
  "OS invariants over random host workloads: no core is busier than the clock, and CPU time adds up",
  workloadArb(),
  (w) => void runWorkload(w),
  2_000,
);

propertyTest(
  import.meta.url,
  "OS replay of random host workloads: the same seed gives the same trace digest",
  workloadArb(),
  (w) => assert.deepEqual(runWorkload(w), runWorkload(w)),
  400,
);

propertyTest(
  import.meta.url,
  "SIGKILL in random host workloads keeps the CPU accounting",
  workloadArb(true),
  (w) => void runWorkload(w),
  1_000,
);
