import assert from "node:assert/strict";
import { ms, Simulation, StateError, us } from "../lib/kernel/mod.ts";
import { applyFaultPlan, type FaultAction, Network, randomFaultPlan } from "../lib/net/mod.ts";
import { isErrno, type Sys, type ThreadRoutine } from "../lib/os/mod.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A server that echoes what it reads on every connection, until EOF. */
function* echoServer(sys: Sys): ThreadRoutine<void> {
  const ls = yield* sys.socket();
  yield* sys.bind(ls, ["0.0.0.0", 7000]);
  yield* sys.listen(ls);
  for (;;) {
    const { fd } = yield* sys.accept(ls);
    yield* sys.spawnThread("conn", function* (t) {
      try {
        for (;;) {
          const data = yield* t.recv(fd, 65536);
          if (data.length === 0) break;
          yield* t.sendall(fd, data);
        }
      } catch (e) {
        if (!(e instanceof Error && e.name === "SysError")) throw e;
      }
      yield* t.close(fd);
    });
  }
}

/** Sends `n` bytes (a counting pattern) and reads the echo back; returns the echo. */
function* roundTrip(sys: Sys, n: number): ThreadRoutine<Uint8Array> {
  const fd = yield* sys.socket();
  yield* sys.connect(fd, ["server", 7000]);
  const data = Uint8Array.from({ length: n }, (_, i) => i % 251);
  yield* sys.sendall(fd, data);
  const got = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const chunk = yield* sys.recv(fd, 65536);
    if (chunk.length === 0) throw new Error("EOF before the whole echo");
    got.set(chunk, off);
    off += chunk.length;
  }
  yield* sys.close(fd);
  return got;
}

function world(seed = 1): [Simulation, Network] {
  const sim = new Simulation({ seed });
  const net = new Network(sim, { link: { latency: us(100) } });
  net.addHost("server").spawn("echo", echoServer, { daemon: true });
  net.addHost("client");
  return [sim, net];
}

Deno.test("TCP under 20% loss and duplication still delivers every byte once, in order", () => {
  const [sim, net] = world(3);
  net.addFault({ drop: 0.2, duplicate: 0.2 });
  let echo: Uint8Array | null = null;
  net.host("client")!.spawn("c", function* (sys) {
    echo = yield* roundTrip(sys, 200_000);
  });
  sim.run();
  assert.deepEqual(echo, Uint8Array.from({ length: 200_000 }, (_, i) => i % 251));
  const path = net.path("client", "server");
  assert.ok(
    path.lost > 0 && path.duplicates > 0,
    `lost ${path.lost}, duplicated ${path.duplicates}`,
  );
  // Retransmission timeouts (200 ms at least) made it slow.
  assert.ok(sim.now > ms(200));
});

Deno.test("a partition that heals delays a TCP exchange until after the heal", () => {
  const [sim, net] = world();
  applyFaultPlan(net, {
    actions: [{ kind: "partition", at: ms(5), side: ["client"], healAt: ms(900) }],
  });
  let doneAt = -1;
  net.host("client")!.spawn("c", function* (sys) {
    yield* sys.sleep(ms(10));
    yield* roundTrip(sys, 1000);
    doneAt = sys.now;
  });
  sim.run();
  assert.ok(doneAt > ms(900), `done at ${doneAt}`);
  assert.ok(doneAt < ms(3000));
  const kinds = sim.trace.records({ kind: ["partition", "heal"] }).map((r) => r.kind);
  assert.deepEqual(kinds, ["partition", "heal"]);
});

Deno.test("a partition that never heals ends a connection with ETIMEDOUT after the user timeout", () => {
  const [sim, net] = world();
  net.host("client")!.spawn("c", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.setsockopt(fd, "TCP_USER_TIMEOUT", 2000);
    yield* sys.connect(fd, ["server", 7000]);
    net.partition(["client"]);
    yield* sys.send(fd, "hello?");
    try {
      yield* sys.recv(fd, 100);
      sys.print("answered");
    } catch (e) {
      sys.print(
        isErrno(e, "ETIMEDOUT") ? `ETIMEDOUT at ${Math.round(sys.now / 1e6)} ms` : String(e),
      );
    }
  });
  sim.run();
  const [what, at] = [
    sim.output[0]!.text.split(" at ")[0],
    Number(sim.output[0]!.text.split(" at ")[1]!.split(" ")[0]),
  ];
  assert.equal(what, "ETIMEDOUT");
  assert.ok(at >= 2000 && at < 4000, `at ${at} ms`);
});

Deno.test("lost SYN-ACKs: the server's half-open child gives up, the client's resent SYN starts afresh", () => {
  const sim = new Simulation({ seed: 1 });
  const net = new Network(sim, { link: { latency: us(100) }, tcpUserTimeoutNs: ms(2000) });
  net.addHost("server").spawn("echo", echoServer, { daemon: true });
  net.addHost("client");
  // Every SYN-ACK is lost for 5 s: longer than the server keeps resending it.
  const cut = net.addFault({ from: "server", to: "client", drop: 1 });
  sim.schedule(ms(5000), () => cut.remove());
  let doneAt = -1;
  net.host("client")!.spawn("c", function* (sys) {
    yield* roundTrip(sys, 100);
    doneAt = sys.now;
  });
  sim.run();
  // The first child resent its SYN-ACK at 0.2, 0.6 and 1.4 s and gave up at
  // 3 s; the client's SYN resent at 3 s made a second child, whose SYN-ACK
  // resent at 6 s (after the cut) got through. Without the resent SYN the
  // client would wait for ever.
  assert.ok(doneAt > ms(6000) && doneAt < ms(6100), `done at ${doneAt}`);
});

Deno.test("a resent SYN makes a half-open server resend its lost SYN-ACK at once", () => {
  const [sim, net] = world();
  // The first SYN-ACK and its resends at 0.2 s and 0.6 s are lost; the
  // server's own timer would try again at 1.4 s, the client's SYN comes at 1 s.
  const cut = net.addFault({ from: "server", to: "client", drop: 1 });
  sim.schedule(ms(900), () => cut.remove());
  let connectedAt = -1;
  net.host("client")!.spawn("c", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 7000]);
    connectedAt = sys.now;
  });
  sim.run();
  assert.ok(connectedAt > ms(1000) && connectedAt < ms(1010), `connected at ${connectedAt}`);
});

Deno.test("a side that times out sends no reset: its peer keeps waiting (tcp_write_err)", () => {
  const sim = new Simulation({ seed: 1 });
  const net = new Network(sim, { link: { latency: us(100) } });
  let readerSaw = "still waiting";
  net.addHost("server").spawn("reader", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 7000]);
    yield* sys.listen(ls);
    const { fd } = yield* sys.accept(ls);
    try {
      const d = yield* sys.recv(fd, 100);
      readerSaw = d.length === 0 ? "EOF" : "data";
    } catch (e) {
      readerSaw = e instanceof Error ? e.message : String(e);
    }
  }, { daemon: true });
  let writerSaw = "";
  net.addHost("client").spawn("writer", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.setsockopt(fd, "TCP_USER_TIMEOUT", 2000);
    yield* sys.connect(fd, ["server", 7000]);
    const cut = net.partition(["client"]);
    try {
      yield* sys.send(fd, "lost");
      yield* sys.recv(fd, 100);
    } catch (e) {
      writerSaw = isErrno(e, "ETIMEDOUT") ? "ETIMEDOUT" : String(e);
    }
    cut.heal();
    yield* sys.close(fd);
  });
  sim.run({ until: ms(10_000) });
  assert.equal(writerSaw, "ETIMEDOUT");
  // The network healed long ago, but nothing told the reader.
  assert.equal(readerSaw, "still waiting");
});

Deno.test("a crashed host drops its connections silently; after restart the peer gets ECONNRESET", () => {
  const [sim, net] = world();
  const server = net.host("server")!;
  const errors: string[] = [];
  net.host("client")!.spawn("c", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.connect(fd, ["server", 7000]);
    yield* sys.send(fd, "ping");
    yield* sys.recv(fd, 100);
    server.crash();
    yield* sys.sleep(ms(50));
    server.restart();
    try {
      yield* sys.send(fd, "anyone?");
      yield* sys.recv(fd, 100);
    } catch (e) {
      errors.push((e as { errno: string }).errno);
    }
  });
  sim.run();
  assert.deepEqual(errors, ["ECONNRESET"]);
  assert.equal([...server.processes.values()][0]!.exitCode, -9);
  assert.equal(server.crashes, 1);
});

Deno.test("a crashed host runs nothing until restarted, then serves again on the same port", () => {
  const [sim, net] = world();
  const server = net.host("server")!;
  server.crash();
  assert.throws(
    () => server.spawn("echo", echoServer),
    (e: unknown) => e instanceof StateError && /is down/.test(e.message),
  );
  let echo = "";
  net.host("client")!.spawn("c", function* (sys) {
    yield* sys.sleep(ms(10));
    server.restart();
    server.spawn("echo", echoServer, { daemon: true });
    yield* sys.sleep(ms(1));
    echo = text(yield* roundTrip(sys, 5));
  });
  sim.run();
  assert.equal(echo.length, 5);
});

Deno.test("SYNs to a crashed host go unanswered: connect times out", () => {
  const [sim, net] = world();
  net.host("server")!.crash();
  net.host("client")!.spawn("c", function* (sys) {
    const fd = yield* sys.socket();
    try {
      yield* sys.connect(fd, ["server", 7000]);
    } catch (e) {
      sys.print((e as { errno: string }).errno, Math.round(sys.now / 1e9));
    }
  });
  sim.run();
  assert.equal(sim.output[0]!.text, "ETIMEDOUT 127");
});

Deno.test("datagrams are dropped, duplicated and reordered as the rules say", () => {
  for (
    const [rule, check] of [
      [{ drop: 1 }, (got: string[]) => assert.deepEqual(got, [])],
      [{ duplicate: 1 }, (got: string[]) => assert.deepEqual(got, ["0", "0", "1", "1", "2", "2"])],
      [{ reorder: 0.5, jitter: us(10) }, (got: string[]) => {
        assert.deepEqual([...got].sort(), ["0", "1", "2"]);
      }],
    ] as const
  ) {
    const sim = new Simulation({ seed: 5 });
    const net = new Network(sim);
    const got: string[] = [];
    const tx = net.addHost("a");
    net.addHost("b").spawn("rx", function* (sys) {
      const fd = yield* sys.socket("dgram");
      yield* sys.bind(fd, ["0.0.0.0", 53]);
      yield* sys.setBlocking(fd, false);
      yield* sys.sleep(ms(10));
      for (;;) {
        try {
          got.push(text((yield* sys.recvfrom(fd, 100)).data));
        } catch {
          break;
        }
      }
    }, { privileged: true });
    net.addFault({ from: "a", to: "b", ...rule });
    tx.spawn("tx", function* (sys) {
      const fd = yield* sys.socket("dgram");
      for (let i = 0; i < 3; i++) yield* sys.sendto(fd, String(i), ["b", 53]);
    });
    sim.run();
    check(got);
  }
});

Deno.test("a bandwidth cap slows a bulk transfer", () => {
  const time = (cap?: number) => {
    const [sim, net] = world();
    if (cap !== undefined) net.addFault({ bandwidth: cap });
    let t = 0;
    net.host("client")!.spawn("c", function* (sys) {
      yield* roundTrip(sys, 100_000);
      t = sys.now;
    });
    sim.run();
    return t;
  };
  // 0.01 bytes/ns is 80 Mbit/s: 100 KB takes 10 ms to squeeze through (the
  // echo's two directions overlap, so the whole exchange grows by a bit more).
  assert.ok(time(0.01) > time() + ms(10));
});

Deno.test("injected EINTR, short reads and writes, EMFILE and ENOBUFS hit the calls, reproducibly", () => {
  const run = () => {
    const sim = new Simulation({ seed: 11 });
    const net = new Network(sim);
    const host = net.addHost("box", { cores: 2 });
    host.injectFaults({ eintr: 0.3, shortRead: 0.5, shortWrite: 0.5, emfile: 0.2, enobufs: 0.2 });
    const errnos: string[] = [];
    let received = 0;
    host.spawn("p", function* (sys) {
      let pair: [number, number] | null = null;
      while (pair === null) {
        try {
          pair = yield* sys.socketpair();
        } catch (e) {
          errnos.push((e as { errno: string }).errno);
        }
      }
      const [a, b] = pair;
      yield* sys.spawnThread("writer", function* (t) {
        let left = 50_000;
        while (left > 0) {
          // Pauses leave the reader blocked long enough for EINTRs to land.
          try {
            yield* t.sleep(us(200));
          } catch (e) {
            errnos.push((e as { errno: string }).errno);
          }
          try {
            left -= yield* t.send(a, new Uint8Array(Math.min(left, 8192)));
          } catch (e) {
            errnos.push((e as { errno: string }).errno);
          }
        }
        yield* t.shutdown(a, "SHUT_WR");
      });
      for (;;) {
        try {
          const d = yield* sys.recv(b, 65536);
          if (d.length === 0) break;
          received += d.length;
        } catch (e) {
          errnos.push((e as { errno: string }).errno);
        }
      }
    });
    sim.run();
    return { errnos, received, counts: { ...host.faults!.counts }, digest: sim.trace.digest() };
  };
  const a = run(), b = run();
  assert.equal(a.received, 50_000);
  for (const errno of ["EINTR", "EMFILE", "ENOBUFS"]) {
    assert.ok(a.errnos.includes(errno), `no ${errno}`);
  }
  assert.ok(a.counts.shortRead > 0 && a.counts.shortWrite > 0);
  assert.deepEqual(b, a);
});

Deno.test("a fault plan kills a process by name with a signal", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  const host = net.addHost("box");
  const p = host.spawn("victim", function* (sys) {
    yield* sys.sleep(ms(100));
  });
  applyFaultPlan(net, {
    actions: [{ kind: "kill", at: ms(2), host: "box", process: "victim", signal: "SIGTERM" }],
  });
  sim.run();
  assert.equal(p.exitCode, -15);
  // The sleeping process wakes to die: it needs a core first (the wake-up latency).
  assert.equal(sim.now, ms(2) + net.host("box")!.costs.wakeupNs);
});

Deno.test("bad fault rules, plans and syscall faults are rejected with the value named", () => {
  const sim = new Simulation();
  const net = new Network(sim);
  net.addHost("a");
  assert.throws(() => net.addFault({ drop: 1.5 }), /drop "1.5"/);
  assert.throws(() => net.addFault({ delay: -1 }), /delay "-1"/);
  assert.throws(() => net.addFault({ from: "nowhere" }), /Unknown host "nowhere"/);
  assert.throws(() => net.partition(["a"], ["a"]), /on both sides/);
  assert.throws(
    () => applyFaultPlan(net, { actions: [{ kind: "crash", at: -1, host: "a" }] }),
    /at "-1"/,
  );
  assert.throws(
    () => applyFaultPlan(net, { actions: [{ kind: "crash", at: 5, host: "zz" }] }),
    /Unknown host "zz"/,
  );
  assert.throws(
    () => applyFaultPlan(net, { actions: [{ kind: "partition", at: 5, side: ["a"], healAt: 1 }] }),
    /healAt "1"/,
  );
  assert.throws(() => applyFaultPlan(net, null as never), TypeError);
  assert.throws(() => applyFaultPlan(net, { actions: [null as never] }), /fault action "null"/);
  // Rules, system-call faults and signals are checked when the plan is applied,
  // not when their time comes: the bad plan leaves nothing scheduled.
  const bad: FaultAction[] = [
    { kind: "rule", at: ms(1), rule: { drop: 2 } },
    { kind: "syscalls", at: ms(1), host: "a", faults: { eintr: 2 } },
    { kind: "kill", at: ms(1), host: "a", process: "p", signal: "SIGBOGUS" as never },
  ];
  for (const action of bad) {
    assert.throws(
      () => applyFaultPlan(net, { actions: [{ kind: "crash", at: 0, host: "a" }, action] }),
      RangeError,
    );
  }
  assert.equal(sim.peek(), Infinity);
  assert.throws(
    () => randomFaultPlan(sim.rng, { hosts: ["a"], servers: [], durationNs: ms(1), loss: 5 }),
    /loss "5"/,
  );
  assert.throws(
    () => randomFaultPlan(sim.rng, { hosts: [], servers: [], durationNs: ms(1), partitions: 1 }),
    /need at least one host/,
  );
  assert.throws(() => net.host("a")!.injectFaults({ eintr: 2 }), /eintr "2"/);
  assert.throws(
    () => net.host("a")!.injectFaults({ bogus: 1 } as never),
    /Unknown syscall fault "bogus"/,
  );
});
