/**
 * UDP-like datagram sockets.
 *
 * @module
 */

import { copyTime } from "../os/costs.ts";
import { SysError } from "../os/errno.ts";
import { POLLIN, POLLOUT } from "../os/events.ts";
import { File } from "../os/file.ts";
import {
  type Accepted,
  type Address,
  type Datagram,
  MSG_DONTWAIT,
  MSG_PEEK,
  type ShutdownHow,
  type SocketFile,
  type SocketOption,
} from "../os/socket_api.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { HostStack } from "./stack.ts";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** The largest UDP payload over IPv4. */
export const MAX_DATAGRAM = 65507;
const HEADER = 28;

/** A datagram in flight. */
class Packet {
  _slot = -1;
  constructor(
    readonly dst: HostStack | DatagramSocket,
    readonly address: Address,
    readonly data: Uint8Array,
    readonly from: Address,
  ) {}
  _fire(): void {
    const dst = this.dst;
    // A crashed host drops everything.
    if ((dst instanceof DatagramSocket ? dst._stack : dst).down) return;
    const sock = dst instanceof DatagramSocket ? dst : dst._findDatagram(this.address);
    // Nobody bound there: the datagram is dropped (the ICMP error is not modelled).
    if (sock !== null) sock._deliver(this.data, this.from);
  }
}

/**
 * A UDP-like datagram socket: each `sendto` is one datagram that arrives
 * whole or not at all, in whatever order the links deliver them; a full
 * receive buffer drops arrivals. Sending never blocks.
 */
export class DatagramSocket extends File implements SocketFile {
  /** A socket. */
  readonly kind = "socket" as const;
  /** A datagram socket. */
  readonly type = "dgram" as const;
  /** @ignore */
  readonly _stack: HostStack;
  /** @ignore */
  _bindHost = "";
  /** @ignore */
  _port = -1;
  /** @ignore */
  _reuse = 0;
  /** Datagrams dropped because the receive buffer was full. */
  dropped = 0;
  #queue: Datagram[] = [];
  #head = 0;
  #bytes = 0;
  #rcvbuf: number;
  #peer: Address | null = null;
  #pair: DatagramSocket | null = null;
  #closed = false;
  readonly #incarnation: number;

  /**
   * Makes an unbound datagram socket; `sys.socket("dgram")` is the way.
   *
   * @param stack The host's network stack.
   */
  constructor(stack: HostStack) {
    super();
    this._stack = stack;
    this.#incarnation = stack.incarnation;
    this.#rcvbuf = Math.max(stack.host.options.rcvbuf, 212_992);
  }

  /** @ignore A socket belongs to its host's simulation. */
  override _claim(sim: Simulation): boolean {
    return sim === this._stack.network.sim;
  }

  /** The bound local address, or `null`. */
  get localAddress(): Address | null {
    if (this._port < 0) return null;
    return {
      host: this._bindHost === "0.0.0.0" ? this._stack.host.name : this._bindHost,
      port: this._port,
    };
  }

  /** The default destination set by `connect`, or `null`. */
  get remoteAddress(): Address | null {
    return this.#peer;
  }

  /** How many datagrams wait to be read. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Kernel memory held.
   *
   * @returns Bytes.
   */
  memoryBytes(): number {
    return this._stack.host.costs.socketMemoryBytes + this.#bytes;
  }

  /**
   * Describes the socket.
   *
   * @returns e.g. `datagram socket host:53`.
   */
  override describe(): string {
    return `datagram socket ${
      this._port < 0 ? "unbound" : `${this.localAddress!.host}:${this._port}`
    }`;
  }

  /**
   * Readable when a datagram waits; always writable.
   *
   * @returns The mask.
   */
  poll(): number {
    return this.queued > 0 ? POLLIN | POLLOUT : POLLOUT;
  }

  /** @ignore */
  *bind(thread: Thread, address: Address): ThreadRoutine<void> {
    if (this._port >= 0) yield* thread.fail("EINVAL", "bind", "the socket is already bound");
    this._stack._bind(thread, this, "udp", address);
  }

  /** @ignore */
  *listen(thread: Thread): ThreadRoutine<void> {
    yield* thread.fail("EOPNOTSUPP", "listen", "datagram sockets do not listen");
  }

  /** @ignore */
  *accept(thread: Thread): ThreadRoutine<Accepted> {
    return yield* thread.fail("EOPNOTSUPP", "accept", "datagram sockets do not accept");
  }

  /** @ignore connect(2) on a datagram socket only sets the default destination. */
  *connect(thread: Thread, _fd: number, address: Address): ThreadRoutine<void> {
    if (this._stack.network._resolve(this._stack, address.host) === null) {
      yield* thread.fail("EHOSTUNREACH", "connect", `no host is named "${address.host}"`);
    }
    if (this._port < 0) this._stack._bindEphemeral(this, "udp");
    this.#peer = { host: address.host, port: address.port };
    yield* thread.flush();
  }

  /** @ignore */
  *send(thread: Thread, fd: number, data: Uint8Array, _flags: number): ThreadRoutine<number> {
    if (this.#pair !== null) return yield* this.#sendTo(thread, fd, data, null);
    if (this.#peer === null) {
      yield* thread.fail(
        "EDESTADDRREQ",
        "send",
        `fd ${fd} has no destination: use sendto or connect`,
      );
    }
    return yield* this.#sendTo(thread, fd, data, this.#peer!);
  }

  /** @ignore */
  *sendto(thread: Thread, fd: number, data: Uint8Array, address: Address): ThreadRoutine<number> {
    return yield* this.#sendTo(thread, fd, data, address);
  }

  /** @ignore */
  *recv(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Uint8Array> {
    return (yield* this.recvfrom(thread, fd, size, flags)).data;
  }

  /** @ignore */
  *recvfrom(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Datagram> {
    for (;;) {
      if (this.queued > 0) {
        thread.charge("syscall", thread.costs.recvNs, "recvfrom");
        const d = this.#queue[this.#head]!;
        if ((flags & MSG_PEEK) === 0) {
          this.#queue[this.#head++] = undefined as unknown as Datagram;
          this.#bytes -= d.data.length;
          if (this.#head === this.#queue.length) {
            this.#queue = [];
            this.#head = 0;
          }
        }
        // A datagram is read whole; what does not fit in `size` is lost.
        const data = d.data.length > size ? d.data.subarray(0, size) : d.data;
        thread.charge("copy", copyTime(thread.costs, data.length), "recvfrom");
        yield* thread.flush();
        return { data, address: d.address };
      }
      if (this.nonblocking || (flags & MSG_DONTWAIT) !== 0) {
        thread.charge("syscall", thread.costs.eagainNs, "recvfrom");
        yield* thread.fail("EAGAIN", "recvfrom", `no datagram on fd ${fd}`);
      }
      yield* thread.waitFile(this, POLLIN, "recvfrom", fd);
    }
  }

  /** @ignore */
  *shutdown(thread: Thread, _how: ShutdownHow): ThreadRoutine<void> {
    if (this.#peer === null && this.#pair === null) {
      yield* thread.fail("ENOTCONN", "shutdown", "the socket is not connected");
    }
  }

  /** @ignore */
  setOption(option: SocketOption, value: number): void {
    switch (option) {
      case "SO_RCVBUF":
        if (!Number.isSafeInteger(value) || value < 0) {
          throw new SysError(
            "EINVAL",
            "setsockopt",
            `SO_RCVBUF "${value}" is not a non-negative integer`,
          );
        }
        this.#rcvbuf = Math.max(2304, 2 * value);
        return;
      case "SO_SNDBUF":
        return;
      case "SO_REUSEADDR":
        this._reuse = value ? this._reuse | 1 : this._reuse & ~1;
        return;
      case "SO_REUSEPORT":
        this._reuse = value ? this._reuse | 2 : this._reuse & ~2;
        return;
      default:
        throw new SysError(
          "EINVAL",
          "setsockopt",
          `option "${String(option)}" does not apply to datagram sockets`,
        );
    }
  }

  /** @ignore */
  getOption(option: SocketOption): number {
    switch (option) {
      case "SO_RCVBUF":
        return this.#rcvbuf;
      case "SO_SNDBUF":
        return 212_992;
      case "SO_REUSEADDR":
        return this._reuse & 1;
      case "SO_REUSEPORT":
        return (this._reuse & 2) >> 1;
      case "SO_ERROR":
        return 0;
      default:
        throw new SysError(
          "EINVAL",
          "getsockopt",
          `option "${String(option)}" does not apply to datagram sockets`,
        );
    }
  }

  /** @ignore */
  override _release(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    this._stack._unbind(this, "udp");
  }

  /** @ignore Connects two sockets of a socketpair. */
  _pairWith(peer: DatagramSocket): void {
    this.#pair = peer;
  }

  /** @ignore A datagram arrived. */
  _deliver(data: Uint8Array, from: Address): void {
    if (this.#closed || this.#incarnation !== this._stack.incarnation) return;
    // A connected socket receives only from its peer (connect(2)).
    if (this.#peer !== null && !this.#fromPeer(from)) return;
    if (this.#bytes + data.length > this.#rcvbuf) {
      this.dropped++;
      return;
    }
    this.#queue.push({ data, address: from });
    this.#bytes += data.length;
    this._wake(POLLIN);
  }

  #fromPeer(from: Address): boolean {
    const peer = this.#peer!, net = this._stack.network;
    return peer.port === from.port &&
      net._resolve(this._stack, peer.host) === net._resolve(this._stack, from.host);
  }

  *#sendTo(
    thread: Thread,
    fd: number,
    data: Uint8Array,
    address: Address | null,
  ): ThreadRoutine<number> {
    const costs = thread.costs;
    thread.charge("syscall", costs.sendNs, "sendto");
    if (data.length > MAX_DATAGRAM) {
      yield* thread.fail(
        "EMSGSIZE",
        "sendto",
        `${data.length} bytes on fd ${fd} exceed the ${MAX_DATAGRAM}-byte limit`,
      );
    }
    const net = this._stack.network;
    let dstStack = this._stack;
    if (address !== null) {
      const s = net._resolve(this._stack, address.host);
      if (s === null) {
        yield* thread.fail("EHOSTUNREACH", "sendto", `no host is named "${address.host}"`);
      }
      dstStack = s!;
    }
    if (this._port < 0) this._stack._bindEphemeral(this, "udp");
    thread.charge("copy", copyTime(costs, data.length), "sendto");
    yield* thread.flush();
    this.#emit(dstStack, address, data);
    return data.length;
  }

  /** Puts one datagram on the path to `dstStack` (lost, delayed or duplicated as the path says). */
  #emit(dstStack: HostStack, address: Address | null, data: Uint8Array): void {
    const net = this._stack.network, sim = net.sim;
    const path = net._path(this._stack, dstStack);
    const t = path.send(sim.now, data.length + HEADER);
    if (t < 0) return;
    const loop = dstStack === this._stack && address !== null && LOOPBACK_NAMES.has(address.host);
    const from = { host: loop ? "localhost" : this._stack.host.name, port: this._port };
    const make = () =>
      this.#pair !== null
        ? new Packet(this.#pair, { host: "localhost", port: 0 }, data.slice(), from)
        : new Packet(dstStack, address!, data.slice(), from);
    // An instant path (loopback) delivers inside the sender's call, as Linux does.
    const packet = make();
    if (t === sim.now) packet._fire();
    else sim._enqueue(packet, t, 1);
    // A duplicated datagram arrives twice (UDP does not notice).
    if (path.duplicated) sim._enqueue(make(), t, 1);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `DatagramSocket { ${this.describe()} }`;
  }

  // ---- kernel-side operations, for asynchronous I/O (POSIX aio, io_uring) -----------

  /**
   * @ignore recv(2) done by the kernel, without a thread: the next datagram (cut to
   * `size`), or `null` when none waits.
   */
  _kernelRecv(size: number): Uint8Array | null {
    if (this.queued === 0) return null;
    const d = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined as unknown as Datagram;
    this.#bytes -= d.data.length;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    return d.data.length > size ? d.data.subarray(0, size) : d.data;
  }

  /**
   * @ignore send(2) done by the kernel, to the connected peer (or the other end of a
   * socketpair): the byte count or an errno. Datagrams never wait for room.
   */
  _kernelSend(data: Uint8Array): number | "EMSGSIZE" | "EDESTADDRREQ" | "EHOSTUNREACH" {
    if (data.length > MAX_DATAGRAM) return "EMSGSIZE";
    const pair = this.#pair, address = pair === null ? this.#peer : null;
    if (pair === null && address === null) return "EDESTADDRREQ";
    const net = this._stack.network;
    let dstStack = this._stack;
    if (address !== null) {
      const found = net._resolve(this._stack, address.host);
      if (found === null) return "EHOSTUNREACH";
      dstStack = found;
    }
    if (this._port < 0) this._stack._bindEphemeral(this, "udp");
    this.#emit(dstStack, address, data);
    return data.length;
  }
}
