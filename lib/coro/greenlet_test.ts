// Greenlet bodies that never block are generators without a yield.
// deno-lint-ignore-file require-yield
import assert from "node:assert/strict";
import { StateError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import { DEFAULT_COSTS } from "../os/costs.ts";
import { Host, type HostOptions } from "../os/host.ts";
import type { Process } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import { GreenletError, GreenletExit } from "./errors.ts";
import {
  getcurrent,
  Greenlet,
  type GreenletRoutine,
  type GreenletRuntime,
  runGreenlets,
} from "./greenlet.ts";

/** Runs `main` as the main greenlet of a process; returns the world after the run. */
function run<R>(
  main: (sys: Sys, rt: GreenletRuntime<R>) => GreenletRoutine<R>,
  host: HostOptions = {},
): { sim: Simulation; proc: Process; lines: string[]; rt: GreenletRuntime<R> } {
  const sim = new Simulation();
  const holder: { rt: GreenletRuntime<R> | null } = { rt: null };
  const proc = new Host(sim, host).spawn("app", function* (sys) {
    const rt = runGreenlets<R>(sys, (me) => main(sys, me));
    holder.rt = rt;
    const v = yield* rt;
    return typeof v === "number" ? v : 0;
  }, { onError: "exit" });
  sim.run();
  return { sim, proc, lines: sim.output.map((l) => l.text), rt: holder.rt! };
}

Deno.test("the article's test1/test2 print 1, 2, 3, 4 and test1 never finishes", () => {
  let test1!: Greenlet;
  const { lines, rt, proc } = run<void>(function* (sys) {
    const gr1: Greenlet = new Greenlet(function* () {
      sys.print("11111111");
      yield* gr2.switch();
      sys.print("33333333");
      yield* gr2.switch();
    });
    const gr2: Greenlet = new Greenlet(function* () {
      sys.print("22222222");
      yield* gr1.switch();
      sys.print("44444444");
    });
    test1 = gr1;
    yield* gr1.switch();
  });
  assert.deepEqual(lines, ["11111111", "22222222", "33333333", "44444444"]);
  assert.equal(test1.dead, false);
  assert.equal(test1.active, true);
  assert.equal(rt.switches, 5);
  const u = proc.usage();
  assert.equal(u.userNs, 5 * DEFAULT_COSTS.userSwitchNs);
  assert.equal(u.syscalls, 0);
  assert.equal(u.contextSwitches, 0);
});

Deno.test("switch passes values both ways and the first switch is run's argument", () => {
  const { lines } = run<void>(function* (sys) {
    const echo: Greenlet<string, string> = new Greenlet(function* (first: string) {
      let v = first;
      for (let i = 0; i < 3; i++) v = (yield* echo.parent!.switch(`${v}!`)) as string;
      return `done after ${v}`;
    });
    sys.print(yield* echo.switch("a"));
    sys.print(yield* echo.switch("b"));
    sys.print(yield* echo.switch("c"));
    sys.print(yield* echo.switch("d"));
    sys.print(echo.dead);
  });
  assert.deepEqual(lines, ["a!", "b!", "c!", "done after d", "true"]);
});

Deno.test("a dead greenlet's return value goes to its nearest live ancestor", () => {
  const { lines } = run<void>(function* (sys) {
    const main = getcurrent();
    const middle: Greenlet = new Greenlet(function* () {
      yield* main.switch("middle parked");
      return "never";
    });
    yield* middle.switch();
    const leaf = new Greenlet(function* () {
      return "leaf result";
    }, middle);
    // middle is alive: leaf's result resumes middle, which returns to main.
    sys.print(yield* leaf.switch());
    const orphan = new Greenlet(function* () {
      return "orphan result";
    }, middle);
    sys.print(middle.dead, yield* orphan.switch());
  });
  assert.deepEqual(lines, ["never", "true orphan result"]);
});

Deno.test("an uncaught error is raised in the parent at its switch", () => {
  const { lines } = run<void>(function* (sys) {
    const bad = new Greenlet(function* () {
      yield* getcurrent().parent!.switch("first");
      throw new RangeError("bad value");
    });
    sys.print(yield* bad.switch());
    try {
      yield* bad.switch();
    } catch (e) {
      sys.print(`caught ${(e as Error).name}: ${(e as Error).message}`, bad.dead);
    }
  });
  assert.deepEqual(lines, ["first", "caught RangeError: bad value true"]);
});

Deno.test("GreenletExit kills quietly: the parent receives it as a value", () => {
  const { lines } = run<void>(function* (sys) {
    const g: Greenlet = new Greenlet(function* () {
      try {
        yield* g.parent!.switch();
      } finally {
        sys.print("finally ran");
      }
    });
    yield* g.switch();
    const v = yield* g.throw();
    sys.print(v instanceof GreenletExit, g.dead);
  });
  assert.deepEqual(lines, ["finally ran", "true true"]);
});

Deno.test("throwing into a greenlet that has not started kills it without running", () => {
  const { lines } = run<void>(function* (sys) {
    const quiet = new Greenlet(function* () {
      sys.print("never runs");
    });
    const v = yield* quiet.throw();
    sys.print(v instanceof GreenletExit, quiet.dead, quiet.started);
    const loud = new Greenlet(function* () {
      sys.print("never runs either");
    });
    try {
      yield* loud.throw(new TypeError("stop"));
    } catch (e) {
      sys.print((e as Error).message, loud.dead);
    }
  });
  assert.deepEqual(lines, ["true true false", "stop true"]);
});

Deno.test("the main greenlet's value and error come out of runGreenlets", () => {
  const ok = run<number>(function* () {
    const g = new Greenlet(function* (x: number) {
      return x * 2;
    });
    return (yield* g.switch(21)) as number;
  });
  assert.equal(ok.proc.exitCode, 42);
  const failed = run<void>(function* () {
    const g = new Greenlet(function* () {
      throw new Error("from a child");
    });
    yield* g.switch();
  });
  assert.equal(failed.proc.exitCode, 1);
  assert.match(String(failed.proc.error), /from a child/);
});

Deno.test("switching to a dead greenlet is a GreenletError naming it", () => {
  const { lines } = run<void>(function* (sys) {
    const g = new Greenlet(function* () {});
    g.name = "worker";
    yield* g.switch();
    assert.throws(() => g.switch(), (e: Error) => {
      sys.print(e.name, e.message);
      return e instanceof GreenletError;
    });
    assert.throws(() => g.throw(), GreenletError);
  });
  assert.deepEqual(lines, ['GreenletError Cannot switch to greenlet "worker": it is dead']);
});

Deno.test("bad arguments fail with TypeError, misuse with StateError or GreenletError", () => {
  const { lines } = run<void>(function* (sys) {
    const g = new Greenlet(function* () {});
    assert.throws(() => g.throw("oops" as unknown as Error), {
      name: "TypeError",
      message: /Cannot throw "oops" into greenlet "greenlet-1": it must be an Error/,
    });
    assert.throws(() => new Greenlet(42 as unknown as () => GreenletRoutine<void>), {
      name: "TypeError",
      message: /Invalid greenlet run "42"/,
    });
    assert.throws(() => new Greenlet(function* () {}, {} as Greenlet<unknown, never>), TypeError);
    const child = new Greenlet(function* () {}, g as Greenlet<unknown, never>);
    assert.throws(() => {
      g.parent = child as Greenlet<unknown, never>;
    }, { name: "GreenletError", message: /cycle/ });
    assert.throws(() => {
      g.parent = "main" as unknown as Greenlet<unknown, never>;
    }, TypeError);
    sys.print("checked");
  });
  assert.deepEqual(lines, ["checked"]);
  let outside: Greenlet | null = null;
  run<void>(function* () {
    outside = new Greenlet(function* () {});
  });
  assert.throws(() => outside!.switch(), StateError);
  assert.throws(() => new Greenlet(function* () {}), StateError);
  assert.throws(() => getcurrent(), StateError);
});

Deno.test("a run that does not return a generator kills its greenlet with a TypeError", () => {
  const { proc } = run<void>(function* () {
    const g = new Greenlet((() => 5) as unknown as () => GreenletRoutine<void>);
    yield* g.switch();
  });
  assert.match(String(proc.error), /TypeError: Greenlet "greenlet-1"'s run returned "5"/);
});

Deno.test("a blocking system call in one greenlet blocks every greenlet of the thread", () => {
  const { lines, sim } = run<void>(function* (sys) {
    const t0 = sys.now;
    const blocker = new Greenlet(function* () {
      yield* sys.sleep(ms(5)); // nanosleep: the thread blocks, not just this greenlet
      sys.print(`blocker woke at +${Math.round((sys.now - t0) / 1e6)} ms`);
      yield* other.switch();
    });
    const other: Greenlet = new Greenlet(function* () {
      sys.print(`other ran at +${Math.round((sys.now - t0) / 1e6)} ms`);
    });
    yield* blocker.switch();
  });
  assert.deepEqual(lines, ["blocker woke at +5 ms", "other ran at +5 ms"]);
  assert.ok(sim.now >= ms(5));
});

Deno.test("a second runtime on the same thread is refused", () => {
  const { proc } = run<void>(function* (sys) {
    yield* runGreenlets(sys, function* () {});
  });
  assert.match(String(proc.error), /StateError: Cannot run a second greenlet runtime/);
});

Deno.test("each live greenlet accounts coroutineMemoryBytes", () => {
  const { rt } = run<void>(function* (sys, me) {
    const gs = Array.from({ length: 10 }, () => new Greenlet(function* () {}));
    assert.equal(me.live, 11);
    assert.equal(me.memoryBytes, 11 * sys.host.costs.coroutineMemoryBytes);
    for (const g of gs) yield* g.switch();
    assert.equal(me.live, 1);
    assert.deepEqual(me.liveGreenlets(), [me.main]);
  });
  assert.equal(rt.peakLive, 11);
  assert.equal(rt.peakMemoryBytes, 11 * DEFAULT_COSTS.coroutineMemoryBytes);
  assert.equal(rt.created, 11);
  assert.equal(rt.live, 0);
  assert.equal(rt.done, true);
});

Deno.test("switching to the current greenlet returns the value without a switch", () => {
  const { lines, rt } = run<void>(function* (sys) {
    sys.print(yield* getcurrent().switch("same"));
  });
  assert.deepEqual(lines, ["same"]);
  assert.equal(rt.switches, 0);
});

Deno.test("sys.exit in a greenlet ends the process", () => {
  const { proc, lines } = run<void>(function* (sys) {
    const g = new Greenlet(function* () {
      yield* sys.exit(3);
    });
    yield* g.switch();
    sys.print("not reached");
  });
  assert.equal(proc.exitCode, 3);
  assert.deepEqual(lines, []);
});

Deno.test("killing the process runs the current greenlet's finally blocks", () => {
  const sim = new Simulation();
  const host = new Host(sim);
  const victim = host.spawn("victim", function* (sys) {
    yield* runGreenlets(sys, function* () {
      const g = new Greenlet(function* () {
        try {
          yield* sys.sleep(ms(10));
        } finally {
          sys.print("unwound");
        }
      });
      yield* g.switch();
    });
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(100));
    yield* sys.kill(victim.pid, "SIGKILL");
  });
  sim.run();
  assert.equal(victim.exitCode, -9);
  assert.deepEqual(sim.output.map((l) => l.text), ["unwound"]);
});
