import assert from "node:assert/strict";
import { DeadlockError } from "../kernel/errors.ts";
import { ms, s } from "../kernel/time.ts";
import { Simulation } from "../kernel/simulation.ts";
import { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { ProcessError } from "./errors.ts";
import { activeChildren, currentProcess, Process } from "./process.ts";
import { DEFAULT_MP_COSTS } from "./costs.ts";
import { DEFAULT_COSTS } from "../os/costs.ts";
import { world } from "./_testing.ts";

Deno.test("a child's changes to its arguments never show in the parent", () => {
  const data = { list: [1, 2], nested: { n: 1 } };
  let seenInParent = "";
  // deno-lint-ignore require-yield
  function* mutate(sys: Sys, d: typeof data): ThreadRoutine<void> {
    d.list.push(3);
    d.nested.n = 99;
    sys.print(JSON.stringify(d));
  }
  const { out } = world(function* (sys) {
    const p = new Process({ target: mutate, args: [data] });
    yield* p.start(sys);
    yield* p.join();
    seenInParent = JSON.stringify(data);
  });
  assert.equal(out[0], '{"list":[1,2,3],"nested":{"n":99}}');
  assert.equal(seenInParent, '{"list":[1,2],"nested":{"n":1}}');
});

Deno.test("a subclass's fields are copied into the child, and changes stay there", () => {
  class Counter extends Process {
    count = 0;
    // deno-lint-ignore require-yield
    override *run(sys: Sys): ThreadRoutine<void> {
      this.count += 10;
      sys.print(`child sees ${this.count}, pid ${this.pid === sys.pid}`);
    }
  }
  let parentCount = -1;
  const { out } = world(function* (sys) {
    const p = new Counter();
    p.count = 1;
    yield* p.start(sys);
    yield* p.join();
    parentCount = p.count;
  });
  assert.deepEqual(out, ["child sees 11, pid true"]);
  assert.equal(parentCount, 1);
});

Deno.test("the article's direct-call example: start costs fork plus start-up, the child bootstraps", () => {
  // deno-lint-ignore require-yield
  function* run(sys: Sys, n: number): ThreadRoutine<void> {
    sys.print(`process ${n} is runing`);
  }
  let startReturned = 0;
  const { sim, main } = world(function* (sys) {
    yield* new Process({ target: run, args: [1] }).start(sys);
    startReturned = sys.now;
  });
  assert.equal(sim.output[0]!.text, "process 1 is runing");
  // Parent: fork(2) + CPython's start work; child: its bootstrap after that.
  assert.ok(startReturned >= DEFAULT_COSTS.forkNs + DEFAULT_MP_COSTS.startNs);
  assert.ok(sim.output[0]!.t >= startReturned + DEFAULT_MP_COSTS.bootstrapNs);
  assert.ok(sim.now < ms(2), `total ${sim.now}`);
  assert.ok(main.usage().syscallNs >= DEFAULT_COSTS.forkNs);
});

Deno.test("starting a process twice raises ProcessError naming it", () => {
  const { out } = world(function* (sys) {
    const p = new Process({ name: "worker" });
    yield* p.start(sys);
    try {
      yield* p.start(sys);
    } catch (e) {
      assert.ok(e instanceof ProcessError);
      sys.print(e.message);
    }
  });
  assert.deepEqual(out, ['cannot start a process twice (process "worker")']);
});

Deno.test("joining a process never started raises ProcessError", () => {
  const { out } = world(function* (sys) {
    try {
      yield* new Process().join();
    } catch (e) {
      assert.ok(e instanceof ProcessError);
      sys.print(e.message);
    }
  });
  assert.deepEqual(out, ['can only join a started process (process "Process-?")']);
});

Deno.test("only the parent may join or test a child", () => {
  function* sibling(sys: Sys, other: Process): ThreadRoutine<void> {
    try {
      yield* other.join();
    } catch (e) {
      sys.print((e as Error).message);
    }
    try {
      other.isAlive();
    } catch (e) {
      sys.print((e as Error).message);
    }
  }
  const { out } = world(function* (sys) {
    const a = new Process({
      target: function* (s: Sys) {
        yield* s.sleep(ms(5));
      },
      name: "a",
    });
    yield* a.start(sys);
    yield* new Process({ target: sibling, args: [a] }).start(sys);
  });
  assert.deepEqual(out, [
    'can only join a child process (process "a")',
    'can only test a child process (process "a")',
  ]);
});

Deno.test("terminate ends a child with exit code -15, kill with -9", () => {
  function* sleeper(sys: Sys): ThreadRoutine<void> {
    yield* sys.sleep(s(10));
    sys.print("never");
  }
  const codes: (number | null)[] = [];
  const { sim, out } = world(function* (sys) {
    const a = new Process({ target: sleeper }), b = new Process({ target: sleeper });
    yield* a.start(sys);
    yield* b.start(sys);
    yield* sys.sleep(ms(5));
    codes.push(a.exitCode);
    yield* a.terminate();
    yield* b.kill();
    yield* a.join();
    yield* b.join();
    codes.push(a.exitCode, b.exitCode);
    sys.print(a.isAlive(), b.isAlive());
  });
  assert.deepEqual(codes, [null, -15, -9]);
  assert.deepEqual(out, ["false false"]);
  assert.ok(sim.now < ms(10));
});

Deno.test("terminating a process never started raises ProcessError", () => {
  const { out } = world(function* (sys) {
    try {
      yield* new Process({ name: "idle" }).terminate();
    } catch (e) {
      sys.print((e as Error).message);
    }
  });
  assert.deepEqual(out, ['cannot terminate process "idle": it was never started']);
});

Deno.test("a child that throws prints a traceback and exits 1; sys.exit(n) exits n", () => {
  // deno-lint-ignore require-yield
  function* boom(_sys: Sys): ThreadRoutine<void> {
    throw new TypeError("boom");
  }
  function* bye(sys: Sys): ThreadRoutine<void> {
    yield* sys.exit(3);
  }
  const codes: (number | null)[] = [];
  const { out } = world(function* (sys) {
    const a = new Process({ target: boom, name: "bad" });
    const b = new Process({ target: bye });
    yield* a.start(sys);
    yield* a.join();
    yield* b.start(sys);
    yield* b.join();
    codes.push(a.exitCode, b.exitCode);
  });
  assert.deepEqual(codes, [1, 3]);
  assert.deepEqual(out, ["Process bad:", "Traceback (most recent call last):", "TypeError: boom"]);
});

Deno.test("join with a timeout returns with the child still running", () => {
  function* slow(sys: Sys): ThreadRoutine<void> {
    yield* sys.sleep(s(1));
  }
  const { out } = world(function* (sys) {
    const p = new Process({ target: slow });
    yield* p.start(sys);
    const t0 = sys.now;
    yield* p.join(ms(10));
    sys.print(p.isAlive(), p.exitCode, Math.round((sys.now - t0) / 1e6));
    yield* p.join();
    sys.print(p.isAlive(), p.exitCode);
  });
  assert.deepEqual(out, ["true null 10", "false 0"]);
});

Deno.test("a main program's end terminates daemonic children and waits for the others", () => {
  function* nap(sys: Sys, secs: number): ThreadRoutine<void> {
    yield* sys.sleep(s(secs));
    sys.print(`slept ${secs}`);
  }
  const kids: Process<[number]>[] = [];
  const { sim, out } = world(function* (sys) {
    const d = new Process({ target: nap, args: [5], daemon: true });
    const n = new Process({ target: nap, args: [1] });
    yield* d.start(sys);
    yield* n.start(sys);
    kids.push(d, n);
  });
  assert.deepEqual(out, ["slept 1"]);
  assert.equal(kids[0]!.exitCode, -15);
  assert.equal(kids[1]!.exitCode, 0);
  assert.ok(sim.now > s(1) && sim.now < s(1.01));
});

Deno.test("daemon may not change after start; daemonic processes may not have children", () => {
  function* parent(sys: Sys): ThreadRoutine<void> {
    try {
      yield* new Process().start(sys);
    } catch (e) {
      sys.print((e as Error).message);
    }
  }
  const { out } = world(function* (sys) {
    const p = new Process({ target: parent, daemon: true });
    yield* p.start(sys);
    try {
      p.daemon = false;
    } catch (e) {
      sys.print((e as Error).message);
    }
    yield* p.join();
  });
  assert.equal(out.length, 2);
  assert.match(out[0]!, /has already started/);
  assert.match(out[1]!, /daemonic processes are not allowed to have children/);
});

Deno.test("current_process names: MainProcess, Process-N, Process-N:M", () => {
  // deno-lint-ignore require-yield
  function* grandchild(sys: Sys): ThreadRoutine<void> {
    sys.print(currentProcess(sys).name);
  }
  function* child(sys: Sys): ThreadRoutine<void> {
    sys.print(currentProcess(sys).name);
    const p = new Process({ target: grandchild });
    yield* p.start(sys);
    yield* p.join();
  }
  const { out } = world(function* (sys) {
    sys.print(currentProcess(sys).name, currentProcess(sys).isAlive());
    const p = new Process({ target: child });
    yield* p.start(sys);
    sys.print(activeChildren(sys).length);
    yield* p.join();
    sys.print(activeChildren(sys).length);
  });
  assert.deepEqual(out, ["MainProcess true", "1", "Process-1", "Process-1:1", "0"]);
});

Deno.test("without mainProcess, a returning main leaves its children running (os._exit)", () => {
  const sim = new Simulation();
  const host = new Host(sim, { cores: 2 });
  function* late(sys: Sys): ThreadRoutine<void> {
    yield* sys.sleep(ms(50));
    sys.print("orphan still runs");
  }
  const main = host.spawn("main", function* (sys) {
    yield* new Process({ target: late }).start(sys);
  });
  sim.run();
  assert.equal(main.exitCode, 0);
  assert.deepEqual(sim.output.map((l) => l.text), ["orphan still runs"]);
  assert.ok(main.exited.processed);
});

Deno.test("a parent joining a child that never ends is reported as a deadlock", () => {
  const sim = new Simulation();
  const host = new Host(sim);
  function* stuck(sys: Sys): ThreadRoutine<void> {
    yield* sys.pause();
  }
  host.spawn("main", function* (sys) {
    const p = new Process({ target: stuck });
    yield* p.start(sys);
    yield* p.join();
  });
  assert.throws(() => sim.run(), DeadlockError);
});

Deno.test("bad process options are TypeErrors", () => {
  assert.throws(() => new Process({ target: 5 as never }), TypeError);
  assert.throws(() => new Process({ args: "x" as never }), TypeError);
  const sim = new Simulation();
  new Host(sim).spawn("main", function* () {
    try {
      yield* new Process().start(null as never);
    } catch (e) {
      sim.print((e as Error).name);
    }
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "TypeError");
});

Deno.test("currentProcess and activeChildren name a bad sys", () => {
  for (const v of [null, undefined, 5]) {
    assert.throws(() => currentProcess(v as never), {
      name: "TypeError",
      message: `Invalid sys "${String(v)}": expected a Sys`,
    });
    assert.throws(() => activeChildren(v as never), {
      name: "TypeError",
      message: `Invalid sys "${String(v)}": expected a Sys`,
    });
  }
});
