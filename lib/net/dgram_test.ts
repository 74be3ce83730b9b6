import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { ms, us } from "../kernel/time.ts";
import { copyTime, type CostModel } from "../os/costs.ts";
import { type Errno, SysError } from "../os/errno.ts";
import { POLLIN, POLLOUT } from "../os/events.ts";
import type { Host } from "../os/host.ts";
import { MSG_DONTWAIT, MSG_PEEK } from "../os/socket_api.ts";
import { fromBytes, type Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { type DatagramSocket, MAX_DATAGRAM } from "./dgram.ts";
import { Network, type NetworkOptions } from "./network.ts";

const FREE: Partial<CostModel> = {
  syscallNs: 0,
  sendNs: 0,
  recvNs: 0,
  contextSwitchNs: 0,
  wakeupNs: 0,
  socketNs: 0,
  closeNs: 0,
};

function world(options: NetworkOptions = {}): [Simulation, Network, Host, Host] {
  const sim = new Simulation();
  const net = new Network(sim, options);
  return [sim, net, net.addHost("server", { costs: FREE }), net.addHost("client", { costs: FREE })];
}

function* attempt<T>(op: ThreadRoutine<T>): ThreadRoutine<T | Errno> {
  try {
    return yield* op;
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
}

function* udpOn(sys: Sys, port: number): ThreadRoutine<number> {
  const fd = yield* sys.socket("dgram");
  yield* sys.bind(fd, ["0.0.0.0", port]);
  return fd;
}

function dgram(sys: Sys, fd: number): DatagramSocket {
  return sys.fileOf(fd) as DatagramSocket;
}

Deno.test("datagrams keep their boundaries: one recv, one datagram", () => {
  const [sim, , server, client] = world();
  const got: string[] = [];
  server.spawn("server", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    for (let i = 0; i < 3; i++) got.push(fromBytes(yield* sys.recv(fd, 1000)));
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    for (const m of ["one", "two", "three"]) yield* sys.sendto(fd, m, ["server", 5353]);
  });
  sim.run();
  assert.deepEqual(got, ["one", "two", "three"]);
});

Deno.test("recvfrom names the sender, which was bound to an ephemeral port by its first sendto", () => {
  const [sim, , server, client] = world();
  const seen: string[] = [];
  server.spawn("server", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    const { data, address } = yield* sys.recvfrom(fd, 100);
    seen.push(`${fromBytes(data)} from ${address.host}:${address.port}`);
    yield* sys.sendto(fd, "pong", address);
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    seen.push(`before ${(yield* sys.getsockname(fd)).port}`);
    yield* sys.sendto(fd, "ping", ["server", 5353]);
    seen.push(`after ${(yield* sys.getsockname(fd)).port}`);
    const { data, address } = yield* sys.recvfrom(fd, 100);
    seen.push(`${fromBytes(data)} from ${address.host}:${address.port}`);
  });
  sim.run();
  assert.deepEqual(seen, [
    "before 0",
    "after 32768",
    "ping from client:32768",
    "pong from server:5353",
  ]);
});

Deno.test("a datagram larger than the buffer is truncated and the rest is lost", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sendto(fd, "abcdef", ["localhost", 5353]);
    yield* sys.sendto(fd, "next", ["localhost", 5353]);
    seen.push(fromBytes(yield* sys.recv(fd, 3)));
    seen.push(fromBytes(yield* sys.recv(fd, 100)));
  });
  sim.run();
  assert.deepEqual(seen, ["abc", "next"]);
});

Deno.test("a zero-length datagram is delivered and reads as empty", () => {
  const [sim, , server] = world();
  const seen: number[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sendto(fd, "", ["localhost", 5353]);
    seen.push(dgram(sys, fd).queued);
    seen.push((yield* sys.recv(fd, 100)).length);
  });
  sim.run();
  assert.deepEqual(seen, [1, 0]);
});

Deno.test("EMSGSIZE for a datagram over 65,507 bytes", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* sys.socket("dgram");
    seen.push(
      String(yield* attempt(sys.sendto(fd, new Uint8Array(MAX_DATAGRAM), ["localhost", 1]))),
    );
    seen.push(
      String(yield* attempt(sys.sendto(fd, new Uint8Array(MAX_DATAGRAM + 1), ["localhost", 1]))),
    );
  });
  sim.run();
  assert.deepEqual(seen, ["65507", "EMSGSIZE"]);
});

Deno.test("a full receive buffer drops arriving datagrams and counts them", () => {
  const [sim, , server, client] = world();
  const seen: number[] = [];
  server.spawn("server", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.setsockopt(fd, "SO_RCVBUF", 1500); // 3,000 bytes
    yield* sys.sleep(ms(1));
    const s = dgram(sys, fd);
    seen.push(s.queued, s.dropped);
    yield* sys.recv(fd, 2000);
    yield* sys.sleep(ms(1)); // room again: the late ones fit
    seen.push(s.queued, s.dropped);
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    for (let i = 0; i < 5; i++) yield* sys.sendto(fd, new Uint8Array(1000), ["server", 5353]);
    yield* sys.sleep(ms(1));
    yield* sys.sendto(fd, new Uint8Array(1000), ["server", 5353]);
  });
  sim.run();
  assert.deepEqual(seen, [3, 2, 3, 2]);
});

Deno.test("non-blocking recvfrom on an empty datagram socket fails with EAGAIN, and so does MSG_DONTWAIT", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  const p = server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    seen.push(String(yield* attempt(sys.recvfrom(fd, 10, MSG_DONTWAIT))));
    yield* sys.setBlocking(fd, false);
    seen.push(String(yield* attempt(sys.recv(fd, 10))));
  });
  sim.run();
  assert.deepEqual(seen, ["EAGAIN", "EAGAIN"]);
  assert.equal(p.usage().eagain, 2);
});

Deno.test("a datagram sent over loopback is readable as soon as sendto returns", () => {
  const [sim, , server] = world();
  let got = "";
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.setBlocking(fd, false);
    yield* sys.sendto(fd, "now", ["localhost", 5353]);
    got = fromBytes((yield* sys.recvfrom(fd, 10)).data);
  });
  sim.run();
  assert.equal(got, "now");
});

Deno.test("MSG_PEEK leaves the datagram queued", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sendto(fd, "hello", ["localhost", 5353]);
    seen.push(fromBytes(yield* sys.recv(fd, 2, MSG_PEEK)));
    seen.push(fromBytes(yield* sys.recv(fd, 100)));
  });
  sim.run();
  assert.deepEqual(seen, ["he", "hello"]);
});

Deno.test("send without a destination fails with EDESTADDRREQ; connect sets the default one", () => {
  const [sim, , server, client] = world();
  const seen: string[] = [];
  server.spawn("server", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    seen.push(fromBytes(yield* sys.recv(fd, 100)));
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    seen.push(String(yield* attempt(sys.send(fd, "x"))));
    seen.push(String(yield* attempt(sys.getpeername(fd))));
    yield* sys.connect(fd, ["server", 5353]);
    const peer = yield* sys.getpeername(fd);
    seen.push(`${peer.host}:${peer.port}`);
    yield* sys.send(fd, "via connect");
  });
  sim.run();
  assert.deepEqual(seen, ["EDESTADDRREQ", "ENOTCONN", "server:5353", "via connect"]);
});

Deno.test("a connected datagram socket only receives from its peer", () => {
  const [sim, net, server, client] = world();
  const other = net.addHost("other", { costs: FREE });
  const seen: string[] = [];
  client.spawn("client", function* (sys) {
    const fd = yield* udpOn(sys, 7000);
    yield* sys.connect(fd, ["server", 5353]);
    yield* sys.setBlocking(fd, false);
    yield* sys.sleep(ms(1));
    for (let i = 0; i < 3; i++) {
      const r = yield* attempt(sys.recvfrom(fd, 100));
      seen.push(typeof r === "string" ? r : `${fromBytes(r.data)} from ${r.address.host}`);
    }
  });
  other.spawn("stranger", function* (sys) {
    yield* sys.sendto(yield* udpOn(sys, 5353), "spam", ["client", 7000]);
  });
  server.spawn("peer", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sendto(fd, "ok", ["client", 7000]);
    // The right host but another port is a stranger too.
    yield* sys.sendto(yield* udpOn(sys, 5354), "wrong port", ["client", 7000]);
  });
  sim.run();
  assert.deepEqual(seen, ["ok from server", "EAGAIN", "EAGAIN"]);
});

Deno.test("a UDP exchange over 127.0.0.1 between sockets bound to localhost works both ways", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("udp-server", function* (sys) {
    const fd = yield* sys.socket("dgram");
    yield* sys.bind(fd, ["localhost", 5353]);
    const { data, address } = yield* sys.recvfrom(fd, 100);
    seen.push(`${fromBytes(data)} from ${address.host}:${address.port}`);
    yield* sys.sendto(fd, "pong", address);
  });
  server.spawn("udp-client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    yield* sys.bind(fd, ["localhost", 7000]);
    yield* sys.sendto(fd, "ping", ["127.0.0.1", 5353]);
    yield* sys.setBlocking(fd, false);
    yield* sys.sleep(ms(1));
    const r = yield* attempt(sys.recvfrom(fd, 100));
    seen.push(
      typeof r === "string" ? r : `${fromBytes(r.data)} from ${r.address.host}:${r.address.port}`,
    );
  });
  sim.run();
  assert.deepEqual(seen, ["ping from localhost:7000", "pong from localhost:5353"]);
});

Deno.test("a datagram to a port nobody bound is silently lost", () => {
  const [sim, , server, client] = world();
  let result = "";
  server.spawn("server", function* (sys) {
    yield* udpOn(sys, 5353);
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    result = String(yield* sys.sendto(fd, "lost", ["server", 9999]));
  });
  sim.run();
  assert.equal(result, "4");
});

Deno.test("sendto an unknown host fails with EHOSTUNREACH", () => {
  const [sim, , , client] = world();
  let result = "";
  client.spawn("client", function* (sys) {
    result = String(yield* attempt(sys.sendto(yield* sys.socket("dgram"), "x", ["nowhere", 1])));
  });
  sim.run();
  assert.equal(result, "EHOSTUNREACH");
});

Deno.test("a lossy link loses datagrams: UDP does not retransmit", () => {
  const [sim, net, server, client] = world();
  net.link("client", "server", { loss: 1 });
  let queued = -1;
  server.spawn("server", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sleep(ms(10));
    queued = dgram(sys, fd).queued;
  });
  client.spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    for (let i = 0; i < 10; i++) yield* sys.sendto(fd, "x", ["server", 5353]);
  });
  sim.run();
  assert.equal(queued, 0);
  assert.equal(net.path("client", "server").lost, 10);
});

Deno.test("a datagram crosses a link in its latency plus its serialisation time", () => {
  const [sim, , server, client] = world({ link: { latency: us(100), bandwidth: 1 } });
  let at = -1;
  server.spawn("server", function* (sys) {
    yield* sys.recv(yield* udpOn(sys, 5353), 2000);
    at = sys.now;
  });
  client.spawn("client", function* (sys) {
    yield* sys.sendto(yield* sys.socket("dgram"), new Uint8Array(972), ["server", 5353]);
  });
  sim.run();
  const copy = copyTime(server.costs, 972);
  // Sender's copy, 972 + 28 header bytes at 1 B/ns, 100 µs, receiver's copy.
  assert.equal(at, copy + 1000 + us(100) + copy);
});

Deno.test("datagram sockets neither listen nor accept (EOPNOTSUPP), and shutdown needs a peer", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    seen.push(String(yield* attempt(sys.listen(fd))));
    seen.push(String(yield* attempt(sys.accept(fd))));
    seen.push(String(yield* attempt(sys.shutdown(fd))));
    seen.push(String(yield* attempt(sys.bind(fd, ["0.0.0.0", 5354]))));
  });
  sim.run();
  assert.deepEqual(seen, ["EOPNOTSUPP", "EOPNOTSUPP", "ENOTCONN", "EINVAL"]);
});

Deno.test("a datagram socket is always writable and readable only with a datagram queued", () => {
  const [sim, , server] = world();
  const masks: number[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    masks.push(sys.fileOf(fd)!.poll());
    yield* sys.sendto(fd, "x", ["localhost", 5353]);
    masks.push(sys.fileOf(fd)!.poll());
  });
  sim.run();
  assert.deepEqual(masks, [POLLOUT, POLLIN | POLLOUT]);
});

Deno.test("datagram socket options: SO_RCVBUF doubles, SO_SNDBUF is fixed, TCP options are EINVAL", () => {
  const [sim, , server] = world();
  const seen: (number | string)[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* sys.socket("dgram");
    seen.push(yield* sys.getsockopt(fd, "SO_RCVBUF"));
    yield* sys.setsockopt(fd, "SO_RCVBUF", 10_000);
    seen.push(yield* sys.getsockopt(fd, "SO_RCVBUF"));
    yield* sys.setsockopt(fd, "SO_SNDBUF", 1);
    seen.push(yield* sys.getsockopt(fd, "SO_SNDBUF"));
    seen.push(yield* sys.getsockopt(fd, "SO_ERROR"));
    seen.push(String(yield* attempt(sys.setsockopt(fd, "TCP_NODELAY", 1))));
    seen.push(String(yield* attempt(sys.getsockopt(fd, "TCP_NODELAY"))));
    seen.push(String(yield* attempt(sys.setsockopt(fd, "SO_RCVBUF", -1))));
  });
  sim.run();
  assert.deepEqual(seen, [212_992, 20_000, 212_992, 0, "EINVAL", "EINVAL", "EINVAL"]);
});

Deno.test("a datagram socketpair carries messages both ways with their boundaries", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const [a, b] = yield* sys.socketpair("dgram");
    yield* sys.send(a, "ab");
    yield* sys.send(a, "cd");
    yield* sys.send(b, "back");
    seen.push(fromBytes(yield* sys.recv(b, 100)), fromBytes(yield* sys.recv(b, 100)));
    seen.push(fromBytes(yield* sys.recv(a, 100)));
  });
  sim.run();
  assert.deepEqual(seen, ["ab", "cd", "back"]);
});

Deno.test("queued datagrams count toward socket memory and closing frees the port", () => {
  const [sim, , server] = world();
  const seen: (number | string)[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* udpOn(sys, 5353);
    yield* sys.sendto(fd, new Uint8Array(300), ["localhost", 5353]);
    seen.push(dgram(sys, fd).memoryBytes() - server.costs.socketMemoryBytes);
    yield* sys.close(fd);
    const again = yield* udpOn(sys, 5353);
    seen.push(`rebound ${(yield* sys.getsockname(again)).port}`);
  });
  sim.run();
  assert.deepEqual(seen, [300, "rebound 5353"]);
});

Deno.test("describe and inspect name a datagram socket's address", () => {
  const [sim, , server] = world();
  const seen: string[] = [];
  server.spawn("app", function* (sys) {
    const fd = yield* sys.socket("dgram");
    seen.push(sys.fileOf(fd)!.describe());
    yield* sys.bind(fd, ["0.0.0.0", 5353]);
    seen.push(Deno.inspect(sys.fileOf(fd)));
  });
  sim.run();
  assert.deepEqual(seen, [
    "datagram socket unbound",
    "DatagramSocket { datagram socket server:5353 }",
  ]);
});
