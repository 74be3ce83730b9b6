import assert from "node:assert/strict";
import { ms } from "../kernel/time.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { type Connection, Pipe } from "./connection.ts";
import { Process } from "./process.ts";
import { attempt, world } from "./_testing.ts";

Deno.test("the article's pipe: both greetings arrive", () => {
  function* run(sys: Sys, conn: Connection<string>): ThreadRoutine<void> {
    yield* conn.send("你好,我是子进程");
    sys.print(yield* conn.recv());
  }
  const { out, sim } = world(function* (sys) {
    const [parentConn, childConn] = Pipe<string>(sys);
    yield* parentConn.send("你好我是父进程");
    const p = new Process({ target: run, args: [childConn] });
    yield* p.start(sys);
    yield* p.join();
    sys.print(yield* parentConn.recv());
  });
  assert.deepEqual(out, ["你好我是父进程", "你好,我是子进程"]);
  assert.ok(sim.now < ms(2.5), `took ${sim.now}`);
});

Deno.test("recv raises EOFError once every process closed the other end", () => {
  function* child(_sys: Sys, w: Connection<number>): ThreadRoutine<void> {
    yield* w.send(1);
    yield* w.close();
  }
  const { out } = world(function* (sys) {
    const [r, w] = Pipe<number>(sys, false);
    const p = new Process({ target: child, args: [w] });
    yield* p.start(sys);
    // The parent's own copy of the write end would keep the pipe open.
    yield* w.close();
    sys.print(yield* r.recv());
    yield* attempt(sys, () => r.recv());
    yield* p.join();
  });
  assert.deepEqual(out, [
    "1",
    "EOFError: the other end of the pipe is closed and nothing is left to read",
  ]);
});

Deno.test("a parent that keeps its copy of the write end waits instead of seeing EOF", () => {
  function* child(_sys: Sys, w: Connection<number>): ThreadRoutine<void> {
    yield* w.close();
  }
  const { out } = world(function* (sys) {
    const [r, w] = Pipe<number>(sys, false);
    yield* new Process({ target: child, args: [w] }).start(sys);
    sys.print(yield* r.poll(ms(100)));
    yield* w.close();
    sys.print(yield* r.poll(ms(100)));
  });
  assert.deepEqual(out, ["false", "true"]);
});

Deno.test("using a closed connection, or one the wrong way, raises OSError", () => {
  const { out } = world(function* (sys) {
    const [r, w] = Pipe<number>(sys, false);
    yield* attempt(sys, () => r.send(1));
    yield* attempt(sys, () => w.recv());
    yield* w.close();
    yield* attempt(sys, () => w.send(1));
    sys.print(w.closed, r.closed);
    yield* w.close();
  });
  assert.deepEqual(out, [
    "OSError: connection is read-only",
    "OSError: connection is write-only",
    "OSError: handle is closed",
    "true false",
  ]);
});

Deno.test("sending to a pipe nobody can read raises BrokenPipeError", () => {
  const { out } = world(function* (sys) {
    const [r, w] = Pipe<string>(sys, false);
    yield* r.close();
    yield* attempt(sys, () => w.send("x"));
  });
  assert.deepEqual(out, ["BrokenPipeError: [Errno 32] Broken pipe"]);
});

Deno.test("a message bigger than the pipe goes through in pieces", () => {
  function* child(_sys: Sys, c: Connection<Uint8Array>): ThreadRoutine<void> {
    const big = new Uint8Array(300_000);
    big[299_999] = 7;
    yield* c.send(big);
  }
  const { out } = world(function* (sys) {
    const [a, b] = Pipe<Uint8Array>(sys);
    const p = new Process({ target: child, args: [b] });
    yield* p.start(sys);
    const got = yield* a.recv();
    sys.print(got.length, got[299_999]);
    yield* p.join();
  });
  assert.deepEqual(out, ["300000 7"]);
});

Deno.test("poll waits up to its timeout, and a message wakes it early", () => {
  function* late(sys: Sys, c: Connection<string>): ThreadRoutine<void> {
    yield* sys.sleep(ms(30));
    yield* c.send("hi");
  }
  const times: number[] = [];
  const { out } = world(function* (sys) {
    const [a, b] = Pipe<string>(sys);
    let t0 = sys.now;
    sys.print(yield* a.poll());
    sys.print(yield* a.poll(ms(10)));
    times.push(sys.now - t0);
    yield* new Process({ target: late, args: [b] }).start(sys);
    t0 = sys.now;
    sys.print(yield* a.poll(null));
    times.push(sys.now - t0);
    sys.print(yield* a.recv());
  });
  assert.deepEqual(out, ["false", "false", "true", "hi"]);
  assert.ok(times[0]! >= ms(10) && times[0]! < ms(11));
  assert.ok(times[1]! >= ms(30) && times[1]! < ms(32));
});

Deno.test("a one-way pipe costs one pipe, a duplex one two (in the creating process)", () => {
  const counts: number[] = [];
  world(function* (sys) {
    const before = sys.process.fds.size;
    Pipe(sys, false);
    counts.push(sys.process.fds.size - before);
    Pipe(sys);
    counts.push(sys.process.fds.size - before);
    yield* sys.sleep(0);
  });
  assert.deepEqual(counts, [2, 6]);
});
