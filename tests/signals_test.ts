import assert from "node:assert/strict";
import { ms, Simulation, us } from "../lib/kernel/mod.ts";
import { Network } from "../lib/net/mod.ts";
import { epollCreate, epollWait } from "../lib/io/epoll.ts";
import { isErrno } from "../lib/os/errno.ts";
import { EPOLLIN, O_ASYNC, O_NONBLOCK } from "../lib/os/events.ts";
import type { Host } from "../lib/os/host.ts";
import { SIGNALS, SIGRTMIN } from "../lib/os/signals.ts";
import type { SignalInfo } from "../lib/os/signals.ts";

const QUIET = { contextSwitchNs: 0, wakeupNs: 0, syscallNs: 0, signalNs: 0 };

function world(costs: Record<string, number> = QUIET): [Simulation, Host] {
  const sim = new Simulation();
  const host = new Network(sim).addHost("box", { cores: 2, costs });
  return [sim, host];
}

Deno.test("a handler interrupts a computation, which resumes afterwards", () => {
  const [sim, host] = world();
  let handledAt = -1;
  const p = host.spawn("worker", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* (hsys) {
      handledAt = hsys.now;
      yield* hsys.compute(us(50));
    });
    yield* sys.compute(ms(1));
    sys.print(`done at ${sys.now}`);
  });
  host.spawn("sender", function* (sys) {
    yield* sys.sleep(us(300));
    yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.equal(handledAt, us(300));
  // 1 ms of work plus 50 µs of handler.
  assert.equal(sim.output[0]!.text, `done at ${ms(1) + us(50)}`);
  assert.equal(p.usage().userNs, ms(1));
  assert.equal(p.usage().signalNs, us(50));
});

Deno.test("a blocking recv interrupted by a handler fails with EINTR without SA_RESTART", () => {
  const [sim, host] = world();
  const p = host.spawn("reader", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* () {});
    const [a, b] = yield* sys.socketpair();
    void a;
    try {
      yield* sys.recv(b, 10);
      sys.print("no error");
    } catch (e) {
      sys.print(isErrno(e, "EINTR") ? `EINTR at ${sys.now}` : String(e));
    }
  });
  host.spawn("sender", function* (sys) {
    yield* sys.sleep(us(100));
    yield* sys.kill(p.pid, SIGNALS.SIGUSR1);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, `EINTR at ${us(100)}`);
});

Deno.test("with SA_RESTART the interrupted recv goes on and gets its data", () => {
  const [sim, host] = world();
  let handled = 0;
  host.spawn("pair", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    yield* sys.sigaction("SIGUSR1", function* () {
      handled++;
    }, { restart: true });
    const pid = sys.pid;
    yield* sys.spawnThread("helper", function* (t) {
      yield* t.sleep(us(100));
      yield* t.kill(pid, "SIGUSR1");
      yield* t.sleep(us(100));
      yield* t.send(a, "late");
    });
    const data = yield* sys.recv(b, 10);
    sys.print(new TextDecoder().decode(data), sys.now);
  });
  sim.run();
  assert.equal(handled, 1);
  const [text, at] = sim.output[0]!.text.split(" ");
  assert.equal(text, "late");
  // After the helper's 200 µs of sleep (plus its thread creation and send).
  assert.ok(Number(at) >= us(200));
});

Deno.test("epoll_wait and nanosleep fail with EINTR even with SA_RESTART", () => {
  const [sim, host] = world();
  const p = host.spawn("waiter", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* () {}, { restart: true });
    const ep = yield* epollCreate(sys);
    for (const what of ["epoll_wait", "nanosleep"]) {
      try {
        if (what === "epoll_wait") yield* epollWait(sys, ep, 8);
        else yield* sys.sleep(ms(10));
      } catch (e) {
        sys.print(what, isErrno(e, "EINTR") ? "EINTR" : String(e), sys.now);
      }
    }
  });
  host.spawn("sender", function* (sys) {
    yield* sys.sleep(us(100));
    yield* sys.kill(p.pid, "SIGUSR1");
    yield* sys.sleep(us(100));
    yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), [
    `epoll_wait EINTR ${us(100)}`,
    `nanosleep EINTR ${us(200)}`,
  ]);
});

Deno.test("standard signals do not queue: a burst while one is pending gives one handler run", () => {
  const [sim, host] = world();
  let runs = 0;
  const p = host.spawn("target", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* () {
      runs++;
    });
    yield* sys.sigprocmask("SIG_BLOCK", ["SIGUSR1"]);
    yield* sys.sleep(ms(1)); // five signals arrive meanwhile
    yield* sys.sigprocmask("SIG_UNBLOCK", ["SIGUSR1"]);
    sys.print("runs", runs);
  });
  host.spawn("sender", function* (sys) {
    for (let i = 0; i < 5; i++) yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "runs 1");
  assert.equal(p.signals.coalesced, 4);
});

Deno.test("real-time signals queue: each one runs the handler", () => {
  const [sim, host] = world();
  let runs = 0;
  const p = host.spawn("target", function* (sys) {
    yield* sys.sigaction(SIGRTMIN, function* () {
      runs++;
    });
    yield* sys.sigprocmask("SIG_BLOCK", [SIGRTMIN]);
    yield* sys.sleep(ms(1));
    yield* sys.sigprocmask("SIG_UNBLOCK", [SIGRTMIN]);
    sys.print("runs", runs);
  });
  host.spawn("sender", function* (sys) {
    for (let i = 0; i < 5; i++) yield* sys.kill(p.pid, SIGRTMIN);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "runs 5");
});

Deno.test("a signal's default action ends the process with minus its number", () => {
  const [sim, host] = world();
  const p = host.spawn("victim", function* (sys) {
    yield* sys.sleep(ms(10));
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(5));
    yield* sys.kill(p.pid, "SIGTERM");
  });
  sim.run();
  assert.equal(p.exitCode, -15);
  assert.equal(sim.now, us(5));
});

Deno.test("SIGKILL cannot be caught and ends the process at once", () => {
  const [sim, host] = world();
  const p = host.spawn("victim", function* (sys) {
    try {
      yield* sys.sigaction("SIGKILL", "ignore");
    } catch (e) {
      sys.print(isErrno(e, "EINVAL") ? "EINVAL" : String(e));
    }
    yield* sys.compute(ms(10));
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(5));
    yield* sys.kill(p.pid, "SIGKILL");
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "EINVAL");
  assert.equal(p.exitCode, -9);
});

Deno.test("an ignored signal is dropped; kill of an unknown pid fails with ESRCH", () => {
  const [sim, host] = world();
  host.spawn("self", function* (sys) {
    yield* sys.sigaction("SIGTERM", "ignore");
    yield* sys.kill(sys.pid, "SIGTERM");
    try {
      yield* sys.kill(4242, "SIGTERM");
    } catch (e) {
      sys.print(isErrno(e, "ESRCH") ? "ESRCH" : String(e));
    }
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "ESRCH");
});

Deno.test("pause returns EINTR once a handler has run", () => {
  const [sim, host] = world();
  const p = host.spawn("pauser", function* (sys) {
    yield* sys.sigaction("SIGALRM", function* () {});
    try {
      yield* sys.pause();
    } catch (e) {
      sys.print(isErrno(e, "EINTR") ? `EINTR at ${sys.now}` : String(e));
    }
  });
  host.spawn("alarm", function* (sys) {
    yield* sys.sleep(ms(2));
    yield* sys.kill(p.pid, "SIGALRM");
  });
  sim.run();
  assert.equal(sim.output[0]!.text, `EINTR at ${ms(2)}`);
});

Deno.test("a broken pipe gives EPIPE (SIGPIPE is ignored by default) or kills with SIGPIPE's default", () => {
  for (const restore of [false, true]) {
    const [sim, host] = world();
    const p = host.spawn("writer", function* (sys) {
      if (restore) yield* sys.sigaction("SIGPIPE", "default");
      const [a, b] = yield* sys.socketpair();
      yield* sys.close(b);
      try {
        yield* sys.send(a, "x");
      } catch (e) {
        sys.print(isErrno(e, "EPIPE") ? "EPIPE" : String(e));
      }
    });
    sim.run();
    if (restore) assert.equal(p.exitCode, -13);
    else {
      assert.equal(sim.output[0]!.text, "EPIPE");
      assert.equal(p.exitCode, 0);
    }
  }
});

Deno.test("SIGIO with F_SETOWN and O_ASYNC: a burst of arrivals gives one handler run", () => {
  for (const loop of [true, false]) {
    const [sim, host] = world();
    const reads: number[] = [];
    host.spawn("sigio", function* (sys) {
      const [a, b] = yield* sys.socketpair("dgram");
      yield* sys.fcntl(b, "F_SETOWN", sys.pid);
      yield* sys.fcntl(b, "F_SETFL", O_ASYNC | O_NONBLOCK);
      let runs = 0;
      yield* sys.sigaction("SIGIO", function* (h) {
        runs++;
        // A handler must read until EAGAIN: the five arrivals raised one SIGIO.
        do {
          try {
            yield* h.recv(b, 100);
            reads.push(h.now);
          } catch (e) {
            if (isErrno(e, "EAGAIN")) break;
            throw e;
          }
        } while (loop);
      });
      yield* sys.sigprocmask("SIG_BLOCK", ["SIGIO"]);
      for (let i = 0; i < 5; i++) yield* sys.send(a, `datagram ${i}`);
      yield* sys.sigprocmask("SIG_UNBLOCK", ["SIGIO"]);
      sys.print("runs", runs, "read", reads.length);
    });
    sim.run();
    assert.equal(sim.output[0]!.text, loop ? "runs 1 read 5" : "runs 1 read 1");
  }
});

Deno.test("F_SETSIG with a real-time signal queues one signal per event, carrying the fd", () => {
  const [sim, host] = world();
  const seen: SignalInfo[] = [];
  host.spawn("rt", function* (sys) {
    const [a, b] = yield* sys.socketpair("dgram");
    yield* sys.fcntl(b, "F_SETOWN", sys.pid);
    yield* sys.fcntl(b, "F_SETSIG", SIGRTMIN + 1);
    yield* sys.fcntl(b, "F_SETFL", O_ASYNC | O_NONBLOCK);
    yield* sys.sigaction(SIGRTMIN + 1, function* (_h, info) {
      seen.push(info);
    });
    yield* sys.sigprocmask("SIG_BLOCK", [SIGRTMIN + 1]);
    for (let i = 0; i < 3; i++) yield* sys.send(a, "x");
    yield* sys.sigprocmask("SIG_UNBLOCK", [SIGRTMIN + 1]);
  });
  sim.run();
  assert.equal(seen.length, 3);
  assert.ok(seen.every((i) => i.fd === 4 && i.signo === SIGRTMIN + 1 && (i.band! & EPOLLIN) !== 0));
});

Deno.test("F_SETOWN of an unknown process fails with ESRCH; F_SETSIG of a bad signal with EINVAL", () => {
  const [sim, host] = world();
  host.spawn("p", function* (sys) {
    const [a] = yield* sys.socketpair();
    for (const [cmd, arg] of [["F_SETOWN", 99999], ["F_SETSIG", 99]] as const) {
      try {
        yield* sys.fcntl(a, cmd, arg);
      } catch (e) {
        sys.print((e as { errno: string }).errno);
      }
    }
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["ESRCH", "EINVAL"]);
});

Deno.test("a signal reaches a thread that does not block it", () => {
  const [sim, host] = world();
  const handledBy: string[] = [];
  const p = host.spawn("proc", function* (sys) {
    yield* sys.sigaction("SIGUSR2", function* (h) {
      handledBy.push(h.thread.name);
    });
    yield* sys.sigprocmask("SIG_BLOCK", ["SIGUSR2"]);
    const t = yield* sys.spawnThread("worker", function* (w) {
      yield* w.sigprocmask("SIG_UNBLOCK", ["SIGUSR2"]);
      try {
        yield* w.sleep(ms(1));
      } catch (e) {
        if (!isErrno(e, "EINTR")) throw e;
      }
    });
    yield* sys.joinThread(t);
  });
  host.spawn("sender", function* (sys) {
    yield* sys.sleep(us(100));
    yield* sys.kill(p.pid, "SIGUSR2");
  });
  sim.run();
  assert.deepEqual(handledBy, ["worker"]);
});

Deno.test("bad signals are rejected with RangeError", () => {
  const [sim, host] = world();
  host.spawn("p", function* (sys) {
    for (const sig of [0, 65, "SIGNOPE"]) {
      try {
        yield* sys.kill(sys.pid, sig as never);
      } catch (e) {
        sys.print((e as Error).name);
      }
    }
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["RangeError", "RangeError", "RangeError"]);
});

Deno.test("SIGIO is raised for write space only after a send found the buffer full", () => {
  const [sim, host] = world();
  const bands: number[] = [];
  host.spawn("writer", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    yield* sys.fcntl(a, "F_SETOWN", sys.pid);
    yield* sys.fcntl(a, "F_SETFL", O_ASYNC | O_NONBLOCK);
    yield* sys.sigaction("SIGIO", function* (_h, info) {
      bands.push(info.band!);
    });
    yield* sys.send(a, "small"); // the peer's acknowledgement raises no SIGIO
    yield* sys.sleep(us(10));
    const before = bands.length;
    try {
      for (;;) yield* sys.send(a, new Uint8Array(65536));
    } catch (e) {
      if (!isErrno(e, "EAGAIN")) throw e;
    }
    yield* sys.recv(b, 1 << 20); // room again: now SIGIO says so
    yield* sys.sleep(us(10));
    sys.print(before, bands.length > before);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "0 true");
});

Deno.test("a full real-time signal queue falls back on SIGIO for F_SETSIG signals", () => {
  const sim = new Simulation();
  const host = new Network(sim).addHost("box", { costs: QUIET, sigpending: 2 });
  let rt = 0, io = 0;
  const p = host.spawn("rt", function* (sys) {
    const [a, b] = yield* sys.socketpair("dgram");
    yield* sys.fcntl(b, "F_SETOWN", sys.pid);
    yield* sys.fcntl(b, "F_SETSIG", SIGRTMIN);
    yield* sys.fcntl(b, "F_SETFL", O_ASYNC | O_NONBLOCK);
    yield* sys.sigaction(SIGRTMIN, function* () {
      rt++;
    });
    yield* sys.sigaction("SIGIO", function* () {
      io++;
    });
    yield* sys.sigprocmask("SIG_BLOCK", [SIGRTMIN, "SIGIO"]);
    for (let i = 0; i < 5; i++) yield* sys.send(a, "x");
    yield* sys.sigprocmask("SIG_UNBLOCK", [SIGRTMIN, "SIGIO"]);
  });
  sim.run();
  assert.equal(rt, 2);
  assert.equal(io, 1);
  assert.equal(p.signals.overflowed, 3);
});
