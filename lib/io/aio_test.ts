import assert from "node:assert/strict";
import { ms, Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import { copyTime, DEFAULT_COSTS } from "../os/costs.ts";
import { isErrno, SysError } from "../os/errno.ts";
import type { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { SIGNALS, SIGRTMIN } from "../os/signals.ts";
import { epollCreate } from "./epoll.ts";
import {
  aioCancel,
  type Aiocb,
  aioError,
  aioRead,
  aioReturn,
  type AioSignalInfo,
  aioSuspend,
  aioWrite,
} from "./aio.ts";
import { kernelUsage } from "./kernel_work.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

const QUIET = { contextSwitchNs: 0, wakeupNs: 0, syscallNs: 0, signalNs: 0 };

function world(costs: Record<string, number> = {}): { sim: Simulation; net: Network; host: Host } {
  const sim = new Simulation();
  const net = new Network(sim);
  return { sim, net, host: net.addHost("box", { cores: 2, costs }) };
}

function errnoOf(e: unknown): string {
  if (e instanceof SysError) return e.errno;
  throw e;
}

/** A server that accepts one connection and hands it to `body`; a client that sends `size` bytes at `at`. */
function serve(
  net: Network,
  size: number,
  at: number,
  body: (sys: Sys, fd: number) => ThreadRoutine<void>,
) {
  const server = net.addHost("server", { cores: 1 });
  const p = server.spawn("server", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 7000]);
    yield* sys.listen(ls);
    const { fd } = yield* sys.accept(ls);
    yield* body(sys, fd);
  });
  net.addHost("client").spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 7000]);
    yield* sys.sleep(Math.max(0, at - sys.now));
    yield* sys.sendall(fd, new Uint8Array(size));
    yield* sys.sleep(ms(1));
  });
  return { server, p };
}

Deno.test("aio leaves the process free through both phases: it computes, the kernel copies", () => {
  const { sim, net } = world();
  const size = 16384; // the client's send buffer: it arrives in one segment
  let done = -1, computed = 0;
  const { server, p } = serve(net, size, us(500), function* (sys, fd) {
    const t0 = sys.now;
    const cb = yield* aioRead(sys, { fd, nbytes: size });
    while (aioError(cb) === "EINPROGRESS") {
      yield* sys.compute(us(5));
      computed += us(5);
    }
    done = sys.now;
    assert.equal(aioReturn(cb).length, size);
    sys.print(`waited ${done - t0}`);
  });
  sim.run();
  const u = p.mainThread.usage;
  assert.ok(done > us(500));
  // Phase 2 happened in the kernel: the thread copied nothing and never blocked for the data.
  assert.equal(u.copyNs, 0);
  assert.equal(u.phase1Ns > 0, true); // only accept(2) blocked, before the request
  assert.equal(u.userNs, computed);
  const k = kernelUsage(server);
  assert.equal(k.copyNs, copyTime(DEFAULT_COSTS, size));
  assert.equal(k.workNs, DEFAULT_COSTS.recvNs);
  assert.equal(k.bytes, size);
  assert.ok(k.waitNs > us(300), `kernel waited ${k.waitNs}`);
});

Deno.test("a blocking recv copies on the process's thread (the contrast)", () => {
  const { sim, net } = world();
  const { p } = serve(net, 4096, us(100), function* (sys, fd) {
    let got = 0;
    while (got < 4096) got += (yield* sys.recv(fd, 65536)).length;
  });
  sim.run();
  assert.ok(p.mainThread.usage.copyNs > 0);
});

Deno.test("aio_error is EINPROGRESS until the kernel has finished the copy", () => {
  const { sim, host } = world();
  const seen: string[] = [];
  host.spawn("p", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 100 });
    seen.push(String(aioError(cb)));
    yield* sys.spawnThread("peer", function* (t) {
      yield* t.sleep(us(100));
      yield* t.send(a, "x".repeat(100));
    });
    yield* sys.sleep(us(90));
    seen.push(String(aioError(cb)), cb.state);
    yield* aioSuspend(sys, [cb]);
    seen.push(String(aioError(cb)), cb.state, decode(aioReturn(cb)).length.toString(), cb.state);
    // The request finished after the data came plus the kernel's work and copy.
    assert.ok(cb.completedAt >= us(100) + DEFAULT_COSTS.unixRecvNs);
  });
  sim.run();
  assert.deepEqual(seen, [
    "EINPROGRESS",
    "EINPROGRESS",
    "in progress",
    "0",
    "done",
    "100",
    "returned",
  ]);
});

Deno.test("aio_suspend returns at once when one is done, skips nulls, and times out with EAGAIN", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [, b] = yield* sys.socketpair();
    const [r, w] = yield* sys.pipe();
    const written = yield* aioWrite(sys, { fd: w, data: "abc" });
    yield* sys.sleep(us(10));
    const t0 = sys.now;
    yield* aioSuspend(sys, [null, written]);
    sys.print("at once", sys.now - t0 < us(1));
    const pending = yield* aioRead(sys, { fd: b, nbytes: 8 });
    const t1 = sys.now;
    try {
      yield* aioSuspend(sys, [pending], us(200));
    } catch (e) {
      sys.print(errnoOf(e), sys.now - t1 >= us(200));
    }
    try {
      yield* aioSuspend(sys, [pending], 0);
    } catch (e) {
      sys.print("poll", errnoOf(e));
    }
    void r;
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["at once true", "EAGAIN true", "poll EAGAIN"]);
});

Deno.test("aio_suspend fails with EINTR when a handler runs, even with SA_RESTART", () => {
  const { sim, host } = world(QUIET);
  const p = host.spawn("p", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* () {}, { restart: true });
    const [, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 8 });
    try {
      yield* aioSuspend(sys, [cb]);
    } catch (e) {
      sys.print(errnoOf(e), sys.now);
    }
  });
  host.spawn("killer", function* (sys) {
    yield* sys.sleep(us(300));
    yield* sys.kill(p.pid, "SIGUSR1");
  });
  sim.run();
  assert.equal(sim.output[0]!.text, `EINTR ${us(300)}`);
});

Deno.test("aio_cancel: AIO_CANCELED, AIO_NOTCANCELED for a write under way, AIO_ALLDONE", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    // Two waiting reads on b, cancelled together by fd.
    const r1 = yield* aioRead(sys, { fd: b, nbytes: 8 });
    const r2 = yield* aioRead(sys, { fd: b, nbytes: 8 });
    sys.print("by fd", yield* aioCancel(sys, b), aioError(r1), aioError(r2));
    // A write bigger than the socket buffers: part goes out, the rest waits for room.
    const big = yield* aioWrite(sys, { fd: a, data: new Uint8Array(1 << 20) });
    yield* sys.sleep(us(100));
    sys.print("under way", yield* aioCancel(sys, a, big), aioError(big));
    // Done already.
    const [, w] = yield* sys.pipe();
    const small = yield* aioWrite(sys, { fd: w, data: "x" });
    yield* aioSuspend(sys, [small]);
    sys.print("done", yield* aioCancel(sys, w, small), yield* aioCancel(sys, w));
    let msg = "";
    try {
      aioReturn(r1);
    } catch (e) {
      msg = errnoOf(e);
    }
    sys.print("return of a cancelled read", msg);
  });
  sim.run({ until: ms(10) });
  assert.deepEqual(sim.output.map((l) => l.text), [
    "by fd AIO_CANCELED ECANCELED ECANCELED",
    "under way AIO_NOTCANCELED EINPROGRESS",
    "done AIO_ALLDONE AIO_ALLDONE",
    "return of a cancelled read ECANCELED",
  ]);
});

Deno.test("aio_cancel checks its arguments: EBADF, EINVAL for another fd's block", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 8 });
    for (const [fd, block] of [[99, null], [a, cb]] as const) {
      try {
        yield* aioCancel(sys, fd, block);
      } catch (e) {
        sys.print(errnoOf(e));
      }
    }
    yield* aioCancel(sys, b);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["EBADF", "EINVAL"]);
  assert.throws(
    () => aioError("nope" as unknown as Aiocb),
    /Invalid control block "nope" for aio_error/,
  );
});

Deno.test("bad requests are reported by aio_error: EBADF, EINVAL (size, file), with notification", () => {
  const { sim, host } = world();
  let signals = 0;
  host.spawn("p", function* (sys) {
    yield* sys.sigaction("SIGUSR2", function* () {
      signals++;
    });
    const ep = yield* epollCreate(sys);
    const [, b] = yield* sys.socketpair();
    const ev = { notify: "SIGEV_SIGNAL", signo: "SIGUSR2" } as const;
    const bad = yield* aioRead(sys, { fd: 42, nbytes: 8, sigevent: ev });
    const negative = yield* aioRead(sys, { fd: b, nbytes: -1 });
    const epoll = yield* aioRead(sys, { fd: ep, nbytes: 8 });
    yield* sys.sleep(us(1));
    sys.print(aioError(bad), aioError(negative), aioError(epoll));
    try {
      aioReturn(bad);
    } catch (e) {
      sys.print("aio_return", errnoOf(e));
    }
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["EBADF EINVAL EINVAL", "aio_return EBADF"]);
  assert.equal(signals, 1);
});

Deno.test("malformed requests throw TypeError or RangeError", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const attempts: (() => ThreadRoutine<unknown>)[] = [
      () => aioRead(sys, null as never),
      () => aioRead(sys, { fd: "3" as never, nbytes: 1 }),
      () => aioRead(sys, { fd: 3, nbytes: "1" as never }),
      () => aioRead(sys, { fd: 3, nbytes: 1, sigevent: { notify: "SIGEV_SIGNAL", signo: 99 } }),
      () => aioRead(sys, { fd: 3, nbytes: 1, sigevent: { notify: "SIGEV_BOGUS" } as never }),
      () => aioWrite(sys, { fd: 3, data: 5 as never }),
      () => aioSuspend(sys, "x" as never),
    ];
    for (const f of attempts) {
      try {
        yield* f();
      } catch (e) {
        sys.print((e as Error).name);
      }
    }
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), [
    "TypeError",
    "TypeError",
    "TypeError",
    "RangeError",
    "TypeError",
    "TypeError",
    "TypeError",
  ]);
});

Deno.test("SIGEV_SIGNAL carries the fd and the control block; standard signals coalesce", () => {
  const { sim, host } = world();
  const infos: AioSignalInfo[] = [];
  let usr1 = 0;
  host.spawn("p", function* (sys) {
    yield* sys.sigaction(SIGRTMIN, function* (_h, info) {
      infos.push(info as AioSignalInfo);
    });
    yield* sys.sigaction("SIGUSR1", function* () {
      usr1++;
    });
    const [a, b] = yield* sys.socketpair("dgram");
    yield* sys.sigprocmask("SIG_BLOCK", [SIGRTMIN, "SIGUSR1"]);
    const rt = { notify: "SIGEV_SIGNAL", signo: SIGRTMIN } as const;
    const std = { notify: "SIGEV_SIGNAL", signo: SIGNALS.SIGUSR1 } as const;
    const cbs: Aiocb[] = [];
    for (let i = 0; i < 3; i++) cbs.push(yield* aioRead(sys, { fd: b, nbytes: 64, sigevent: rt }));
    for (let i = 0; i < 3; i++) cbs.push(yield* aioRead(sys, { fd: b, nbytes: 64, sigevent: std }));
    for (let i = 0; i < 6; i++) yield* sys.send(a, `d${i}`);
    yield* sys.sleep(us(100));
    yield* sys.sigprocmask("SIG_UNBLOCK", [SIGRTMIN, "SIGUSR1"]);
    sys.print(cbs.map((cb) => decode(aioReturn(cb as Aiocb<Uint8Array>))).join(","));
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "d0,d1,d2,d3,d4,d5");
  assert.equal(infos.length, 3); // real-time: one each
  assert.ok(infos.every((i) => i.fd === 4 && i.aiocb.opcode === "LIO_READ"));
  assert.equal(usr1, 1); // three completions, one SIGUSR1
});

Deno.test("SIGEV_THREAD starts a thread in the process that sees the result", () => {
  const { sim, host } = world();
  const p = host.spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    yield* aioRead(sys, {
      fd: r,
      nbytes: 16,
      sigevent: {
        notify: "SIGEV_THREAD",
        name: "notifier",
        *fn(t, cb) {
          t.print(t.thread.name, decode(aioReturn(cb as Aiocb<Uint8Array>)));
        },
      },
    });
    yield* sys.write(w, "ready");
    yield* sys.sleep(ms(1));
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "notifier ready");
  assert.equal(p.threads.length, 2);
  // The notification thread starts after pthread_create's cost.
  assert.ok(sim.output[0]!.t >= DEFAULT_COSTS.threadCreateNs);
});

Deno.test("aio_write waits for room and completes with every byte; EPIPE once the reader is gone", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    const big = new Uint8Array(200_000);
    const cb = yield* aioWrite(sys, { fd: w, data: big });
    let read = 0;
    while (read < big.length) read += (yield* sys.read(r, 65536)).length;
    yield* aioSuspend(sys, [cb]);
    sys.print("wrote", aioReturn(cb), "read", read);
    const [a, b] = yield* sys.socketpair();
    yield* sys.close(b);
    const broken = yield* aioWrite(sys, { fd: a, data: "x" });
    yield* aioSuspend(sys, [broken]);
    sys.print(aioError(broken));
    const [r2, w2] = yield* sys.pipe();
    yield* sys.close(w2);
    const eof = yield* aioRead(sys, { fd: r2, nbytes: 8 });
    yield* aioSuspend(sys, [eof]);
    sys.print("eof", aioReturn(eof).length);
  });
  sim.run();
  assert.deepEqual(sim.output.map((l) => l.text), ["wrote 200000 read 200000", "EPIPE", "eof 0"]);
});

Deno.test("a closed descriptor cancels its waiting requests", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 8 });
    yield* sys.close(b);
    sys.print(aioError(cb));
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "ECANCELED");
});

Deno.test("aio_read and aio_write are system calls; aio_error and aio_return are not", () => {
  const { sim, host } = world();
  const p = host.spawn("p", function* (sys) {
    const [r, w] = yield* sys.pipe();
    const before = sys.thread.usage.syscalls;
    const wcb = yield* aioWrite(sys, { fd: w, data: "z" });
    const rcb = yield* aioRead(sys, { fd: r, nbytes: 1 });
    yield* aioSuspend(sys, [rcb]);
    for (let i = 0; i < 10; i++) aioError(rcb);
    aioReturn(rcb);
    aioReturn(wcb);
    sys.print(sys.thread.usage.syscalls - before);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "3");
  assert.equal(p.mainThread.usage.copyNs, 0);
});

Deno.test("the kernel's work shows in the trace as a lane of its own", () => {
  const { sim, host } = world();
  host.spawn("srv", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 8 });
    yield* sys.sleep(us(50));
    yield* sys.send(a, "12345678");
    yield* aioSuspend(sys, [cb]);
  });
  sim.run();
  const lanes = sim.trace.records({ kind: "thread" }).filter((r) => r.data?.kernel === true);
  assert.equal(lanes.length, 1);
  assert.equal(lanes[0]!.data!.name, "kernel: aio");
  const spans = sim.trace.records({ kind: "span", task: lanes[0]!.task }).map((r) => r.data!.cat);
  assert.deepEqual(spans, ["phase1", "syscall", "copy"]);
});

Deno.test("a request interrupted by nothing survives the process's other work; errors are SysErrors", () => {
  const { sim, host } = world();
  host.spawn("p", function* (sys) {
    const [, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 1 });
    try {
      aioReturn(cb);
    } catch (e) {
      sys.print(isErrno(e, "EINVAL") ? "EINVAL while in progress" : String(e));
    }
    yield* aioCancel(sys, b, cb);
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "EINVAL while in progress");
});
