import assert from "node:assert/strict";
import { DeadlockError, Interrupt, Killed, StateError, TimeoutError } from "./errors.ts";
import { Priority, Simulation, TIMEOUT } from "./simulation.ts";
import type { Task } from "./task.ts";
import { ms, us } from "./time.ts";

function texts(sim: Simulation): string[] {
  return sim.output.map((l) => l.text);
}

Deno.test("events due at the same time run by priority, then in insertion order", () => {
  const sim = new Simulation();
  const order: string[] = [];
  sim.schedule(ms(1), () => order.push("normal-1"));
  sim.schedule(ms(1), () => order.push("low"), Priority.LOW);
  sim.schedule(ms(1), () => order.push("normal-2"));
  sim.schedule(ms(1), () => order.push("urgent"), Priority.URGENT);
  sim.schedule(0, () => order.push("first"));
  sim.run();
  assert.deepEqual(order, ["first", "urgent", "normal-1", "normal-2", "low"]);
});

Deno.test("tasks spawned at the same time start in spawn order", () => {
  const sim = new Simulation();
  for (const name of ["a", "b", "c"]) {
    sim.spawn(function* () {
      sim.print(name);
      yield* sim.sleep(0);
      sim.print(name.toUpperCase());
    });
  }
  sim.run();
  assert.deepEqual(texts(sim), ["a", "b", "c", "A", "B", "C"]);
});

Deno.test("run until a time does not process events due exactly then", () => {
  const sim = new Simulation();
  const seen: number[] = [];
  for (const t of [1, 2, 3]) sim.schedule(ms(t), () => seen.push(t));
  const r = sim.run({ until: ms(2) });
  assert.deepEqual(seen, [1]);
  assert.equal(sim.now, ms(2));
  assert.equal(r.stop, "time");
  assert.equal(sim.peek(), ms(2));
  sim.run({ until: ms(10) });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(sim.now, ms(10));
});

Deno.test("run until an event stops right after it is processed", () => {
  const sim = new Simulation();
  const done = sim.event();
  const seen: string[] = [];
  sim.schedule(ms(1), () => {
    seen.push("trigger");
    done.succeed();
  });
  sim.schedule(ms(1), () => seen.push("same time, later"));
  sim.schedule(ms(5), () => seen.push("later"));
  const r = sim.run({ until: done });
  assert.equal(r.stop, "event");
  // The second callback was scheduled before the event was triggered, so it
  // runs first (insertion order); nothing after the event's processing runs.
  assert.deepEqual(seen, ["trigger", "same time, later"]);
  assert.equal(sim.now, ms(1));
});

Deno.test("step and peek walk the heap one event at a time", () => {
  const sim = new Simulation();
  assert.equal(sim.peek(), Infinity);
  assert.equal(sim.step(), false);
  const timer = sim.schedule(ms(1), () => {});
  sim.schedule(ms(2), () => {});
  timer.cancel();
  assert.equal(sim.peek(), ms(2));
  assert.equal(sim.step(), true);
  assert.equal(sim.now, ms(2));
  assert.equal(sim.eventsProcessed, 1);
});

Deno.test("a task's join returns its value", () => {
  const sim = new Simulation();
  const child = sim.spawn(function* () {
    yield* sim.sleep(us(10));
    return "result";
  });
  const parent = sim.spawn(function* () {
    const v = yield* sim.join(child);
    return `${v} at ${sim.now}`;
  });
  sim.run();
  assert.equal(parent.value, "result at 10000");
  assert.equal(child.status, "done");
});

Deno.test("joining a failed task throws its error in the joiner", () => {
  const sim = new Simulation();
  const child = sim.spawn(function* () {
    yield* sim.sleep(us(1));
    throw new Error("boom");
  });
  const parent = sim.spawn(function* () {
    try {
      yield* sim.join(child);
      return "no error";
    } catch (e) {
      return (e as Error).message;
    }
  });
  sim.run();
  assert.equal(parent.value, "boom");
  assert.equal(child.ok, false);
  assert.equal((child.error as Error).message, "boom");
});

Deno.test("a failure nobody handles is re-raised by step and stops the simulation", () => {
  const sim = new Simulation();
  sim.spawn(function* () {
    yield* sim.sleep(ms(1));
    throw new RangeError("unhandled");
  });
  assert.throws(() => sim.run(), /unhandled/);
  assert.equal(sim.failed, true);
  assert.throws(
    () => sim.run(),
    (e: unknown) => e instanceof StateError && /already|failed at 1 ms/.test(e.message),
  );
  assert.throws(() => sim.step(), StateError);
  assert.throws(() => sim.spawn(function* () {}), StateError);
});

Deno.test("a failed event nobody waits on is re-raised; a defused one is not", () => {
  const sim = new Simulation();
  sim.event().fail(new Error("lost")).defuse();
  sim.run();
  const sim2 = new Simulation();
  sim2.event().fail(new Error("lost"));
  assert.throws(() => sim2.run(), /lost/);
});

Deno.test("triggering an event twice throws", () => {
  const sim = new Simulation();
  const ev = sim.event("ready");
  ev.succeed(1);
  assert.throws(
    () => ev.succeed(2),
    (e: unknown) => e instanceof StateError && /"ready".*already triggered/.test(e.message),
  );
  assert.throws(() => ev.fail(new Error("x")), StateError);
  assert.throws(() => sim.timeout(1).succeed(), StateError);
});

Deno.test("an event's state moves pending, triggered, processed", () => {
  const sim = new Simulation();
  const ev = sim.event<number>();
  assert.equal(ev.state, "pending");
  assert.equal(ev.ok, undefined);
  assert.throws(() => ev.value, /still pending/);
  ev.succeed(3);
  assert.equal(ev.state, "triggered");
  sim.run();
  assert.equal(ev.state, "processed");
  assert.equal(ev.value, 3);
  const bad = sim.event().fail(new Error("e")).defuse();
  sim.run();
  assert.throws(() => bad.value, /it failed/);
  assert.throws(() => sim.event().fail("text" as unknown as Error), TypeError);
});

Deno.test("callbacks run when an event is processed, at once if it already was", () => {
  const sim = new Simulation();
  const ev = sim.timeout(ms(1), "v");
  const seen: string[] = [];
  ev.on((e) => seen.push(`${e.value}@${sim.now}`));
  sim.run();
  ev.on((e) => seen.push(`late ${e.value}`));
  assert.deepEqual(seen, ["v@1000000", "late v"]);
  assert.throws(() => ev.on(5 as unknown as () => void), TypeError);
});

Deno.test("interrupting a sleeping task throws Interrupt with its cause", () => {
  const sim = new Simulation();
  const sleeper = sim.spawn(function* () {
    try {
      yield* sim.sleep(ms(10));
      return "slept";
    } catch (e) {
      assert.ok(e instanceof Interrupt);
      return `interrupted by ${e.cause} at ${sim.now}`;
    }
  });
  sim.schedule(ms(3), () => sleeper.interrupt("alarm"));
  sim.run();
  assert.equal(sleeper.value, "interrupted by alarm at 3000000");
  assert.equal(sim.now, ms(3));
});

Deno.test("an interrupt does not lose a value already on its way", () => {
  const sim = new Simulation();
  const blocker = { describe: () => "mailbox", cancelWait: () => {} };
  const task = sim.spawn(function* () {
    const got = yield* sim.park<string>(blocker);
    try {
      yield* sim.sleep(ms(5));
    } catch (e) {
      return `${got}, then ${(e as Interrupt).cause} at ${sim.now}`;
    }
    return got;
  });
  sim.schedule(ms(1), () => {
    sim.wake(task, "data");
    assert.equal(task.status, "ready");
    task.interrupt("stop");
  });
  sim.run();
  assert.equal(task.value, "data, then stop at 1000000");
});

Deno.test("interrupting a finished task or oneself is a state error", () => {
  const sim = new Simulation();
  const t = sim.spawn(function* () {
    assert.throws(() => self.interrupt(), /from itself/);
    assert.throws(() => self.kill(), /from itself/);
    yield* sim.sleep(0);
  });
  const self: Task<void> = t;
  sim.run();
  assert.throws(() => t.interrupt(), /has finished/);
});

Deno.test("an interrupt sent before a task starts arrives at its first block", () => {
  const sim = new Simulation();
  const t = sim.spawn(function* () {
    sim.print("started");
    try {
      yield* sim.sleep(ms(1));
    } catch (e) {
      sim.print((e as Interrupt).cause as string);
    }
  });
  t.interrupt("early");
  sim.run();
  assert.deepEqual(texts(sim), ["started", "early"]);
  assert.equal(sim.now, 0);
});

Deno.test("killing a task runs its finally blocks and joiners get Killed", () => {
  const sim = new Simulation();
  const victim = sim.spawn(function* () {
    try {
      yield* sim.sleep(ms(100));
    } finally {
      sim.print("cleanup");
    }
  }, { name: "victim" });
  const joiner = sim.spawn(function* () {
    try {
      yield* sim.join(victim);
    } catch (e) {
      return e instanceof Killed ? (e as Error).message : "other";
    }
  });
  sim.schedule(ms(1), () => victim.kill());
  sim.run();
  assert.deepEqual(texts(sim), ["cleanup"]);
  assert.equal(joiner.value, 'Task "victim" was killed');
  assert.equal(sim.now, ms(1));
  victim.kill(); // killing a finished task does nothing
});

Deno.test("a killed task that nobody joins does not fail the simulation", () => {
  const sim = new Simulation();
  const t = sim.spawn(function* () {
    yield* sim.sleep(ms(1));
  });
  t.kill();
  sim.run();
  assert.equal(t.done, true);
  assert.ok(t.error instanceof Killed);
});

Deno.test("yielding something that is not an operation throws TypeError into the task", () => {
  const sim = new Simulation();
  const t = sim.spawn(function* () {
    try {
      // deno-lint-ignore no-explicit-any
      yield 5 as any;
    } catch (e) {
      return (e as Error).message;
    }
  });
  sim.run();
  assert.match(String(t.value), /yielded "5", which is not an operation/);
});

Deno.test("a task cannot join itself", () => {
  const sim = new Simulation();
  const t: Task<string> = sim.spawn(function* () {
    try {
      yield* sim.join(t);
    } catch (e) {
      return (e as Error).name;
    }
    return "joined";
  });
  sim.run();
  assert.equal(t.value, "StateError");
});

Deno.test("operations outside a task are a state error", () => {
  const sim = new Simulation();
  assert.throws(() => sim.sleep(1), /outside a task/);
  assert.throws(() => sim.wait(sim.event()), StateError);
});

Deno.test("bad delays and bad until values are rejected with the value named", () => {
  const sim = new Simulation();
  assert.throws(() => sim.schedule(-1, () => {}), /delay "-1"/);
  assert.throws(() => sim.schedule(NaN, () => {}), RangeError);
  assert.throws(() => sim.schedule(Infinity, () => {}), RangeError);
  assert.throws(() => sim.schedule("1" as unknown as number, () => {}), TypeError);
  assert.throws(() => sim.schedule(1, "f" as unknown as () => void), TypeError);
  assert.throws(() => sim.schedule(1, () => {}, 1.5), /priority "1.5"/);
  assert.throws(() => sim.timeout(-5), RangeError);
  assert.throws(() => sim.spawn(function* () {}, { delay: NaN }), RangeError);
  assert.throws(() => sim.spawn((() => 5) as never), /generator function/);
  sim.run({ until: ms(1) });
  assert.throws(() => sim.run({ until: 0 }), /until "0"/);
  assert.throws(() => sim.run({ until: NaN }), RangeError);
  assert.throws(() => sim.run({ until: "x" as unknown as number }), TypeError);
  assert.throws(() => sim.run({ until: new Simulation().event() }), /another simulation/);
  assert.throws(() => sim.run({ deadlock: "ignore" as never }), TypeError);
  const t = sim.spawn(function* () {
    try {
      yield* sim.sleep(-1);
    } catch (e) {
      return (e as Error).name;
    }
  });
  sim.run();
  assert.equal(t.value, "RangeError");
});

Deno.test("a deadlock names each blocked task and what it waits on", () => {
  const sim = new Simulation();
  const never = sim.event("never");
  sim.spawn(function* () {
    yield* sim.wait(never);
  }, { name: "reader" });
  const a = sim.spawn(function* () {
    yield* sim.sleep(ms(1));
    yield* sim.join(b);
  }, { name: "a" });
  const b: Task<void> = sim.spawn(function* () {
    yield* sim.join(a);
  }, { name: "b" });
  sim.spawn(function* () {
    yield* sim.wait(sim.event("forever"));
  }, { name: "server", daemon: true });
  try {
    sim.run();
    assert.fail("expected a deadlock");
  } catch (e) {
    assert.ok(e instanceof DeadlockError);
    assert.equal(e.time, ms(1));
    assert.deepEqual(e.blocked.map((x) => [x.name, x.waitingOn]), [
      ["reader", `event #${never.id} "never"`],
      ["a", `task #${b.id} "b"`],
      ["b", `task #${a.id} "a"`],
    ]);
    assert.match(e.message, /3 task\(s\) still wait/);
    assert.match(e.message, /"reader" waits on event/);
  }
});

Deno.test("a deadlock can be reported instead of thrown", () => {
  const sim = new Simulation();
  sim.spawn(function* () {
    yield* sim.wait(sim.event());
  }, { name: "stuck" });
  const r = sim.run({ deadlock: "report" });
  assert.equal(r.stop, "deadlock");
  assert.deepEqual(r.blocked.map((b) => b.name), ["stuck"]);
});

Deno.test("running until an event that never comes is a deadlock", () => {
  const sim = new Simulation();
  const ev = sim.event("reply");
  assert.throws(
    () => sim.run({ until: ev }),
    (e: unknown) => e instanceof DeadlockError && /waits for event #\d+ "reply"/.test(e.message),
  );
});

Deno.test("a wait with a timeout throws TimeoutError; a join with one too", () => {
  const sim = new Simulation();
  const slow = sim.spawn(function* () {
    yield* sim.sleep(ms(10));
    return 1;
  });
  const t = sim.spawn(function* () {
    try {
      yield* sim.join(slow, ms(2));
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
      sim.print(`${e.message} at ${sim.now}`);
    }
    return yield* sim.join(slow, ms(20));
  });
  sim.run();
  assert.match(texts(sim)[0]!, /timed out after 2 ms at 2000000/);
  assert.equal(t.value, 1);
});

Deno.test("park and wake pass a value; a parked wait can time out", () => {
  const sim = new Simulation();
  const waiters: Task<unknown>[] = [];
  const blocker = {
    describe: () => "the mailbox",
    cancelWait: (t: unknown) => {
      const i = waiters.indexOf(t as Task<unknown>);
      if (i >= 0) waiters.splice(i, 1);
    },
  };
  const got: unknown[] = [];
  sim.spawn(function* () {
    waiters.push(sim.current!);
    got.push(yield* sim.park<string>(blocker));
    waiters.push(sim.current!);
    got.push(yield* sim.park<string>(blocker, ms(1)));
  });
  sim.schedule(us(5), () => sim.wake(waiters.shift()!, "letter"));
  sim.run();
  assert.deepEqual(got, ["letter", TIMEOUT]);
  assert.equal(waiters.length, 0);
  assert.equal(sim.now, us(5) + ms(1));
  const t = sim.spawn(function* () {});
  assert.throws(() => sim.wake(t, 1), /not parked/);
});

Deno.test("wakeWithError throws into the parked task", () => {
  const sim = new Simulation();
  let parked: Task<unknown> | null = null;
  const t = sim.spawn(function* () {
    parked = sim.current;
    try {
      yield* sim.park({ describe: () => "x", cancelWait: () => {} });
    } catch (e) {
      return (e as Error).message;
    }
  });
  sim.schedule(1, () => sim.wakeWithError(parked!, new Error("ECONNRESET")));
  sim.run();
  assert.equal(t.value, "ECONNRESET");
});

Deno.test("anyOf and allOf combine events, and fail with the first failure", () => {
  const sim = new Simulation();
  const results: unknown[] = [];
  sim.spawn(function* () {
    results.push(
      yield* sim.wait(sim.anyOf([sim.timeout(ms(2), "slow"), sim.timeout(ms(1), "fast")])),
    );
    results.push(yield* sim.wait(sim.allOf([sim.timeout(ms(1), 1), sim.timeout(ms(3), 2)])));
    results.push(yield* sim.wait(sim.allOf([])));
    results.push(yield* sim.wait(sim.anyOf([])));
    const bad = sim.event();
    sim.schedule(ms(1), () => bad.fail(new Error("sub-event failed")));
    try {
      yield* sim.wait(sim.allOf([bad, sim.timeout(ms(5))]));
    } catch (e) {
      results.push((e as Error).message);
    }
  });
  sim.run();
  assert.deepEqual(results, [
    { index: 1, value: "fast" },
    [1, 2],
    [],
    { index: -1, value: undefined },
    "sub-event failed",
  ]);
  assert.throws(() => sim.anyOf([1 as never]), /index 0/);
  assert.throws(() => sim.allOf([new Simulation().event()]), TypeError);
});

Deno.test("the same seed gives the same digest; another seed another", () => {
  const runWith = (seed: number): string => {
    const sim = new Simulation({ seed });
    const rng = sim.rng.fork("workload");
    for (let i = 0; i < 5; i++) {
      sim.spawn(function* () {
        for (let j = 0; j < 3; j++) {
          yield* sim.sleep(Math.round(rng.uniform(0, ms(1))));
          sim.print(`task ${i} step ${j}`);
        }
      });
    }
    sim.run();
    return sim.trace.digest();
  };
  assert.equal(runWith(1), runWith(1));
  assert.notEqual(runWith(1), runWith(2));
});

Deno.test("the trace records spawns, exits, prints and interrupts", () => {
  const sim = new Simulation();
  const t = sim.spawn(function* () {
    sim.print("hello", 42, { a: 1 });
    try {
      yield* sim.sleep(ms(1));
    } catch { /* interrupted */ }
  }, { name: "greeter" });
  sim.schedule(0, () => t.interrupt("now"), Priority.LOW);
  sim.run();
  const kinds = sim.trace.records().map((r) => r.kind);
  assert.deepEqual(kinds, ["spawn", "print", "interrupt", "exit"]);
  assert.deepEqual(sim.output[0], { t: 0, source: "greeter", text: 'hello 42 {"a":1}' });
  assert.equal(sim.trace.records({ kind: "print" })[0]!.task, t.id);
});

Deno.test("a simulation without a trace still runs and keeps output", () => {
  const sim = new Simulation({ trace: false });
  sim.spawn(function* () {
    yield* sim.sleep(1);
    sim.print("x");
  });
  sim.run();
  assert.equal(sim.trace.records().length, 0);
  assert.deepEqual(texts(sim), ["x"]);
});

Deno.test("bad simulation seeds are rejected", () => {
  assert.throws(() => new Simulation({ seed: -3 }), /seed "-3"/);
  assert.throws(() => new Simulation({ seed: 0.5 }), RangeError);
  assert.throws(() => new Simulation({ seed: "1" as unknown as number }), TypeError);
});

Deno.test("a horizon caps every run, even one waiting for an event", () => {
  const sim = new Simulation({ horizon: ms(5) });
  const never = sim.event("never");
  sim.spawn(function* () {
    for (;;) yield* sim.sleep(ms(1));
  });
  const r = sim.run({ until: never });
  assert.equal(r.stop, "time");
  assert.equal(sim.now, ms(5));
  assert.equal(sim.run().stop, "time");
  assert.equal(sim.now, ms(5));
  assert.throws(() => new Simulation({ horizon: -1 }), /horizon "-1"/);
});
