import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { ms } from "../kernel/time.ts";
import { type Errno, SysError } from "../os/errno.ts";
import type { Host } from "../os/host.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { Network } from "./network.ts";
import type { HostStack } from "./stack.ts";

function world(): [Simulation, Host, Host] {
  const sim = new Simulation();
  const net = new Network(sim);
  return [sim, net.addHost("server"), net.addHost("client")];
}

function* attempt<T>(op: ThreadRoutine<T>): ThreadRoutine<T | Errno> {
  try {
    return yield* op;
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
}

/** Binds a new socket and returns "ok" or the errno. */
function* tryBind(
  sys: Sys,
  host: string,
  port: number,
  type: "stream" | "dgram" = "stream",
): ThreadRoutine<string> {
  const fd = yield* sys.socket(type);
  const r = yield* attempt(sys.bind(fd, [host, port]));
  return r === undefined ? "ok" : r;
}

function stackOf(host: Host): HostStack {
  return host.stack as HostStack;
}

Deno.test("binding port 100 needs privilege (EACCES)", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("user", function* (sys) {
    seen.push(`user 100: ${yield* tryBind(sys, "0.0.0.0", 100)}`);
    seen.push(`user 1023 udp: ${yield* tryBind(sys, "0.0.0.0", 1023, "dgram")}`);
    seen.push(`user 1024: ${yield* tryBind(sys, "0.0.0.0", 1024)}`);
  });
  server.spawn("root", function* (sys) {
    seen.push(`root 100: ${yield* tryBind(sys, "0.0.0.0", 100)}`);
  }, { privileged: true });
  sim.run();
  assert.deepEqual(seen, [
    "user 100: EACCES",
    "user 1023 udp: EACCES",
    "user 1024: ok",
    "root 100: ok",
  ]);
});

Deno.test("EADDRINUSE on a second bind to the same port", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    seen.push(yield* tryBind(sys, "0.0.0.0", 8080));
    seen.push(yield* tryBind(sys, "0.0.0.0", 8080));
    // A specific address overlaps the wildcard, and the other way round.
    seen.push(yield* tryBind(sys, "server", 8080));
    seen.push(yield* tryBind(sys, "localhost", 9090));
    seen.push(yield* tryBind(sys, "0.0.0.0", 9090));
    // Two specific addresses of one host do not overlap.
    seen.push(yield* tryBind(sys, "server", 9090));
  });
  sim.run();
  assert.deepEqual(seen, ["ok", "EADDRINUSE", "EADDRINUSE", "ok", "EADDRINUSE", "ok"]);
});

Deno.test("TCP and UDP have separate port tables", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    seen.push(yield* tryBind(sys, "0.0.0.0", 5000, "stream"));
    seen.push(yield* tryBind(sys, "0.0.0.0", 5000, "dgram"));
    seen.push(yield* tryBind(sys, "0.0.0.0", 5000, "dgram"));
    seen.push(JSON.stringify(stackOf(server).boundPorts));
  });
  sim.run();
  assert.deepEqual(seen, ["ok", "ok", "EADDRINUSE", '{"tcp":1,"udp":1}']);
});

Deno.test("SO_REUSEPORT on every socket lets them share a port, and connections are spread over them", () => {
  const [sim, server, client] = world();
  const seen: string[] = [];
  const accepted = [0, 0];
  server.spawn("app", function* (sys) {
    const fds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const fd = yield* sys.socket();
      yield* sys.setsockopt(fd, "SO_REUSEPORT", 1);
      yield* sys.bind(fd, ["0.0.0.0", 8080]);
      yield* sys.listen(fd);
      fds.push(fd);
    }
    // Without the option, a third socket may not join.
    seen.push(yield* tryBind(sys, "0.0.0.0", 8080));
    for (const [i, fd] of fds.entries()) {
      yield* sys.spawnThread(`acceptor${i}`, function* (tsys) {
        for (;;) {
          yield* tsys.accept(fd);
          accepted[i]!++;
        }
      });
    }
    yield* sys.sleep(ms(5));
  });
  client.spawn("clients", function* (sys) {
    for (let i = 0; i < 4; i++) {
      yield* sys.connect(yield* sys.socket(), ["server", 8080]);
    }
  });
  sim.run();
  assert.deepEqual(seen, ["EADDRINUSE"]);
  assert.deepEqual(accepted, [2, 2]);
});

Deno.test("binding an address of another host fails with EADDRNOTAVAIL", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    seen.push(yield* tryBind(sys, "client", 8080));
    seen.push(yield* tryBind(sys, "10.1.2.3", 8080));
    seen.push(yield* tryBind(sys, "server", 8080));
    seen.push(yield* tryBind(sys, "127.0.0.1", 8081));
    seen.push(yield* tryBind(sys, "", 8082)); // empty: any address, as Python's ''
  });
  sim.run();
  assert.deepEqual(seen, ["EADDRNOTAVAIL", "EADDRNOTAVAIL", "ok", "ok", "ok"]);
});

Deno.test("binding a socket twice fails with EINVAL", () => {
  const [sim, server] = world();
  let result = "";
  server.spawn("app", function* (sys) {
    const fd = yield* sys.socket();
    yield* sys.bind(fd, ["0.0.0.0", 8080]);
    result = String(yield* attempt(sys.bind(fd, ["0.0.0.0", 8081])));
  });
  sim.run();
  assert.equal(result, "EINVAL");
});

Deno.test("port 0 and an implicit bind (listen, connect) take ephemeral ports from 32768 up", () => {
  const [sim, server] = world();
  const ports: number[] = [];
  server.spawn("app", function* (sys) {
    const a = yield* sys.socket();
    yield* sys.bind(a, ["0.0.0.0", 0]);
    ports.push((yield* sys.getsockname(a)).port);
    const b = yield* sys.socket();
    yield* sys.listen(b);
    ports.push((yield* sys.getsockname(b)).port);
    const c = yield* sys.socket();
    yield* sys.connect(c, ["localhost", ports[1]!]);
    ports.push((yield* sys.getsockname(c)).port);
  });
  sim.run();
  assert.deepEqual(ports, [32768, 32769, 32770]);
});

Deno.test("ephemeral ports skip ports already taken", () => {
  const [sim, server] = world();
  const ports: number[] = [];
  server.spawn("app", function* (sys) {
    yield* sys.bind(yield* sys.socket(), ["0.0.0.0", 32768]);
    const fd = yield* sys.socket();
    yield* sys.bind(fd, ["0.0.0.0", 0]);
    ports.push((yield* sys.getsockname(fd)).port);
  });
  sim.run();
  assert.deepEqual(ports, [32769]);
});

Deno.test("a listener bound to localhost takes loopback connections only", () => {
  const [sim, server, client] = world();
  const seen: string[] = [];
  server.spawn("server", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["localhost", 8080]);
    yield* sys.listen(ls);
    const local = yield* sys.socket();
    seen.push(`local: ${yield* attempt(sys.connect(local, ["127.0.0.1", 8080]))}`);
    const byName = yield* sys.socket();
    seen.push(`by name: ${yield* attempt(sys.connect(byName, ["server", 8080]))}`);
  });
  client.spawn("client", function* (sys) {
    yield* sys.sleep(ms(1));
    seen.push(`remote: ${yield* attempt(sys.connect(yield* sys.socket(), ["server", 8080]))}`);
  });
  sim.run();
  assert.deepEqual(seen, ["local: undefined", "by name: ECONNREFUSED", "remote: ECONNREFUSED"]);
});

Deno.test("a listener bound to the host's name does not take loopback connections", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("server", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["server", 8080]);
    yield* sys.listen(ls);
    seen.push(String(yield* attempt(sys.connect(yield* sys.socket(), ["localhost", 8080]))));
    seen.push(String(yield* attempt(sys.connect(yield* sys.socket(), ["server", 8080]))));
  });
  sim.run();
  assert.deepEqual(seen, ["ECONNREFUSED", "undefined"]);
});

Deno.test("closing a listener frees its port: connects are refused and the port can be bound again", () => {
  const [sim, server, client] = world();
  const seen: string[] = [];
  server.spawn("server", function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", 8080]);
    yield* sys.listen(ls);
    yield* sys.close(ls);
    seen.push(`bound: ${stackOf(server).boundPorts.tcp}`);
    yield* sys.sleep(ms(2));
    seen.push(`rebind: ${yield* tryBind(sys, "0.0.0.0", 8080)}`);
  });
  client.spawn("client", function* (sys) {
    yield* sys.sleep(ms(1));
    seen.push(`connect: ${yield* attempt(sys.connect(yield* sys.socket(), ["server", 8080]))}`);
  });
  sim.run();
  assert.deepEqual(seen, ["bound: 0", "connect: ECONNREFUSED", "rebind: ok"]);
});

Deno.test("a bound socket that never listens refuses connections", () => {
  const [sim, server, client] = world();
  let result = "";
  server.spawn("server", function* (sys) {
    yield* sys.bind(yield* sys.socket(), ["0.0.0.0", 8080]);
    yield* sys.sleep(ms(5));
  });
  client.spawn("client", function* (sys) {
    result = String(yield* attempt(sys.connect(yield* sys.socket(), ["server", 8080])));
  });
  sim.run();
  assert.equal(result, "ECONNREFUSED");
});

Deno.test("a socket bound to an address but not yet used still frees its port when closed", () => {
  const [sim, server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* sys.socket("dgram");
    yield* sys.bind(fd, ["0.0.0.0", 7000]);
    yield* sys.close(fd);
    seen.push(yield* tryBind(sys, "0.0.0.0", 7000, "dgram"));
    const s = yield* sys.socket();
    yield* sys.bind(s, ["0.0.0.0", 7000]);
    yield* sys.close(s);
    seen.push(yield* tryBind(sys, "0.0.0.0", 7000));
  });
  sim.run();
  assert.deepEqual(seen, ["ok", "ok"]);
});

Deno.test("a socket of another simulation cannot enter a process: its SYN would go there", () => {
  const [sim, server] = world();
  const [, elsewhere] = world();
  const p = server.spawn("app", function* () {});
  for (const type of ["stream", "dgram"] as const) {
    const foreign = elsewhere.stack!.socket(type);
    assert.throws(() => p.fds.install(foreign), {
      name: "TypeError",
      message: /it belongs to another simulation/,
    });
    assert.equal(p.fds.install(server.stack!.socket(type)) >= 3, true);
  }
  sim.run();
});
