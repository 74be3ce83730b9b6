import assert from "node:assert/strict";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { isErrno } from "./errno.ts";
import { Host } from "./host.ts";
import { PIPE_BUF, PIPE_CAPACITY } from "./pipe.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("a pipe carries bytes from a forked child to its parent, then EOF", () => {
  const sim = new Simulation();
  const host = new Host(sim);
  const parent = host.spawn("parent", function* (sys) {
    const [r, w] = yield* sys.pipe();
    const child = yield* sys.fork("child", function* (c) {
      yield* c.close(r);
      yield* c.write(w, "hello from the child");
      return 7;
    });
    yield* sys.close(w);
    sys.print(text(yield* sys.read(r, 100)));
    sys.print("eof:", (yield* sys.read(r, 100)).length);
    const { pid, status } = (yield* sys.waitpid(child))!;
    sys.print(pid === child, status);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["hello from the child", "eof: 0", "true 7"]);
  assert.equal(parent.children.length, 0);
  assert.ok(parent.usage().syscallNs >= host.costs.forkNs);
});

Deno.test("writing to a pipe nobody reads fails with EPIPE", () => {
  const sim = new Simulation();
  new Host(sim).spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    yield* sys.close(r);
    try {
      yield* sys.write(w, "x");
    } catch (e) {
      sys.print(isErrno(e, "EPIPE") ? "EPIPE" : String(e));
    }
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "EPIPE");
});

Deno.test("a full pipe blocks the writer until the reader drains it", () => {
  const sim = new Simulation();
  let wroteAt = -1;
  new Host(sim, { cores: 2 }).spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    yield* sys.fork("reader", function* (c) {
      yield* c.sleep(ms(1));
      let got = 0;
      while (got < PIPE_CAPACITY + 10) got += (yield* c.read(r, 65536)).length;
    });
    yield* sys.write(w, new Uint8Array(PIPE_CAPACITY));
    yield* sys.write(w, new Uint8Array(10));
    wroteAt = sys.now;
    yield* sys.waitpid();
  });
  sim.run();
  assert.ok(wroteAt >= ms(1), `the second write returned at ${wroteAt}`);
});

Deno.test("a non-blocking write of at most PIPE_BUF bytes is all or nothing", () => {
  const sim = new Simulation();
  new Host(sim).spawn("p", function* (sys) {
    const [, w] = yield* sys.pipe();
    yield* sys.setBlocking(w, false);
    yield* sys.write(w, new Uint8Array(PIPE_CAPACITY - 100));
    try {
      yield* sys.write(w, new Uint8Array(PIPE_BUF));
    } catch (e) {
      sys.print(isErrno(e, "EAGAIN") ? "EAGAIN" : String(e));
    }
    sys.print(yield* sys.write(w, new Uint8Array(PIPE_BUF + 1000)));
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["EAGAIN", "100"]);
});

Deno.test("reading the write end and writing the read end fail with EBADF", () => {
  const sim = new Simulation();
  new Host(sim).spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    for (const f of [() => sys.read(w, 1), () => sys.write(r, "x")]) {
      try {
        yield* f();
      } catch (e) {
        sys.print((e as { errno?: string }).errno);
      }
    }
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["EBADF", "EBADF"]);
});

Deno.test("waitpid fails with ECHILD without children; nohang returns null while they run", () => {
  const sim = new Simulation();
  new Host(sim).spawn("p", function* (sys) {
    try {
      yield* sys.waitpid();
    } catch (e) {
      sys.print((e as { errno?: string }).errno);
    }
    const pid = yield* sys.fork("sleeper", function* (c) {
      yield* c.sleep(us(10));
    });
    sys.print(yield* sys.waitpid(pid, { nohang: true }));
    sys.print((yield* sys.waitpid(pid))!.status);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["ECHILD", "null", "0"]);
});

Deno.test("a forked child inherits signal actions and its parent gets SIGCHLD", () => {
  const sim = new Simulation();
  let chld = 0;
  new Host(sim).spawn("p", function* (sys) {
    yield* sys.sigaction("SIGCHLD", function* () {
      chld++;
    });
    yield* sys.sigaction("SIGTERM", "ignore");
    const pid = yield* sys.fork("child", function* (c) {
      yield* c.kill(c.pid, "SIGTERM"); // ignored, as in the parent
      yield* c.sleep(us(5));
    });
    const { status } = (yield* sys.waitpid(pid))!;
    sys.print(status, chld);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "0 1");
});
