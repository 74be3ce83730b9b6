import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import type { CostModel } from "./costs.ts";
import { isErrno } from "./errno.ts";
import { Host, type HostOptions } from "./host.ts";
import type { Process } from "./process.ts";
import type { Sys } from "./sys.ts";
import type { ThreadRoutine } from "./thread.ts";

// A process that signals itself (kill(getpid(), sig), or raise(3)) with a
// signal whose action is to terminate must die before kill(2) returns to
// user space: nothing after the call runs, its other threads stop too, its
// descriptors are closed, and its parent's waitpid sees the signal.

const QUIET: Partial<CostModel> = { contextSwitchNs: 0, wakeupNs: 0 };

function world(options: HostOptions = {}): [Simulation, Host] {
  const sim = new Simulation();
  return [sim, new Host(sim, { name: "box", cores: 2, costs: QUIET, ...options })];
}

/** Forks `child`, reaps it, and reports what waitpid said and what the child printed. */
function forkAndReap(
  child: (sys: Sys) => ThreadRoutine<void>,
  options: HostOptions = {},
): { status: number | null; out: string[]; host: Host; sim: Simulation; child: Process } {
  const [sim, host] = world(options);
  let status: number | null = null;
  let childPid = -1;
  host.spawn("parent", function* (sys) {
    childPid = yield* sys.fork("child", child);
    status = (yield* sys.waitpid(childPid))!.status;
  });
  sim.run();
  assert.equal(sim.failed, false);
  return {
    status,
    out: sim.output.filter((l) => l.source.startsWith("child")).map((l) => l.text),
    host,
    sim,
    child: host.processes.get(childPid)!,
  };
}

for (const sig of ["SIGKILL", "SIGTERM", "SIGINT", "SIGUSR1"] as const) {
  Deno.test(`a process that sends itself ${sig} (default action) runs nothing after the kill`, () => {
    const { status, out, child, host } = forkAndReap(function* (sys) {
      const [r, w] = yield* sys.pipe();
      sys.print("before");
      try {
        yield* sys.kill(sys.pid, sig);
        sys.print("after kill");
        yield* sys.write(w, "x");
        sys.print("after write");
      } catch (e) {
        sys.print("caught", String(e));
      }
      sys.print("end", r);
    });
    assert.deepEqual(out, ["before"]);
    const signo = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGUSR1: 10 }[sig];
    assert.equal(status, -signo);
    assert.equal(child.exitCode, -signo);
    // Its descriptors are closed and its threads gone.
    assert.equal([...child.fds.entries()].length, 0);
    assert.equal(child.liveThreads.length, 0);
    assert.equal(host.threadCount, 0);
  });
}

Deno.test("the self-killed process dies at the kill: its core is free, its parent is told at once", () => {
  const [sim, host] = world({ cores: 1 });
  let reapedAt = -1, status = 0;
  host.spawn("parent", function* (sys) {
    const pid = yield* sys.fork("child", function* (c) {
      yield* c.compute(us(100));
      yield* c.kill(c.pid, "SIGKILL");
      yield* c.compute(ms(10)); // never runs: it would hold the only core
    });
    status = (yield* sys.waitpid(pid))!.status;
    reapedAt = sys.now;
  });
  sim.run();
  assert.equal(status, -9);
  // Fork, 100 µs of work and two system calls: far less than the 10 ms the child never ran.
  assert.ok(reapedAt > us(100) && reapedAt < ms(1), `reaped at ${reapedAt}`);
  assert.ok(sim.now < ms(1));
});

Deno.test("a self-kill from a second thread stops every thread of the process", () => {
  for (const sig of ["SIGKILL", "SIGTERM"] as const) {
    const lines: string[] = [];
    const { status, child, host } = forkAndReap(function* (sys) {
      const [r, w] = yield* sys.pipe();
      const pid = sys.pid;
      yield* sys.spawnThread("computer", function* (t) {
        for (let i = 0; i < 100; i++) {
          yield* t.compute(us(50));
          lines.push(`computer ${i}`);
        }
      });
      yield* sys.spawnThread("killer", function* (t) {
        yield* t.sleep(us(120));
        yield* t.kill(pid, sig);
        lines.push("killer after kill");
      });
      try {
        yield* sys.read(r, 10); // the main thread blocks; nothing is ever written
        lines.push("main after read");
      } catch (e) {
        lines.push(`main caught ${e}`);
      }
      void w;
    });
    assert.equal(status, sig === "SIGKILL" ? -9 : -15);
    // The computer ran two slices of 50 µs before the kill at about 120 µs, and no more.
    assert.ok(lines.length <= 3 && lines.every((l) => l.startsWith("computer")), `${lines}`);
    assert.equal(child.liveThreads.length, 0);
    assert.equal(host.threadCount, 0);
  }
});

Deno.test("a thread that blocks SIGTERM itself still dies when another thread lets it through", () => {
  const { status, out } = forkAndReap(function* (sys) {
    const pid = sys.pid;
    const t = yield* sys.spawnThread("blocker", function* (w) {
      yield* w.sigprocmask("SIG_BLOCK", ["SIGTERM"]);
      yield* w.kill(pid, "SIGTERM");
      w.print("blocker after kill");
    });
    yield* sys.joinThread(t);
    sys.print("main after join");
  });
  assert.deepEqual(out, []);
  assert.equal(status, -15);
});

Deno.test("a blocked SIGTERM sent to oneself does not kill until it is unblocked", () => {
  const { status, out, child } = forkAndReap(function* (sys) {
    yield* sys.sigprocmask("SIG_BLOCK", ["SIGTERM"]);
    yield* sys.kill(sys.pid, "SIGTERM");
    sys.print("still alive, pending", sys.process.signals.pending[15] === true);
    yield* sys.sleep(ms(1));
    sys.print("still alive after a sleep");
    try {
      yield* sys.sigprocmask("SIG_UNBLOCK", ["SIGTERM"]);
      sys.print("after unblock");
    } catch (e) {
      sys.print("caught", String(e));
    }
    sys.print("end");
  });
  assert.deepEqual(out, ["still alive, pending true", "still alive after a sleep"]);
  assert.equal(status, -15);
  assert.equal(child.liveThreads.length, 0);
});

Deno.test("a handled or ignored SIGTERM sent to oneself does not kill", () => {
  for (const action of ["handler", "ignore"] as const) {
    const { status, out } = forkAndReap(function* (sys) {
      yield* sys.sigaction(
        "SIGTERM",
        action === "ignore" ? "ignore" : function* (h, info) {
          h.print("handler, from", info.pid === h.pid ? "myself" : info.pid);
        },
      );
      yield* sys.kill(sys.pid, "SIGTERM");
      sys.print("after kill");
    });
    assert.deepEqual(
      out,
      action === "ignore" ? ["after kill"] : [
        "handler, from myself",
        "after kill",
      ],
    );
    assert.equal(status, 0);
  }
});

Deno.test("a handler that kills its own process ends it: the interrupted code does not resume", () => {
  const { status, out } = forkAndReap(function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* (h) {
      h.print("handler");
      yield* h.kill(h.pid, "SIGKILL");
      h.print("handler after kill");
    });
    yield* sys.kill(sys.pid, "SIGUSR1");
    sys.print("after SIGUSR1");
  });
  assert.deepEqual(out, ["handler"]);
  assert.equal(status, -9);
});

Deno.test("SIGPIPE's default action kills the writer before its EPIPE handler runs", () => {
  const { status, out } = forkAndReap(function* (sys) {
    yield* sys.sigaction("SIGPIPE", "default");
    const [r, w] = yield* sys.pipe();
    yield* sys.close(r);
    try {
      yield* sys.write(w, "x");
      sys.print("written");
    } catch (e) {
      sys.print(isErrno(e, "EPIPE") ? "EPIPE" : String(e));
    }
  });
  assert.deepEqual(out, []);
  assert.equal(status, -13);
});

Deno.test("a fatal signal from outside cannot be caught as an error by the victim's code", () => {
  const [sim, host] = world();
  const caught: string[] = [];
  const victim = host.spawn("victim", function* (sys) {
    for (;;) {
      try {
        yield* sys.sleep(ms(1));
      } catch (e) {
        caught.push(String(e)); // a catch-all must not swallow the death
      }
    }
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(500));
    yield* sys.kill(victim.pid, "SIGTERM");
  });
  sim.run({ until: ms(50) });
  assert.deepEqual(caught, []);
  assert.equal(victim.exitCode, -15);
  assert.equal(victim.liveThreads.length, 0);
});

Deno.test("a self-kill unwinds like a kill from outside: finally blocks run, joiners see it", () => {
  const events: string[] = [];
  const [sim, host] = world();
  const p = host.spawn("proc", function* (sys) {
    const pid = sys.pid;
    const t = yield* sys.spawnThread("killer", function* (w) {
      try {
        yield* w.kill(pid, "SIGKILL");
      } finally {
        events.push("killer finally");
      }
    });
    try {
      yield* sys.joinThread(t);
      events.push("joined");
    } finally {
      events.push("main finally");
    }
  });
  sim.run();
  assert.equal(p.exitCode, -9);
  assert.deepEqual(events.sort(), ["killer finally", "main finally"]);
  assert.equal(sim.failed, false);
});
