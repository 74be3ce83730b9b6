import assert from "node:assert/strict";
import { StateError, TimeoutError } from "../kernel/errors.ts";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import type { CostModel } from "./costs.ts";
import { type Errno, SysError } from "./errno.ts";
import { O_ASYNC, O_NONBLOCK } from "./events.ts";
import { Host, type HostOptions } from "./host.ts";
import { SIGNALS } from "./signals.ts";
import { fromBytes, MAX_COMPUTE_NS, pyBytes, Sys, toAddress, toBytes } from "./sys.ts";
import type { Thread, ThreadRoutine } from "./thread.ts";

/** Free scheduling, so that a test's times are the costs it names. */
const NO_OVERHEAD: Partial<CostModel> = { contextSwitchNs: 0, wakeupNs: 0 };

function world(options: HostOptions = {}): [Simulation, Host] {
  const sim = new Simulation();
  return [sim, new Host(sim, { name: "box", costs: NO_OVERHEAD, ...options })];
}

function errnoOf(e: unknown): Errno {
  if (e instanceof SysError) return e.errno;
  throw e;
}

// ---- time: compute and sleep ----------------------------------------------

Deno.test("compute charges user time on a core and advances the clock by exactly that", () => {
  const [sim, host] = world();
  const p = host.spawn("app", function* (sys) {
    yield* sys.compute(us(40));
    yield* sys.compute(0);
  });
  sim.run();
  const u = p.usage();
  assert.equal(u.userNs, us(40));
  assert.equal(u.cpuNs, us(40));
  assert.equal(u.syscalls, 0);
  assert.equal(sim.now, us(40));
});

Deno.test("sleep blocks without a core: one syscall, blocked time, no CPU besides the entry", () => {
  const [sim, host] = world();
  const p = host.spawn("app", function* (sys) {
    yield* sys.sleep(ms(3));
  });
  sim.run();
  const u = p.usage();
  assert.equal(u.syscalls, 1);
  assert.equal(u.syscallNs, host.costs.syscallNs);
  assert.equal(u.blockedNs, ms(3));
  assert.equal(u.userNs, 0);
  assert.equal(sim.now, host.costs.syscallNs + ms(3));
});

Deno.test("wrong argument types throw TypeError naming the value", () => {
  const [sim, host] = world();
  const messages: string[] = [];
  host.spawn("app", function* (sys) {
    const attempts: (() => ThreadRoutine<unknown>)[] = [
      () => sys.close("3" as unknown as number),
      () => sys.fcntl("4" as unknown as number, "F_GETFL"),
      () => sys.recv(0, "10" as unknown as number),
      () => sys.send(1, 42 as unknown as string),
      () => sys.bind(0, ["box", "80"] as unknown as [string, number]),
      () => sys.connect(0, { host: 7 } as unknown as [string, number]),
      () => sys.socket("raw" as unknown as "stream"),
      () => sys.listen(0, "lots" as unknown as number),
      () => sys.spawnThread("worker", "not a function" as unknown as () => never),
      () => sys.compute("1000" as unknown as number),
      () => sys.sleep("1000" as unknown as number),
    ];
    for (const attempt of attempts) {
      try {
        yield* attempt();
        messages.push("no error");
      } catch (e) {
        messages.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
  sim.run();
  const quoted = [
    '"3"',
    '"4"',
    '"10"',
    '"42"',
    '"80"',
    '"7"',
    '"raw"',
    '"lots"',
    '"not a function"',
    '"1000"',
    '"1000"',
  ];
  assert.equal(messages.length, quoted.length);
  messages.forEach((m, i) => {
    assert.match(m, /^TypeError: /, m);
    assert.ok(m.includes(quoted[i]!), `${m} should name ${quoted[i]}`);
  });
});

Deno.test("out-of-range arguments throw RangeError", () => {
  const [sim, host] = world();
  const names: string[] = [];
  host.spawn("app", function* (sys) {
    for (const attempt of [() => sys.compute(-1), () => sys.sleep(Infinity)]) {
      try {
        yield* attempt();
      } catch (e) {
        names.push((e as Error).name);
      }
    }
  });
  sim.run();
  assert.deepEqual(names, ["RangeError", "RangeError"]);
});

// ---- descriptors -----------------------------------------------------------

Deno.test("bad fds fail with EBADF and the simulation keeps running", () => {
  const [sim, host] = world();
  const seen: string[] = [];
  const p = host.spawn("app", function* (sys) {
    const calls: [string, () => ThreadRoutine<unknown>][] = [
      ["close", () => sys.close(99)],
      ["fcntl", () => sys.fcntl(-1, "F_GETFL")],
      ["recv", () => sys.recv(42, 10)],
      ["send", () => sys.send(3, "x")],
      ["accept", () => sys.accept(1.5)],
      ["setBlocking", () => sys.setBlocking(7, false)],
    ];
    for (const [name, call] of calls) {
      try {
        yield* call();
      } catch (e) {
        seen.push(`${name}: ${errnoOf(e)}`);
      }
    }
    yield* sys.compute(us(1));
    seen.push("still running");
  });
  sim.run();
  assert.deepEqual(seen, [
    "close: EBADF",
    "fcntl: EBADF",
    "recv: EBADF",
    "send: EBADF",
    "accept: EBADF",
    "setBlocking: EBADF",
    "still running",
  ]);
  assert.equal(p.exitCode, 0);
  // Each failed call still cost its entry.
  assert.equal(p.usage().syscalls, 6);
});

Deno.test("recvInto with something other than a Uint8Array fails with EFAULT", () => {
  const [sim, host] = world();
  let result = "";
  host.spawn("app", function* (sys) {
    try {
      yield* sys.recvInto(0, [0, 0] as unknown as Uint8Array);
    } catch (e) {
      result = errnoOf(e);
    }
  });
  sim.run();
  assert.equal(result, "EFAULT");
});

Deno.test("closing a descriptor twice fails the second time with EBADF", () => {
  const [sim, host] = world();
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    yield* sys.close(2);
    seen.push("closed 2");
    try {
      yield* sys.close(2);
    } catch (e) {
      seen.push(errnoOf(e));
    }
  });
  sim.run();
  assert.deepEqual(seen, ["closed 2", "EBADF"]);
});

Deno.test("ENOTSOCK for a non-socket", () => {
  const [sim, host] = world();
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    const calls: [string, () => ThreadRoutine<unknown>][] = [
      ["recv", () => sys.recv(0, 10)],
      ["send", () => sys.send(1, "x")],
      ["bind", () => sys.bind(2, ["box", 8000])],
      ["listen", () => sys.listen(0)],
      ["accept", () => sys.accept(0)],
      ["connect", () => sys.connect(1, ["box", 80])],
      ["getsockname", () => sys.getsockname(2)],
      ["shutdown", () => sys.shutdown(0)],
      ["setsockopt", () => sys.setsockopt(0, "SO_RCVBUF", 1)],
    ];
    for (const [name, call] of calls) {
      try {
        yield* call();
      } catch (e) {
        seen.push(`${name}: ${errnoOf(e)}`);
      }
    }
  });
  sim.run();
  assert.deepEqual(seen, [
    "recv: ENOTSOCK",
    "send: ENOTSOCK",
    "bind: ENOTSOCK",
    "listen: ENOTSOCK",
    "accept: ENOTSOCK",
    "connect: ENOTSOCK",
    "getsockname: ENOTSOCK",
    "shutdown: ENOTSOCK",
    "setsockopt: ENOTSOCK",
  ]);
});

Deno.test("fcntl reads and sets O_NONBLOCK and O_ASYNC, keeps the owner, and rejects unknown commands", () => {
  const [sim, host] = world();
  const seen: (number | string)[] = [];
  host.spawn("app", function* (sys) {
    seen.push(yield* sys.fcntl(1, "F_GETFL"));
    yield* sys.fcntl(1, "F_SETFL", O_NONBLOCK | O_ASYNC | 0o1); // other bits are ignored
    seen.push(yield* sys.fcntl(1, "F_GETFL"));
    yield* sys.setBlocking(1, true);
    seen.push(yield* sys.fcntl(1, "F_GETFL"));
    seen.push(yield* sys.fcntl(1, "F_GETOWN"));
    yield* sys.fcntl(1, "F_SETOWN", sys.pid);
    seen.push(yield* sys.fcntl(1, "F_GETOWN"));
    try {
      yield* sys.fcntl(1, "F_DUPFD" as unknown as "F_GETFL");
    } catch (e) {
      seen.push(errnoOf(e));
    }
  });
  sim.run();
  assert.deepEqual(seen, [0, O_NONBLOCK | O_ASYNC, O_ASYNC, 0, 1000, "EINVAL"]);
});

Deno.test("setBlocking(false) makes the file non-blocking", () => {
  const [sim, host] = world();
  let nonblocking = false;
  host.spawn("app", function* (sys) {
    yield* sys.setBlocking(0, false);
    nonblocking = sys.fileOf(0)!.nonblocking;
  });
  sim.run();
  assert.equal(nonblocking, true);
});

// ---- threads ---------------------------------------------------------------

Deno.test("joinThread returns what the thread's body returned, after it finished", () => {
  const [sim, host] = world({ cores: 2 });
  const seen: unknown[] = [];
  const p = host.spawn("app", function* (sys) {
    const t = yield* sys.spawnThread("worker", function* (tsys) {
      yield* tsys.compute(ms(2));
      return "result";
    });
    seen.push(yield* sys.joinThread(t));
    seen.push(sys.now);
  });
  sim.run();
  // pthread_create costs entry + threadCreateNs before the worker exists.
  const created = host.costs.syscallNs + host.costs.threadCreateNs;
  assert.deepEqual(seen, ["result", created + ms(2)]);
  assert.equal(p.threads.length, 2);
  assert.equal(p.threads[1]!.name, "worker");
  assert.equal(p.threads[1]!.tid, 1001);
});

Deno.test("the thread limit gives EAGAIN from spawnThread", () => {
  const [sim, host] = world({ maxThreads: 3 });
  const seen: string[] = [];
  const p = host.spawn("app", function* (sys) {
    const workers: Thread[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        workers.push(
          yield* sys.spawnThread(`w${i}`, function* (t) {
            yield* t.sleep(ms(1));
          }),
        );
        seen.push(`w${i}`);
      }
    } catch (e) {
      seen.push(errnoOf(e));
    }
    seen.push(`count ${host.threadCount}`);
    for (const w of workers) yield* sys.joinThread(w);
    // The slots came back when the workers ended.
    yield* sys.spawnThread("again", function* () {});
    seen.push("again");
  });
  sim.run();
  assert.deepEqual(seen, ["w0", "w1", "EAGAIN", "count 3", "again"]);
  assert.equal(p.usage().eagain, 1);
  assert.equal(host.threadCount, 0);
});

Deno.test("the host's thread count returns to zero even when a thread dies before it starts", () => {
  const [sim, host] = world();
  host.spawn("app", function* (sys) {
    yield* sys.spawnThread("never-runs", function* (t) {
      yield* t.sleep(ms(1));
    });
    // The main thread returns at once: exit(3) kills the new thread before its first step.
  });
  sim.run();
  assert.equal(host.threadCount, 0);
});

Deno.test("a thread cannot join itself (EDEADLK) or a thread of another process (EINVAL)", () => {
  const [sim, host] = world();
  let other: Thread | null = null;
  host.spawn("other", function* (sys) {
    other = sys.thread;
    yield* sys.sleep(ms(5));
  });
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    for (const t of [sys.thread, other!, undefined as unknown as Thread]) {
      try {
        yield* sys.joinThread(t);
      } catch (e) {
        seen.push(errnoOf(e));
      }
    }
  });
  sim.run();
  assert.deepEqual(seen, ["EDEADLK", "EINVAL", "EINVAL"]);
});

Deno.test("joinThread with a timeout throws TimeoutError when the thread runs on", () => {
  const [sim, host] = world();
  let error = "";
  host.spawn("app", function* (sys) {
    const t = yield* sys.spawnThread("slow", function* (tsys) {
      yield* tsys.sleep(ms(10));
    });
    try {
      yield* sys.joinThread(t, ms(1));
    } catch (e) {
      error = (e as Error).name;
    }
    yield* sys.joinThread(t);
  });
  sim.run();
  assert.equal(error, TimeoutError.name);
});

Deno.test("the process ends when its main thread returns, killing its other threads", () => {
  const [sim, host] = world({ cores: 2 });
  let workerFinished = false;
  const p = host.spawn("app", function* (sys) {
    yield* sys.spawnThread("forever", function* (tsys) {
      yield* tsys.sleep(ms(100));
      workerFinished = true;
    });
    yield* sys.sleep(ms(1));
    return 7;
  });
  sim.run();
  assert.equal(p.exitCode, 7);
  assert.equal(workerFinished, false);
  assert.equal(p.liveThreads.length, 0);
  assert.equal(p.alive, false);
  assert.equal(p.exited.value, 7);
});

Deno.test("sys.exit from any thread ends the whole process with that status", () => {
  const [sim, host] = world({ cores: 2 });
  let mainSawEnd = false;
  const p = host.spawn("app", function* (sys) {
    yield* sys.spawnThread("quitter", function* (tsys) {
      yield* tsys.sleep(ms(1));
      yield* tsys.exit(3);
    });
    yield* sys.sleep(ms(10));
    mainSawEnd = true;
  });
  sim.run();
  assert.equal(p.exitCode, 3);
  assert.equal(mainSawEnd, false);
  assert.ok(sim.now < ms(10));
});

Deno.test("an uncaught error with onError 'exit' prints a traceback and exits 1; the simulation goes on", () => {
  const [sim, host] = world();
  const crash = host.spawn("crash", function* (sys) {
    yield* sys.sleep(ms(1));
    throw new Error("boom");
  }, { onError: "exit" });
  const survivor = host.spawn("survivor", function* (sys) {
    yield* sys.sleep(ms(2));
  });
  sim.run();
  assert.equal(crash.exitCode, 1);
  assert.equal((crash.error as Error).message, "boom");
  assert.equal(survivor.exitCode, 0);
  assert.deepEqual(sim.output.map((l) => [l.source, l.text]), [
    ["crash[1000]", "Traceback: Error: boom"],
  ]);
});

Deno.test("an uncaught SysError with onError 'raise' fails the simulation", () => {
  const [sim, host] = world();
  const p = host.spawn("app", function* (sys) {
    yield* sys.close(55);
  });
  assert.throws(() => sim.run(), (e: unknown) => e instanceof SysError && e.errno === "EBADF");
  assert.equal(p.exitCode, 1);
  assert.equal(sim.failed, true);
});

// ---- accounting and traces -------------------------------------------------

Deno.test("each system call is counted and charged its entry cost", () => {
  const [sim, host] = world({ costs: { ...NO_OVERHEAD, syscallNs: 100, closeNs: 1000 } });
  const p = host.spawn("app", function* (sys) {
    yield* sys.fcntl(1, "F_GETFL");
    yield* sys.close(1);
  });
  sim.run();
  const u = p.usage();
  assert.equal(u.syscalls, 2);
  assert.equal(u.syscallNs, 100 + 100 + 1000);
  assert.equal(sim.now, 1200);
});

Deno.test("trace records of kind 'thread' name each thread, and 'span' records where its time went", () => {
  const [sim, host] = world({ costs: { ...NO_OVERHEAD, syscallNs: 100 } });
  const p = host.spawn("app", function* (sys) {
    yield* sys.compute(us(5));
    yield* sys.sleep(us(10));
    const t = yield* sys.spawnThread("helper", function* () {});
    yield* sys.joinThread(t);
  });
  sim.run();
  const threads = sim.trace.records({ kind: "thread" });
  assert.deepEqual(threads.map((r) => r.data), [
    { host: "box", pid: 1000, tid: 1000, process: "app", name: "main" },
    { host: "box", pid: 1000, tid: 1001, process: "app", name: "helper" },
  ]);
  const mainTask = p.mainThread.task.id;
  const spans = sim.trace.records({ kind: "span", task: mainTask }).map((r) => r.data);
  assert.deepEqual(spans.slice(0, 3), [
    { cat: "user", start: 0, dur: us(5) },
    { cat: "syscall", start: us(5), dur: 100, call: "nanosleep" },
    { cat: "blocked", start: us(5) + 100, dur: us(10) },
  ]);
  // Spans of one thread never overlap and add up to its usage.
  let cpu = 0, end = 0;
  for (const s of spans) {
    const { cat, start, dur } = s as { cat: string; start: number; dur: number };
    assert.ok(start >= end, `span at ${start} overlaps the previous one ending at ${end}`);
    end = start + dur;
    if (["user", "syscall", "copy", "wasted", "switch", "signal"].includes(cat)) cpu += dur;
  }
  assert.equal(cpu, p.mainThread.usage.cpuNs);
});

Deno.test("a process's memory counts its threads' stacks while it runs and nothing after", () => {
  const [sim, host] = world();
  const seen: number[] = [];
  const p = host.spawn("app", function* (sys) {
    seen.push(sys.process.memory().stackBytes);
    const t = yield* sys.spawnThread("w", function* (tsys) {
      yield* tsys.sleep(ms(1));
    });
    seen.push(sys.process.memory().stackBytes);
    seen.push(sys.process.memory().residentBytes);
    yield* sys.joinThread(t);
  });
  sim.run();
  const c = host.costs;
  assert.deepEqual(seen, [
    c.threadStackBytes,
    2 * c.threadStackBytes,
    c.processMemoryBytes + 2 * c.threadMemoryBytes,
  ]);
  assert.deepEqual(p.memory(), { stackBytes: 0, residentBytes: 0, socketBytes: 0 });
});

Deno.test("print captures a line with the process name and Python-style bytes", () => {
  const [sim, host] = world();
  host.spawn("app", function* (sys) {
    yield* sys.compute(us(1));
    sys.print("got", new Uint8Array([104, 105, 0, 10]), { n: 1 }, 5);
  });
  sim.run();
  assert.deepEqual(sim.output, [
    { t: us(1), source: "app[1000]", text: "got b'hi\\x00\\n' {\"n\":1} 5" },
  ]);
});

// ---- helpers ---------------------------------------------------------------

Deno.test("toBytes encodes text as UTF-8 and passes bytes through", () => {
  const b = new Uint8Array([1, 2]);
  assert.equal(toBytes(b), b);
  assert.deepEqual(toBytes("é"), new Uint8Array([0xc3, 0xa9]));
  assert.throws(() => toBytes(5 as unknown as string), TypeError);
  assert.equal(fromBytes(toBytes("héllo")), "héllo");
});

Deno.test("toAddress accepts objects and tuples and checks the port", () => {
  assert.deepEqual(toAddress({ host: "a", port: 0 }), { host: "a", port: 0 });
  assert.deepEqual(toAddress(["a", 65535]), { host: "a", port: 65535 });
  assert.deepEqual(toAddress(["", 1]), { host: "", port: 1 }); // Python's "any address"
  assert.throws(() => toAddress([5 as unknown as string, 1]), TypeError);
  assert.throws(() => toAddress(["a", -1]), RangeError);
  assert.throws(() => toAddress(["a", 1.5]), RangeError);
  assert.throws(() => toAddress(null as unknown as [string, number]), TypeError);
});

Deno.test("pyBytes escapes like Python's repr", () => {
  assert.equal(pyBytes(toBytes("it's \\ \t\r")), "b'it\\'s \\\\ \\t\\r'");
  assert.equal(pyBytes(new Uint8Array([0x7f, 0xff])), "b'\\x7f\\xff'");
});

Deno.test("a Sys belongs to one thread and reports its ids", () => {
  const [sim, host] = world();
  let ids: number[] = [];
  host.spawn("app", function* (sys) {
    assert.ok(sys instanceof Sys);
    const t = yield* sys.spawnThread("w", function* (tsys) {
      ids = [tsys.pid, tsys.tid, sys.tid];
    });
    yield* sys.joinThread(t);
  });
  sim.run();
  assert.deepEqual(ids, [1000, 1001, 1000]);
});

// ---- hosts and processes ----------------------------------------------------

Deno.test("host options must be positive integers and names non-empty strings", () => {
  const sim = new Simulation();
  for (const bad of [{ maxThreads: 0 }, { rcvbuf: 1.5 }, { somaxconn: -1 }, { nofile: 0 }]) {
    assert.throws(() => new Host(sim, bad), RangeError, JSON.stringify(bad));
  }
  assert.throws(() => new Host(sim, { name: "" }), TypeError);
  assert.throws(() => new Host(sim, { costs: { syscallNs: -5 } }), RangeError);
  const host = new Host(sim);
  assert.equal(host.name, "host");
  assert.deepEqual(host.options, {
    nofile: 1024,
    nofileHard: 1_048_576,
    maxThreads: 32_768,
    rcvbuf: 131_072,
    sndbuf: 16_384,
    somaxconn: 4096,
    sigpending: 96_365,
  });
  assert.throws(() => host.spawn("", function* () {}), TypeError);
  assert.throws(() => host.spawn("x", 5 as unknown as () => never), TypeError);
});

Deno.test("hosts, processes and threads print readably", () => {
  const [sim, host] = world({ cores: 2 });
  const p = host.spawn("app", function* (sys) {
    yield* sys.sleep(1);
  });
  assert.equal(Deno.inspect(host), "Host { box, 2 core(s), 1 process(es) }");
  assert.equal(Deno.inspect(p), "Process { app[1000] on box, running }");
  assert.equal(Deno.inspect(p.mainThread), 'Thread { app[1000]/1000 "main" }');
  sim.run();
  assert.equal(Deno.inspect(p), "Process { app[1000] on box, exited 0 }");
});

Deno.test("a process started with a delay runs its first step then", () => {
  const [sim, host] = world();
  let startedAt = -1;
  host.spawn("late", function* (sys) {
    startedAt = sys.now;
    yield* sys.compute(1);
  }, { delay: ms(3) });
  sim.run();
  assert.equal(startedAt, ms(3));
});

Deno.test("a daemon process blocked forever is left out of the deadlock report", () => {
  const [sim, host] = world();
  host.spawn("server", function* (sys) {
    yield* sys.joinThread(
      yield* sys.spawnThread("forever", function* (t) {
        yield* t.sleep(ms(1));
      }),
    );
    // Waits on itself forever: a deadlock, unless it is a daemon.
    yield* sys.thread.waitEvent(sim.event("never"));
  }, { daemon: true });
  const r = sim.run({ deadlock: "report" });
  assert.equal(r.stop, "empty");
});

Deno.test("threads of a daemon process are left out of the deadlock report too", () => {
  const [sim, host] = world();
  host.spawn("server", function* (sys) {
    for (let i = 0; i < 2; i++) {
      yield* sys.spawnThread(`worker${i}`, function* (t) {
        yield* t.thread.waitEvent(sim.event("never"));
      });
    }
    yield* sys.thread.waitEvent(sim.event("never"));
  }, { daemon: true });
  const r = sim.run({ deadlock: "report" });
  assert.deepEqual(r.blocked, []);
  assert.equal(r.stop, "empty");
});

// ---- argument checks ------------------------------------------------------------

Deno.test("a sys used from another thread fails with StateError naming both, and charges nothing", () => {
  const [sim, host] = world({ cores: 2 });
  let error: unknown = null;
  const p = host.spawn("app", function* (sys) {
    const t = yield* sys.spawnThread("helper", function* () {
      try {
        yield* sys.compute(us(10)); // the main thread's sys
      } catch (e) {
        error = e;
      }
    });
    yield* sys.compute(us(30));
    yield* sys.joinThread(t);
  });
  sim.run();
  assert.ok(error instanceof StateError);
  assert.match(
    (error as Error).message,
    /Cannot call compute on the sys of thread "app\[1000\]" from another thread, "app\[1000\]\/helper"/,
  );
  // Nobody computed the 10 µs: the helper's usage and the main thread's are as they were.
  assert.equal(p.threads[1]!.usage.userNs, 0);
  assert.equal(p.mainThread.usage.userNs, us(30));
  const busy = host.cpu.busyTime().reduce((a, b) => a + b, 0);
  assert.equal(busy, p.usage().cpuNs);
});

Deno.test("a sys used by a plain task or outside any task fails with StateError", () => {
  const [sim, host] = world();
  let leaked: Sys | null = null;
  host.spawn("app", function* (sys) {
    leaked = sys;
    yield* sys.sleep(us(1));
  });
  sim.run();
  const sys = leaked as Sys | null;
  assert.throws(() => sys!.sleep(us(1)).next(), /from outside any task/);
  let error: unknown = null;
  sim.spawn(function* () {
    try {
      yield* sys!.sleep(us(1));
    } catch (e) {
      error = e;
    }
  }, { name: "intruder" });
  sim.run();
  assert.ok(error instanceof StateError);
  assert.match((error as Error).message, /from task "intruder", not a thread/);
  assert.equal(sys!.thread.usage.syscalls, 1);
});

Deno.test("compute refuses more than MAX_COMPUTE_NS (an hour) and takes exactly that", () => {
  const [sim, host] = world();
  let error: unknown = null;
  const p = host.spawn("app", function* (sys) {
    try {
      yield* sys.compute(MAX_COMPUTE_NS + 1);
    } catch (e) {
      error = e;
    }
  });
  sim.run();
  assert.ok(error instanceof RangeError);
  assert.match((error as Error).message, /compute time "3600000000001": at most 3600000000000 ns/);
  assert.equal(p.usage().userNs, 0);
});

Deno.test("exit takes the status modulo 256 and refuses one that is not an integer", () => {
  const statusOf = (code: unknown): number | string | null => {
    const [sim, host] = world();
    let refused = "";
    const p = host.spawn("app", function* (sys) {
      try {
        yield* sys.exit(code as number);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // the ProcessExit ends the process
        refused = e.message;
      }
    });
    sim.run();
    return refused === "" ? p.exitCode : refused;
  };
  assert.deepEqual([0, 3, 255, 256, 257, -1, -256, 2 ** 60].map(statusOf), [
    0,
    3,
    255,
    0,
    1,
    255,
    0,
    0,
  ]);
  assert.deepEqual([1.5, NaN, "2"].map(statusOf), [
    'Invalid exit status "1.5": expected an integer',
    'Invalid exit status "NaN": expected an integer',
    'Invalid exit status "2": expected an integer',
  ]);
});

Deno.test("a main thread's number is its exit status modulo 256; a fraction is an error", () => {
  const exitOf = (v: unknown): number | null => {
    const [sim, host] = world();
    const p = host.spawn("app", function* (sys) {
      yield* sys.sleep(1);
      return v as number;
    }, { onError: "exit" });
    sim.run();
    return p.exitCode;
  };
  assert.deepEqual([exitOf(7), exitOf(300), exitOf(-2), exitOf("x"), exitOf(0.5)], [
    7,
    44,
    254,
    0,
    1,
  ]);
});

Deno.test("sigprocmask takes one signal, a list or any iterable, and names anything else", () => {
  const [sim, host] = world();
  const olds: number[][] = [];
  let error: unknown = null;
  const p = host.spawn("app", function* (sys) {
    olds.push(yield* sys.sigprocmask("SIG_BLOCK", "SIGINT"));
    olds.push(yield* sys.sigprocmask("SIG_BLOCK", SIGNALS.SIGUSR1));
    olds.push(yield* sys.sigprocmask("SIG_UNBLOCK", new Set(["SIGINT"] as const)));
    olds.push(yield* sys.sigprocmask("SIG_SETMASK", ["SIGTERM", 12]));
    try {
      yield* sys.sigprocmask("SIG_BLOCK", { length: 1 } as unknown as number[]);
    } catch (e) {
      error = e;
    }
  });
  sim.run();
  assert.deepEqual(olds, [[], [2], [2, 10], [10]]);
  assert.deepEqual(p.mainThread.sigmask.flatMap((b, i) => b ? [i] : []), [12, 15]);
  assert.ok(error instanceof TypeError);
  assert.match((error as Error).message, /signals "\[object Object\]"/);
});

Deno.test("spawn checks its delay and onError before registering anything", () => {
  const host = new Host(new Simulation());
  assert.throws(() => host.spawn("p", function* () {}, { delay: -1 }), RangeError);
  assert.throws(() => host.spawn("p", function* () {}, { delay: NaN }), /spawn delay "NaN"/);
  assert.throws(
    () => host.spawn("p", function* () {}, { delay: "5" as unknown as number }),
    TypeError,
  );
  assert.throws(
    () => host.spawn("p", function* () {}, { onError: "bogus" as "exit" }),
    /Invalid onError "bogus": expected "raise" or "exit"/,
  );
  assert.equal(host.processes.size, 0);
  assert.equal(host.threadCount, 0);
  // The next process gets the first pid.
  assert.equal(host.spawn("p", function* () {}).pid, 1000);
});

Deno.test("fork refuses an unknown onError before paying for the fork", () => {
  const [sim, host] = world();
  let error: unknown = null;
  const p = host.spawn("app", function* (sys) {
    try {
      yield* sys.fork("child", function* () {}, { onError: "bogus" as "exit" });
    } catch (e) {
      error = e;
    }
  });
  sim.run();
  assert.ok(error instanceof RangeError);
  assert.equal(p.usage().syscalls, 0);
  assert.equal(host.processes.size, 1);
});
