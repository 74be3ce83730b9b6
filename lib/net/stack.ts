/**
 * A host's network stack: its sockets' port tables.
 *
 * @module
 */

import type { Host } from "../os/host.ts";
import type { Address, NetworkStack, SocketFile, SocketType } from "../os/socket_api.ts";
import type { Thread } from "../os/thread.ts";
import { SysError } from "../os/errno.ts";
import { multiAdd, multiGet, type MultiMap, multiRemove } from "../kernel/multimap.ts";
import { DatagramSocket } from "./dgram.ts";
import type { Network } from "./network.ts";
import { StreamSocket } from "./stream.ts";

/** The first and last ephemeral ports (net.ipv4.ip_local_port_range). */
const EPHEMERAL_FIRST = 32768, EPHEMERAL_LAST = 60999;

type Bound = StreamSocket | DatagramSocket;
type Proto = "tcp" | "udp";

/** Whether an address names any of this host's addresses. */
const ANY = new Set(["", "0.0.0.0", "::"]);
const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * The network stack of one host: it makes sockets and keeps the table of
 * bound ports (TCP and UDP apart). A socket bound to `0.0.0.0` takes every
 * address of the host; one bound to `localhost` only loopback connections;
 * one bound to the host's name only connections to that name.
 */
export class HostStack implements NetworkStack {
  /** The host. */
  readonly host: Host;
  /** The network the host is on. */
  readonly network: Network;
  readonly #ports: Record<Proto, MultiMap<number, Bound>> = { tcp: new Map(), udp: new Map() };
  readonly #next: Record<Proto, number> = { tcp: EPHEMERAL_FIRST, udp: EPHEMERAL_FIRST };
  #buffered = 0;
  /** Bumped by a crash: sockets made before it are dead. */
  incarnation = 0;
  /** Whether the host is down (crashed and not restarted): it answers nothing. */
  down = false;

  /**
   * Makes the stack; `network.addHost` does this.
   *
   * @param host The host.
   * @param network The network.
   */
  constructor(host: Host, network: Network) {
    this.host = host;
    this.network = network;
  }

  /**
   * Makes an unbound socket.
   *
   * @param type Stream or datagram.
   * @returns The socket.
   */
  socket(type: SocketType): SocketFile {
    return type === "stream" ? new StreamSocket(this) : new DatagramSocket(this);
  }

  /**
   * Makes a connected pair of sockets on this host (AF_UNIX).
   *
   * @param type Stream or datagram.
   * @returns The two sockets.
   */
  socketpair(type: SocketType): [SocketFile, SocketFile] {
    const path = this.network._path(this, this);
    if (type === "stream") {
      const a = new StreamSocket(this), b = new StreamSocket(this);
      a._pairWith(b, path);
      b._pairWith(a, path);
      return [a, b];
    }
    const a = new DatagramSocket(this), b = new DatagramSocket(this);
    a._pairWith(b);
    b._pairWith(a);
    return [a, b];
  }

  /** Bytes waiting in the receive buffers of this host's stream sockets. */
  get buffered(): number {
    return this.#buffered;
  }

  /** @ignore Receive-buffer occupancy changed; traced as a counter. */
  _buffered(delta: number): void {
    this.#buffered += delta;
    const trace = this.network.sim.trace;
    if (trace.enabled) trace.emit("buffer", -1, { host: this.host.name, bytes: this.#buffered });
  }

  /** How many ports are bound, per protocol. */
  get boundPorts(): { tcp: number; udp: number } {
    return { tcp: this.#ports.tcp.size, udp: this.#ports.udp.size };
  }

  /** @ignore bind(2)'s checks and registration. */
  _bind(thread: Thread, sock: Bound, proto: Proto, address: Address): void {
    const host = address.host;
    const bindHost = ANY.has(host) ? "0.0.0.0" : LOOPBACK.has(host) ? "localhost" : host;
    if (bindHost !== "0.0.0.0" && bindHost !== "localhost" && bindHost !== this.host.name) {
      throw new SysError(
        "EADDRNOTAVAIL",
        "bind",
        `"${host}" is not an address of host "${this.host.name}"`,
      );
    }
    let port = address.port;
    if (port !== 0 && port < 1024 && !thread.process.privileged) {
      throw new SysError(
        "EACCES",
        "bind",
        `port ${port} is below 1024 and process "${thread.process.name}" is not privileged`,
      );
    }
    if (port === 0) port = this.#ephemeral(proto);
    for (const other of multiGet(this.#ports[proto], port)) {
      const overlap = other._bindHost === bindHost || other._bindHost === "0.0.0.0" ||
        bindHost === "0.0.0.0";
      const shared = (other._reuse & 2) !== 0 && (sock._reuse & 2) !== 0;
      if (overlap && !shared) {
        throw new SysError("EADDRINUSE", "bind", `${proto.toUpperCase()} port ${port} is taken`);
      }
    }
    sock._bindHost = bindHost;
    sock._port = port;
    this.#register(proto, sock);
  }

  /** @ignore Binds an unbound socket to an ephemeral port (connect, listen, sendto). */
  _bindEphemeral(sock: Bound, proto: Proto): void {
    sock._bindHost = "0.0.0.0";
    sock._port = this.#ephemeral(proto);
    this.#register(proto, sock);
  }

  /** @ignore Forgets a socket's port. */
  _unbind(sock: Bound, proto: Proto): void {
    if (sock._port >= 0) multiRemove(this.#ports[proto], sock._port, sock);
  }

  /**
   * The host crashed: every socket dies without a word to its peers, every
   * port is free again, and until `restart` nothing is answered.
   */
  crash(): void {
    this.incarnation++;
    this.down = true;
    this.#ports.tcp.clear();
    this.#ports.udp.clear();
    this.#buffered = 0;
  }

  /** The host is back: new sockets work; old connections get RSTs. */
  restart(): void {
    this.down = false;
  }

  /** @ignore A SYN for `address` arrived from `client`. */
  _syn(client: StreamSocket, address: Address): void {
    if (this.down) return;
    const listener = this.#find("tcp", address) as StreamSocket | null;
    if (listener === null || listener._state !== 1) {
      client._refusedAt(this);
      return;
    }
    // A resent SYN for a connection still half-open: the SYN-ACK goes again at
    // once (tcp_check_req's "pure retransmitted SYN"), no second child.
    const child = client._handshake;
    if (child !== null && child._halfOpen && !child.dead && child._stack === this) {
      child._synAgain();
      return;
    }
    // A full accept queue drops the SYN; the client retransmits it later.
    if (!listener._offer()) return;
    const loop = client._stack === this && LOOPBACK.has(address.host);
    listener._acceptSyn(client, {
      host: loop ? "localhost" : client._stack.host.name,
      port: client._port,
    });
  }

  /** @ignore The datagram socket bound to `address`, if any. */
  _findDatagram(address: Address): DatagramSocket | null {
    return this.#find("udp", address) as DatagramSocket | null;
  }

  #find(proto: Proto, address: Address): Bound | null {
    const list = multiGet(this.#ports[proto], address.port);
    if (list.length === 0) return null;
    const wanted = LOOPBACK.has(address.host) ? "localhost" : this.host.name;
    const matches = list.filter((s) => s._bindHost === "0.0.0.0" || s._bindHost === wanted);
    if (matches.length === 0) return null;
    if (proto === "tcp") {
      const listeners = matches.filter((s) => (s as StreamSocket)._state === 1);
      if (listeners.length === 0) return matches[0]!;
      // SO_REUSEPORT spreads connections over the group; keep it deterministic.
      return listeners[this.#spread++ % listeners.length]!;
    }
    return matches[0]!;
  }

  #spread = 0;

  #register(proto: Proto, sock: Bound): void {
    multiAdd(this.#ports[proto], sock._port, sock);
  }

  #ephemeral(proto: Proto): number {
    const map = this.#ports[proto];
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const port = this.#next[proto];
      this.#next[proto] = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!map.has(port)) return port;
    }
    throw new SysError("EADDRINUSE", "bind", "every ephemeral port is taken");
  }
}
