/**
 * The bad-input audit: every layer's exported functions, constructors and
 * methods, and the runner's flags, called with wrong types, out-of-range
 * numbers, NaN, ±Infinity, empty and huge values, and closed or foreign
 * objects. Each must fail clearly — a `TypeError`/`RangeError` naming the
 * argument and its value, an errno-named `SysError` for simulated system
 * calls, or a documented domain error — and never hang, crash the runner or
 * corrupt the simulation: a call made inside a simulation is followed by more
 * work from the same thread and from other processes and tasks, which must
 * all finish, with the CPU accounting still adding up.
 *
 * The table grows with the API: add a `{ what, call, expect }` entry for each
 * new export. A case that shows a bug in code owned elsewhere is kept with
 * `ignore: true` and a comment naming the bug; run those too (to see whether
 * they are fixed) with `IOSIM_RUN_IGNORED=1 deno test --allow-all tests/bad_input_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli as runCli, type CliResult } from "./_cli.ts";
import {
  checkSeed,
  DeadlockError,
  type Event,
  Event as KernelEvent,
  EventHeap,
  formatTime,
  Interrupt,
  Killed,
  ms,
  ns,
  type Op,
  Rng,
  type Routine,
  runPaced,
  s,
  Simulation,
  StateError,
  type Task,
  TimeoutError,
  Trace,
  us,
} from "../lib/kernel/mod.ts";
import {
  checkValue,
  defineScenario,
  formatText,
  parseParam,
  resolveParams,
  runScenario,
  type Scenario,
  ScenarioError,
  toJson,
} from "../lib/scenario/mod.ts";
import {
  ByteQueue,
  checkSyscallFaults,
  copyTime,
  costModel,
  Cpu,
  defaultAction,
  describeCosts,
  EPOLLIN,
  type Errno,
  FaultInjector,
  FdTable,
  fromBytes,
  Host,
  isErrno,
  maskNames,
  MAX_COMPUTE_NS,
  MSG_DONTWAIT,
  O_NONBLOCK,
  PipeEnd,
  POLLNVAL,
  pyBytes,
  signalName,
  type Sys,
  SysError,
  type ThreadRoutine,
  toAddress,
  toBytes,
  toSigno,
  Usage,
} from "../lib/os/mod.ts";
import {
  applyFaultPlan,
  checkFaultRule,
  describeFaultPlan,
  linkParams,
  Network,
  randomFaultPlan,
} from "../lib/net/mod.ts";
import {
  aioCancel,
  aioError,
  aioRead,
  aioReturn,
  aioSuspend,
  aioWrite,
  asyncCosts,
  epollCreate,
  epollCtl,
  EpollSelector,
  epollWait,
  errnoNumber,
  EVENT_READ,
  hostAsyncCosts,
  ioUringSetup,
  kernelUsage,
  KeyError,
  openSelector,
  poll,
  PollSelector,
  PollSet,
  select,
  SelectSelector,
  setAsyncCosts,
  ValueError,
} from "../lib/io/mod.ts";
import {
  AsyncResult,
  BoundedSemaphore,
  ConcurrentObjectUseError,
  Event as GreenEvent,
  getcurrent,
  Greenlet,
  GreenletError,
  type GreenletRoutine,
  Group,
  type Hub,
  type HubGreenlet,
  JoinableQueue,
  Lock,
  LoopExit,
  patchAll,
  Pool,
  Queue,
  QueueEmpty,
  QueueFull,
  runGreenlets,
  runHub,
  Semaphore,
  Timeout,
  withTimeout,
} from "../lib/coro/mod.ts";
import {
  aioServer,
  blockingServer,
  busyPollServer,
  checkExchange,
  checkServer,
  ClientStats,
  closedLoopClient,
  compareModels,
  epollServer,
  formatComparison,
  getModel,
  idleClient,
  latencyStats,
  listenOn,
  openLoopClient,
  pollServer,
  preforkServer,
  processServer,
  resolveWorkload,
  runModel,
  selectServer,
  serverModel,
  sigioServer,
  threadServer,
  uringServer,
} from "../lib/models/mod.ts";
import {
  checkChromeTrace,
  formatBytes,
  formatCount,
  formatTable,
  formatTimeline,
  laneColumns,
  lanesExtent,
  lanesOf,
  renderHtml,
  timelineLegend,
  timelineState,
  toChromeTrace,
} from "../lib/report/mod.ts";
import * as mp from "../lib/mp/mod.ts";

// ---- the world a simulated call runs in ------------------------------------

/** Objects of a second simulation, for "foreign object" cases. */
interface Foreign {
  readonly sim: Simulation;
  readonly host: Host;
  readonly event: Event<unknown>;
  readonly task: Task<unknown>;
}

/** A small networked simulation with bystanders that must keep running. */
interface World {
  readonly sim: Simulation;
  readonly net: Network;
  /** The host the call runs on, and a second host on the same network. */
  readonly a: Host;
  readonly b: Host;
  /** Descriptors that another process of host `a` holds open (a socketpair). */
  readonly neighbourFds: readonly [number, number];
  readonly foreign: Foreign;
  /** What the bystanders finished. */
  readonly done: Set<string>;
}

function makeForeign(): Foreign {
  const sim = new Simulation({ seed: 99 });
  const host = new Network(sim).addHost("elsewhere");
  const event = sim.event("foreign");
  const task = sim.spawn(function* () {
    yield* sim.sleep(ms(1));
  }, { name: "foreign-task" });
  return { sim, host, event, task };
}

function makeWorld(): World {
  const sim = new Simulation({ seed: 3 });
  const net = new Network(sim);
  const a = net.addHost("a", { cores: 2 });
  const b = net.addHost("b");
  const done = new Set<string>();
  const world: World = {
    sim,
    net,
    a,
    b,
    neighbourFds: [3, 4],
    foreign: makeForeign(),
    done,
  };
  // A neighbour on host a holds a socketpair open and uses it after the call.
  a.spawn("neighbour", function* (sys) {
    const [x, y] = yield* sys.socketpair();
    assert.deepEqual([x, y], world.neighbourFds);
    yield* sys.sleep(ms(2));
    yield* sys.send(x, "still here");
    const got = yield* sys.recv(y, 64);
    if (new TextDecoder().decode(got) === "still here") done.add("neighbour");
  });
  // A process on host b computes, sleeps and talks to host a's listener.
  b.spawn("witness", function* (sys) {
    for (let i = 0; i < 3; i++) {
      yield* sys.compute(us(20));
      yield* sys.sleep(us(300));
    }
    const [r, wr] = yield* sys.pipe();
    yield* sys.write(wr, "ok");
    if ((yield* sys.read(r, 2)).length === 2) done.add("witness");
  });
  // A plain kernel task.
  sim.spawn(function* () {
    yield* sim.sleep(ms(3));
    done.add("task");
  }, { name: "bystander" });
  return world;
}

/** The longest a case may run, in events, before it counts as a hang. */
const EVENT_BUDGET = 200_000;

/** Runs the world to the end, stepping so that a livelock shows up as a failure. */
function drive(w: World, what: string): void {
  const sim = w.sim;
  let steps = 0, last = sim.now;
  while (sim.peek() !== Infinity) {
    if (++steps > EVENT_BUDGET) {
      throw new Error(`"${what}" hangs: ${EVENT_BUDGET} events and still going at ${sim.now}`);
    }
    sim.step();
    assert.ok(sim.now >= last, "the clock went backwards");
    last = sim.now;
  }
  const res = sim.run({ deadlock: "report" });
  assert.deepEqual(res.blocked, [], `tasks left waiting after "${what}"`);
  assert.ok(!sim.failed);
}

/** The CPU accounting of a host still adds up: threads' CPU = cores' busy time <= elapsed. */
function checkAccounting(host: Host): void {
  const busy = host.cpu.busyTime();
  const cpu = [...host.processes.values()].reduce((sum, p) => sum + p.usage().cpuNs, 0);
  for (const b of busy) {
    assert.ok(b <= host.sim.now, `a core of ${host.name} was busy ${b} > ${host.sim.now}`);
  }
  assert.equal(
    cpu,
    busy.reduce((x, y) => x + y, 0),
    `CPU time of ${host.name}'s threads vs its cores`,
  );
  assert.equal(host.threadCount, 0, `threads still counted live on ${host.name}`);
}

// ---- cases ---------------------------------------------------------------

type ErrorClass = new (...args: never[]) => Error;

/** What a call is expected to do. */
type Expect =
  | { readonly error: ErrorClass; readonly message?: RegExp }
  | { readonly errno: Errno; readonly message?: RegExp }
  | { readonly ok: (value: unknown) => void }
  | { readonly exit: number; readonly stderr: RegExp };

/** What a simulated call yields from: a generator or a bare operation. */
type Blocking = Iterable<Op, unknown, unknown>;

/** How a call is made. */
type Call =
  | { readonly kind: "sync"; readonly run: () => unknown }
  | { readonly kind: "task"; readonly run: (w: World) => Blocking }
  | { readonly kind: "thread"; readonly run: (sys: Sys, w: World) => Blocking }
  | { readonly kind: "cli"; readonly args: readonly string[] };

interface Case {
  readonly what: string;
  readonly call: Call;
  readonly expect: Expect;
  /** A known bug outside this test's reach: the comment beside it says which. */
  readonly ignore?: boolean;
}

/** A plain call (a constructor, a function); a returned promise is awaited. */
const sync = (run: () => unknown): Call => ({ kind: "sync", run });
/** A call made by a kernel task of the world's simulation. */
const task = (run: (w: World) => Blocking): Call => ({ kind: "task", run });
/** A call made by a thread of a process on host `a`. */
const thread = (run: (sys: Sys, w: World) => Blocking): Call => ({
  kind: "thread",
  run,
});
/** A run of the scenario runner. */
const cli = (...args: string[]): Call => ({ kind: "cli", args });

const typeError = (message: RegExp): Expect => ({ error: TypeError, message });
const rangeError = (message: RegExp): Expect => ({ error: RangeError, message });
const domain = (error: ErrorClass, message?: RegExp): Expect =>
  message === undefined ? { error } : { error, message };
const errno = (name: Errno, message?: RegExp): Expect =>
  message === undefined ? { errno: name } : { errno: name, message };
const ok = (check: (value: unknown) => void = () => {}): Expect => ({ ok: check });
const usage = (stderr: RegExp): Expect => ({ exit: 2, stderr });

/** A value of any type, for arguments the type checker would refuse. */
// deno-lint-ignore no-explicit-any
const bad = (v: unknown): any => v;

const HUGE = 2 ** 53;
const BIG_TEXT = "x".repeat(4 * 1024 * 1024);

function* nothing(): Routine<void> {}
function* threadNothing(_sys: Sys): ThreadRoutine<void> {}
const scenarioOf = (over: Record<string, unknown> = {}): Scenario =>
  defineScenario(bad({
    name: "probe",
    description: "a probe",
    params: { n: { type: "int", default: 1, min: 0, max: 10, description: "n" } },
    run() {},
    ...over,
  }));

// ---- the kernel --------------------------------------------------------------

const kernelCases: Case[] = [
  { what: "ns(NaN)", call: sync(() => ns(NaN)), expect: typeError(/nanoseconds "NaN"/) },
  { what: "us('5')", call: sync(() => us(bad("5"))), expect: typeError(/microseconds "5"/) },
  { what: "ms(Infinity)", call: sync(() => ms(Infinity)), expect: rangeError(/"Infinity"/) },
  { what: "s(-Infinity)", call: sync(() => s(-Infinity)), expect: rangeError(/"-Infinity"/) },
  { what: "s(undefined)", call: sync(() => s(bad(undefined))), expect: typeError(/"undefined"/) },
  {
    what: "formatTime(NaN) prints NaN",
    call: sync(() => formatTime(NaN)),
    expect: ok((v) => assert.equal(v, "NaN")),
  },
  {
    what: "new Simulation({ seed: -1 })",
    call: sync(() => new Simulation({ seed: -1 })),
    expect: rangeError(/seed "-1"/),
  },
  {
    what: "new Simulation({ seed: 1.5 })",
    call: sync(() => new Simulation({ seed: 1.5 })),
    expect: rangeError(/seed "1\.5"/),
  },
  {
    what: "new Simulation({ seed: NaN })",
    call: sync(() => new Simulation({ seed: NaN })),
    expect: rangeError(/seed "NaN"/),
  },
  {
    what: "new Simulation({ seed: 2^53 })",
    call: sync(() => new Simulation({ seed: HUGE })),
    expect: rangeError(/seed "9007199254740992"/),
  },
  {
    what: "new Simulation({ seed: '7' })",
    call: sync(() => new Simulation({ seed: bad("7") })),
    expect: typeError(/seed "7"/),
  },
  {
    what: "new Simulation({ horizon: -1 })",
    call: sync(() => new Simulation({ horizon: -1 })),
    expect: rangeError(/horizon "-1"/),
  },
  {
    what: "new Simulation({ horizon: NaN })",
    call: sync(() => new Simulation({ horizon: NaN })),
    expect: rangeError(/horizon "NaN"/),
  },
  {
    what: "new Simulation({ horizon: '5' })",
    call: sync(() => new Simulation({ horizon: bad("5") })),
    expect: typeError(/horizon "5"/),
  },
  {
    what: "new Simulation(null)",
    call: sync(() => new Simulation(bad(null))),
    expect: typeError(/options "null"/),
  },
  {
    what: "new Simulation({ trace: { sample: 0 } })",
    call: sync(() => new Simulation({ trace: { sample: 0 } })),
    expect: rangeError(/trace sample "0"/),
  },
  {
    what: "new Simulation({ trace: { limit: -1 } })",
    call: sync(() => new Simulation({ trace: { limit: -1 } })),
    expect: rangeError(/trace limit "-1"/),
  },
  {
    what: "new Trace(clock, { sample: 1.5 })",
    call: sync(() => new Trace({ now: 0 }, { sample: 1.5 })),
    expect: rangeError(/trace sample "1\.5"/),
  },
  {
    what: "sim.schedule(-1, fn)",
    call: sync(() => new Simulation().schedule(-1, () => {})),
    expect: rangeError(/delay "-1"/),
  },
  {
    what: "sim.schedule(NaN, fn)",
    call: sync(() => new Simulation().schedule(NaN, () => {})),
    expect: rangeError(/delay "NaN"/),
  },
  {
    what: "sim.schedule(Infinity, fn)",
    call: sync(() => new Simulation().schedule(Infinity, () => {})),
    expect: rangeError(/delay "Infinity"/),
  },
  {
    what: "sim.schedule('1', fn)",
    call: sync(() => new Simulation().schedule(bad("1"), () => {})),
    expect: typeError(/delay "1"/),
  },
  {
    what: "sim.schedule(1, 'fn')",
    call: sync(() => new Simulation().schedule(1, bad("fn"))),
    expect: typeError(/callback "fn"/),
  },
  {
    what: "sim.schedule(1, fn, 5000) (priority out of range)",
    call: sync(() => new Simulation().schedule(1, () => {}, 5000)),
    expect: rangeError(/priority "5000"/),
  },
  {
    what: "sim.schedule(1, fn, NaN)",
    call: sync(() => new Simulation().schedule(1, () => {}, NaN)),
    expect: rangeError(/priority "NaN"/),
  },
  {
    what: "sim.timeout(-5)",
    call: sync(() => new Simulation().timeout(-5)),
    expect: rangeError(/delay "-5"/),
  },
  {
    what: "sim.spawn(42)",
    call: sync(() => new Simulation().spawn(bad(42))),
    expect: typeError(/Cannot spawn "42"/),
  },
  {
    what: "sim.spawn(a plain function)",
    call: sync(() => new Simulation().spawn(bad(() => 1))),
    expect: typeError(/generator function/),
  },
  {
    what: "sim.spawn(body, { delay: -1 })",
    call: sync(() => new Simulation().spawn(nothing, { delay: -1 })),
    expect: rangeError(/spawn delay "-1"/),
  },
  {
    what: "sim.spawn(body, null)",
    call: sync(() => new Simulation().spawn(nothing, bad(null))),
    expect: typeError(/spawn options "null"/),
  },
  {
    what: "sim.spawn(body, { name: 5 })",
    call: sync(() => new Simulation().spawn(nothing, bad({ name: 5 }))),
    expect: typeError(/task name "5"/),
  },
  {
    what: "sim.spawn with a bad delay leaves no half-made task behind",
    call: sync(() => {
      const sim = new Simulation();
      assert.throws(() => sim.spawn(nothing, { delay: NaN }), RangeError);
      assert.throws(() => sim.spawn(nothing, { delay: -1 }), RangeError);
      return sim.run();
    }),
    expect: ok((r) => assert.deepEqual(r, { stop: "empty", now: 0, blocked: [] })),
  },
  {
    what: "sim.timeout(2^53) (the clock cannot count past 2^53 ns)",
    call: sync(() => new Simulation().timeout(HUGE)),
    expect: rangeError(/delay "9007199254740992": .*at most 2\^53 - 1/),
  },
  {
    what: "sim.timeout(2^53 - 1) is the longest",
    call: sync(() => {
      const sim = new Simulation();
      sim.timeout(Number.MAX_SAFE_INTEGER);
      return sim.run();
    }),
    expect: ok((r) => assert.equal((r as { now: number }).now, Number.MAX_SAFE_INTEGER)),
  },
  {
    what: "sim.step() from a callback of the same simulation",
    call: sync(() => {
      const sim = new Simulation();
      let inner: unknown;
      sim.schedule(5, () => {
        try {
          sim.step();
        } catch (e) {
          inner = e;
        }
      });
      sim.schedule(10, () => {});
      sim.run();
      throw inner;
    }),
    expect: domain(StateError, /Cannot step the simulation from one of its own tasks/),
  },
  {
    what: "a task: sim.run() of its own simulation",
    call: task((w) =>
      now(() => {
        w.sim.run();
      })
    ),
    // A nested run would process other tasks' events inside this one's step.
    expect: domain(StateError, /Cannot run the simulation from one of its own tasks/),
  },
  {
    what: "a task: sim.sleep(2^60)",
    call: task((w) => w.sim.sleep(2 ** 60)),
    expect: rangeError(/sleep delay "1152921504606847000"/),
  },
  {
    what: "sim.print of a cyclic object, a BigInt, a symbol and nothing",
    call: sync(() => {
      const sim = new Simulation();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      sim.print(cyclic, 10n, Symbol("s"), undefined, null);
      sim.print();
      sim.printAs(bad(5), bad({ not: "text" }));
      return sim.output.map((l) => l.text);
    }),
    expect: ok((v) => assert.equal((v as unknown[]).length, 3)),
  },
  {
    what: "sim.sleep outside a task",
    call: sync(() => new Simulation().sleep(1)),
    expect: domain(StateError, /outside a task/),
  },
  {
    what: "sim.wait outside a task",
    call: sync(() => {
      const sim = new Simulation();
      return sim.wait(sim.event());
    }),
    expect: domain(StateError, /outside a task/),
  },
  {
    what: "sim.park outside a task",
    call: sync(() => new Simulation().park({ describe: () => "x", cancelWait: () => {} })),
    expect: domain(StateError, /outside a task/),
  },
  {
    what: "sim.run({ until: -1 })",
    call: sync(() => new Simulation().run({ until: -1 })),
    expect: rangeError(/until "-1"/),
  },
  {
    what: "sim.run({ until: NaN })",
    call: sync(() => new Simulation().run({ until: NaN })),
    expect: rangeError(/until "NaN"/),
  },
  {
    what: "sim.run({ until: '5' })",
    call: sync(() => new Simulation().run({ until: bad("5") })),
    expect: typeError(/until "5"/),
  },
  {
    what: "sim.run({ until: a foreign event })",
    call: sync(() => new Simulation().run({ until: makeForeign().event })),
    expect: typeError(/another simulation/),
  },
  {
    what: "sim.run({ deadlock: 'ignore' })",
    call: sync(() => new Simulation().run({ deadlock: bad("ignore") })),
    expect: typeError(/deadlock option "ignore"/),
  },
  {
    what: "sim.run(null)",
    call: sync(() => new Simulation().run(bad(null))),
    expect: typeError(/run options "null"/),
  },
  {
    what: "sim.run({ until: Infinity }) runs to the end",
    call: sync(() => {
      const sim = new Simulation();
      sim.timeout(5);
      return sim.run({ until: Infinity });
    }),
    expect: ok((r) => assert.deepEqual(r, { stop: "empty", now: 5, blocked: [] })),
  },
  {
    what: "sim.run on a failed simulation",
    call: sync(() => {
      const sim = new Simulation();
      sim.schedule(1, () => {
        throw new Error("boom");
      });
      assert.throws(() => sim.run(), /boom/);
      return sim.run();
    }),
    expect: domain(StateError, /failed at 1 ns with Error: boom/),
  },
  {
    what: "a deadlock names the waiting task",
    call: sync(() => {
      const sim = new Simulation();
      const ev = sim.event("never");
      sim.spawn(function* () {
        yield* sim.wait(ev);
      }, { name: "stuck" });
      return sim.run();
    }),
    expect: domain(DeadlockError, /task #\d+ "stuck" waits on event #\d+ "never"/),
  },
  {
    what: "anyOf('x')",
    call: sync(() => new Simulation().anyOf(bad("x"))),
    expect: typeError(/anyOf argument "x"/),
  },
  {
    what: "allOf([a foreign event])",
    call: sync(() => new Simulation().allOf([makeForeign().event])),
    expect: typeError(/allOf event at index 0/),
  },
  {
    what: "anyOf([event, 5])",
    call: sync(() => {
      const sim = new Simulation();
      return sim.anyOf(bad([sim.event(), 5]));
    }),
    expect: typeError(/anyOf event at index 1/),
  },
  {
    what: "new Event(null)",
    call: sync(() => new KernelEvent(bad(null))),
    expect: typeError(/simulation "null"/),
  },
  {
    what: "event.succeed twice",
    call: sync(() => new Simulation().event("e").succeed(1).succeed(2)),
    expect: domain(StateError, /already triggered/),
  },
  {
    what: "event.fail('not an error')",
    call: sync(() => new Simulation().event("e").fail(bad("oops"))),
    expect: typeError(/with "oops": it is not an Error/),
  },
  {
    what: "event.on(5)",
    call: sync(() => new Simulation().event("e").on(bad(5))),
    expect: typeError(/with "5": it is not a function/),
  },
  {
    what: "event.value while pending",
    call: sync(() => new Simulation().event("e").value),
    expect: domain(StateError, /still pending/),
  },
  {
    what: "sim.wake(a task that is not parked)",
    call: sync(() => {
      const sim = new Simulation();
      return sim.wake(sim.spawn(nothing));
    }),
    expect: domain(StateError, /not parked/),
  },
  {
    what: "sim.wake('task')",
    call: sync(() => new Simulation().wake(bad("task"))),
    expect: typeError(/Cannot wake "task": it is not a task of this simulation/),
  },
  {
    what: "sim.wakeWithError(null, err)",
    call: sync(() => new Simulation().wakeWithError(bad(null), new Error("x"))),
    expect: typeError(/Cannot wake "null"/),
  },
  {
    what: "sim.wake(a parked task of another simulation)",
    call: sync(() => {
      const f = makeForeign();
      const parked = f.sim.spawn(function* () {
        yield* f.sim.park({ describe: () => "forever", cancelWait: () => {} });
      }, { name: "parked" });
      f.sim.run({ deadlock: "report" });
      assert.equal(parked.status, "parked");
      return new Simulation().wake(parked);
    }),
    expect: typeError(/Cannot wake task #\d+ "parked": it is not a task of this simulation/),
  },
  {
    what: "sim.wake(task, value, -5) (a wake in the past)",
    call: sync(() => {
      const sim = new Simulation();
      const t = sim.spawn(function* () {
        yield* sim.park({ describe: () => "x", cancelWait: () => {} });
      });
      sim.run({ deadlock: "report" });
      sim.wake(t, 1, -5);
    }),
    expect: rangeError(/wake delay "-5"/),
  },
  {
    what: "task.interrupt() after it finished",
    call: sync(() => {
      const sim = new Simulation();
      const t = sim.spawn(nothing);
      sim.run();
      t.interrupt("late");
    }),
    expect: domain(StateError, /has finished/),
  },
  {
    what: "task.kill() after it finished does nothing",
    call: sync(() => {
      const sim = new Simulation();
      const t = sim.spawn(nothing);
      sim.run();
      t.kill();
      return t.state;
    }),
    expect: ok((v) => assert.equal(v, "processed")),
  },
  {
    what: "new EventHeap(-5) still works",
    call: sync(() => {
      const h = new EventHeap(-5);
      for (let i = 20; i > 0; i--) h.push(i, 0, i);
      return h.pop();
    }),
    expect: ok((v) => assert.equal(v, 1)),
  },
  {
    what: "checkSeed('x', '--seed')",
    call: sync(() => checkSeed("x", "--seed")),
    expect: typeError(/Invalid --seed "x"/),
  },
  {
    what: "checkSeed(-1)",
    call: sync(() => checkSeed(-1)),
    expect: rangeError(/seed "-1"/),
  },
  {
    what: "new Rng(-1)",
    call: sync(() => new Rng(-1)),
    expect: rangeError(/seed "-1"/),
  },
  {
    what: "rng.fork(5)",
    call: sync(() => new Rng(1).fork(bad(5))),
    expect: typeError(/fork label "5"/),
  },
  {
    what: "rng.int(5, 1)",
    call: sync(() => new Rng(1).int(5, 1)),
    expect: rangeError(/bounds "5", "1"/),
  },
  {
    what: "rng.int(0.5, 2)",
    call: sync(() => new Rng(1).int(0.5, 2)),
    expect: rangeError(/bounds "0\.5", "2"/),
  },
  {
    what: "rng.int(0, 2^53)",
    call: sync(() => new Rng(1).int(0, HUGE)),
    expect: rangeError(/bounds "0", "9007199254740992"/),
  },
  {
    what: "rng.int over the widest safe range stays in range",
    call: sync(() => {
      const r = new Rng(1);
      const lo = -(2 ** 53 - 1), hi = 2 ** 53 - 1;
      for (let i = 0; i < 100; i++) {
        const v = r.int(lo, hi);
        assert.ok(Number.isSafeInteger(v) && v >= lo && v <= hi, `${v}`);
      }
    }),
    expect: ok(),
  },
  {
    what: "rng.uniform(NaN, 1)",
    call: sync(() => new Rng(1).uniform(NaN, 1)),
    expect: rangeError(/bounds "NaN", "1"/),
  },
  {
    what: "rng.uniform(0, Infinity)",
    call: sync(() => new Rng(1).uniform(0, Infinity)),
    expect: rangeError(/bounds "0", "Infinity"/),
  },
  {
    what: "rng.exponential(0)",
    call: sync(() => new Rng(1).exponential(0)),
    expect: rangeError(/mean "0"/),
  },
  {
    what: "rng.normal(0, -1)",
    call: sync(() => new Rng(1).normal(0, -1)),
    expect: rangeError(/"0", "-1"/),
  },
  {
    what: "rng.chance(1.5)",
    call: sync(() => new Rng(1).chance(1.5)),
    expect: rangeError(/probability "1\.5"/),
  },
  {
    what: "rng.chance(NaN)",
    call: sync(() => new Rng(1).chance(NaN)),
    expect: rangeError(/probability "NaN"/),
  },
  {
    what: "rng.pick([])",
    call: sync(() => new Rng(1).pick([])),
    expect: rangeError(/empty array/),
  },
  {
    what: "runPaced(sim, { factor: 0 })",
    call: sync(() =>
      runPaced(new Simulation(), { factor: 0, clock: { now: () => 0, sleep: async () => {} } })
    ),
    expect: rangeError(/pacing factor "0"/),
  },
  {
    what: "runPaced(sim, { clock: {} })",
    call: sync(() => runPaced(new Simulation(), { factor: 1, clock: bad({}) })),
    expect: typeError(/pacing clock/),
  },
  // Inside a running simulation: the task's call fails, the simulation goes on.
  {
    what: "a task: sim.sleep(-1)",
    call: task((w) => w.sim.sleep(-1)),
    expect: rangeError(/sleep delay "-1"/),
  },
  {
    what: "a task: sim.sleep(NaN)",
    call: task((w) => w.sim.sleep(NaN)),
    expect: rangeError(/sleep delay "NaN"/),
  },
  {
    what: "a task: sim.wait(5)",
    call: task((w) => w.sim.wait(bad(5))),
    expect: typeError(/Cannot wait on "5"/),
  },
  {
    what: "a task: sim.wait(an event of another simulation)",
    call: task((w) => w.sim.wait(w.foreign.event)),
    expect: typeError(/not an event of this simulation/),
  },
  {
    what: "a task: sim.join(a task of another simulation)",
    call: task((w) => w.sim.join(w.foreign.task)),
    expect: typeError(/not an event of this simulation/),
  },
  {
    what: "a task: sim.join('t')",
    call: task((w) => w.sim.join(bad("t"))),
    expect: typeError(/Cannot join "t"/),
  },
  {
    what: "a task: sim.wait(event, -1)",
    call: task((w) => w.sim.wait(w.sim.event(), -1)),
    expect: rangeError(/timeout "-1"/),
  },
  {
    what: "a task: sim.wait(event, NaN)",
    call: task((w) => w.sim.wait(w.sim.event(), NaN)),
    expect: rangeError(/timeout "NaN"/),
  },
  {
    what: "a task: sim.park(5)",
    call: task((w) => w.sim.park(bad(5))),
    expect: typeError(/Cannot park on "5": it must be a blocker/),
  },
  {
    what: "a task: sim.park({}) (no describe or cancelWait)",
    call: task((w) => w.sim.park(bad({}), 10)),
    expect: typeError(/it must be a blocker/),
  },
  {
    what: "a task: joins itself",
    call: task(function* (w) {
      return yield* w.sim.join(w.sim.current!);
    }),
    expect: domain(StateError, /cannot wait on or join itself/),
  },
  {
    what: "a task: interrupts itself",
    call: task((w) =>
      now(() => {
        w.sim.current!.interrupt();
      })
    ),
    expect: domain(StateError, /from itself/),
  },
  {
    what: "a task: kills itself",
    call: task((w) =>
      now(() => {
        w.sim.current!.kill();
      })
    ),
    expect: domain(StateError, /from itself/),
  },
  {
    what: "a task: yields a bare value",
    call: task(function* () {
      yield bad(42);
    }),
    expect: typeError(/yielded "42", which is not an operation/),
  },
  {
    what: "a task: waits with a timeout that runs out",
    call: task((w) => w.sim.wait(w.sim.event("late"), us(5))),
    expect: domain(TimeoutError, /event #\d+ "late" timed out after 5 µs/),
  },
  {
    what: "a task: joins a killed task",
    call: task(function* (w) {
      const victim = w.sim.spawn(function* () {
        yield* w.sim.sleep(ms(10));
      }, { name: "victim" });
      yield* w.sim.sleep(1);
      victim.kill();
      return yield* w.sim.join(victim);
    }),
    expect: domain(Killed, /"victim" was killed/),
  },
  {
    what: "a task: interrupted while it waits",
    call: task(function* (w) {
      const me = w.sim.current!;
      w.sim.schedule(us(1), () => me.interrupt("stop"));
      yield* w.sim.wait(w.sim.event("never"));
    }),
    expect: domain(Interrupt, /Interrupted: stop/),
  },
];

// ---- scenarios ----------------------------------------------------------------

const scenarioCases: Case[] = [
  {
    what: "defineScenario(null)",
    call: sync(() => defineScenario(bad(null))),
    expect: typeError(/scenario "null"/),
  },
  {
    what: "defineScenario with name 'Bad Name'",
    call: sync(() => scenarioOf({ name: "Bad Name" })),
    expect: rangeError(/scenario name "Bad Name"/),
  },
  {
    what: "defineScenario with an empty description",
    call: sync(() => scenarioOf({ description: "" })),
    expect: typeError(/description for scenario "probe"/),
  },
  {
    what: "defineScenario without run",
    call: sync(() => scenarioOf({ run: 5 })),
    expect: typeError(/run for scenario "probe"/),
  },
  {
    what: "defineScenario with params null",
    call: sync(() => scenarioOf({ params: null })),
    expect: typeError(/params for scenario "probe"/),
  },
  {
    what: "defineScenario with a parameter named bad_name",
    call: sync(() =>
      scenarioOf({ params: { bad_name: { type: "int", default: 1, description: "x" } } })
    ),
    expect: rangeError(/parameter name "bad_name"/),
  },
  {
    what: "defineScenario with a default out of range",
    call: sync(() =>
      scenarioOf({ params: { n: { type: "int", default: 50, max: 10, description: "x" } } })
    ),
    expect: rangeError(/value "50" for parameter "n": it must be at most 10/),
  },
  {
    what: "defineScenario with a parameter of type float",
    call: sync(() =>
      scenarioOf({ params: { n: { type: "float", default: 1, description: "x" } } })
    ),
    expect: typeError(/specification for parameter "n"/),
  },
  {
    what: "defineScenario with a parameter spec null",
    call: sync(() => scenarioOf({ params: { n: null } })),
    expect: typeError(/specification for parameter "n"/),
  },
  {
    what: "defineScenario with a string default outside its choices",
    call: sync(() =>
      scenarioOf({
        params: { m: { type: "string", default: "z", choices: ["a"], description: "x" } },
      })
    ),
    expect: rangeError(/value "z" for parameter "m": expected one of a/),
  },
  {
    what: "parseParam('1.5') for an int",
    call: sync(() => parseParam("n", { type: "int", default: 1, description: "" }, "1.5")),
    expect: rangeError(/value "1\.5" for parameter "n": expected an integer/),
  },
  {
    what: "parseParam('') for a number",
    call: sync(() => parseParam("n", { type: "number", default: 1, description: "" }, "")),
    expect: typeError(/value "" for parameter "n"/),
  },
  {
    what: "parseParam('maybe') for a boolean",
    call: sync(() =>
      parseParam("flag", { type: "boolean", default: true, description: "" }, "maybe")
    ),
    expect: typeError(/value "maybe" for parameter "flag"/),
  },
  {
    what: "parseParam('1e999') for a number",
    call: sync(() => parseParam("n", { type: "number", default: 1, description: "" }, "1e999")),
    expect: rangeError(/value "Infinity" for parameter "n": it must be finite/),
  },
  {
    what: "checkValue with a huge int",
    call: sync(() => checkValue("n", { type: "int", default: 1, description: "" }, HUGE)),
    expect: rangeError(/"9007199254740992" for parameter "n": expected an integer/),
  },
  {
    what: "resolveParams with an unknown parameter",
    call: sync(() =>
      resolveParams("probe", { n: { type: "int", default: 1, description: "" } }, { m: 1 })
    ),
    expect: rangeError(/Unknown parameter "m" for scenario "probe" \(known: n\)/),
  },
  {
    what: "runScenario({})",
    call: sync(() => runScenario(bad({}))),
    expect: typeError(/make it with defineScenario/),
  },
  {
    what: "runScenario(s, { seed: -3 })",
    call: sync(() => runScenario(scenarioOf(), { seed: -3 })),
    expect: rangeError(/seed "-3"/),
  },
  {
    what: "runScenario(s, { params: { n: NaN } })",
    call: sync(() => runScenario(scenarioOf(), { params: { n: NaN } })),
    expect: typeError(/value "NaN" for parameter "n"/),
  },
  {
    what: "runScenario(s, { params: { n: '3' } })",
    call: sync(() => runScenario(scenarioOf(), { params: { n: "3" } })),
    expect: typeError(/value "3" for parameter "n": expected a number/),
  },
  {
    what: "runScenario(s, { horizon: -1 })",
    call: sync(() => runScenario(scenarioOf(), { horizon: -1 })),
    expect: rangeError(/horizon "-1"/),
  },
  {
    what: "ctx.simulation('') in a scenario",
    call: sync(() =>
      runScenario(scenarioOf({ run: (ctx: { simulation(l: string): void }) => ctx.simulation("") }))
    ),
    expect: domain(ScenarioError, /Invalid simulation label ""/),
  },
  {
    what: "ctx.simulation twice with one label",
    call: sync(() =>
      runScenario(scenarioOf({
        run: (ctx: { simulation(l: string): void }) => {
          ctx.simulation("x");
          ctx.simulation("x");
        },
      }))
    ),
    expect: domain(ScenarioError, /simulation label "x": it must be new/),
  },
  {
    what: "a scenario whose run deadlocks reports where",
    call: sync(() =>
      runScenario(scenarioOf({
        run: ({ sim }: { sim: Simulation }) => {
          sim.spawn(function* () {
            yield* sim.sleep(ms(1));
            yield* sim.wait(sim.event("never"));
          }, { name: "waiter" });
          sim.run();
        },
      }))
    ),
    expect: domain(ScenarioError, /"probe" failed at 1 ms: Deadlock[^]*"waiter" waits on/),
  },
  {
    what: "a scenario returning metrics with NaN and Infinity formats them",
    call: sync(() => {
      const r = runScenario(scenarioOf({ run: () => ({ metrics: { a: NaN, bNs: Infinity } }) }));
      return [formatText(r), JSON.stringify(toJson(r))];
    }),
    expect: ok((v) => {
      const [text, json] = v as [string, string];
      assert.match(text, /a\s+NaN/);
      assert.match(text, /bNs\s+Infinity/);
      assert.match(json, /"a":null/);
    }),
  },
];

// ---- the OS ------------------------------------------------------------------

const osCases: Case[] = [
  {
    what: "new Host(sim, { cores: 0 })",
    call: sync(() => new Host(new Simulation(), { cores: 0 })),
    expect: rangeError(/cores "0"/),
  },
  {
    what: "new Host(sim, { cores: NaN })",
    call: sync(() => new Host(new Simulation(), { cores: NaN })),
    expect: rangeError(/cores "NaN"/),
  },
  {
    what: "new Host(sim, { cores: Infinity })",
    call: sync(() => new Host(new Simulation(), { cores: Infinity })),
    expect: rangeError(/cores "Infinity"/),
  },
  {
    what: "new Host(sim, { name: '' })",
    call: sync(() => new Host(new Simulation(), { name: "" })),
    expect: typeError(/host name ""/),
  },
  {
    what: "new Host(sim, { nofile: 2048, nofileHard: 1024 })",
    call: sync(() => new Host(new Simulation(), { nofile: 2048, nofileHard: 1024 })),
    expect: rangeError(/nofile "2048": it exceeds nofileHard "1024"/),
  },
  {
    what: "new Host(sim, { costs: { syscallNs: -1 } })",
    call: sync(() => new Host(new Simulation(), { costs: { syscallNs: -1 } })),
    expect: rangeError(/syscallNs "-1"/),
  },
  {
    what: "new Host(sim, { costs: { bogusNs: 1 } })",
    call: sync(() => new Host(new Simulation(), { costs: bad({ bogusNs: 1 }) })),
    expect: rangeError(/bogusNs/),
  },
  {
    what: "costModel({ syscallNs: NaN })",
    call: sync(() => costModel({ syscallNs: NaN })),
    expect: rangeError(/syscallNs "NaN"/),
  },
  {
    what: "costModel({ contextSwitchNs: Infinity })",
    call: sync(() => costModel({ contextSwitchNs: Infinity })),
    expect: rangeError(/contextSwitchNs "Infinity"/),
  },
  {
    what: "costModel(null)",
    call: sync(() => costModel(bad(null))),
    expect: typeError(/null/),
  },
  {
    what: "copyTime with a negative size is free",
    call: sync(() => copyTime(costModel(), -5)),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "new Cpu(sim, 0)",
    call: sync(() => new Cpu(new Simulation(), 0)),
    expect: rangeError(/core count "0"/),
  },
  {
    what: "describeCosts(costModel()) names every cost",
    call: sync(() => describeCosts(costModel())),
    expect: ok((v) => assert.match(v as string, /syscallNs/)),
  },
  {
    what: "fromBytes('text')",
    call: sync(() => fromBytes(bad("text"))),
    expect: typeError(/./),
  },
  {
    what: "pyBytes of an empty array",
    call: sync(() => pyBytes(new Uint8Array(0))),
    expect: ok((v) => assert.equal(v, "b''")),
  },
  {
    what: "isErrno(null, 'EBADF') is false",
    call: sync(() => isErrno(null, "EBADF")),
    expect: ok((v) => assert.equal(v, false)),
  },
  {
    what: "defaultAction(999) does not throw",
    call: sync(() => defaultAction(999)),
    expect: ok((v) => assert.ok(v === "terminate" || v === "ignore")),
  },
  {
    what: "new ByteQueue(): take(-1) and take(2^53)",
    call: sync(() => {
      const q = new ByteQueue();
      const out = [q.take(-1).length, q.take(HUGE).length];
      q.push(new Uint8Array([1, 2, 3]));
      out.push(q.take(-1).length, q.take(HUGE).length, q.length);
      return out;
    }),
    expect: ok((v) => assert.deepEqual(v, [0, 0, 0, 3, 0])),
  },
  {
    what: "new ByteQueue(): take(1.5)",
    call: sync(() => {
      const q = new ByteQueue();
      q.push(new Uint8Array([1, 2, 3]));
      return q.take(1.5);
    }),
    expect: rangeError(/byte count "1\.5" for take/),
  },
  {
    what: "new ByteQueue(): take(NaN) leaves the queue as it was",
    call: sync(() => {
      const q = new ByteQueue();
      q.push(new Uint8Array([1, 2, 3]));
      assert.throws(() => q.take(NaN), RangeError);
      assert.throws(() => q.take(Infinity), RangeError);
      return [q.length, q.take(3).length];
    }),
    expect: ok((v) => assert.deepEqual(v, [3, 3])),
  },
  {
    what: "new ByteQueue(): peek(NaN) on an empty queue",
    call: sync(() => new ByteQueue().peek(NaN)),
    expect: rangeError(/byte count "NaN" for peek/),
  },
  {
    what: "new ByteQueue(): peek('2')",
    call: sync(() => new ByteQueue().peek(bad("2"))),
    expect: typeError(/byte count "2" for peek/),
  },
  {
    what: "usage.addTime('bogus', 5) changes nothing",
    call: sync(() => {
      const u = new Usage();
      u.addTime(bad("bogus"), 5);
      return u.cpuNs;
    }),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "checkSyscallFaults({ eintr: 2 })",
    call: sync(() => checkSyscallFaults({ eintr: 2 })),
    expect: rangeError(/eintr "2"/),
  },
  {
    what: "checkSyscallFaults({ bogus: 1 })",
    call: sync(() => checkSyscallFaults(bad({ bogus: 1 }))),
    expect: typeError(/Unknown syscall fault "bogus"/),
  },
  {
    what: "checkSyscallFaults({ recvDelayNs: -1 })",
    call: sync(() => checkSyscallFaults({ recvDelayNs: -1 })),
    expect: rangeError(/recvDelayNs "-1"/),
  },
  {
    what: "new FaultInjector(sim, 'h', rng, { shortRead: NaN })",
    call: sync(() => {
      const sim = new Simulation();
      return new FaultInjector(sim, "h", sim.rng, { shortRead: NaN });
    }),
    expect: rangeError(/shortRead "NaN"/),
  },
  {
    what: "host.injectFaults({ enobufs: -1 })",
    call: sync(() => new Host(new Simulation()).injectFaults({ enobufs: -1 })),
    expect: rangeError(/enobufs "-1"/),
  },
  {
    what: "host.spawn on a crashed host",
    call: sync(() => {
      const host = new Host(new Simulation(), { name: "down" });
      host.crash();
      return host.spawn("p", threadNothing);
    }),
    expect: domain(StateError, /host "down": it is down/),
  },
  {
    what: "toBytes(5)",
    call: sync(() => toBytes(bad(5))),
    expect: typeError(/data "5"/),
  },
  {
    what: "toAddress(['h', 70000])",
    call: sync(() => toAddress(["h", 70000])),
    expect: rangeError(/port "70000"/),
  },
  {
    what: "toAddress(['h', NaN])",
    call: sync(() => toAddress(["h", NaN])),
    expect: rangeError(/port "NaN"/),
  },
  {
    what: "toAddress({ host: 5, port: 1 })",
    call: sync(() => toAddress(bad({ host: 5, port: 1 }))),
    expect: typeError(/host "5"/),
  },
  {
    what: "toAddress(null)",
    call: sync(() => toAddress(bad(null))),
    expect: typeError(/host "undefined"/),
  },
  {
    what: "toSigno('SIGBOGUS')",
    call: sync(() => toSigno(bad("SIGBOGUS"))),
    expect: rangeError(/signal "SIGBOGUS"/),
  },
  {
    what: "toSigno(65)",
    call: sync(() => toSigno(65)),
    expect: rangeError(/signal "65"/),
  },
  {
    what: "signalName(999) does not throw",
    call: sync(() => signalName(999)),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "maskNames(NaN) is empty",
    call: sync(() => maskNames(NaN)),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "new FdTable(): get(-1) and get(NaN) find nothing",
    call: sync(() => {
      const t = new FdTable();
      return [t.get(-1), t.get(NaN), t.get(1e9), t.remove(-1)];
    }),
    expect: ok((v) => assert.deepEqual(v, [undefined, undefined, undefined, undefined])),
  },
  {
    what: "PipeEnd.pair() ends describe themselves",
    call: sync(() => PipeEnd.pair().map((p) => p.describe())),
    expect: ok((v) => assert.equal((v as string[]).length, 2)),
  },
  {
    what: "host.spawn('', body)",
    call: sync(() => new Host(new Simulation()).spawn("", threadNothing)),
    expect: typeError(/process name ""/),
  },
  {
    what: "host.spawn('p', 5)",
    call: sync(() => new Host(new Simulation()).spawn("p", bad(5))),
    expect: typeError(/body for process "p"/),
  },
  {
    what: "host.spawn with delay -1 leaves the host as it was",
    call: sync(() => {
      const host = new Host(new Simulation());
      assert.throws(() => host.spawn("p", threadNothing, { delay: -1 }), RangeError);
      assert.throws(() => host.spawn("p", threadNothing, { delay: NaN }), RangeError);
      assert.throws(() => host.spawn("p", threadNothing, { delay: bad("1") }), TypeError);
      assert.throws(() => host.spawn("p", threadNothing, { onError: bad("no") }), RangeError);
      return [host.processes.size, host.threadCount, host.spawn("p", threadNothing).pid];
    }),
    expect: ok((v) => assert.deepEqual(v, [0, 0, 1000])),
  },
  {
    what: "host.spawn('p', body, { delay: NaN })",
    call: sync(() => new Host(new Simulation()).spawn("p", threadNothing, { delay: NaN })),
    expect: rangeError(/delay "NaN"/),
  },
  // System calls from a thread: each fails, the thread and the host go on.
  {
    what: "sys.compute(-1)",
    call: thread((sys) => sys.compute(-1)),
    expect: rangeError(/compute time "-1"/),
  },
  {
    what: "sys.compute(NaN)",
    call: thread((sys) => sys.compute(NaN)),
    expect: rangeError(/compute time "NaN"/),
  },
  {
    what: "sys.compute(Infinity)",
    call: thread((sys) => sys.compute(Infinity)),
    expect: rangeError(/compute time "Infinity"/),
  },
  {
    what: "sys.compute('5')",
    call: thread((sys) => sys.compute(bad("5"))),
    expect: typeError(/compute time "5"/),
  },
  {
    what: "sys.sleep(-Infinity)",
    call: thread((sys) => sys.sleep(-Infinity)),
    expect: rangeError(/sleep time "-Infinity"/),
  },
  {
    what: "sys.sleep(null)",
    call: thread((sys) => sys.sleep(bad(null))),
    expect: typeError(/sleep time "null"/),
  },
  {
    what: "sys.sleep(2^60)",
    call: thread((sys) => sys.sleep(2 ** 60)),
    expect: rangeError(/"1152921504606847000"/),
  },
  {
    // The work is simulated one time slice at a time: an hour per call at most.
    what: "sys.compute(2^53)",
    call: thread((sys) => sys.compute(HUGE)),
    expect: rangeError(/compute time "9007199254740992": at most 3600000000000 ns/),
  },
  {
    what: "sys.compute(MAX_COMPUTE_NS + 1)",
    call: thread((sys) => sys.compute(MAX_COMPUTE_NS + 1)),
    expect: rangeError(/compute time "3600000000001"/),
  },
  {
    what: "sys.print of a cyclic object, a BigInt and bytes",
    call: thread((sys) =>
      now(() => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        sys.print(cyclic, 10n, new Uint8Array([0, 255]), Symbol("s"));
      })
    ),
    expect: ok(),
  },
  {
    what: "sys.send(fd, '') sends nothing",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.send(x, "");
    }),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "sys.write(pipe, empty bytes) writes nothing",
    call: thread(function* (sys) {
      const [, wfd] = yield* sys.pipe();
      return yield* sys.write(wfd, new Uint8Array(0));
    }),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "sys.sendto of an empty datagram is delivered as one",
    call: thread(function* (sys) {
      const r = yield* sys.socket("dgram");
      yield* sys.bind(r, ["", 7000]);
      const s2 = yield* sys.socket("dgram");
      yield* sys.sendto(s2, "", ["a", 7000]);
      return yield* sys.recvfrom(r, 100);
    }),
    expect: ok((v) => assert.equal((v as { data: Uint8Array }).data.length, 0)),
  },
  {
    // Its connect would send the SYN in the other simulation and wait forever.
    what: "connect on a socket of another simulation",
    call: thread(function* (sys, w) {
      const fd = sys.process.fds.install(w.foreign.host.stack!.socket("stream"));
      return yield* sys.connect(fd, ["elsewhere", 80]);
    }),
    expect: typeError(/another simulation/),
  },
  {
    what: "fds.installAt of a pipe end whose other end is in another simulation",
    // deno-lint-ignore require-yield
    call: thread(function* (sys, w) {
      const [r, wr] = PipeEnd.pair();
      new Host(w.foreign.sim, { name: "other" }).spawn("p", threadNothing).fds.install(r);
      return sys.process.fds.installAt(9, wr);
    }),
    expect: typeError(/pipe \(write end, 0 bytes\): it belongs to another simulation/),
  },
  {
    what: "sys.close('3')",
    call: thread((sys) => sys.close(bad("3"))),
    expect: typeError(/fd "3" for close/),
  },
  { what: "sys.close(-1)", call: thread((sys) => sys.close(-1)), expect: errno("EBADF", /fd -1/) },
  { what: "sys.close(NaN)", call: thread((sys) => sys.close(NaN)), expect: errno("EBADF") },
  { what: "sys.close(3.5)", call: thread((sys) => sys.close(3.5)), expect: errno("EBADF") },
  { what: "sys.close(2^53)", call: thread((sys) => sys.close(HUGE)), expect: errno("EBADF") },
  {
    what: "sys.close(an fd of another process)",
    call: thread((sys, w) => sys.close(w.neighbourFds[0])),
    expect: errno("EBADF"),
  },
  {
    what: "sys.close twice",
    call: thread(function* (sys) {
      const [r, wfd] = yield* sys.pipe();
      yield* sys.close(wfd);
      yield* sys.close(r);
      yield* sys.close(r);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "sys.recv on a closed fd",
    call: thread(function* (sys) {
      const [, y] = yield* sys.socketpair();
      yield* sys.close(y);
      return yield* sys.recv(y, 10);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "sys.send on an fd of another process",
    call: thread((sys, w) => sys.send(w.neighbourFds[1], "hijack")),
    expect: errno("EBADF"),
  },
  {
    what: "sys.read(fd, -1)",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.read(r, -1);
    }),
    expect: errno("EINVAL", /size "-1"/),
  },
  {
    what: "sys.read(fd, NaN)",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.read(r, NaN);
    }),
    expect: typeError(/size "NaN" for read/),
  },
  {
    what: "sys.read(fd, 1.5)",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.read(r, 1.5);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.read(fd, 2^53) with data waiting returns what there is",
    call: thread(function* (sys) {
      const [r, wfd] = yield* sys.pipe();
      yield* sys.write(wfd, "abc");
      return yield* sys.read(r, HUGE);
    }),
    expect: ok((v) => assert.equal((v as Uint8Array).length, 3)),
  },
  {
    what: "sys.read(fd, Infinity)",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.read(r, Infinity);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.read from a pipe's write end",
    call: thread(function* (sys) {
      const [, wfd] = yield* sys.pipe();
      return yield* sys.read(wfd, 10);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "sys.write to a pipe's read end",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.write(r, "x");
    }),
    expect: errno("EBADF"),
  },
  {
    what: "sys.write(fd, 5)",
    call: thread(function* (sys) {
      const [, wfd] = yield* sys.pipe();
      return yield* sys.write(wfd, bad(5));
    }),
    expect: typeError(/data "5"/),
  },
  {
    what: "sys.write to a pipe whose readers are gone",
    call: thread(function* (sys) {
      const [r, wfd] = yield* sys.pipe();
      yield* sys.close(r);
      return yield* sys.write(wfd, "x");
    }),
    expect: errno("EPIPE"),
  },
  {
    what: "sys.write of 4 MiB to a non-blocking pipe accepts a part",
    call: thread(function* (sys) {
      const [, wfd] = yield* sys.pipe();
      yield* sys.fcntl(wfd, "F_SETFL", O_NONBLOCK);
      return yield* sys.write(wfd, BIG_TEXT);
    }),
    expect: ok((v) => assert.equal(v, 65536)),
  },
  {
    what: "sys.fcntl(fd, 'F_BOGUS')",
    call: thread((sys) => sys.fcntl(1, bad("F_BOGUS"))),
    expect: errno("EINVAL", /F_BOGUS/),
  },
  {
    what: "sys.fcntl(fd, 'F_SETOWN', 99999)",
    call: thread((sys) => sys.fcntl(1, "F_SETOWN", 99999)),
    expect: errno("ESRCH"),
  },
  {
    what: "sys.fcntl(fd, 'F_SETSIG', 100)",
    call: thread((sys) => sys.fcntl(1, "F_SETSIG", 100)),
    expect: errno("EINVAL", /"100" is not a signal/),
  },
  {
    what: "sys.fcntl(closed fd, 'F_GETFL')",
    call: thread((sys) => sys.fcntl(40, "F_GETFL")),
    expect: errno("EBADF"),
  },
  {
    what: "sys.setBlocking(closed fd, false)",
    call: thread((sys) => sys.setBlocking(40, false)),
    expect: errno("EBADF"),
  },
  {
    what: "sys.kill(99999, 'SIGTERM')",
    call: thread((sys) => sys.kill(99999, "SIGTERM")),
    expect: errno("ESRCH"),
  },
  {
    what: "sys.kill(pid, 'SIGBOGUS')",
    call: thread((sys) => sys.kill(sys.pid, bad("SIGBOGUS"))),
    expect: rangeError(/signal "SIGBOGUS"/),
  },
  {
    what: "sys.kill(pid, 65)",
    call: thread((sys) => sys.kill(sys.pid, 65)),
    expect: rangeError(/signal "65"/),
  },
  {
    what: "sys.sigaction('SIGKILL', 'ignore')",
    call: thread((sys) => sys.sigaction("SIGKILL", "ignore")),
    expect: errno("EINVAL", /SIGKILL cannot be caught/),
  },
  {
    what: "sys.sigaction('SIGUSR1', 'bogus')",
    call: thread((sys) => sys.sigaction("SIGUSR1", bad("bogus"))),
    expect: typeError(/signal action "bogus"/),
  },
  {
    what: "sys.sigprocmask('SIG_BOGUS', [])",
    call: thread((sys) => sys.sigprocmask(bad("SIG_BOGUS"), [])),
    expect: errno("EINVAL", /SIG_BOGUS/),
  },
  {
    // One signal is taken as a list of one (Python's pthread_sigmask takes any iterable).
    what: "sys.sigprocmask('SIG_BLOCK', 'SIGINT')",
    call: thread(function* (sys) {
      yield* sys.sigprocmask("SIG_BLOCK", "SIGINT");
      return yield* sys.sigprocmask("SIG_UNBLOCK", new Set([2, "SIGUSR1"] as const));
    }),
    expect: ok((v) => assert.deepEqual(v, [2])),
  },
  {
    what: "sys.sigprocmask('SIG_BLOCK', {})",
    call: thread((sys) => sys.sigprocmask("SIG_BLOCK", bad({}))),
    expect: typeError(/signals "\[object Object\]": expected a signal or an iterable/),
  },
  {
    what: "sys.sigprocmask('SIG_BLOCK', null)",
    call: thread((sys) => sys.sigprocmask("SIG_BLOCK", bad(null))),
    expect: typeError(/signals "null"/),
  },
  {
    what: "sys.sigprocmask('SIG_BLOCK', 'SIGBOGUS')",
    call: thread((sys) => sys.sigprocmask("SIG_BLOCK", bad("SIGBOGUS"))),
    expect: rangeError(/signal "SIGBOGUS"/),
  },
  {
    what: "sys.waitpid() with no children",
    call: thread((sys) => sys.waitpid()),
    expect: errno("ECHILD"),
  },
  {
    what: "sys.waitpid(a pid that is not a child)",
    call: thread((sys, w) => sys.waitpid([...w.a.processes.keys()][0]!)),
    expect: errno("ECHILD"),
  },
  {
    what: "sys.fork('c', 5)",
    call: thread((sys) => sys.fork("c", bad(5))),
    expect: typeError(/body for process "c"/),
  },
  {
    what: "sys.spawnThread('t', 5)",
    call: thread((sys) => sys.spawnThread("t", bad(5))),
    expect: typeError(/thread body "5"/),
  },
  {
    what: "sys.joinThread(itself)",
    call: thread((sys) => sys.joinThread(sys.thread)),
    expect: errno("EDEADLK"),
  },
  {
    what: "sys.joinThread(null)",
    call: thread((sys) => sys.joinThread(bad(null))),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.joinThread(a thread of another process)",
    call: thread((sys, w) => sys.joinThread([...w.a.processes.values()][0]!.mainThread)),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.joinThread(t, -1)",
    call: thread(function* (sys) {
      const t = yield* sys.spawnThread("t", threadNothing);
      return yield* sys.joinThread(t, -1);
    }),
    // As Python's Thread.join(-1): a negative timeout does not wait.
    expect: domain(TimeoutError, /timed out after 0 ns/),
  },
  {
    what: "sys.joinThread(t, NaN)",
    call: thread(function* (sys) {
      const t = yield* sys.spawnThread("t", threadNothing);
      return yield* sys.joinThread(t, NaN);
    }),
    expect: rangeError(/timeout "NaN"/),
  },
  {
    // A child thread that called its parent's `sys` would charge the parent's
    // usage and core while the child runs: it fails before charging anything.
    // The child hands the error back so that the process lives on.
    what: "sys of the parent used from a child thread",
    call: thread(function* (sys) {
      const t = yield* sys.spawnThread("t", function* () {
        try {
          yield* sys.compute(us(10));
        } catch (e) {
          return e;
        }
      });
      yield* sys.compute(us(30));
      throw yield* sys.joinThread(t);
    }),
    expect: domain(
      StateError,
      /compute on the sys of thread "caller\[\d+\]" from another thread, "caller\[\d+\]\/t"/,
    ),
  },
  {
    what: "sys of a thread used from a kernel task",
    call: thread(function* (sys, w) {
      const task = w.sim.spawn(function* () {
        try {
          yield* sys.sleep(us(1));
        } catch (e) {
          return e;
        }
      }, { name: "intruder" });
      throw yield* sys.thread.waitEvent(task);
    }),
    expect: domain(
      StateError,
      /nanosleep on the sys of thread "caller\[\d+\]" from task "intruder", not a thread/,
    ),
  },
  {
    what: "sys of a thread used outside any task",
    call: sync(() => {
      const sim = new Simulation();
      let leaked: Sys | null = null;
      new Host(sim).spawn("p", function* (sys) {
        leaked = sys;
        yield* sys.sleep(us(1));
      });
      sim.run();
      return (leaked as Sys | null)!.compute(us(1)).next();
    }),
    expect: domain(StateError, /from outside any task/),
  },
  {
    what: "sys.exit('x')",
    call: thread((sys) => sys.exit(bad("x"))),
    expect: typeError(/exit status "x": expected an integer/),
  },
  {
    what: "sys.exit(1.5)",
    call: thread((sys) => sys.exit(1.5)),
    expect: typeError(/exit status "1\.5"/),
  },
  {
    what: "sys.exit(-1) and exit(257) report their status modulo 256",
    call: thread(function* (sys) {
      const statuses: number[] = [];
      for (const code of [-1, 257, 2 ** 60]) {
        const pid = yield* sys.fork("child", function* (child) {
          yield* child.exit(code);
        });
        statuses.push((yield* sys.waitpid(pid))!.status);
      }
      return statuses;
    }),
    expect: ok((v) => assert.deepEqual(v, [255, 1, 0])),
  },
  {
    what: "a main thread that returns 1.5",
    call: thread(function* (sys) {
      const pid = yield* sys.fork("child", function* () {
        return 1.5;
      }, { onError: "exit" });
      return (yield* sys.waitpid(pid))!.status;
    }),
    expect: ok((v) => assert.equal(v, 1)),
  },
  {
    what: "host.spawn('p', body, { onError: 'bogus' })",
    call: sync(() =>
      new Host(new Simulation()).spawn("p", threadNothing, { onError: bad("bogus") })
    ),
    expect: rangeError(/onError "bogus": expected "raise" or "exit"/),
  },
  {
    what: "sys.fork('c', body, { onError: 'bogus' })",
    call: thread((sys) => sys.fork("c", threadNothing, { onError: bad("bogus") })),
    expect: rangeError(/onError "bogus"/),
  },
  {
    // The victim is charged for the time it ran till the kill, and its core for the same.
    what: "SIGKILL of a process in the middle of its computation",
    call: thread(function* (sys) {
      const pid = yield* sys.fork("victim", function* (child) {
        yield* child.compute(ms(10));
      });
      yield* sys.sleep(ms(1));
      yield* sys.kill(pid, "SIGKILL");
      return yield* sys.waitpid(pid);
    }),
    expect: ok((r) => assert.equal((r as { status: number }).status, -9)),
  },
  {
    what: "host.crash() in the middle of a computation",
    call: sync(() => {
      const sim = new Simulation();
      const host = new Host(sim, { cores: 2 });
      const p = host.spawn("v", function* (sys) {
        yield* sys.compute(ms(10));
      });
      let at: [number[], number] = [[], 0];
      sim.schedule(ms(1), () => {
        host.crash();
        at = [host.cpu.busyTime(), p.usage().cpuNs];
      });
      sim.run();
      checkAccounting(host);
      return at;
    }),
    expect: ok((v) => {
      const [busy, cpu] = v as [number[], number];
      assert.equal(busy[0], cpu);
      assert.ok(cpu > 0 && cpu < ms(1), String(cpu));
      assert.equal(busy[1], 0);
    }),
  },
  {
    what: "sys.setrlimitNofile(-1)",
    call: thread((sys) => sys.setrlimitNofile(-1)),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.setrlimitNofile(NaN)",
    call: thread((sys) => sys.setrlimitNofile(NaN)),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.setrlimitNofile(10, 5)",
    call: thread((sys) => sys.setrlimitNofile(10, 5)),
    expect: errno("EINVAL", /10\/5/),
  },
  {
    what: "sys.setrlimitNofile raising the hard limit unprivileged",
    call: thread((sys) => sys.setrlimitNofile(10, 1e7)),
    expect: errno("EPERM"),
  },
  {
    what: "a full descriptor table: socketpair fails with EMFILE and leaks nothing",
    call: thread(function* (sys) {
      yield* sys.setrlimitNofile(4);
      try {
        return yield* sys.socketpair();
      } finally {
        assert.equal(sys.process.fds.size, 3);
        yield* sys.setrlimitNofile(1024);
      }
    }),
    expect: errno("EMFILE"),
  },
  {
    what: "a full descriptor table: pipe fails with EMFILE",
    call: thread(function* (sys) {
      yield* sys.setrlimitNofile(3);
      try {
        return yield* sys.pipe();
      } finally {
        yield* sys.setrlimitNofile(1024);
      }
    }),
    expect: errno("EMFILE"),
  },
  {
    what: "sys.socket('raw')",
    call: thread((sys) => sys.socket(bad("raw"))),
    expect: typeError(/socket type "raw"/),
  },
  {
    what: "sys.socketpair('seqpacket')",
    call: thread((sys) => sys.socketpair(bad("seqpacket"))),
    expect: typeError(/socket type "seqpacket"/),
  },
  {
    what: "sys.bind(fd, ['a', 70000])",
    call: thread(function* (sys) {
      return yield* sys.bind(yield* sys.socket(), ["a", 70000]);
    }),
    expect: rangeError(/port "70000"/),
  },
  {
    what: "sys.bind(fd, null)",
    call: thread(function* (sys) {
      return yield* sys.bind(yield* sys.socket(), bad(null));
    }),
    expect: typeError(/address host "undefined"/),
  },
  {
    what: "sys.bind(a pipe, address)",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.bind(r, ["a", 80]);
    }),
    expect: errno("ENOTSOCK"),
  },
  {
    what: "sys.bind to a port below 1024 unprivileged",
    call: thread(function* (sys) {
      return yield* sys.bind(yield* sys.socket(), ["", 80]);
    }),
    expect: errno("EACCES"),
  },
  {
    what: "sys.bind to another host's address",
    call: thread(function* (sys) {
      return yield* sys.bind(yield* sys.socket(), ["b", 8080]);
    }),
    expect: errno("EADDRNOTAVAIL"),
  },
  {
    what: "sys.listen(fd, NaN)",
    call: thread(function* (sys) {
      return yield* sys.listen(yield* sys.socket(), NaN);
    }),
    expect: typeError(/backlog "NaN"/),
  },
  {
    what: "sys.listen on a datagram socket",
    call: thread(function* (sys) {
      return yield* sys.listen(yield* sys.socket("dgram"));
    }),
    expect: errno("EOPNOTSUPP"),
  },
  {
    what: "sys.listen(fd, -5) (Linux takes it as 0)",
    call: thread(function* (sys) {
      const fd = yield* sys.socket();
      yield* sys.bind(fd, ["", 5000]);
      return yield* sys.listen(fd, -5);
    }),
    expect: ok(),
  },
  {
    what: "sys.listen(fd, 2^53)",
    call: thread(function* (sys) {
      const fd = yield* sys.socket();
      yield* sys.bind(fd, ["", 5000]);
      return yield* sys.listen(fd, HUGE);
    }),
    expect: ok(),
  },
  {
    what: "sys.accept on a socket that is not listening",
    call: thread(function* (sys) {
      return yield* sys.accept(yield* sys.socket());
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.connect to an unknown host",
    call: thread(function* (sys) {
      return yield* sys.connect(yield* sys.socket(), ["nowhere", 80]);
    }),
    expect: errno("EHOSTUNREACH", /"nowhere"/),
  },
  {
    what: "sys.connect to a closed port",
    call: thread(function* (sys) {
      return yield* sys.connect(yield* sys.socket(), ["b", 9]);
    }),
    expect: errno("ECONNREFUSED"),
  },
  {
    what: "sys.connect to port -1",
    call: thread(function* (sys) {
      return yield* sys.connect(yield* sys.socket(), ["b", -1]);
    }),
    expect: rangeError(/port "-1"/),
  },
  {
    what: "sys.connect to the host of another simulation",
    call: thread(function* (sys, w) {
      return yield* sys.connect(yield* sys.socket(), [w.foreign.host.name, 80]);
    }),
    expect: errno("EHOSTUNREACH", /"elsewhere"/),
  },
  {
    what: "sys.send on an unconnected stream socket",
    call: thread(function* (sys) {
      return yield* sys.send(yield* sys.socket(), "x");
    }),
    // Linux's tcp_sendmsg: EPIPE, as Python's BrokenPipeError shows.
    expect: errno("EPIPE"),
  },
  {
    what: "sys.send(fd, {})",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.send(x, bad({}));
    }),
    expect: typeError(/data "\[object Object\]"/),
  },
  {
    what: "sys.send of 4 MiB with MSG_DONTWAIT accepts a part",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.send(x, BIG_TEXT, MSG_DONTWAIT);
    }),
    expect: ok((v) => assert.ok((v as number) > 0 && (v as number) < BIG_TEXT.length, `${v}`)),
  },
  {
    what: "sys.recv(fd, -1)",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.recv(x, -1);
    }),
    expect: errno("EINVAL", /size "-1"/),
  },
  {
    what: "sys.recv(fd, NaN)",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.recv(x, NaN);
    }),
    expect: typeError(/size "NaN" for recv/),
  },
  {
    what: "sys.recv(fd, 2^53) with data waiting returns what there is",
    call: thread(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "hello");
      return yield* sys.recv(y, HUGE);
    }),
    expect: ok((v) => assert.equal((v as Uint8Array).length, 5)),
  },
  {
    what: "sys.recv(fd, 0) returns nothing at once",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.recv(x, 0);
    }),
    expect: ok((v) => assert.equal((v as Uint8Array).length, 0)),
  },
  {
    what: "sys.recv with MSG_DONTWAIT on an empty socket",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.recv(x, 10, MSG_DONTWAIT);
    }),
    expect: errno("EAGAIN"),
  },
  {
    what: "sys.recv on a pipe",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.recv(r, 10);
    }),
    expect: errno("ENOTSOCK"),
  },
  {
    what: "sys.recvInto(fd, 'buffer')",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.recvInto(x, bad("buffer"));
    }),
    expect: errno("EFAULT"),
  },
  {
    what: "sys.sendto(dgram, data, ['nowhere', 5])",
    call: thread(function* (sys) {
      return yield* sys.sendto(yield* sys.socket("dgram"), "x", ["nowhere", 5]);
    }),
    expect: errno("EHOSTUNREACH"),
  },
  {
    what: "sys.sendto of a datagram over 64 KiB",
    call: thread(function* (sys) {
      return yield* sys.sendto(yield* sys.socket("dgram"), BIG_TEXT, ["b", 5]);
    }),
    expect: errno("EMSGSIZE"),
  },
  {
    what: "sys.recvfrom(fd, -5)",
    call: thread(function* (sys) {
      return yield* sys.recvfrom(yield* sys.socket("dgram"), -5);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.shutdown(fd, 'SHUT_BOGUS')",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* sys.shutdown(x, bad("SHUT_BOGUS"));
    }),
    expect: errno("EINVAL", /SHUT_BOGUS/),
  },
  {
    what: "sys.setsockopt(fd, 'SO_BOGUS', 1)",
    call: thread(function* (sys) {
      return yield* sys.setsockopt(yield* sys.socket(), bad("SO_BOGUS"), 1);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.setsockopt(fd, 'SO_RCVBUF', NaN)",
    call: thread(function* (sys) {
      return yield* sys.setsockopt(yield* sys.socket(), "SO_RCVBUF", NaN);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.setsockopt(fd, 'SO_RCVBUF', -1)",
    call: thread(function* (sys) {
      return yield* sys.setsockopt(yield* sys.socket(), "SO_RCVBUF", -1);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.getsockopt(fd, 'SO_BOGUS')",
    call: thread(function* (sys) {
      return yield* sys.getsockopt(yield* sys.socket(), bad("SO_BOGUS"));
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "sys.getpeername on an unconnected socket",
    call: thread(function* (sys) {
      return yield* sys.getpeername(yield* sys.socket());
    }),
    expect: errno("ENOTCONN"),
  },
  {
    what: "sys.getsockname on a pipe",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* sys.getsockname(r);
    }),
    expect: errno("ENOTSOCK"),
  },
];

// ---- the network ---------------------------------------------------------------

const netCases: Case[] = [
  {
    what: "new Network(sim, { link: { latency: -1 } })",
    call: sync(() => new Network(new Simulation(), { link: { latency: -1 } })),
    expect: rangeError(/latency "-1"/),
  },
  {
    what: "new Network(sim, { link: { latency: NaN } })",
    call: sync(() => new Network(new Simulation(), { link: { latency: NaN } })),
    expect: typeError(/latency "NaN"/),
  },
  {
    what: "new Network(sim, { link: { latency: Infinity } })",
    call: sync(() => new Network(new Simulation(), { link: { latency: Infinity } })),
    expect: rangeError(/latency "Infinity"/),
  },
  {
    what: "new Network(sim, { link: { loss: 2 } })",
    call: sync(() => new Network(new Simulation(), { link: { loss: 2 } })),
    expect: rangeError(/loss "2"/),
  },
  {
    what: "new Network(sim, { link: { bandwidth: 0 } })",
    call: sync(() => new Network(new Simulation(), { link: { bandwidth: 0 } })),
    expect: rangeError(/bandwidth "0"/),
  },
  {
    what: "new Network(sim, { link: { jitter: '1' } })",
    call: sync(() => new Network(new Simulation(), { link: bad({ jitter: "1" }) })),
    expect: typeError(/jitter "1"/),
  },
  {
    what: "linkParams({ loss: -0.1 })",
    call: sync(() => linkParams({ loss: -0.1 })),
    expect: rangeError(/loss "-0\.1"/),
  },
  {
    what: "net.addHost('')",
    call: sync(() => new Network(new Simulation()).addHost("")),
    expect: typeError(/host name ""/),
  },
  {
    what: "net.addHost('localhost')",
    call: sync(() => new Network(new Simulation()).addHost("localhost")),
    expect: rangeError(/host name "localhost": it is a reserved address/),
  },
  {
    what: "net.addHost twice with one name",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("x");
      net.addHost("x");
    }),
    expect: rangeError(/host named "x" is already on the network/),
  },
  {
    what: "net.addHost('x', { cores: -1 })",
    call: sync(() => new Network(new Simulation()).addHost("x", { cores: -1 })),
    expect: rangeError(/cores "-1"/),
  },
  {
    what: "net.attach(a host of another simulation)",
    call: sync(() =>
      new Network(new Simulation()).attach(new Host(new Simulation(), { name: "h" }))
    ),
    expect: typeError(/Host "h" belongs to another simulation/),
  },
  {
    what: "net.attach(a host already on a network)",
    call: sync(() => {
      const sim = new Simulation();
      const host = new Network(sim).addHost("h");
      new Network(sim).attach(host);
    }),
    expect: typeError(/Host "h" is already on a network/),
  },
  {
    what: "net.attach(null)",
    call: sync(() => new Network(new Simulation()).attach(bad(null))),
    expect: typeError(/Invalid host "null": expected a Host/),
  },
  {
    what: "net.attach('a') (a name, not a host)",
    call: sync(() => new Network(new Simulation()).attach(bad("a"))),
    expect: typeError(/Invalid host "a": expected a Host/),
  },
  {
    what: "net.link('a', 'nope', {})",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      net.link("a", "nope", {});
    }),
    expect: rangeError(/Unknown host "nope"/),
  },
  {
    what: "net.link(a, b, { jitter: Infinity })",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      net.addHost("b");
      net.link("a", "b", { jitter: Infinity });
    }),
    expect: rangeError(/jitter "Infinity"/),
  },
  {
    what: "net.path(a host of another simulation with the same name)",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("elsewhere");
      net.path("elsewhere", makeForeign().host);
    }),
    expect: rangeError(/Unknown host "elsewhere"/),
  },
  {
    what: "net.link(a, a, {}) (a host to itself)",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      net.link("a", "a", {});
    }),
    expect: rangeError(/Cannot link host "a" to itself: .*loopback device/),
  },
  {
    what: "net.link(host a, 'a', {}, true) (a host to itself, one way)",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.link(net.addHost("a"), "a", { latency: 5 }, true);
    }),
    expect: rangeError(/Cannot link host "a" to itself/),
  },
  {
    what: "net.addFault({ drop: 2 })",
    call: sync(() => new Network(new Simulation()).addFault({ drop: 2 })),
    expect: rangeError(/drop "2"/),
  },
  {
    what: "net.addFault({ delay: NaN })",
    call: sync(() => new Network(new Simulation()).addFault({ delay: NaN })),
    expect: rangeError(/delay "NaN"/),
  },
  {
    what: "net.addFault({ from: 'nope' })",
    call: sync(() => new Network(new Simulation()).addFault({ from: "nope", drop: 0.5 })),
    expect: rangeError(/Unknown host "nope"/),
  },
  {
    what: "net.addFault({ to: a host of another simulation })",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("elsewhere");
      net.addFault({ to: makeForeign().host, drop: 0.5 });
    }),
    expect: rangeError(/Unknown host "elsewhere"/),
  },
  {
    what: "net.addFault(null)",
    call: sync(() => new Network(new Simulation()).addFault(bad(null))),
    expect: typeError(/Invalid fault rule "null": expected an object/),
  },
  {
    what: "checkFaultRule(null)",
    call: sync(() => checkFaultRule(bad(null))),
    expect: typeError(/Invalid fault rule "null": expected an object/),
  },
  {
    what: "checkFaultRule({ reorder: 1.5 })",
    call: sync(() => checkFaultRule({ reorder: 1.5 })),
    expect: rangeError(/Invalid fault reorder "1\.5"/),
  },
  {
    what: "net.addFault(undefined)",
    call: sync(() => new Network(new Simulation()).addFault(bad(undefined))),
    expect: typeError(/Invalid fault rule "undefined"/),
  },
  {
    what: "net.partition(['a'], ['a'])",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      net.partition(["a"], ["a"]);
    }),
    expect: rangeError(/host "a" is on both sides/),
  },
  {
    what: "net.partition(['nope'])",
    call: sync(() => new Network(new Simulation()).partition(["nope"])),
    expect: rangeError(/Unknown host "nope"/),
  },
  {
    what: "a fault handle removed twice and a partition healed twice are harmless",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      net.addHost("b");
      const f = net.addFault({ from: "a", to: "b", drop: 1 });
      const p = net.partition(["a"]);
      f.remove();
      f.remove();
      p.heal();
      p.heal();
      return net.path("a", "b").rules.length;
    }),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "applyFaultPlan(net, null)",
    call: sync(() => applyFaultPlan(new Network(new Simulation()), bad(null))),
    expect: typeError(/fault plan "null"/),
  },
  {
    what: "applyFaultPlan with a crash of an unknown host",
    call: sync(() =>
      applyFaultPlan(new Network(new Simulation()), {
        actions: [{ kind: "crash", at: 0, host: "zz" }],
      })
    ),
    expect: rangeError(/Unknown host "zz" in the fault plan/),
  },
  {
    what: "applyFaultPlan with an action at NaN",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      applyFaultPlan(net, { actions: [{ kind: "crash", at: NaN, host: "a" }] });
    }),
    expect: rangeError(/time at "NaN"/),
  },
  {
    what: "applyFaultPlan with a heal before its partition",
    call: sync(() => {
      const net = new Network(new Simulation());
      net.addHost("a");
      applyFaultPlan(net, { actions: [{ kind: "partition", at: 2, healAt: 1, side: ["a"] }] });
    }),
    expect: rangeError(/healAt "1": before the partition at 2/),
  },
  {
    what: "applyFaultPlan with an unknown action kind",
    call: sync(() =>
      applyFaultPlan(new Network(new Simulation()), { actions: [bad({ kind: "flood", at: 0 })] })
    ),
    expect: typeError(/unknown kind/),
  },
  {
    what: "applyFaultPlan with a null action",
    call: sync(() => applyFaultPlan(new Network(new Simulation()), { actions: [bad(null)] })),
    expect: typeError(/Invalid fault action "null": expected an object/),
  },
  {
    what: "applyFaultPlan with a rule that drops with probability 2",
    call: sync(() => {
      const sim = new Simulation();
      const net = new Network(sim);
      net.addHost("a");
      try {
        applyFaultPlan(net, { actions: [{ kind: "rule", at: 5, rule: { drop: 2 } }] });
      } finally {
        sim.run(); // must not fail: the plan should have been refused
      }
    }),
    expect: rangeError(/drop "2"/),
  },
  // The whole plan is checked before anything is scheduled.
  ...([
    ["syscall faults out of range", { kind: "syscalls", at: 5, host: "a", faults: { eintr: 2 } }, {
      error: RangeError,
      message: /eintr "2"/,
    }],
    ["unknown syscall fault", { kind: "syscalls", at: 5, host: "a", faults: { bogus: 1 } }, {
      error: TypeError,
      message: /Unknown syscall fault "bogus"/,
    }],
    ["an unknown signal", { kind: "kill", at: 5, host: "a", process: "p", signal: "SIGNOPE" }, {
      error: RangeError,
      message: /Invalid signal "SIGNOPE"/,
    }],
    ["a kill of process null", { kind: "kill", at: 5, host: "a", process: null }, {
      error: TypeError,
      message: /Invalid kill process "null"/,
    }],
    ["a rule of null", { kind: "rule", at: 5, rule: null }, {
      error: TypeError,
      message: /Invalid fault rule "null"/,
    }],
    ["a rule from an unknown host", { kind: "rule", at: 5, rule: { from: "zz", drop: 0.5 } }, {
      error: RangeError,
      message: /Unknown host "zz" in the fault plan/,
    }],
    ["a rule removed before it is added", {
      kind: "rule",
      at: 5,
      untilAt: 4,
      rule: { drop: 0.5 },
    }, { error: RangeError, message: /untilAt "4": before the rule at 5/ }],
    ["a partition side that is a string", { kind: "partition", at: 5, side: "a" }, {
      error: TypeError,
      message: /Invalid partition side "a"/,
    }],
    ["a partition with a host on both sides", {
      kind: "partition",
      at: 5,
      side: ["a"],
      other: ["a"],
    }, { error: RangeError, message: /host "a" is on both sides/ }],
  ] as const).map(([what, action, expect]): Case => ({
    what: `applyFaultPlan with ${what} applies nothing`,
    call: sync(() => {
      const sim = new Simulation();
      const net = new Network(sim);
      net.addHost("a");
      net.addHost("b");
      try {
        applyFaultPlan(net, {
          actions: [{ kind: "crash", at: 1, host: "b" }, bad(action)],
        });
      } finally {
        assert.equal(sim.peek(), Infinity, "part of the plan was scheduled");
        sim.run();
        assert.equal(net.host("b")!.crashes, 0);
      }
    }),
    expect,
  })),
  {
    what: "randomFaultPlan with durationNs -1",
    call: sync(() => randomFaultPlan(new Rng(1), { hosts: ["a"], servers: ["a"], durationNs: -1 })),
    expect: rangeError(/durationNs "-1"/),
  },
  {
    what: "randomFaultPlan with 1.5 partitions",
    call: sync(() =>
      randomFaultPlan(new Rng(1), {
        hosts: ["a"],
        servers: ["a"],
        durationNs: ms(1),
        partitions: 1.5,
      })
    ),
    expect: rangeError(/partitions "1\.5"/),
  },
  {
    what: "randomFaultPlan with loss 5",
    call: sync(() =>
      randomFaultPlan(new Rng(1), { hosts: ["a"], servers: ["a"], durationNs: ms(1), loss: 5 })
    ),
    expect: rangeError(/loss "5"/),
  },
  {
    what: "randomFaultPlan with loss -0.1",
    call: sync(() =>
      randomFaultPlan(new Rng(1), { hosts: ["a"], servers: ["a"], durationNs: ms(1), loss: -0.1 })
    ),
    expect: rangeError(/loss "-0\.1"/),
  },
  {
    what: "randomFaultPlan with duplicate NaN",
    call: sync(() =>
      randomFaultPlan(new Rng(1), {
        hosts: ["a"],
        servers: ["a"],
        durationNs: ms(1),
        duplicate: NaN,
      })
    ),
    expect: rangeError(/duplicate "NaN"/),
  },
  {
    what: "randomFaultPlan with 1e9 partitions (once out of memory)",
    call: sync(() =>
      randomFaultPlan(new Rng(1), {
        hosts: ["a"],
        servers: ["a"],
        durationNs: ms(1),
        partitions: 1e9,
      })
    ),
    expect: rangeError(/partitions "1000000000": expected a whole number from 0 to 10000/),
  },
  {
    what: "randomFaultPlan with 2^53 crashes",
    call: sync(() =>
      randomFaultPlan(new Rng(1), {
        hosts: ["a"],
        servers: ["a"],
        durationNs: ms(1),
        crashes: HUGE,
      })
    ),
    expect: rangeError(/crashes "9007199254740992"/),
  },
  {
    what: "randomFaultPlan with a partition and no hosts",
    call: sync(() =>
      randomFaultPlan(new Rng(1), { hosts: [], servers: [], durationNs: ms(1), partitions: 1 })
    ),
    expect: rangeError(/Invalid hosts "\[\]": 1 partition\(s\) need at least one host/),
  },
  {
    what: "randomFaultPlan(rng, null)",
    call: sync(() => randomFaultPlan(new Rng(1), bad(null))),
    expect: typeError(/random fault plan options "null"/),
  },
  {
    what: "describeFaultPlan of an empty plan",
    call: sync(() => describeFaultPlan({ actions: [] })),
    expect: ok((v) => assert.deepEqual(v, [])),
  },
  {
    what: "net.host(5) finds nothing",
    call: sync(() => new Network(new Simulation()).host(bad(5))),
    expect: ok((v) => assert.equal(v, undefined)),
  },
];

// ---- readiness and async I/O ----------------------------------------------------

const ioCases: Case[] = [
  {
    what: "select(sys, 'x', [], [])",
    call: thread((sys) => select(sys, bad("x"), [], [])),
    expect: typeError(/"x"/),
  },
  {
    what: "select with fd 1024",
    call: thread((sys) => select(sys, [1024], [], [], 0)),
    expect: rangeError(/filedescriptor out of range in select\(\)/),
  },
  {
    what: "select with fd -1",
    call: thread((sys) => select(sys, [-1], [], [], 0)),
    expect: rangeError(/filedescriptor out of range/),
  },
  {
    what: "select with a negative timeout",
    call: thread((sys) => select(sys, [0], [], [], -1)),
    expect: rangeError(/timeout "-1" for select/),
  },
  {
    what: "select with a NaN timeout",
    call: thread((sys) => select(sys, [0], [], [], NaN)),
    expect: typeError(/timeout "NaN"/),
  },
  {
    what: "select with a closed fd",
    call: thread((sys) => select(sys, [40], [], [], 0)),
    expect: errno("EBADF"),
  },
  {
    what: "select with an fd of another process",
    call: thread((sys, w) => select(sys, [w.neighbourFds[0]], [], [], 0)),
    expect: errno("EBADF"),
  },
  {
    what: "poll(sys, null)",
    call: thread((sys) => poll(sys, bad(null))),
    expect: typeError(/poll array "null"/),
  },
  {
    what: "poll(sys, [{ fd: 'x', events: 1 }])",
    call: thread((sys) => poll(sys, bad([{ fd: "x", events: 1 }]))),
    expect: typeError(/poll entry/),
  },
  {
    what: "poll with a closed fd reports POLLNVAL",
    call: thread((sys) => poll(sys, [{ fd: 40, events: 1 }], 0)),
    expect: ok((v) => assert.deepEqual(v, [{ fd: 40, revents: POLLNVAL }])),
  },
  {
    what: "poll with fd -1 ignores the entry",
    call: thread((sys) => poll(sys, [{ fd: -1, events: 1 }], 0)),
    expect: ok((v) => assert.deepEqual(v, [])),
  },
  {
    what: "poll with more entries than RLIMIT_NOFILE",
    call: thread((sys) =>
      poll(sys, Array.from({ length: 1025 }, () => ({ fd: -1, events: 1 })), 0)
    ),
    expect: errno("EINVAL"),
  },
  {
    what: "poll with timeout '5'",
    call: thread((sys) => poll(sys, [], bad("5"))),
    expect: typeError(/timeout "5"/),
  },
  {
    what: "new PollSet().set(-1, POLLIN)",
    call: sync(() => new PollSet().set(-1, 1)),
    expect: rangeError(/fd "-1"/),
  },
  {
    what: "new PollSet().set('3', POLLIN)",
    call: sync(() => new PollSet().set(bad("3"), 1)),
    expect: typeError(/fd "3"/),
  },
  {
    what: "new PollSet().set(3, NaN)",
    call: sync(() => new PollSet().set(3, NaN)),
    expect: typeError(/events "NaN"/),
  },
  {
    what: "poll on a PollSet with a closed fd reports POLLNVAL",
    call: thread((sys) => {
      const set = new PollSet();
      set.set(40, 1);
      return poll(sys, set, 0);
    }),
    expect: ok((v) => assert.deepEqual(v, [{ fd: 40, revents: POLLNVAL }])),
  },
  {
    what: "poll on a PollSet with more entries than RLIMIT_NOFILE",
    call: thread((sys) => {
      const set = new PollSet();
      for (let fd = 0; fd < 1025; fd++) set.set(fd + 100, 1);
      return poll(sys, set, 0);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "poll on a PollSet with timeout 'soon'",
    call: thread((sys) => poll(sys, new PollSet(), bad("soon"))),
    expect: typeError(/timeout "soon"/),
  },
  {
    what: "epollCtl with an unknown op",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      return yield* epollCtl(sys, ep, bad("EPOLL_CTL_BOGUS"), 1, EPOLLIN);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "epollCtl ADD twice",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      const [x] = yield* sys.socketpair();
      yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN);
      return yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, EPOLLIN);
    }),
    expect: errno("EEXIST"),
  },
  {
    what: "epollCtl MOD of an unregistered fd",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      const [x] = yield* sys.socketpair();
      return yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", x, EPOLLIN);
    }),
    expect: errno("ENOENT"),
  },
  {
    what: "epollCtl on itself",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      return yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", ep, EPOLLIN);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "epollCtl with a socket as the epoll fd",
    call: thread(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      return yield* epollCtl(sys, x, "EPOLL_CTL_ADD", y, EPOLLIN);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "epollCtl with a closed target fd",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      return yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", 40, EPOLLIN);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "epollCtl with events NaN",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      return yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", 1, NaN);
    }),
    expect: typeError(/events "NaN"/),
  },
  {
    what: "epollCtl with unknown event bits",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      const [x] = yield* sys.socketpair();
      return yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", x, 1 << 20);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "epollWait(maxevents 0)",
    call: thread(function* (sys) {
      return yield* epollWait(sys, yield* epollCreate(sys), 0, 0);
    }),
    expect: errno("EINVAL", /maxevents "0"/),
  },
  {
    what: "epollWait(maxevents Infinity)",
    call: thread(function* (sys) {
      return yield* epollWait(sys, yield* epollCreate(sys), Infinity, 0);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "epollWait on a closed epoll fd",
    call: thread(function* (sys) {
      const ep = yield* epollCreate(sys);
      yield* sys.close(ep);
      return yield* epollWait(sys, ep, 8, 0);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "epollWait on a pipe",
    call: thread(function* (sys) {
      const [r] = yield* sys.pipe();
      return yield* epollWait(sys, r, 8, 0);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "openSelector(sys, 'kqueue')",
    call: thread((sys) => openSelector(sys, bad("kqueue"))),
    expect: typeError(/kqueue/),
  },
  {
    what: "selector.register(-1)",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "poll");
      return yield* sel.register(-1, EVENT_READ);
    }),
    expect: domain(ValueError, /-1/),
  },
  {
    what: "selector.register(fd, 0)",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "epoll");
      const [x] = yield* sys.socketpair();
      return yield* sel.register(x, 0);
    }),
    expect: domain(ValueError, /Invalid events: 0/),
  },
  {
    what: "selector.register twice",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "select");
      const [x] = yield* sys.socketpair();
      yield* sel.register(x, EVENT_READ);
      return yield* sel.register(x, EVENT_READ);
    }),
    expect: domain(KeyError, /already registered/),
  },
  {
    what: "selector.unregister of an unknown fd",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "epoll");
      return yield* sel.unregister(7);
    }),
    expect: domain(KeyError, /7 is not registered/),
  },
  {
    what: "epoll selector.register of a closed fd",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "epoll");
      return yield* sel.register(40, EVENT_READ);
    }),
    expect: errno("EBADF"),
  },
  {
    what: "epoll selector.select after close",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "epoll");
      yield* sel.close();
      return yield* sel.select(0);
    }),
    expect: domain(ValueError, /closed selector/),
  },
  {
    what: "poll selector.select after close",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "poll");
      yield* sel.close();
      return yield* sel.select();
    }),
    expect: domain(ValueError, /closed selector/),
  },
  {
    what: "select selector.register after close",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "select");
      yield* sel.close();
      return yield* sel.register(1, EVENT_READ);
    }),
    expect: domain(ValueError, /closed selector/),
  },
  {
    what: "selector.close twice is harmless",
    call: thread(function* (sys) {
      const sel = yield* openSelector(sys, "epoll");
      yield* sel.close();
      yield* sel.close();
      return sel.getMap().size;
    }),
    expect: ok((v) => assert.equal(v, 0)),
  },
  {
    what: "new EpollSelector(sys, a closed fd).select()",
    call: thread((sys) => new EpollSelector(sys, 40).select(0)),
    expect: errno("EBADF"),
  },
  {
    what: "new PollSelector(sys).select(NaN)",
    call: thread((sys) => new PollSelector(sys).select(NaN)),
    expect: typeError(/"NaN"/),
  },
  {
    what: "a SelectSelector with fd 1024 registered",
    call: thread(function* (sys) {
      const sel = new SelectSelector(sys);
      yield* sel.register(1024, EVENT_READ);
      return yield* sel.select(0);
    }),
    expect: rangeError(/filedescriptor out of range in select\(\)/),
  },
  {
    what: "hostAsyncCosts(a fresh host) gives the defaults",
    call: sync(() => hostAsyncCosts(new Host(new Simulation())).setupNs),
    expect: ok((v) => assert.equal(typeof v, "number")),
  },
  {
    what: "aioRead(sys, null)",
    call: thread((sys) => aioRead(sys, bad(null))),
    expect: typeError(/null/),
  },
  {
    what: "aioRead with nbytes -1",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return aioError(yield* aioRead(sys, { fd: x, nbytes: -1 }));
    }),
    // As glibc: a bad size is reported by aio_error, not by aio_read.
    expect: ok((v) => assert.equal(v, "EINVAL")),
  },
  {
    what: "aioRead with nbytes '5'",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* aioRead(sys, bad({ fd: x, nbytes: "5" }));
    }),
    expect: typeError(/nbytes "5"/),
  },
  {
    what: "aioRead on a closed fd",
    call: thread(function* (sys) {
      return aioError(yield* aioRead(sys, { fd: 40, nbytes: 5 }));
    }),
    expect: ok((v) => assert.equal(v, "EBADF")),
  },
  {
    what: "aioRead of 2^53 - 1 bytes from a socket with data returns what there is",
    call: thread(function* (sys) {
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "abc");
      const cb = yield* aioRead(sys, { fd: y, nbytes: Number.MAX_SAFE_INTEGER });
      yield* aioSuspend(sys, [cb]);
      return aioReturn(cb);
    }),
    expect: ok((v) => assert.equal((v as Uint8Array).length, 3)),
  },
  {
    what: "aioWrite(sys, { fd, data: 5 })",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      return yield* aioWrite(sys, bad({ fd: x, data: 5 }));
    }),
    expect: typeError(/data "5"/),
  },
  {
    what: "aioError('cb')",
    call: sync(() => aioError(bad("cb"))),
    expect: typeError(/control block/),
  },
  {
    what: "aioReturn while in progress",
    call: thread(function* (sys) {
      const [x] = yield* sys.socketpair();
      const cb = yield* aioRead(sys, { fd: x, nbytes: 5 });
      try {
        return aioReturn(cb);
      } finally {
        yield* aioCancel(sys, x);
      }
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "aioSuspend(sys, 'x')",
    call: thread((sys) => aioSuspend(sys, bad("x"))),
    expect: typeError(/"x"/),
  },
  {
    what: "aioCancel(sys, 'x')",
    call: thread((sys) => aioCancel(sys, bad("x"))),
    expect: typeError(/fd "x"/),
  },
  {
    what: "aioCancel(sys, a closed fd)",
    call: thread((sys) => aioCancel(sys, 40)),
    expect: errno("EBADF"),
  },
  {
    what: "errnoNumber(5)",
    call: sync(() => errnoNumber(bad(5))),
    expect: typeError(/"5"/),
  },
  {
    what: "asyncCosts({ bogusNs: 1 })",
    call: sync(() => asyncCosts(bad({ bogusNs: 1 }))),
    expect: rangeError(/bogusNs/),
  },
  {
    what: "asyncCosts({ setupNs: -1 })",
    call: sync(() => asyncCosts(bad({ setupNs: -1 }))),
    expect: rangeError(/setupNs "-1"/),
  },
  {
    what: "setAsyncCosts(host, { setupNs: NaN })",
    call: sync(() => setAsyncCosts(new Host(new Simulation()), bad({ setupNs: NaN }))),
    expect: rangeError(/setupNs "NaN"/),
  },
  {
    what: "kernelUsage(null)",
    call: sync(() => kernelUsage(bad(null))),
    expect: typeError(/null/),
  },
  {
    what: "ioUringSetup(sys, 3)",
    call: thread((sys) => ioUringSetup(sys, 3)),
    expect: errno("EINVAL", /entries "3"/),
  },
  {
    what: "ioUringSetup(sys, 0)",
    call: thread((sys) => ioUringSetup(sys, 0)),
    expect: errno("EINVAL"),
  },
  {
    what: "ioUringSetup(sys, 2^20)",
    call: thread((sys) => ioUringSetup(sys, 2 ** 20)),
    expect: errno("EINVAL"),
  },
  {
    what: "ioUringSetup(sys, '8')",
    call: thread((sys) => ioUringSetup(sys, bad("8"))),
    expect: typeError(/entries "8"/),
  },
  {
    what: "ioUringSetup(sys, 8, { cqEntries: 4 })",
    call: thread((sys) => ioUringSetup(sys, 8, { cqEntries: 4 })),
    expect: errno("EINVAL", /cqEntries "4"/),
  },
  {
    what: "ring.prep(null)",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      ring.prep(bad(null));
    }),
    expect: typeError(/SQE "null"/),
  },
  {
    what: "ring.prep({ op: 'bogus' })",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      ring.prep(bad({ op: "bogus", userData: 1 }));
    }),
    expect: typeError(/bogus/),
  },
  {
    what: "ring.prep with userData -1",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      ring.prep({ op: "nop", userData: -1 });
    }),
    expect: rangeError(/userData "-1"/),
  },
  {
    what: "ring.prep past the SQ size",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 1);
      ring.prep({ op: "nop", userData: 1 });
      ring.prep({ op: "nop", userData: 2 });
    }),
    expect: rangeError(/submission queue is full/),
  },
  {
    what: "a read SQE with len -1 completes with EINVAL",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      const [x] = yield* sys.socketpair();
      ring.prep({ op: "recv", fd: x, len: -1, userData: 7 });
      yield* ring.submitAndWait(1);
      return (yield* ring.peekBatch(1))[0];
    }),
    expect: ok((v) => assert.equal((v as { error: string }).error, "EINVAL")),
  },
  {
    what: "a read SQE with len 2^53 completes with EINVAL",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "abc");
      ring.prep({ op: "recv", fd: y, len: HUGE, userData: 7 });
      yield* ring.submitAndWait(1);
      return (yield* ring.peekBatch(1))[0];
    }),
    expect: ok((v) => assert.equal((v as { error: string }).error, "EINVAL")),
  },
  {
    what: "a read SQE with len 2^53 - 1 on a socket with data returns what there is",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "abc");
      ring.prep({ op: "recv", fd: y, len: Number.MAX_SAFE_INTEGER, userData: 7 });
      yield* ring.submitAndWait(1);
      return (yield* ring.peekBatch(1))[0];
    }),
    expect: ok((v) => assert.equal((v as { res: number }).res, 3)),
  },
  {
    what: "a read SQE on a closed fd completes with EBADF",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      ring.prep({ op: "read", fd: 40, len: 4, userData: 7 });
      yield* ring.submitAndWait(1);
      return (yield* ring.peekBatch(1))[0];
    }),
    expect: ok((v) => assert.equal((v as { error: string }).error, "EBADF")),
  },
  {
    what: "ring.peekBatch(0)",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      return yield* ring.peekBatch(0);
    }),
    expect: rangeError(/max "0"/),
  },
  {
    what: "ring.submitAndWait beyond the CQ size",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      return yield* ring.submitAndWait(100);
    }),
    expect: errno("EINVAL"),
  },
  {
    what: "ring.prep after its fd was closed",
    call: thread(function* (sys) {
      const ring = yield* ioUringSetup(sys, 4);
      yield* sys.close(ring.fd);
      ring.prep({ op: "nop", userData: 1 });
    }),
    expect: errno("EBADF"),
  },
  {
    what: "ring.forThread(a thread of another process)",
    call: thread(function* (sys, w) {
      const ring = yield* ioUringSetup(sys, 4);
      return ring.forThread([...w.a.processes.values()][0]!.mainThread.sys);
    }),
    expect: typeError(/another process/),
  },
];

// ---- coroutines -------------------------------------------------------------------

/** A call made inside a hub greenlet of a thread on host `a`. */
/** A call that does not block, made where only generators are accepted. */
// deno-lint-ignore require-yield
function* now<T>(fn: () => T): Generator<Op, T, unknown> {
  return fn();
}

const inHub = (run: (hub: Hub, sys: Sys) => Blocking): Call =>
  thread((sys) =>
    runHub(sys, function* (hub) {
      return yield* run(hub, sys);
    })
  );

const coroCases: Case[] = [
  {
    what: "runGreenlets(sys, 5)",
    call: thread((sys) => runGreenlets(sys, bad(5))),
    expect: typeError(/main/),
  },
  {
    what: "runHub(sys, 5)",
    call: thread((sys) => runHub(sys, bad(5))),
    expect: typeError(/hub main/),
  },
  {
    what: "runHub(sys, main, { maxEvents: 0 })",
    call: thread((sys) => runHub(sys, function* () {}, { maxEvents: 0 })),
    expect: rangeError(/maxEvents "0"/),
  },
  {
    what: "new Greenlet outside greenlet code",
    call: sync(() => new Greenlet(function* () {})),
    expect: domain(StateError, /outside greenlet code/),
  },
  {
    what: "getcurrent() outside greenlet code",
    call: sync(() => getcurrent()),
    expect: domain(StateError, /no current greenlet/),
  },
  {
    what: "new Greenlet(5)",
    call: thread((sys) =>
      runGreenlets(sys, () =>
        now(() => {
          new Greenlet(bad(5));
        }))
    ),
    expect: typeError(/greenlet run "5"/),
  },
  {
    what: "new Greenlet(fn, 'parent')",
    call: thread((sys) =>
      runGreenlets(sys, () =>
        now(() => {
          new Greenlet(function* () {}, bad("parent"));
        }))
    ),
    expect: typeError(/greenlet parent "parent"/),
  },
  {
    what: "a switch to a dead greenlet",
    call: thread((sys) =>
      runGreenlets(sys, function* () {
        const g = new Greenlet(() => now(() => 1));
        yield* g.switch();
        yield* g.switch();
      })
    ),
    expect: domain(GreenletError, /it is dead/),
  },
  {
    what: "greenlet.throw('not an error')",
    call: thread((sys) =>
      runGreenlets(sys, function* () {
        const g = new Greenlet(function* () {});
        yield* g.throw(bad("oops"));
      })
    ),
    expect: typeError(/Cannot throw "oops"/),
  },
  {
    what: "greenlet.parent = a child (a cycle)",
    call: thread((sys) =>
      runGreenlets(sys, () =>
        now(() => {
          const g = new Greenlet(function* () {});
          const h = new Greenlet(function* () {}, g);
          g.parent = h;
        }))
    ),
    expect: domain(GreenletError, /cycle/),
  },
  {
    what: "a greenlet of another thread's runtime as parent",
    call: thread(function* (sys) {
      let other: Greenlet<unknown, never> | undefined;
      const t = yield* sys.spawnThread("other", function* (s2) {
        yield* runGreenlets(s2, function* () {
          other = getcurrent();
        });
      });
      yield* sys.joinThread(t);
      return yield* runGreenlets(sys, () =>
        now(() => {
          new Greenlet(function* () {}, other!);
        }));
    }),
    expect: domain(GreenletError, /another thread's runtime/),
  },
  {
    what: "hub.sleep(-1)",
    call: inHub((hub) => hub.sleep(-1)),
    expect: rangeError(/sleep time "-1"/),
  },
  {
    what: "hub.sleep(NaN)",
    call: inHub((hub) => hub.sleep(NaN)),
    expect: rangeError(/"NaN"/),
  },
  {
    what: "hub.sleep('1')",
    call: inHub((hub) => hub.sleep(bad("1"))),
    expect: typeError(/"1"/),
  },
  {
    what: "hub.spawn(5)",
    call: inHub((hub) =>
      now(() => {
        hub.spawn(bad(5));
      })
    ),
    expect: typeError(/greenlet function "5"/),
  },
  {
    what: "hub.spawnLater(-1, fn)",
    call: inHub((hub) =>
      now(() => {
        hub.spawnLater(-1, function* () {});
      })
    ),
    expect: rangeError(/spawnLater delay "-1"/),
  },
  {
    what: "hub.joinAll(['x'])",
    call: inHub((hub) => hub.joinAll(bad(["x"]))),
    expect: typeError(/"x"/),
  },
  {
    what: "hub.kill(a greenlet of another hub)",
    call: thread(function* (sys) {
      let foreign: unknown;
      const t = yield* sys.spawnThread("other", function* (s2) {
        yield* runHub(s2, function* (hub) {
          foreign = hub.spawn(function* () {});
          yield* hub.joinAll([foreign as never]);
        });
      });
      yield* sys.joinThread(t);
      return yield* runHub(sys, (hub) => hub.kill(bad(foreign)));
    }),
    expect: typeError(/this hub/),
  },
  {
    what: "hub.spawn after the hub closed",
    call: thread(function* (sys) {
      let saved: Hub | undefined;
      yield* runHub(sys, function* (hub) {
        saved = hub;
      });
      saved!.spawn(function* () {});
    }),
    expect: domain(StateError, /closed/),
  },
  {
    what: "a greenlet joins itself",
    call: inHub(function* (hub) {
      const g: HubGreenlet<boolean> = hub.spawn(function* (): GreenletRoutine<boolean> {
        yield* hub.sleep(0);
        return yield* g.join();
      });
      return yield* g.get();
    }),
    expect: domain(StateError, /itself/),
  },
  {
    what: "greenlet.join(-1)",
    call: inHub(function* (hub) {
      const g = hub.spawn(function* () {});
      return yield* g.join(-1);
    }),
    expect: rangeError(/"-1"/),
  },
  {
    what: "greenlet.get() of a dead greenlet that failed re-raises its error",
    call: inHub(function* (hub) {
      const g = hub.spawn(() =>
        now(() => {
          throw new RangeError("inner");
        })
      );
      yield* hub.joinAll([g]);
      return yield* g.get();
    }),
    expect: rangeError(/inner/),
  },
  {
    what: "new Group(hub).add('x')",
    call: inHub((hub) =>
      now(() => {
        new Group(hub).add(bad("x"));
      })
    ),
    expect: typeError(/"x"/),
  },
  {
    what: "a hub whose only greenlet waits forever ends in LoopExit",
    call: inHub((hub) => new GreenEvent(hub).wait()),
    expect: domain(LoopExit),
  },
  {
    what: "two greenlets reading one green socket at once",
    call: inHub(function* (hub, sys) {
      const io = patchAll(hub);
      const [x] = yield* sys.socketpair();
      const a = hub.spawn(() => io.recv(x, 1));
      const b = hub.spawn(() => io.recv(x, 1));
      yield* hub.joinAll([a, b], { timeout: us(10) });
      try {
        return yield* b.get({ block: false });
      } finally {
        yield* hub.killAll([a, b]);
      }
    }),
    expect: domain(ConcurrentObjectUseError),
  },
  {
    what: "new Queue(hub, -1)",
    call: inHub((hub) =>
      now(() => {
        new Queue(hub, -1);
      })
    ),
    expect: rangeError(/maxsize "-1"/),
  },
  {
    what: "new Queue(hub, 1.5)",
    call: inHub((hub) =>
      now(() => {
        new Queue(hub, 1.5);
      })
    ),
    expect: rangeError(/maxsize "1\.5"/),
  },
  {
    what: "new Queue(hub, '3')",
    call: inHub((hub) =>
      now(() => {
        new Queue(hub, bad("3"));
      })
    ),
    expect: typeError(/maxsize "3"/),
  },
  {
    what: "queue.getNowait() on an empty queue",
    call: inHub((hub) =>
      now(() => {
        return new Queue(hub).getNowait();
      })
    ),
    expect: domain(QueueEmpty),
  },
  {
    what: "queue.putNowait() on a full queue",
    call: inHub((hub) =>
      now(() => {
        const q = new Queue(hub, 1);
        q.putNowait(1);
        q.putNowait(2);
      })
    ),
    expect: domain(QueueFull),
  },
  {
    what: "queue.get({ timeout: -1 })",
    call: inHub((hub) => new Queue(hub).get({ timeout: -1 })),
    expect: rangeError(/"-1"/),
  },
  {
    what: "joinableQueue.taskDone() more than put",
    call: inHub((hub) =>
      now(() => {
        new JoinableQueue(hub).taskDone();
      })
    ),
    expect: domain(StateError),
  },
  {
    what: "new Semaphore(hub, -1)",
    call: inHub((hub) =>
      now(() => {
        new Semaphore(hub, -1);
      })
    ),
    expect: rangeError(/"-1"/),
  },
  {
    what: "new Semaphore(hub, NaN)",
    call: inHub((hub) =>
      now(() => {
        new Semaphore(hub, NaN);
      })
    ),
    expect: rangeError(/"NaN"/),
  },
  {
    what: "boundedSemaphore.release() more than acquired",
    call: inHub((hub) =>
      now(() => {
        new BoundedSemaphore(hub, 1).release();
      })
    ),
    expect: domain(StateError),
  },
  {
    what: "lock.release() of a free lock",
    call: inHub((hub) =>
      now(() => {
        new Lock(hub).release();
      })
    ),
    expect: domain(StateError),
  },
  {
    what: "semaphore.hold(5)",
    call: inHub((hub) => new Semaphore(hub).hold(bad(5))),
    expect: typeError(/"5"/),
  },
  {
    what: "new Pool(hub, 0)",
    call: inHub((hub) =>
      now(() => {
        new Pool(hub, 0);
      })
    ),
    expect: rangeError(/size "0"/),
  },
  {
    what: "new Pool(hub, 'x')",
    call: inHub((hub) =>
      now(() => {
        new Pool(hub, bad("x"));
      })
    ),
    expect: typeError(/size "x"/),
  },
  {
    what: "new Timeout(hub, -1).start()",
    call: inHub((hub) =>
      now(() => {
        new Timeout(hub, -1).start();
      })
    ),
    expect: rangeError(/"-1"/),
  },
  {
    what: "new Timeout(hub, 'soon')",
    call: inHub((hub) =>
      now(() => {
        new Timeout(hub, bad("soon"));
      })
    ),
    expect: typeError(/"soon"/),
  },
  {
    what: "withTimeout(hub, -1, body)",
    call: inHub((hub) => withTimeout(hub, -1, function* () {})),
    expect: rangeError(/"-1"/),
  },
  {
    what: "new AsyncResult(hub).setException('x')",
    call: inHub((hub) =>
      now(() => {
        new AsyncResult(hub).setException(bad("x"));
      })
    ),
    expect: typeError(/"x"/),
  },
  {
    what: "asyncResult.set twice",
    call: inHub((hub) =>
      now(() => {
        const r = new AsyncResult(hub);
        r.set(1);
        r.set(2);
      })
    ),
    expect: domain(StateError),
  },
  {
    what: "greenEvent.wait(-1)",
    call: inHub((hub) => new GreenEvent(hub).wait(-1)),
    expect: rangeError(/"-1"/),
  },
  {
    what: "patchAll(hub).recv on a closed fd",
    call: inHub((hub) => patchAll(hub).recv(40, 10)),
    expect: errno("EBADF"),
  },
  {
    what: "patchAll(hub).settimeout(fd, -1)",
    call: inHub(function* (hub, sys) {
      const [x] = yield* sys.socketpair();
      return yield* patchAll(hub).settimeout(x, -1);
    }),
    expect: rangeError(/"-1"/),
  },
  {
    what: "patchAll(hub).sleep(NaN)",
    call: inHub((hub) => patchAll(hub).sleep(NaN)),
    expect: rangeError(/"NaN"/),
  },
  {
    what: "a green recv with a timeout that runs out",
    call: inHub(function* (hub, sys) {
      const io = patchAll(hub);
      const [x] = yield* sys.socketpair();
      yield* io.settimeout(x, us(50));
      return yield* io.recv(x, 10);
    }),
    expect: domain(TimeoutError),
  },
];

// ---- models ---------------------------------------------------------------------

const modelCases: Case[] = [
  {
    what: "checkExchange({ requestBytes: 0 })",
    call: sync(() => checkExchange({ requestBytes: 0, responseBytes: 1, serviceNs: 0 })),
    expect: rangeError(/requestBytes "0"/),
  },
  {
    what: "checkExchange({ serviceNs: NaN })",
    call: sync(() => checkExchange({ requestBytes: 1, responseBytes: 1, serviceNs: NaN })),
    expect: rangeError(/serviceNs "NaN"/),
  },
  {
    what: "getModel('nope')",
    call: sync(() => getModel("nope")),
    expect: rangeError(/Unknown model "nope"/),
  },
  {
    what: "getModel(5)",
    call: sync(() => getModel(bad(5))),
    expect: typeError(/model "5"/),
  },
  {
    what: "resolveWorkload({ connections: 0 })",
    call: sync(() => resolveWorkload({ connections: 0 })),
    expect: rangeError(/connections "0"/),
  },
  {
    what: "resolveWorkload({ connections: '5' })",
    call: sync(() => resolveWorkload(bad({ connections: "5" }))),
    expect: typeError(/connections "5"/),
  },
  {
    what: "resolveWorkload({ activeShare: 2 })",
    call: sync(() => resolveWorkload({ activeShare: 2 })),
    expect: rangeError(/activeShare "2"/),
  },
  {
    what: "resolveWorkload({ durationNs: Infinity })",
    call: sync(() => resolveWorkload({ durationNs: Infinity })),
    expect: rangeError(/durationNs "Infinity"/),
  },
  {
    what: "resolveWorkload({ bogus: 1 })",
    call: sync(() => resolveWorkload(bad({ bogus: 1 }))),
    expect: rangeError(/bogus/),
  },
  {
    what: "resolveWorkload({ link: { loss: 5 } })",
    call: sync(() => resolveWorkload({ link: { loss: 5 } })),
    expect: rangeError(/loss "5"/),
  },
  {
    what: "compareModels(w, [])",
    call: sync(() => compareModels({}, [])),
    expect: rangeError(/at least one model/),
  },
  {
    what: "compareModels(w, ['epoll', 'epoll'])",
    call: sync(() => compareModels({ connections: 2, durationNs: us(100) }, ["epoll", "epoll"])),
    expect: rangeError(/"epoll" is given twice/),
  },
  {
    what: "runModel(w, 'nope')",
    call: sync(() => runModel({}, "nope")),
    expect: rangeError(/Unknown model "nope"/),
  },
  {
    what: "blockingServer({ port: 70000 })",
    call: sync(() =>
      blockingServer(bad({ port: 70000, requestBytes: 1, responseBytes: 1, serviceNs: 0 }))
    ),
    expect: rangeError(/port "70000"/),
  },
  {
    what: "epollServer({ requestBytes: -1 })",
    call: sync(() =>
      epollServer(bad({ port: 80, requestBytes: -1, responseBytes: 1, serviceNs: 0 }))
    ),
    expect: rangeError(/requestBytes "-1"/),
  },
  ...([
    ["selectServer", selectServer],
    ["pollServer", pollServer],
    ["busyPollServer", busyPollServer],
    ["processServer", processServer],
    ["threadServer", threadServer],
    ["sigioServer", sigioServer],
    ["preforkServer", preforkServer],
    ["aioServer", aioServer],
    ["uringServer", uringServer],
    ["checkServer", checkServer],
  ] as const).map(([name, factory]): Case => ({
    what: `${name}({ port: -1 })`,
    call: sync(() =>
      (factory as (o: unknown) => unknown)({
        port: -1,
        requestBytes: 1,
        responseBytes: 1,
        serviceNs: 0,
      })
    ),
    expect: rangeError(/port "-1"/),
  })),
  {
    what: "listenOn a port another process holds",
    call: thread(function* (sys) {
      const opts = { port: 9000, requestBytes: 1, responseBytes: 1, serviceNs: 0 };
      const first = yield* listenOn(sys, opts, false);
      try {
        return yield* listenOn(sys, opts, false);
      } finally {
        yield* sys.close(first);
      }
    }),
    expect: errno("EADDRINUSE"),
  },
  {
    what: "idleClient({ connections: 0 })",
    call: sync(() => idleClient({ server: ["b", 80], connections: 0, stats: new ClientStats() })),
    expect: rangeError(/connections "0"/),
  },
  {
    what: "idleClient({ connectSpreadNs: -1 })",
    call: sync(() =>
      idleClient({
        server: ["b", 80],
        connections: 1,
        connectSpreadNs: -1,
        stats: new ClientStats(),
      })
    ),
    expect: rangeError(/connectSpreadNs "-1"/),
  },
  {
    what: "latencyStats([]) is all zeros",
    call: sync(() => latencyStats([])),
    expect: ok((v) => assert.deepEqual(v, { count: 0, mean: 0, p50: 0, p99: 0, max: 0 })),
  },
  {
    what: "formatComparison([]) prints a header",
    call: sync(() => formatComparison([])),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "serverModel('Bad Name', ...)",
    call: sync(() => serverModel("Bad Name", "d", () => threadNothing)),
    expect: rangeError(/model name "Bad Name"/),
  },
  {
    what: "closedLoopClient({ connections: 0 })",
    call: sync(() =>
      closedLoopClient(bad({
        server: ["b", 80],
        connections: 0,
        requestBytes: 1,
        responseBytes: 1,
        serviceNs: 0,
      }))
    ),
    expect: rangeError(/"0"/),
  },
  {
    what: "openLoopClient({ rate: -1 })",
    call: sync(() =>
      openLoopClient(bad({
        server: ["b", 80],
        rate: -1,
        requestBytes: 1,
        responseBytes: 1,
        serviceNs: 0,
      }))
    ),
    expect: rangeError(/"-1"/),
  },
];

// ---- reports ---------------------------------------------------------------------

const reportCases: Case[] = [
  {
    what: "formatBytes(NaN)",
    call: sync(() => formatBytes(NaN)),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "formatBytes(-1)",
    call: sync(() => formatBytes(-1)),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "formatCount(Infinity)",
    call: sync(() => formatCount(Infinity)),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "formatTable([], [])",
    call: sync(() => formatTable([], [])),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "formatTimeline([], { width: 5 })",
    call: sync(() => formatTimeline([], { width: 5 })),
    expect: rangeError(/width "5"/),
  },
  {
    what: "formatTimeline([], { width: NaN })",
    call: sync(() => formatTimeline([], { width: NaN })),
    expect: rangeError(/width "NaN"/),
  },
  {
    what: "laneColumns(lane, an empty range)",
    call: sync(() =>
      laneColumns({ name: "x", spans: [], marks: [] } as never, { from: 5, to: 5, cells: 10 })
    ),
    expect: rangeError(/range/),
  },
  {
    what: "laneColumns(lane, { cells: 0 })",
    call: sync(() =>
      laneColumns({ name: "x", spans: [], marks: [] } as never, { from: 0, to: 5, cells: 0 })
    ),
    expect: rangeError(/"0"/),
  },
  {
    what: "lanesExtent([]) of no lanes",
    call: sync(() => lanesExtent([])),
    expect: ok((v) => assert.equal((v as number[]).length, 2)),
  },
  {
    what: "timelineLegend(5)",
    call: sync(() => timelineLegend(5)),
    expect: rangeError(/legend width "5"/),
  },
  {
    what: "timelineState('bogus') is a state",
    call: sync(() => timelineState("bogus")),
    expect: ok((v) => assert.equal(typeof v, "string")),
  },
  {
    what: "renderHtml with a title that is markup",
    call: sync(() => renderHtml({ title: "<script>alert(1)</script>" })),
    expect: ok((v) =>
      assert.ok(!(v as string).includes("<script>alert(1)"), "the title is escaped")
    ),
  },
  {
    what: "lanesOf([]) is empty",
    call: sync(() => lanesOf([])),
    expect: ok((v) => assert.deepEqual(v, [])),
  },
  {
    what: "toChromeTrace of an empty simulation is valid",
    call: sync(() => checkChromeTrace(toChromeTrace([{ label: "", sim: new Simulation() }]))),
    expect: ok((v) => assert.deepEqual(v, [])),
  },
  {
    what: "checkChromeTrace(null) reports a problem",
    call: sync(() => checkChromeTrace(bad({ traceEvents: null }))),
    expect: ok((v) => assert.ok((v as string[]).length > 0)),
  },
];

// ---- multiprocessing ------------------------------------------------------------

/** A calculation for pool cases. */
// deno-lint-ignore require-yield
function* square(_sys: Sys, x: number): ThreadRoutine<number> {
  return x * x;
}

/** A pool task whose value cannot be sent back. */
// deno-lint-ignore require-yield
function* giveFunction(_sys: Sys): ThreadRoutine<() => number> {
  return () => 1;
}

/** A pool task that ends its worker process. */
function* exitWorker(sys: Sys): ThreadRoutine<void> {
  yield* sys.exit(3);
}

/** A process target that fails. */
// deno-lint-ignore require-yield
function* throwingTarget(_sys: Sys): ThreadRoutine<void> {
  throw new TypeError("boom");
}

/** A process target that does a little work. */
function* napTarget(sys: Sys): ThreadRoutine<void> {
  yield* sys.sleep(us(50));
}

/** A call made with a started manager, shut down afterwards. */
const managed = (
  run: (m: mp.SyncManager, sys: Sys) => Blocking,
): Call =>
  thread(function* (sys) {
    const m = yield* mp.Manager(sys);
    try {
      return yield* run(m, sys);
    } finally {
      yield* m.shutdown();
    }
  });

/** A call made with a one-worker pool, terminated afterwards. */
const pooled = (run: (pool: mp.ProcessPool, sys: Sys) => Blocking): Call =>
  thread(function* (sys) {
    const pool = yield* mp.Pool(sys, 1);
    try {
      return yield* run(pool, sys);
    } finally {
      yield* pool.terminate();
    }
  });

/** A call made with a started child process, joined afterwards. */
const withChild = (run: (p: mp.Process, sys: Sys) => Blocking): Call =>
  thread(function* (sys) {
    const p = new mp.Process({ target: napTarget });
    yield* p.start(sys);
    try {
      return yield* run(p, sys);
    } finally {
      yield* p.join();
    }
  });

/** A call made with a queue, closed afterwards (so that its feeder thread ends). */
const queued = (maxsize: number, run: (q: mp.Queue, sys: Sys) => Blocking): Call =>
  thread(function* (sys) {
    const q = new mp.Queue(sys, maxsize);
    try {
      return yield* run(q, sys);
    } finally {
      yield* q.close();
    }
  });

/** A constructor called by a thread of the world (they take its `sys`). */
const made = (make: (sys: Sys) => unknown): Call =>
  // deno-lint-ignore require-yield
  thread(function* (sys) {
    return make(sys);
  });

const mpCases: Case[] = [
  // Processes.
  {
    what: "new mp.Process(null)",
    call: sync(() => new mp.Process(bad(null))),
    expect: typeError(/Invalid process options "null"/),
  },
  {
    what: "new mp.Process({ target: 5 })",
    call: sync(() => new mp.Process(bad({ target: 5 }))),
    expect: typeError(/Invalid target "5": expected a generator function/),
  },
  {
    what: "new mp.Process({ args: 5 })",
    call: sync(() => new mp.Process(bad({ target: napTarget, args: 5 }))),
    expect: typeError(/Invalid args "5": expected an array/),
  },
  {
    what: "new mp.Process({ name: 5 })",
    call: sync(() => new mp.Process(bad({ name: 5 }))),
    expect: typeError(/Invalid process name "5"/),
  },
  {
    what: "Process.start(null)",
    call: thread(() => new mp.Process({ target: napTarget }).start(bad(null))),
    expect: typeError(/"null" is not a Sys/),
  },
  {
    what: "Process.start twice",
    call: withChild((p, sys) => p.start(sys)),
    expect: domain(mp.ProcessError, /cannot start a process twice/),
  },
  {
    what: "Process.join of a process never started",
    call: thread(() => new mp.Process({ target: napTarget }).join()),
    expect: domain(mp.ProcessError, /can only join a started process/),
  },
  {
    what: "Process.join(-1)",
    call: withChild((p) => p.join(-1)),
    expect: rangeError(/Invalid join timeout "-1"/),
  },
  {
    what: "Process.join(NaN)",
    call: withChild((p) => p.join(NaN)),
    expect: typeError(/Invalid join timeout "NaN"/),
  },
  {
    what: "Process.terminate of a process never started",
    call: thread(() => new mp.Process().terminate()),
    expect: domain(mp.ProcessError, /never started/),
  },
  {
    what: "Process.kill of a process never started",
    call: thread(() => new mp.Process().kill()),
    expect: domain(mp.ProcessError, /never started/),
  },
  {
    what: "Process.daemon set after start",
    // deno-lint-ignore require-yield
    call: withChild(function* (p) {
      p.daemon = true;
    }),
    expect: domain(mp.ProcessError, /has already started/),
  },
  {
    what: "a Process whose target throws exits with 1; the parent goes on",
    call: thread(function* (sys) {
      const p = new mp.Process({ target: throwingTarget });
      yield* p.start(sys);
      yield* p.join();
      return p.exitCode;
    }),
    expect: ok((v) => assert.equal(v, 1)),
  },
  {
    what: "currentProcess(null)",
    call: sync(() => mp.currentProcess(bad(null))),
    expect: typeError(/Invalid sys "null": expected a Sys/),
  },
  {
    what: "activeChildren(5)",
    call: sync(() => mp.activeChildren(bad(5))),
    expect: typeError(/Invalid sys "5": expected a Sys/),
  },
  {
    what: "mainProcess(5)",
    call: sync(() => mp.mainProcess(bad(5))),
    expect: typeError(/Invalid main body "5"/),
  },
  // Locks and semaphores.
  {
    what: "new mp.Lock(null)",
    call: sync(() => new mp.Lock(bad(null))),
    expect: typeError(/Invalid sys "null": expected a Sys/),
  },
  {
    what: "new mp.RLock(5)",
    call: sync(() => new mp.RLock(bad(5))),
    expect: typeError(/Invalid sys "5": expected a Sys/),
  },
  {
    what: "new SemLock(sys, 'bogus', 1, 1)",
    call: made((sys) => new mp.SemLock(sys, bad("bogus"), 1, 1)),
    expect: rangeError(/Invalid semaphore kind "bogus"/),
  },
  {
    what: "new SemLock(sys, 'semaphore', 1, NaN)",
    call: made((sys) => new mp.SemLock(sys, "semaphore", 1, NaN)),
    expect: rangeError(/Invalid semaphore maxValue "NaN"/),
  },
  {
    what: "new mp.Semaphore(sys, 1.5) (once floored silently)",
    call: made((sys) => new mp.Semaphore(sys, 1.5)),
    expect: rangeError(/Invalid semaphore value "1\.5": expected a whole number/),
  },
  {
    what: "new mp.Semaphore(sys, -1)",
    call: made((sys) => new mp.Semaphore(sys, -1)),
    expect: domain(mp.ValueError, /semaphore initial value must be >= 0, not "-1"/),
  },
  {
    what: "new mp.Semaphore(sys, '2')",
    call: made((sys) => new mp.Semaphore(sys, bad("2"))),
    expect: typeError(/Invalid semaphore value "2"/),
  },
  {
    what: "new mp.BoundedSemaphore(sys, Infinity)",
    call: made((sys) => new mp.BoundedSemaphore(sys, Infinity)),
    expect: rangeError(/Invalid semaphore value "Infinity"/),
  },
  {
    what: "BoundedSemaphore.release above its value",
    call: thread((sys) => new mp.BoundedSemaphore(sys, 1).release()),
    expect: domain(mp.ValueError, /released too many times/),
  },
  {
    what: "Lock.acquire(true, -1)",
    call: thread((sys) => new mp.Lock(sys).acquire(true, -1)),
    expect: rangeError(/Invalid acquire timeout "-1"/),
  },
  {
    what: "Lock.acquire(true, NaN)",
    call: thread((sys) => new mp.Lock(sys).acquire(true, NaN)),
    expect: typeError(/Invalid acquire timeout "NaN"/),
  },
  {
    what: "Lock.release of a free lock",
    call: thread((sys) => new mp.Lock(sys).release()),
    expect: domain(mp.ValueError, /released too many times/),
  },
  {
    what: "RLock.release by a thread that does not hold it",
    call: thread((sys) => new mp.RLock(sys).release()),
    expect: domain(mp.ProcessError, /not owned by thread/),
  },
  {
    what: "Lock.acquire outside a simulated process",
    call: sync(() => {
      const sim = new Simulation();
      let lock: mp.Lock | undefined;
      // deno-lint-ignore require-yield
      new Host(sim).spawn("maker", function* (sys) {
        lock = new mp.Lock(sys);
      });
      sim.run();
      return lock!.acquire().next();
    }),
    expect: domain(StateError, /outside a simulated process/),
  },
  {
    what: "Lock of host b acquired on host a",
    call: thread(function* (sys, w) {
      let lock: mp.Lock | undefined;
      // deno-lint-ignore require-yield
      w.b.spawn("maker", function* (bsys) {
        lock = new mp.Lock(bsys);
      });
      yield* sys.sleep(us(100));
      return yield* lock!.acquire();
    }),
    expect: domain(StateError, /from host "a": the object lives on host "b"/),
  },
  // Events, conditions, barriers.
  {
    what: "new mp.Event(null)",
    call: sync(() => new mp.Event(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "mp Event.wait(-1)",
    call: thread((sys) => new mp.Event(sys).wait(-1)),
    expect: rangeError(/Invalid wait timeout "-1"/),
  },
  {
    what: "new mp.Condition(sys, 5)",
    call: made((sys) => new mp.Condition(sys, bad(5))),
    expect: typeError(/Invalid lock "5": expected a Lock or an RLock/),
  },
  {
    what: "Condition.wait without its lock",
    call: thread((sys) => new mp.Condition(sys).wait()),
    expect: domain(mp.ProcessError, /lock is not owned/),
  },
  {
    what: "Condition.notify('2')",
    call: thread(function* (sys) {
      const c = new mp.Condition(sys);
      yield* c.acquire();
      try {
        return yield* c.notify(bad("2"));
      } finally {
        yield* c.release();
      }
    }),
    expect: typeError(/Invalid notify count "2"/),
  },
  {
    what: "Condition.waitFor(5)",
    call: thread(function* (sys) {
      const c = new mp.Condition(sys);
      yield* c.acquire();
      try {
        return yield* c.waitFor(bad(5));
      } finally {
        yield* c.release();
      }
    }),
    expect: typeError(/Invalid predicate "5": expected a function/),
  },
  {
    what: "new mp.Barrier(sys, 0)",
    call: made((sys) => new mp.Barrier(sys, 0)),
    expect: rangeError(/Invalid barrier parties "0"/),
  },
  {
    what: "new mp.Barrier(sys, 2, null)",
    call: made((sys) => new mp.Barrier(sys, 2, bad(null))),
    expect: typeError(/Invalid barrier options "null"/),
  },
  {
    what: "new mp.Barrier(sys, 1, { action: 5 }) (once failed at the wait)",
    call: made((sys) => new mp.Barrier(sys, 1, bad({ action: 5 }))),
    expect: typeError(/Invalid barrier action "5"/),
  },
  {
    what: "Barrier.wait(0) alone breaks it",
    call: thread((sys) => new mp.Barrier(sys, 2).wait(0)),
    expect: domain(mp.BrokenBarrierError, /timed out/),
  },
  // Shared memory.
  {
    what: "new mp.Value(sys, 'z')",
    call: made((sys) => new mp.Value(sys, bad("z"))),
    expect: typeError(/Invalid typecode "z"/),
  },
  {
    what: "new mp.Value(sys, 'toString') (once reached Object.prototype)",
    call: made((sys) => new mp.Value(sys, bad("toString"))),
    expect: typeError(/Invalid typecode "toString"/),
  },
  {
    what: "new mp.Value(sys, 'i', '5')",
    call: made((sys) => new mp.Value(sys, "i", bad("5"))),
    expect: typeError(/Invalid value "5": expected a number/),
  },
  {
    what: "new mp.Value(sys, 'i', 0, null)",
    call: made((sys) => new mp.Value(sys, "i", 0, bad(null))),
    expect: typeError(/Invalid shared memory options "null"/),
  },
  {
    what: "Value.getLock of a value made with lock: false",
    call: made((sys) => new mp.Value(sys, "i", 0, { lock: false }).getLock()),
    expect: domain(mp.ProcessError, /lock=false/),
  },
  {
    what: "new mp.Array(sys, 'd', -1)",
    call: made((sys) => new mp.Array(sys, "d", -1)),
    expect: rangeError(/Invalid array size "-1"/),
  },
  {
    what: "new SharedArray(sys, 'd', '5')",
    call: made((sys) => new mp.SharedArray(sys, "d", bad("5"))),
    expect: typeError(/Invalid array size or values "5"/),
  },
  {
    what: "new mp.Array(sys, 'd', 2^40)",
    call: made((sys) => new mp.Array(sys, "d", 2 ** 40)),
    expect: rangeError(/Invalid array size "1099511627776": cannot allocate it/),
  },
  {
    what: "SharedArray.get(5) of two elements",
    call: made((sys) => new mp.SharedArray(sys, "d", 2).get(5)),
    expect: domain(mp.IndexError, /invalid index "5" for an array of length 2/),
  },
  {
    what: "SharedArray.setItem(NaN, 1)",
    call: thread((sys) => new mp.SharedArray(sys, "d", 2).setItem(NaN, 1)),
    expect: domain(mp.IndexError, /invalid index "NaN"/),
  },
  {
    what: "lockFor(null, true)",
    call: sync(() => mp.lockFor(bad(null), true)),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "lockFor(sys, 5)",
    call: made((sys) => mp.lockFor(sys, bad(5))),
    expect: typeError(/Invalid lock "5": expected true, false or a Lock/),
  },
  // Pipes and queues.
  {
    what: "Pipe(null)",
    call: sync(() => mp.Pipe(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "Connection.send after close",
    call: thread(function* (sys) {
      const [a] = mp.Pipe(sys);
      yield* a.close();
      return yield* a.send(1);
    }),
    expect: domain(mp.OSError, /handle is closed/),
  },
  {
    what: "Connection.recv on the send-only end",
    call: thread((sys) => mp.Pipe(sys, false)[1].recv()),
    expect: domain(mp.OSError, /write-only/),
  },
  {
    what: "Connection.poll(-1)",
    call: thread((sys) => mp.Pipe(sys)[0].poll(-1)),
    expect: rangeError(/Invalid poll timeout "-1"/),
  },
  {
    what: "Connection.recv after the other end closed",
    call: thread(function* (sys) {
      const [a, b] = mp.Pipe(sys);
      yield* b.close();
      return yield* a.recv();
    }),
    expect: domain(mp.EOFError),
  },
  {
    what: "Connection.send with the reader closed",
    call: thread(function* (sys) {
      const [r, wr] = mp.Pipe(sys, false);
      yield* r.close();
      return yield* wr.send(1);
    }),
    expect: domain(mp.BrokenPipeError, /Broken pipe/),
  },
  {
    what: "Connection.send of a function",
    call: thread((sys) => mp.Pipe(sys)[0].send(bad(() => 1))),
    expect: domain(mp.PicklingError, /functions cannot be sent/),
  },
  {
    what: "Pipe when the process is out of descriptors",
    call: thread(function* (sys) {
      yield* sys.setrlimitNofile(4);
      try {
        return mp.Pipe(sys);
      } finally {
        yield* sys.setrlimitNofile(1024);
      }
    }),
    expect: domain(mp.OSError, /Too many open files/),
  },
  {
    what: "new mp.Queue(null)",
    call: sync(() => new mp.Queue(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "new mp.Queue(sys, -1)",
    call: made((sys) => new mp.Queue(sys, -1)),
    expect: rangeError(/Invalid queue maxsize "-1"/),
  },
  {
    what: "new mp.Queue(sys, 2^60)",
    call: made((sys) => new mp.Queue(sys, 2 ** 60)),
    expect: rangeError(/Invalid queue maxsize "1152921504606847000"/),
  },
  {
    what: "mp Queue.get(false) of an empty queue",
    call: queued(0, (q) => q.get(false)),
    expect: domain(mp.Empty, /is empty/),
  },
  {
    what: "mp Queue.get(true, NaN)",
    call: queued(0, (q) => q.get(true, NaN)),
    expect: typeError(/Invalid get timeout "NaN"/),
  },
  {
    what: "mp Queue.putNowait on a full queue",
    call: queued(1, function* (q) {
      yield* q.putNowait(1);
      yield* q.putNowait(2);
    }),
    expect: domain(mp.Full, /is full \(maxsize 1\)/),
  },
  {
    what: "mp Queue.put of a symbol",
    call: queued(0, (q) => q.put(Symbol("s"))),
    expect: domain(mp.PicklingError, /symbols cannot be sent/),
  },
  {
    what: "mp Queue.put after close",
    call: queued(0, function* (q) {
      yield* q.close();
      yield* q.put(1);
    }),
    expect: domain(mp.ValueError, /is closed/),
  },
  {
    what: "mp Queue.joinThread before close",
    call: queued(0, (q) => q.joinThread()),
    expect: domain(mp.ProcessError, /not closed/),
  },
  {
    what: "new mp.JoinableQueue(sys, 1.5)",
    call: made((sys) => new mp.JoinableQueue(sys, 1.5)),
    expect: rangeError(/Invalid queue maxsize "1\.5"/),
  },
  {
    what: "JoinableQueue.taskDone once too often",
    call: thread((sys) => new mp.JoinableQueue(sys).taskDone()),
    expect: domain(mp.ValueError, /task_done\(\) called too many times/),
  },
  {
    what: "new mp.SimpleQueue(null)",
    call: sync(() => new mp.SimpleQueue(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "SimpleQueue.get after close",
    call: thread(function* (sys) {
      const q = new mp.SimpleQueue(sys);
      yield* q.close();
      return yield* q.get();
    }),
    expect: domain(mp.OSError, /handle is closed/),
  },
  {
    what: "SimpleQueue.put of a WeakMap",
    call: thread((sys) => new mp.SimpleQueue(sys).put(new WeakMap())),
    expect: domain(mp.PicklingError, /cannot pickle 'WeakMap' object/),
  },
  // Managers and proxies.
  {
    what: "Manager(null)",
    call: thread(() => mp.Manager(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "new SyncManager(null)",
    call: sync(() => new mp.SyncManager(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "SyncManager.start twice",
    call: managed((m, sys) => m.start(sys)),
    expect: domain(mp.ProcessError, /already been started/),
  },
  {
    what: "SyncManager.dict before start",
    call: thread((sys) => new mp.SyncManager(sys).dict()),
    expect: domain(mp.OSError, /Connection refused/),
  },
  {
    what: "manager.dict(5)",
    call: managed((m) => m.dict(bad(5))),
    expect: typeError(/Invalid dict init "5"/),
  },
  {
    what: "manager.list('abc')",
    call: managed((m) => m.list(bad("abc"))),
    expect: typeError(/Invalid list init "abc"/),
  },
  {
    what: "manager.namespace(7)",
    call: managed((m) => m.namespace(bad(7))),
    expect: typeError(/Invalid namespace init "7"/),
  },
  {
    what: "manager.queue(-1) (once unbounded silently)",
    call: managed((m) => m.queue(-1)),
    expect: rangeError(/Invalid queue maxsize "-1"/),
  },
  {
    what: "manager.value(typecode, a function)",
    call: managed((m) => m.value("i", bad(() => 1))),
    expect: domain(mp.PicklingError, /functions cannot be sent/),
  },
  {
    what: "DictProxy.getItem of a missing key",
    call: managed(function* (m) {
      return yield* (yield* m.dict()).getItem("x");
    }),
    expect: domain(mp.KeyError, /'x'/),
  },
  {
    what: "DictProxy.update(null)",
    call: managed(function* (m) {
      yield* (yield* m.dict()).update(bad(null));
    }),
    expect: typeError(/Invalid dict update "null"/),
  },
  {
    what: "DictProxy.set of a function",
    call: managed(function* (m) {
      yield* (yield* m.dict()).set("f", () => 1);
    }),
    expect: domain(mp.PicklingError, /functions cannot be sent/),
  },
  {
    what: "ListProxy.get(5) of one item",
    call: managed(function* (m) {
      return yield* (yield* m.list([1])).get(5);
    }),
    expect: domain(mp.IndexError, /list index out of range/),
  },
  {
    what: "ListProxy.insert('x', 1)",
    call: managed(function* (m) {
      yield* (yield* m.list([1])).insert(bad("x"), 1);
    }),
    expect: typeError(/Invalid list insert index "x"/),
  },
  {
    what: "ListProxy.extend(5)",
    call: managed(function* (m) {
      yield* (yield* m.list([1])).extend(bad(5));
    }),
    expect: typeError(/Invalid list extend "5": expected an iterable/),
  },
  {
    what: "NamespaceProxy.get of a missing attribute",
    call: managed(function* (m) {
      return yield* (yield* m.namespace()).get("x");
    }),
    expect: domain(mp.AttributeError, /has no attribute 'x'/),
  },
  {
    what: "AcquirerProxy.release of a free lock",
    call: managed(function* (m) {
      yield* (yield* m.lock()).release();
    }),
    expect: domain(mp.ValueError, /released too many times/),
  },
  {
    what: "AcquirerProxy.acquire(true, -1)",
    call: managed(function* (m) {
      return yield* (yield* m.lock()).acquire(true, -1);
    }),
    expect: rangeError(/Invalid acquire timeout "-1"/),
  },
  {
    what: "QueueProxy.get(false) of an empty queue",
    call: managed(function* (m) {
      return yield* (yield* m.queue()).get(false);
    }),
    expect: domain(mp.Empty, /empty/),
  },
  {
    what: "QueueProxy.put(x, false) on a full queue",
    call: managed(function* (m) {
      const q = yield* m.queue(1);
      yield* q.put(1);
      yield* q.put(2, false);
    }),
    expect: domain(mp.Full, /full/),
  },
  {
    what: "QueueProxy.get(true, NaN)",
    call: managed(function* (m) {
      return yield* (yield* m.queue()).get(true, NaN);
    }),
    expect: typeError(/Invalid get timeout "NaN"/),
  },
  {
    what: "ValueProxy.set of a symbol",
    call: managed(function* (m) {
      yield* (yield* m.value("i", 1)).set(bad(Symbol("s")));
    }),
    expect: domain(mp.PicklingError, /symbols cannot be sent/),
  },
  {
    what: "BaseProxy.callMethod of a method the object lacks",
    call: managed(function* (m) {
      return yield* (yield* m.dict()).callMethod("bogus");
    }),
    expect: domain(mp.AttributeError, /'dict' object has no attribute 'bogus'/),
  },
  {
    what: "new BaseProxy(null, 'dict', 1)",
    call: sync(() => new mp.BaseProxy(bad(null), "dict", 1)),
    expect: typeError(/Invalid manager "null"/),
  },
  {
    what: "a proxy used after its manager shut down",
    call: thread(function* (sys) {
      const m = yield* mp.Manager(sys);
      const d = yield* m.dict();
      yield* m.shutdown();
      return yield* d.len();
    }),
    expect: domain(mp.EOFError, /server process ended/),
  },
  // Pools.
  {
    what: "mp Pool(null)",
    call: thread(() => mp.Pool(bad(null))),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "mp Pool(sys, 0)",
    call: thread((sys) => mp.Pool(sys, 0)),
    expect: domain(mp.ValueError, /Number of processes must be at least 1, not "0"/),
  },
  {
    what: "mp Pool(sys, 1.5)",
    call: thread((sys) => mp.Pool(sys, 1.5)),
    expect: domain(mp.ValueError, /not "1\.5"/),
  },
  {
    what: "mp Pool(sys, 1, null)",
    call: thread((sys) => mp.Pool(sys, 1, bad(null))),
    expect: typeError(/Invalid pool options "null"/),
  },
  {
    what: "mp Pool(sys, 1, { maxTasksPerChild: 0 })",
    call: thread((sys) => mp.Pool(sys, 1, { maxTasksPerChild: 0 })),
    expect: domain(mp.ValueError, /maxTasksPerChild/),
  },
  {
    what: "mp Pool(sys, 1, { initializer: 5 })",
    call: thread((sys) => mp.Pool(sys, 1, bad({ initializer: 5 }))),
    expect: typeError(/Invalid initializer "5"/),
  },
  {
    what: "mp Pool(sys, 1, { initargs: 5 }) (once restarted its workers for ever)",
    call: thread((sys) => mp.Pool(sys, 1, bad({ initializer: napTarget, initargs: 5 }))),
    expect: typeError(/Invalid initargs "5": expected an array/),
  },
  {
    what: "mp Pool(sys, 1e9) at the host's thread limit",
    call: sync(() => {
      const sim = new Simulation();
      let failure: unknown = null;
      new Host(sim, { cores: 2, maxThreads: 6 }).spawn(
        "main",
        mp.mainProcess(function* (sys) {
          try {
            yield* mp.Pool(sys, 1e9);
          } catch (e) {
            failure = e;
          }
        }),
      );
      sim.run();
      throw failure;
    }),
    expect: errno("EAGAIN"),
  },
  {
    what: "ProcessPool.apply(5)",
    call: pooled((pool) => pool.apply(bad(5))),
    expect: typeError(/Invalid task "5"/),
  },
  {
    what: "ProcessPool.apply(square, 5) (once failed in the worker)",
    call: pooled((pool) => pool.apply(square, bad(5))),
    expect: typeError(/Invalid args "5": expected an array/),
  },
  {
    what: "ProcessPool.applyAsync with callback 5 (once failed in the result handler)",
    call: pooled((pool) => pool.applyAsync(square, [2], bad({ callback: 5 }))),
    expect: typeError(/Invalid callback "5": expected a function/),
  },
  {
    what: "ProcessPool.map(square, 5)",
    call: pooled((pool) => pool.map(square, bad(5))),
    expect: typeError(/Invalid items "5": expected an iterable/),
  },
  {
    what: "ProcessPool.map with chunksize 0 (once returned holes)",
    call: pooled((pool) => pool.map(square, [1, 2], 0)),
    expect: domain(mp.ValueError, /Chunksize must be 1\+, not "0"/),
  },
  {
    what: "ProcessPool.imapUnordered with chunksize 1.5",
    call: pooled((pool) => pool.imapUnordered(square, [1], 1.5)),
    expect: domain(mp.ValueError, /Chunksize must be 1\+, not "1\.5"/),
  },
  {
    what: "ProcessPool.starmap with an item that is not a list",
    call: pooled((pool) => pool.starmap(square, bad([5]))),
    expect: domain(TypeError),
  },
  {
    what: "ProcessPool.apply after close",
    call: thread(function* (sys) {
      const pool = yield* mp.Pool(sys, 1);
      yield* pool.close();
      try {
        return yield* pool.apply(square, [2]);
      } finally {
        yield* pool.join();
      }
    }),
    expect: domain(mp.ValueError, /Pool not running/),
  },
  {
    what: "ProcessPool.join while running",
    call: pooled((pool) => pool.join()),
    expect: domain(mp.ValueError, /still running/),
  },
  {
    what: "ProcessPool.apply of a task whose value cannot be sent",
    call: pooled((pool) => pool.apply(giveFunction)),
    expect: domain(mp.MaybeEncodingError, /Error sending result/),
  },
  {
    what: "ProcessPool.apply of a task that ends its worker",
    call: pooled((pool) => pool.apply(exitWorker)),
    expect: domain(mp.WorkerLostError, /exited with code 3/),
  },
  {
    what: "AsyncResult.get(-1)",
    call: pooled(function* (pool) {
      return yield* (yield* pool.applyAsync(square, [2])).get(-1);
    }),
    expect: rangeError(/Invalid wait timeout "-1"/),
  },
  {
    what: "AsyncResult.get(0) of a task still running",
    call: pooled(function* (pool) {
      return yield* (yield* pool.applyAsync(square, [2])).get(0);
    }),
    expect: domain(TimeoutError, /did not finish within 0 ns/),
  },
  {
    what: "AsyncResult.successful of a pending result",
    call: pooled(function* (pool) {
      return (yield* pool.applyAsync(square, [2])).successful();
    }),
    expect: domain(mp.ValueError, /not ready/),
  },
  {
    what: "IMapIterator.next(NaN)",
    call: pooled(function* (pool) {
      return yield* (yield* pool.imap(square, [1])).next(NaN);
    }),
    expect: typeError(/Invalid next timeout "NaN"/),
  },
  {
    what: "new AsyncResult(null)",
    call: sync(() => new mp.AsyncResult(bad(null))),
    expect: typeError(/Invalid job cache "null": expected a pool/),
  },
  {
    what: "new MapResult(null, 1, 1)",
    call: sync(() => new mp.MapResult(bad(null), 1, 1)),
    expect: typeError(/Invalid job cache "null"/),
  },
  {
    what: "new IMapIterator(5, true, false)",
    call: sync(() => new mp.IMapIterator(bad(5), true, false)),
    expect: typeError(/Invalid job cache "5"/),
  },
  {
    what: "new ProcessPool(null, 1, {})",
    call: sync(() => new mp.ProcessPool(bad(null), 1, {})),
    expect: typeError(/Invalid sys "null"/),
  },
  {
    what: "new ProcessPool(sys, 0, {}) (once a pool that never ran a task)",
    call: made((sys) => new mp.ProcessPool(sys, 0, {})),
    expect: domain(mp.ValueError, /at least 1, not "0"/),
  },
  // Pickling and costs.
  {
    what: "pickle(a function)",
    call: sync(() => mp.pickle(() => 1)),
    expect: domain(mp.PicklingError, /functions cannot be sent/),
  },
  {
    what: "pickle(x, null)",
    call: sync(() => mp.pickle(1, bad(null))),
    expect: typeError(/Invalid pickle options "null"/),
  },
  {
    what: "pickle of 4 MiB of text is sized",
    call: sync(() => mp.pickle(BIG_TEXT).bytes),
    expect: ok((v) => assert.ok((v as number) > BIG_TEXT.length)),
  },
  {
    what: "pickle of a cycle keeps the cycle in the copy",
    call: sync(() => {
      const a: unknown[] = [];
      a.push(a);
      const copy = mp.pickle(a).value as unknown[];
      return copy !== a && copy[0] === copy;
    }),
    expect: ok((v) => assert.equal(v, true)),
  },
  {
    what: "forkCopy of a WeakMap keeps it",
    call: sync(() => {
      const w = new WeakMap();
      return mp.forkCopy({ w }).w === w;
    }),
    expect: ok((v) => assert.equal(v, true)),
  },
  {
    what: "pyRepr of a cyclic list and NaN",
    call: sync(() => {
      const a: unknown[] = [NaN];
      a.push(a);
      return mp.pyRepr(a);
    }),
    expect: ok((v) => assert.equal(v, "[nan, [...]]")),
  },
  {
    what: "pickleTime(costs, NaN, 1)",
    call: sync(() => mp.pickleTime(mp.DEFAULT_MP_COSTS, NaN, 1)),
    expect: rangeError(/Invalid pickled bytes "NaN"/),
  },
  {
    what: "unpickleTime(costs, 10, -1)",
    call: sync(() => mp.unpickleTime(mp.DEFAULT_MP_COSTS, 10, -1)),
    expect: rangeError(/Invalid pickled items "-1"/),
  },
  {
    what: "mpCosts(null)",
    call: sync(() => mp.mpCosts(bad(null))),
    expect: typeError(/Invalid host "null": expected a Host/),
  },
  {
    what: "setMpCosts(null, {})",
    call: sync(() => mp.setMpCosts(bad(null), {})),
    expect: typeError(/Invalid host "null": expected a Host/),
  },
  {
    what: "setMpCosts(host, null)",
    call: sync(() => mp.setMpCosts(new Host(new Simulation()), bad(null))),
    expect: typeError(/Invalid mp cost overrides "null"/),
  },
  {
    what: "setMpCosts(host, { pickleNs: NaN })",
    call: sync(() => mp.setMpCosts(new Host(new Simulation()), { pickleNs: NaN })),
    expect: rangeError(/Invalid mp cost pickleNs "NaN"/),
  },
  {
    what: "setMpCosts(host, { bogus: 1 })",
    call: sync(() => mp.setMpCosts(new Host(new Simulation()), bad({ bogus: 1 }))),
    expect: rangeError(/Unknown mp cost "bogus"/),
  },
  {
    what: "setMpCosts(host, { lazyFlushNs: '1' })",
    call: sync(() => mp.setMpCosts(new Host(new Simulation()), bad({ lazyFlushNs: "1" }))),
    expect: typeError(/Invalid mp cost lazyFlushNs "1"/),
  },
];

// ---- the runner ------------------------------------------------------------------

const cliCases: Case[] = [
  {
    what: "--seed 1.5",
    call: cli("hello", "--seed", "1.5"),
    expect: usage(/Invalid --seed "1\.5"/),
  },
  {
    what: "--seed 0x10",
    call: cli("hello", "--seed", "0x10"),
    expect: usage(/Invalid --seed "0x10"/),
  },
  {
    what: "--seed 1e3",
    call: cli("hello", "--seed", "1e3"),
    expect: usage(/Invalid --seed "1e3"/),
  },
  { what: "--seed ''", call: cli("hello", "--seed", ""), expect: usage(/Invalid --seed ""/) },
  {
    what: "--until 1e3s",
    call: cli("hello", "--until", "1e3s"),
    expect: usage(/Invalid --until "1e3s"/),
  },
  {
    what: "--until with 400 digits",
    call: cli("hello", "--until", "9".repeat(400) + "s"),
    expect: usage(/Invalid --until "9{10}/),
  },
  {
    what: "--until=-1s",
    call: cli("hello", "--until=-1s"),
    expect: usage(/Invalid --until "-1s"/),
  },
  {
    what: "--slow 1e400",
    call: cli("hello", "--slow", "1e400"),
    expect: usage(/it must be finite/),
  },
  {
    what: "--slow NaN",
    call: cli("hello", "--slow", "NaN"),
    expect: usage(/value "NaN" for parameter "slow"/),
  },
  {
    what: "an int parameter given 1.5",
    call: cli("greenlet_switch", "--switch-ns", "1.5"),
    expect: usage(/value "1\.5" for parameter "switch-ns": expected an integer/),
  },
  {
    what: "a boolean parameter given maybe",
    call: cli("gevent_crawler", "--patch", "maybe"),
    expect: usage(/value "maybe" for parameter "patch": expected true or false/),
  },
  {
    what: "a parameter above its max",
    call: cli("five_models", "--size", "131073"),
    expect: usage(/value "131073" for parameter "size": it must be at most 131072/),
  },
  {
    what: "a parameter given twice, kebab and camel",
    call: cli("greenlet_switch", "--switch-ns", "1", "--switchNs", "2"),
    expect: usage(/Parameter "--switch-ns" is given twice/),
  },
  { what: "--format without a value", call: cli("hello", "--format"), expect: usage(/--format/) },
  {
    what: "--workers 1.5",
    call: cli("hello", "--seeds", "2", "--workers", "1.5"),
    expect: usage(/Invalid --workers "1\.5"/),
  },
  {
    what: "--workers 65",
    call: cli("hello", "--seeds", "2", "--workers", "65"),
    expect: usage(/Invalid --workers "65"/),
  },
  {
    what: "--shard 0/2",
    call: cli("hello", "--seeds", "2", "--shard", "0/2"),
    expect: usage(/Invalid --shard "0\/2"/),
  },
  {
    what: "--shard a/b",
    call: cli("hello", "--seeds", "2", "--shard", "a/b"),
    expect: usage(/Invalid --shard "a\/b"/),
  },
  {
    what: "--seeds 1..",
    call: cli("hello", "--seeds", "1.."),
    expect: usage(/Invalid --seeds "1\.\."/),
  },
  {
    what: "--seeds 1000001",
    call: cli("hello", "--seeds", "1000001"),
    expect: usage(/Invalid --seeds "1000001"/),
  },
  { what: "--seeds -3", call: cli("hello", "--seeds=-3"), expect: usage(/Invalid --seeds "-3"/) },
  {
    what: "--sweep slow=1,,2",
    call: cli("hello", "--sweep", "slow=1,,2"),
    expect: usage(/value "" for parameter "slow"/),
  },
  {
    what: "--sweep slow=",
    call: cli("hello", "--sweep", "slow="),
    expect: usage(/Invalid --sweep "slow="/),
  },
  {
    what: "--check-determinism with --seeds",
    call: cli("hello", "--check-determinism", "--seeds", "2"),
    expect: usage(/--check-determinism takes a single run/),
  },
  {
    what: "--workers without a sweep",
    call: cli("hello", "--workers", "2"),
    expect: usage(/--workers applies to sweeps/),
  },
  {
    what: "--list after a name",
    call: cli("hello", "--list"),
    expect: usage(/--list takes no scenario name/),
  },
  {
    what: "a module that defines no scenario",
    call: cli("./tests/_cli.ts"),
    expect: usage(/"\.\/tests\/_cli\.ts" defines no scenario/),
  },
  {
    what: "merge a file that is not JSON Lines",
    call: cli("merge", "./deno.json"),
    expect: usage(/line 1 is not JSON/),
  },
  {
    what: "merge --format xml",
    call: cli("merge", "x.jsonl", "--format", "xml"),
    expect: usage(/Invalid --format "xml"/),
  },
  {
    what: "--trace into a missing directory",
    call: cli("hello", "--trace", "/nonexistent/dir/t.json"),
    expect: usage(/Cannot write --trace "\/nonexistent\/dir\/t\.json": directory/),
  },
  {
    what: "--html into a missing directory",
    call: cli("hello", "--html", "/nonexistent/dir/r.html"),
    expect: usage(/Cannot write --html "\/nonexistent\/dir\/r\.html": directory/),
  },
  {
    what: "--html of a sweep into a missing directory",
    call: cli("hello", "--sweep", "slow=1,2", "--html", "/nonexistent/dir/s.html"),
    expect: usage(/Cannot write --html "\/nonexistent\/dir\/s\.html"/),
  },
  {
    what: "--trace onto a directory",
    call: cli("hello", "--trace", "/tmp"),
    expect: usage(/Cannot write --trace "\/tmp": it is a directory/),
  },
  {
    what: "a path to a file that is not a module",
    call: cli("/etc/hostname"),
    expect: usage(/Scenario file "\/etc\/hostname" is not a module/),
  },
  {
    what: "a path to /etc/passwd (never imported)",
    call: cli("/etc/passwd"),
    expect: usage(/Scenario file "\/etc\/passwd" is not a module/),
  },
  {
    what: "a path to a JSON file",
    call: cli("./deno.json"),
    expect: usage(/Scenario file "\.\/deno\.json" is not a module/),
  },
];

// ---- the loop ------------------------------------------------------------------

const CASES: readonly Case[] = [
  ...kernelCases,
  ...scenarioCases,
  ...osCases,
  ...netCases,
  ...ioCases,
  ...coroCases,
  ...modelCases,
  ...reportCases,
  ...mpCases,
  ...cliCases,
];

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function check(c: Case, out: Outcome): void {
  const e = c.expect;
  if ("ok" in e) {
    if (!out.ok) throw new Error(`"${c.what}" should succeed but threw`, { cause: out.error });
    e.ok(out.value);
    return;
  }
  if (out.ok) {
    assert.fail(`"${c.what}" should fail but returned ${Deno.inspect(out.value, { depth: 1 })}`);
  }
  const err = out.error;
  if ("errno" in e) {
    if (!(err instanceof SysError)) {
      throw new Error(`"${c.what}" should fail with ${e.errno}, not this`, { cause: err });
    }
    assert.equal(err.errno, e.errno, err.message);
    if (e.message) assert.match(err.message, e.message);
    return;
  }
  if ("error" in e) {
    if (!(err instanceof Error) || err.constructor !== e.error) {
      throw new Error(`"${c.what}" should throw ${e.error.name}, not this`, { cause: err });
    }
    if (e.message) assert.match(err.message, e.message);
  }
}

async function runSync(c: Case & { call: { kind: "sync" } }): Promise<void> {
  let out: Outcome;
  try {
    out = { ok: true, value: await c.call.run() };
  } catch (error) {
    out = { ok: false, error };
  }
  check(c, out);
}

function runInWorld(c: Case & { call: { kind: "task" | "thread" } }): void {
  const w = makeWorld();
  let out: Outcome | undefined;
  let after = false;
  if (c.call.kind === "task") {
    const body = c.call.run;
    w.sim.spawn(function* () {
      try {
        out = { ok: true, value: yield* body(w) };
      } catch (error) {
        out = { ok: false, error };
      }
      yield* w.sim.sleep(us(1));
      after = true;
    }, { name: "caller" });
  } else {
    const body = c.call.run;
    w.a.spawn("caller", function* (sys) {
      try {
        out = { ok: true, value: yield* body(sys, w) };
      } catch (error) {
        out = { ok: false, error };
      }
      // The same thread goes on: it computes, sleeps and uses a fresh socketpair.
      yield* sys.compute(us(5));
      yield* sys.sleep(us(5));
      const [x, y] = yield* sys.socketpair();
      yield* sys.send(x, "after");
      after = (yield* sys.recv(y, 16)).length === 5;
    });
  }
  drive(w, c.what);
  assert.ok(out !== undefined, `"${c.what}" never returned`);
  check(c, out);
  assert.ok(after, `the caller did not go on after "${c.what}"`);
  for (const who of ["neighbour", "witness", "task"]) {
    assert.ok(w.done.has(who), `the ${who} did not finish after "${c.what}"`);
  }
  checkAccounting(w.a);
  checkAccounting(w.b);
}

const cliRuns = new Map<Case, Promise<CliResult>>();

/** Starts every runner case at once: they are separate processes. */
function startCli(): void {
  if (cliRuns.size > 0) return;
  for (const c of CASES) {
    if (c.call.kind === "cli" && (!c.ignore || RUN_IGNORED)) cliRuns.set(c, runCli(...c.call.args));
  }
}

async function runCliCase(c: Case & { call: { kind: "cli" } }): Promise<void> {
  startCli();
  const r = await (cliRuns.get(c) ?? runCli(...c.call.args));
  const e = c.expect;
  assert.ok("exit" in e);
  assert.equal(r.code, e.exit, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, e.stderr);
}

/**
 * Exports that no case calls, each with the reason. Every other function and
 * class exported by a layer's mod.ts must appear in a case: a new export fails
 * the test below until it gets a case or a line here.
 */
const NOT_CALLED: Readonly<Record<string, string>> = {
  "kernel.Task": "made by sim.spawn; its interrupt and kill have cases",
  "os.SysError": "what every errno case expects",
  "os.File": "an abstract base; its subclasses are reached through sys calls",
  "os.FileAsync": "made by fcntl(F_SETOWN/F_SETSIG), covered there",
  "os.Process": "made by host.spawn and sys.fork, covered through them",
  "os.ProcessExit": "thrown by sys.exit, covered there",
  "os.SignalState": "a process's signal table, made by Process",
  "os.TtyFile": "descriptors 0-2 of every process, covered by the fcntl cases",
  "net.DatagramSocket": "made by sys.socket('dgram'), covered through sys",
  "net.HostStack": "made by network.addHost/attach",
  "net.Path": "made by network.path, covered there",
  "net.StreamSocket": "made by sys.socket(), covered through sys",
  "io.Aiocb": "made by aioRead/aioWrite, covered there",
  "io.BaseSelector": "abstract; its three subclasses have cases",
  "io.Epoll": "made by epollCreate, covered there",
  "io.IoUring": "made by ioUringSetup, covered there",
  "io.KernelUsage": "made by kernelUsage, covered there",
  "models.PreforkStats": "plain counters filled in by a server",
  "models.ServerStats": "plain counters filled in by a server",
  "models.UringServerStats": "plain counters filled in by a server",
  "models.WorkerStats": "plain counters filled in by a server",
  "coro.GreenIo": "made by patchAll, covered there",
  "coro.GreenletExit": "the default error of greenlet.throw and hub.kill",
  "coro.GreenletRuntime": "made by runGreenlets, covered there",
  "coro.HubTimer": "internal to the hub (spawnLater, Timeout), covered through them",
};

const LAYERS = ["kernel", "scenario", "os", "net", "io", "models", "coro", "report", "mp"];

Deno.test("bad input: every function and class a layer exports has a case, or a reason", async () => {
  const source = await Deno.readTextFile(new URL(import.meta.url));
  const table = source.slice(
    source.indexOf("// ---- the kernel ---"),
    source.indexOf("// ---- the loop ---"),
  );
  const missing: string[] = [], stale = new Set(Object.keys(NOT_CALLED));
  for (const layer of LAYERS) {
    const mod = await import(`../lib/${layer}/mod.ts`) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      const key = `${layer}.${name}`;
      stale.delete(key);
      if (!new RegExp(`\\b${name}\\b`).test(table) && !(key in NOT_CALLED)) missing.push(key);
    }
  }
  assert.deepEqual(
    missing,
    [],
    "exports without a bad-input case: add one, or a line to NOT_CALLED",
  );
  assert.deepEqual([...stale], [], "NOT_CALLED names exports that no longer exist");
});

/** Run the cases marked `ignore` as well: they fail until their bug is fixed. */
const RUN_IGNORED = Deno.env.get("IOSIM_RUN_IGNORED") === "1";

const seen = new Set<string>();
for (const c of CASES) {
  assert.ok(!seen.has(c.what), `two cases are called "${c.what}"`);
  seen.add(c.what);
  const name = `bad input: ${c.what}`;
  const ignore = c.ignore === true && !RUN_IGNORED;
  switch (c.call.kind) {
    case "sync":
      Deno.test({ name, ignore, fn: () => runSync(c as Case & { call: { kind: "sync" } }) });
      break;
    case "task":
    case "thread":
      Deno.test({
        name,
        ignore,
        fn: () => runInWorld(c as Case & { call: { kind: "task" | "thread" } }),
      });
      break;
    case "cli":
      Deno.test({
        name,
        ignore,
        sanitizeOps: false,
        sanitizeResources: false,
        fn: () => runCliCase(c as Case & { call: { kind: "cli" } }),
      });
      break;
  }
}
