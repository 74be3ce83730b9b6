/**
 * TCP-like stream sockets.
 *
 * @module
 */

import { copyTime } from "../os/costs.ts";
import { isErrno, SysError } from "../os/errno.ts";
import { SIGNALS } from "../os/signals.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from "../os/events.ts";
import { File } from "../os/file.ts";
import {
  type Accepted,
  type Address,
  type Datagram,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  type ShutdownHow,
  type SocketFile,
  type SocketOption,
} from "../os/socket_api.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { ByteQueue } from "../os/byte_queue.ts";
import { Fifo } from "../kernel/fifo.ts";
import type { Simulation } from "../kernel/simulation.ts";
import type { Path } from "./path.ts";
import type { HostStack } from "./stack.ts";

const FRESH = 0, LISTEN = 1, SYN_SENT = 2, ESTABLISHED = 3, CLOSED = 4;
const STATE_NAMES = ["fresh", "listening", "connecting", "connected", "closed"];

/** Bytes of header per segment, for serialisation delay. */
const HEADER = 52;
/** Linux's minimum retransmission timeout (TCP_RTO_MIN). */
const RTO_MIN = 200_000_000;
/** The initial SYN timeout (TCP_TIMEOUT_INIT). */
const SYN_RTO = 1_000_000_000;
/** net.ipv4.tcp_syn_retries. */
const SYN_RETRIES = 6;

const DATA = 0, FIN = 1, RST = 2, SYN = 3, SYNACK = 4, ACK = 5, WINDOW = 6, SYN_TIMER = 7;
const RETX_TIMER = 8;
/** Linux's largest retransmission timeout (TCP_RTO_MAX). */
const RTO_MAX = 120_000_000_000;

type SocketErrno = "ECONNREFUSED" | "ECONNRESET" | "ETIMEDOUT" | "EPIPE";
/** Linux's numbers for the errors SO_ERROR reports. */
const ERRNO_NUMBERS: Record<SocketErrno, number> = {
  EPIPE: 32,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
};
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** A segment in flight (or a SYN timer): the kernel fires it on arrival. */
class Segment {
  _slot = -1;
  /** Order among the sender's segments, for retransmission. */
  seq = 0;
  constructor(
    readonly kind: number,
    readonly from: StreamSocket,
    readonly to: StreamSocket | null,
    readonly data: Uint8Array | null,
    readonly attempt: number = 0,
    readonly dst: HostStack | null = null,
    readonly addr: Address | null = null,
  ) {}
  _fire(): void {
    const { kind, from, to } = this;
    switch (kind) {
      case SYN:
        return this.dst!._syn(from, this.addr!);
      case SYNACK:
        return to!._synAck(from);
      case ACK: {
        const listener = to!._listener;
        if (listener !== null) listener._enqueueChild(to!);
        return;
      }
      case SYN_TIMER:
        return from._synTimer(this.attempt);
      case RETX_TIMER:
        return from._retxTimer();
      default:
        // A crashed host answers nothing: the segment is lost and retransmitted.
        if (to!._stack.down) return from._lostInFlight(this);
        return to!._arrive(kind, from, this.data);
    }
  }
}

const ORPHAN = 1, NOSPACE = 2, UNIX = 4, LAST_SYNC = 8, RD_EOF = 16, RD_SHUT = 32, WR_SHUT = 64;
const FIN_SENT = 128, WINDOW_WANTED = 256, RESET = 512, CONNECTING = 1024;
const HALF_OPEN = 2048, REUSEADDR = 4096, REUSEPORT = 8192;

/** What only some sockets need: kept apart so the common socket stays small. */
class Side {
  handshake: StreamSocket | null = null;
  accept: Fifo<StreamSocket> | null = null;
  backlog = 0;
  pendingChildren = 0;
  synTimer: Segment | null = null;
  retx: Segment[] | null = null;
  retxTimer: Segment | null = null;
  rto = 0;
  lossSince = -1;
  userTimeout = 0;
  listener: StreamSocket | null = null;
  err: SocketErrno | null = null;

  /** Whether every field is back to its default, so the socket can drop it. */
  idle(): boolean {
    return this.handshake === null && this.accept === null && this.synTimer === null &&
      this.retx === null && this.retxTimer === null && this.userTimeout === 0 &&
      this.listener === null && this.err === null && this.pendingChildren === 0;
  }
}

/**
 * A TCP-like stream socket. Data sent goes into the send buffer (blocking
 * while it is full), is carried over the path to the peer as the peer's
 * receive window allows, and waits in the peer's receive buffer — phase 1
 * of the peer's read ends when it arrives; `recv` then copies it out (phase
 * 2). Connections are set up with a handshake (SYN, SYN-ACK, ACK) that puts
 * them in the listener's accept queue; closing with unread data resets the
 * connection, as Linux does.
 *
 * Sockets are made by `sys.socket()`; this class is their kernel side.
 */
export class StreamSocket extends File implements SocketFile {
  /** A socket. */
  get kind(): "socket" {
    return "socket";
  }
  /** A stream socket. */
  get type(): "stream" {
    return "stream";
  }
  /** @ignore */
  readonly _stack: HostStack;
  /** @ignore */
  _state = FRESH;
  /** @ignore Whether no descriptor refers to it any more. */
  get _orphan(): boolean {
    return (this.#bits & ORPHAN) !== 0;
  }
  /** @ignore */
  set _orphan(v: boolean) {
    this.#bits = v ? this.#bits | ORPHAN : this.#bits & ~ORPHAN;
  }
  /** @ignore The bound address's host part ("0.0.0.0", "localhost" or the host name). */
  _bindHost = "";
  /** @ignore The bound port, or -1. */
  _port = -1;
  /** @ignore The peer socket, once a connection exists. */
  _peer: StreamSocket | null = null;
  /** @ignore The peer's address as this side sees it. */
  get _remote(): Address | null {
    return this.#rhost === null ? null : { host: this.#rhost, port: this.#rport };
  }
  /** @ignore */
  set _remote(a: Address | null) {
    this.#rhost = a === null ? null : a.host;
    this.#rport = a === null ? 0 : a.port;
  }
  // Kept as two fields, not an object: one object fewer per socket.
  #rhost: string | null = null;
  #rport = 0;
  /** @ignore The path toward the peer. */
  _path: Path | null = null;
  /** @ignore The listener a child belongs to until accepted. */
  get _listener(): StreamSocket | null {
    return this.#side === null ? null : this.#side.listener;
  }
  /** @ignore */
  set _listener(v: StreamSocket | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).listener = v;
    if (v === null) this.#trimSide();
  }
  /** @ignore SO_REUSEADDR (1) and SO_REUSEPORT (2). */
  get _reuse(): number {
    return (this.#bits / REUSEADDR) & 3;
  }
  /** @ignore */
  set _reuse(v: number) {
    this.#bits = (this.#bits & ~(REUSEADDR | REUSEPORT)) | ((v & 3) * REUSEADDR);
  }
  /** @ignore A send found the buffer full (SOCK_NOSPACE): the next write space raises SIGIO. */
  get _nospace(): boolean {
    return (this.#bits & NOSPACE) !== 0;
  }
  /** @ignore */
  set _nospace(v: boolean) {
    this.#bits = v ? this.#bits | NOSPACE : this.#bits & ~NOSPACE;
  }
  /** @ignore A local (socketpair, AF_UNIX) socket: cheaper calls. */
  get _unix(): boolean {
    return (this.#bits & UNIX) !== 0;
  }
  /** @ignore */
  set _unix(v: boolean) {
    this.#bits = v ? this.#bits | UNIX : this.#bits & ~UNIX;
  }
  /** @ignore The server-side child once a listener took our SYN. */
  get _handshake(): StreamSocket | null {
    return this.#side === null ? null : this.#side.handshake;
  }
  /** @ignore */
  set _handshake(v: StreamSocket | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).handshake = v;
  }
  /** Booleans packed into one field (a socket is small: there may be a million). */
  #bits = 0;
  /** State only some sockets need (listening, connecting, recovering from loss). */
  #side: Side | null = null;
  #rcv: ByteQueue | null = null;
  #rcvbuf: number;
  #snd: ByteQueue | null = null;
  #sndbuf: number;
  /** Bytes occupying the send buffer: not yet sent, or sent and not yet delivered. */
  #sndUsed = 0;
  #inFlight = 0;
  /** When the last segment sent arrives (-1: none sent yet). */
  #lastArrival = -1;
  get #lastSync(): boolean {
    return (this.#bits & LAST_SYNC) !== 0;
  }
  set #lastSync(v: boolean) {
    this.#bits = v ? this.#bits | LAST_SYNC : this.#bits & ~LAST_SYNC;
  }
  get #rdEof(): boolean {
    return (this.#bits & RD_EOF) !== 0;
  }
  set #rdEof(v: boolean) {
    this.#bits = v ? this.#bits | RD_EOF : this.#bits & ~RD_EOF;
  }
  get #rdShut(): boolean {
    return (this.#bits & RD_SHUT) !== 0;
  }
  set #rdShut(v: boolean) {
    this.#bits = v ? this.#bits | RD_SHUT : this.#bits & ~RD_SHUT;
  }
  get #wrShut(): boolean {
    return (this.#bits & WR_SHUT) !== 0;
  }
  set #wrShut(v: boolean) {
    this.#bits = v ? this.#bits | WR_SHUT : this.#bits & ~WR_SHUT;
  }
  get #finSent(): boolean {
    return (this.#bits & FIN_SENT) !== 0;
  }
  set #finSent(v: boolean) {
    this.#bits = v ? this.#bits | FIN_SENT : this.#bits & ~FIN_SENT;
  }
  get #windowWanted(): boolean {
    return (this.#bits & WINDOW_WANTED) !== 0;
  }
  set #windowWanted(v: boolean) {
    this.#bits = v ? this.#bits | WINDOW_WANTED : this.#bits & ~WINDOW_WANTED;
  }
  /** The pending error (SO_ERROR), reported once. */
  get #err(): SocketErrno | null {
    return this.#side === null ? null : this.#side.err;
  }
  set #err(v: SocketErrno | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).err = v;
  }
  /** Lets go of the rare state once it is all back to defaults. */
  #trimSide(): void {
    if (this.#side !== null && this.#side.idle()) this.#side = null;
  }
  get #reset(): boolean {
    return (this.#bits & RESET) !== 0;
  }
  set #reset(v: boolean) {
    this.#bits = v ? this.#bits | RESET : this.#bits & ~RESET;
  }
  get #accept(): Fifo<StreamSocket> | null {
    return this.#side === null ? null : this.#side.accept;
  }
  set #accept(v: Fifo<StreamSocket> | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).accept = v;
  }
  get #backlog(): number {
    return this.#side === null ? 0 : this.#side.backlog;
  }
  set #backlog(v: number) {
    if (this.#side !== null || v !== 0) (this.#side ??= new Side()).backlog = v;
  }
  get #pendingChildren(): number {
    return this.#side === null ? 0 : this.#side.pendingChildren;
  }
  set #pendingChildren(v: number) {
    if (this.#side !== null || v !== 0) (this.#side ??= new Side()).pendingChildren = v;
  }
  /** @ignore A server-side child that sent its SYN-ACK and waits for the ACK (SYN_RECV). */
  get _halfOpen(): boolean {
    return (this.#bits & HALF_OPEN) !== 0;
  }
  /** @ignore */
  set _halfOpen(v: boolean) {
    this.#bits = v ? this.#bits | HALF_OPEN : this.#bits & ~HALF_OPEN;
  }
  /** The pending SYN retransmission timer. */
  get #synTimer(): Segment | null {
    return this.#side === null ? null : this.#side.synTimer;
  }
  set #synTimer(v: Segment | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).synTimer = v;
  }
  /** connect(2) started a handshake and has not yet reported it done (Linux's SS_CONNECTING). */
  get #connecting(): boolean {
    return (this.#bits & CONNECTING) !== 0;
  }
  set #connecting(v: boolean) {
    this.#bits = v ? this.#bits | CONNECTING : this.#bits & ~CONNECTING;
  }
  /** Lost segments waiting for retransmission, and those held behind them, in order. */
  get #retx(): Segment[] | null {
    return this.#side === null ? null : this.#side.retx;
  }
  set #retx(v: Segment[] | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).retx = v;
  }
  get #retxTimer(): Segment | null {
    return this.#side === null ? null : this.#side.retxTimer;
  }
  set #retxTimer(v: Segment | null) {
    if (this.#side !== null || v !== null) (this.#side ??= new Side()).retxTimer = v;
  }
  get #rto(): number {
    return this.#side === null ? 0 : this.#side.rto;
  }
  set #rto(v: number) {
    if (this.#side !== null || v !== 0) (this.#side ??= new Side()).rto = v;
  }
  get #lossSince(): number {
    return this.#side === null ? -1 : this.#side.lossSince;
  }
  set #lossSince(v: number) {
    if (this.#side !== null || v !== -1) (this.#side ??= new Side()).lossSince = v;
  }
  #nextSeq = 0;
  /** The stack's incarnation when the socket was made: a crash makes it dead. */
  readonly #incarnation: number;
  /** TCP_USER_TIMEOUT in ns (0: the network's default). */
  get #userTimeout(): number {
    return this.#side === null ? 0 : this.#side.userTimeout;
  }
  set #userTimeout(v: number) {
    if (this.#side !== null || v !== 0) (this.#side ??= new Side()).userTimeout = v;
  }

  /**
   * Makes an unbound socket; `sys.socket()` is the way.
   *
   * @param stack The host's network stack.
   */
  constructor(stack: HostStack) {
    super();
    this._stack = stack;
    this.#rcvbuf = stack.host.options.rcvbuf;
    this.#sndbuf = stack.host.options.sndbuf;
    this.#incarnation = stack.incarnation;
  }

  /** @ignore A socket belongs to its host's simulation. */
  override _claim(sim: Simulation): boolean {
    return sim === this._stack.network.sim;
  }

  /** Whether the socket died with its host (a crash): it answers nothing, sends nothing. */
  get dead(): boolean {
    return this.#incarnation !== this._stack.incarnation;
  }

  /** The bound local address, or `null`. */
  get localAddress(): Address | null {
    if (this._port < 0) return null;
    let host = this._bindHost === "" ? this._stack.host.name : this._bindHost;
    // Bound to any address, a connection reports the address it actually uses.
    if (host === "0.0.0.0" && this.#rhost !== null && this._state !== LISTEN) {
      host = LOOPBACK_NAMES.has(this.#rhost!) ? "localhost" : this._stack.host.name;
    }
    return { host, port: this._port };
  }

  /** The peer's address, or `null` when not connected (ENOTCONN, even mid-handshake). */
  get remoteAddress(): Address | null {
    return this._state === ESTABLISHED ? this._remote : null;
  }

  /** The socket's state: fresh, listening, connecting, connected or closed. */
  get state(): string {
    return STATE_NAMES[this._state]!;
  }

  /** Bytes waiting in the receive buffer. */
  get received(): number {
    return this.#rcv === null ? 0 : this.#rcv.length;
  }

  /** Connections waiting in the accept queue. */
  get acceptQueueLength(): number {
    return this.#accept === null ? 0 : this.#accept.length;
  }

  /**
   * Kernel memory held: the fixed part and the buffered bytes.
   *
   * @returns Bytes.
   */
  memoryBytes(): number {
    return this._stack.host.costs.socketMemoryBytes + this.received + this.#sndUsed;
  }

  /**
   * Describes the socket.
   *
   * @returns e.g. `stream socket server:999 listening`.
   */
  override describe(): string {
    const local = this._port < 0 ? "unbound" : `${this.localAddress!.host}:${this._port}`;
    const remote = this.#rhost === null ? "" : ` to ${this.#rhost}:${this.#rport}`;
    return `stream socket ${local}${remote} ${this.state}`;
  }

  /**
   * The ready events: readable when data, EOF, an error or (listening) a
   * connection is waiting; writable when the send buffer has room.
   *
   * @returns The mask.
   */
  poll(): number {
    switch (this._state) {
      case LISTEN:
        return this.#accept !== null && this.#accept.length > 0 ? POLLIN : 0;
      case SYN_SENT:
        return 0;
      case FRESH:
        return POLLOUT | POLLHUP;
      case CLOSED: {
        let m = POLLIN | POLLOUT | POLLHUP;
        if (this.#err !== null) m |= POLLERR;
        return m;
      }
    }
    let mask = 0;
    if (this.received > 0 || this.#rdEof || this.#rdShut) mask |= POLLIN;
    if (this.#rdEof || this.#rdShut) mask |= POLLRDHUP;
    if (this.#rdEof && this.#wrShut) mask |= POLLHUP;
    if (this.#wrShut) mask |= POLLOUT;
    else {
      const free = this.#sndbuf - this.#sndUsed;
      if (free > 0 && free >= this.#sndUsed / 2) mask |= POLLOUT;
    }
    return mask;
  }

  // ---- system calls ------------------------------------------------------

  /** @ignore */
  *bind(thread: Thread, address: Address): ThreadRoutine<void> {
    if (this._port >= 0 || this._state !== FRESH) {
      yield* thread.fail("EINVAL", "bind", "the socket is already bound");
    }
    this._stack._bind(thread, this, "tcp", address);
  }

  /** @ignore */
  *listen(thread: Thread, backlog: number): ThreadRoutine<void> {
    if (this._state === LISTEN) {
      this.#backlog = this.#clampBacklog(backlog);
      return;
    }
    if (this._state !== FRESH) {
      yield* thread.fail("EINVAL", "listen", `the socket is ${this.state}`);
    }
    if (this._port < 0) this._stack._bindEphemeral(this, "tcp");
    this._state = LISTEN;
    this.#backlog = this.#clampBacklog(backlog);
    this.#accept = new Fifo();
  }

  /** @ignore */
  *accept(thread: Thread, fd: number): ThreadRoutine<Accepted> {
    thread.charge("syscall", thread.costs.socketNs, "accept");
    for (;;) {
      if (this._state !== LISTEN) {
        yield* thread.fail("EINVAL", "accept", `fd ${fd} is not listening`);
      }
      const child = this.#accept!.shift();
      if (child !== undefined) {
        child._listener = null;
        return { socket: child, address: child._remote! };
      }
      if (this.nonblocking) {
        yield* thread.fail("EAGAIN", "accept", "no connection is waiting");
      }
      yield* thread.waitFile(this, POLLIN, "accept", fd, { exclusive: true });
    }
  }

  /** @ignore */
  *connect(thread: Thread, fd: number, address: Address): ThreadRoutine<void> {
    thread.charge("syscall", thread.costs.socketNs, "connect");
    switch (this._state) {
      case ESTABLISHED:
        if (this.#connecting) {
          // As Linux: the first call after a non-blocking connect completed reports success.
          this.#connecting = false;
          yield* thread.flush();
          return;
        }
        yield* thread.fail("EISCONN", "connect", `fd ${fd} is already connected`);
        break;
      case SYN_SENT:
        if (this.nonblocking) {
          yield* thread.fail("EALREADY", "connect", "a connection is in progress");
        }
        break;
      case LISTEN:
        yield* thread.fail("EINVAL", "connect", `fd ${fd} is listening`);
        break;
      case CLOSED: {
        const err = this.#takeError();
        if (err !== null) {
          yield* thread.fail(err, "connect", `connecting to ${address.host}:${address.port}`);
        }
        yield* thread.fail("EINVAL", "connect", "the socket was closed by a reset; make a new one");
        break;
      }
      default: {
        const net = this._stack.network;
        const dst = net._resolve(this._stack, address.host);
        if (dst === null) {
          yield* thread.fail("EHOSTUNREACH", "connect", `no host is named "${address.host}"`);
        }
        if (this._port < 0) this._stack._bindEphemeral(this, "tcp");
        yield* thread.flush();
        this._state = SYN_SENT;
        this._nospace = true; // the connection completing raises SIGIO (POLL_OUT)
        this.#connecting = true;
        this._remote = { host: address.host, port: address.port };
        this._path = net._path(this._stack, dst!);
        this.#sendSyn(dst!, address, 0);
      }
    }
    if (this.nonblocking) {
      yield* thread.fail("EINPROGRESS", "connect", `connecting to ${address.host}:${address.port}`);
    }
    while (this._state === SYN_SENT) {
      yield* thread.waitFile(this, POLLOUT | POLLERR | POLLHUP, "connect", fd);
    }
    this.#connecting = false;
    if (this._state !== ESTABLISHED) {
      const err = this.#takeError() ?? "ECONNREFUSED";
      yield* thread.fail(err, "connect", `connecting to ${address.host}:${address.port}`);
    }
    yield* thread.flush();
  }

  /** @ignore */
  *send(thread: Thread, fd: number, data: Uint8Array, flags: number): ThreadRoutine<number> {
    const costs = thread.costs;
    // The protocol work is paid when bytes are queued; a call that queues
    // none (EAGAIN, an error) costs only eagainNs.
    let work = this._unix ? costs.unixSendNs : costs.sendNs;
    const nonblocking = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const inj = this._stack.host.faults;
    if (inj !== null && data.length > 0 && inj.roll("enobufs", "send", thread.task.id)) {
      thread.charge("syscall", costs.eagainNs, "send");
      yield* thread.fail("ENOBUFS", "send", "an injected fault");
    }
    let sent = 0;
    for (;;) {
      // After a partial send, the bytes accepted are returned; the error waits for the next call.
      if (sent > 0 && (this.#err !== null || this._state !== ESTABLISHED || this.#wrShut)) break;
      if (this.#err !== null) {
        const err = this.#takeError()!;
        thread.charge("syscall", costs.eagainNs, "send");
        yield* thread.fail(err, "send", `on fd ${fd}`);
      }
      if (this._state === SYN_SENT) {
        if (nonblocking) {
          thread.charge("syscall", costs.eagainNs, "send");
          yield* thread.fail("EAGAIN", "send", "the connection is not set up yet");
        }
        yield* thread.waitFile(this, POLLOUT | POLLERR | POLLHUP, "send", fd);
        continue;
      }
      if (this._state !== ESTABLISHED || this.#wrShut || this.#reset) {
        // Linux (sk_stream_wait_connect): a socket that is not connected gets
        // EPIPE, and the sender gets SIGPIPE (ignored unless the process asks).
        thread.process._signal(SIGNALS.SIGPIPE);
        thread.charge("syscall", costs.eagainNs, "send");
        yield* thread.fail(
          "EPIPE",
          "send",
          `fd ${fd} is ${this.#wrShut ? "shut down for writing" : this.state}`,
        );
      }
      const free = this.#sndbuf - this.#sndUsed;
      let short = false;
      if (free > 0 && sent < data.length) {
        let n = Math.min(free, data.length - sent);
        if (inj !== null && n > 1 && inj.roll("shortWrite", "send", thread.task.id)) {
          n = inj.int(1, n - 1);
          short = true;
        }
        // The kernel copies the user's bytes: later changes to `data` do not travel.
        (this.#snd ??= new ByteQueue()).push(data.slice(sent, sent + n));
        this.#sndUsed += n;
        sent += n;
        if (work > 0) {
          thread.charge("syscall", work, "send");
          work = 0;
        }
        thread.charge("copy", copyTime(costs, n), "send");
      }
      if (sent === data.length || data.length === 0 || short) {
        if (work > 0) thread.charge("syscall", work, "send");
        break;
      }
      this._nospace = true;
      if (nonblocking) {
        if (sent > 0) break;
        thread.charge("syscall", costs.eagainNs, "send");
        yield* thread.fail(
          "EAGAIN",
          "send",
          `the send buffer of fd ${fd} is full (${this.#sndbuf} bytes)`,
        );
      }
      // Blocking: send the part accepted so far, check again, then wait for room.
      if (thread.pending) {
        yield* thread.flush();
        this._pump();
        continue;
      }
      try {
        yield* thread.waitFile(this, POLLOUT | POLLERR | POLLHUP, "send", fd);
      } catch (e) {
        // Interrupted after a partial send: the call returns the bytes sent (send(2)).
        if (sent > 0 && isErrno(e, "EINTR")) break;
        throw e;
      }
    }
    yield* thread.flush();
    this._pump();
    return sent;
  }

  /** @ignore */
  *recv(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Uint8Array> {
    const costs = thread.costs;
    // The protocol work is paid once data (or EOF, or an error) is found; a
    // call that finds nothing costs only eagainNs (measured: far cheaper).
    let work = this._unix ? costs.unixRecvNs : costs.recvNs;
    const pay = () => {
      thread.charge("syscall", work, "recv");
      work = 0;
    };
    const nonblocking = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    let parts: Uint8Array[] | null = null;
    let got = 0;
    for (;;) {
      if (this._state === FRESH || this._state === LISTEN || this._state === SYN_SENT) {
        if (this._state !== SYN_SENT || nonblocking) {
          thread.charge("syscall", costs.eagainNs, "recv");
          yield* thread.fail(
            this._state === SYN_SENT ? "EAGAIN" : "ENOTCONN",
            "recv",
            `fd ${fd} is ${this.state}`,
          );
        }
      }
      const avail = this.received;
      // Queued data is read first, even after SHUT_RD or a reset (tcp_reset keeps the receive queue).
      if (avail > 0 && size > 0) {
        let n = Math.min(size - got, avail);
        const inj = this._stack.host.faults;
        if (inj !== null) {
          if (n > 1 && inj.roll("shortRead", "recv", thread.task.id)) n = inj.int(1, n - 1);
          if (inj.faults.recvDelayNs !== undefined) {
            thread.charge("user", inj.faults.recvDelayNs, "");
          }
        }
        const chunk = peek ? this.#rcv!.peek(n) : this.#rcv!.take(n);
        if (!peek) this._stack._buffered(-n);
        if (work > 0) pay();
        thread.charge("copy", copyTime(costs, n), "recv");
        got += n;
        if (got === size || !waitAll) {
          if (parts === null) {
            yield* this.#finishRecv(thread, peek);
            return chunk;
          }
          parts.push(chunk);
          break;
        }
        (parts ??= []).push(chunk);
        this.#openWindow();
        continue;
      }
      // An error is reported when the buffer is empty, unless the peer's FIN came first.
      if (this.#err !== null && got === 0 && !this.#rdEof) {
        if (work > 0) pay();
        yield* thread.fail(this.#takeError()!, "recv", `on fd ${fd}`);
      }
      if (size === 0 || this.#rdEof || this.#rdShut || this._state === CLOSED) {
        if (work > 0) pay();
        break;
      }
      if (nonblocking) {
        if (got > 0) break;
        thread.charge("syscall", costs.eagainNs, "recv");
        yield* thread.fail("EAGAIN", "recv", `no data on fd ${fd}`);
      }
      yield* thread.waitFile(this, POLLIN | POLLERR | POLLHUP, "recv", fd);
    }
    yield* this.#finishRecv(thread, peek);
    if (parts === null) return new Uint8Array(0);
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(got);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  /** @ignore */
  *sendto(thread: Thread, fd: number, data: Uint8Array, _address: Address): ThreadRoutine<number> {
    if (this._state === ESTABLISHED) {
      yield* thread.fail("EISCONN", "sendto", `fd ${fd} is connected`);
    }
    return yield* this.send(thread, fd, data, 0);
  }

  /** @ignore */
  *recvfrom(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Datagram> {
    const data = yield* this.recv(thread, fd, size, flags);
    return { data, address: this._remote ?? { host: "0.0.0.0", port: 0 } };
  }

  /** @ignore */
  *shutdown(thread: Thread, how: ShutdownHow): ThreadRoutine<void> {
    if (this._state === LISTEN) {
      // Linux (inet_shutdown): SHUT_WR does nothing; reading shut stops listening, the
      // port stays bound, queued connections are reset and every accept fails with EINVAL.
      if (how === "SHUT_WR") return;
      for (const child of this.#accept?.toArray() ?? []) child._abort();
      this.#accept = null;
      this._state = FRESH;
      this.#wakeAll(POLLIN | POLLHUP);
      return;
    }
    if (this._state !== ESTABLISHED && this._state !== SYN_SENT) {
      yield* thread.fail("ENOTCONN", "shutdown", `the socket is ${this.state}`);
    }
    if (how !== "SHUT_WR") {
      this.#rdShut = true;
      this._wake(POLLIN);
    }
    if (how !== "SHUT_RD" && !this.#wrShut) {
      this.#wrShut = true;
      yield* thread.flush();
      this._pump();
    }
  }

  /** @ignore */
  setOption(option: SocketOption, value: number): void {
    switch (option) {
      case "SO_RCVBUF":
        // Linux doubles the value to leave room for bookkeeping (socket(7)).
        this.#rcvbuf = Math.max(2304, 2 * clampInt(option, value));
        return;
      case "SO_SNDBUF":
        this.#sndbuf = Math.max(4608, 2 * clampInt(option, value));
        return;
      case "SO_REUSEADDR":
        this._reuse = value ? this._reuse | 1 : this._reuse & ~1;
        return;
      case "SO_REUSEPORT":
        this._reuse = value ? this._reuse | 2 : this._reuse & ~2;
        return;
      case "TCP_NODELAY":
        return;
      case "TCP_USER_TIMEOUT":
        // Milliseconds, as Linux takes it; 0 restores the system default.
        this.#userTimeout = clampInt(option, value) * 1e6;
        return;
      default:
        throw new SysError("EINVAL", "setsockopt", `unknown option "${String(option)}"`);
    }
  }

  /** @ignore */
  getOption(option: SocketOption): number {
    switch (option) {
      case "SO_RCVBUF":
        return this.#rcvbuf;
      case "SO_SNDBUF":
        return this.#sndbuf;
      case "SO_REUSEADDR":
        return this._reuse & 1;
      case "SO_REUSEPORT":
        return (this._reuse & 2) >> 1;
      case "TCP_NODELAY":
        return 1;
      case "TCP_USER_TIMEOUT":
        return this.#userTimeout / 1e6;
      case "SO_ERROR": {
        const e = this.#takeError();
        return e === null ? 0 : ERRNO_NUMBERS[e];
      }
      default:
        throw new SysError("EINVAL", "getsockopt", `unknown option "${String(option)}"`);
    }
  }

  // ---- the kernel side ---------------------------------------------------

  /** @ignore SIGIO for write space only after a send found the buffer full. */
  override _asyncEvents(events: number): number {
    if ((events & POLLOUT) === 0) return events;
    if (this._nospace) {
      this._nospace = false;
      return events;
    }
    return events & ~POLLOUT;
  }

  /** @ignore The last descriptor was closed. */
  override _release(): void {
    this._orphan = true;
    if (this.dead) {
      // Its host crashed: no FIN, no RST — the peer finds out by timing out.
      this.#stopSynTimer();
      this.#stopRetx();
      this._state = CLOSED;
      return;
    }
    switch (this._state) {
      case LISTEN:
        for (const child of this.#accept?.toArray() ?? []) child._abort();
        this.#accept = null;
        this._state = CLOSED;
        this._stack._unbind(this, "tcp");
        return;
      case SYN_SENT:
        this.#stopSynTimer();
        this._state = CLOSED;
        this._stack._unbind(this, "tcp");
        return;
      case ESTABLISHED:
        if (this.received > 0) {
          // Unread data: Linux sends a reset instead of a FIN (RFC 2525, 2.17).
          this._abort();
          return;
        }
        this.#wrShut = true;
        this._pump();
        return;
      default:
        this._state = CLOSED;
        this._stack._unbind(this, "tcp");
    }
  }

  /** @ignore Resets the connection: RST to the peer, queues dropped. */
  _abort(): void {
    const peer = this._peer;
    if (peer !== null && this._state === ESTABLISHED) this.#transmit(RST, null);
    this.#drop();
  }

  /** @ignore Sends what the peer's window allows, then a FIN when shut. */
  _pump(): void {
    const peer = this._peer;
    if (peer === null || this._state !== ESTABLISHED || this.#reset) return;
    const snd = this.#snd;
    while (snd !== null && snd.length > 0) {
      const window = peer.#rcvbuf - peer.received - this.#inFlight;
      if (window <= 0) {
        this.#windowWanted = true;
        break;
      }
      const chunk = snd.take(Math.min(window, snd.length));
      this.#inFlight += chunk.length;
      this.#transmit(DATA, chunk);
    }
    if (this.#wrShut && !this.#finSent && (snd === null || snd.length === 0)) {
      this.#finSent = true;
      this.#transmit(FIN, null);
    }
  }

  /** @ignore A segment arrived at this socket (called by the network). */
  _arrive(kind: number, from: StreamSocket, data: Uint8Array | null): void {
    if (this.dead) {
      // The host came back without this connection: anything but a RST gets a RST.
      if (kind === DATA && from._state !== CLOSED) {
        from.#inFlight -= data!.length;
        from.#sndUsed -= data!.length;
      }
      if (kind !== RST) this.#refuseFrom(from);
      return;
    }
    switch (kind) {
      case DATA: {
        const n = data!.length;
        // A sender dropped meanwhile already forgot these bytes.
        if (from._state !== CLOSED) {
          from.#inFlight -= n;
          from.#sndUsed -= n;
        }
        if (this._state !== ESTABLISHED || this._orphan && this.#wrShut && this.#finSent) {
          // Nobody will read it: answer with a reset.
          if (this._state !== CLOSED) this.#drop();
          from._resetBy();
          return;
        }
        (this.#rcv ??= new ByteQueue()).push(data!);
        this._stack._buffered(data!.length);
        this._wake(POLLIN);
        from._wake(POLLOUT);
        return;
      }
      case FIN: {
        this.#rdEof = true;
        // AF_UNIX (unix_release_sock): the peer's close shuts both directions; writers get EPIPE.
        const unixHup = this._unix && from._orphan && !this.#wrShut;
        if (unixHup) this.#wrShut = true;
        this._wake(POLLIN | POLLRDHUP | (this.#wrShut ? POLLHUP : 0) | (unixHup ? POLLOUT : 0));
        if (this._orphan && this.#finSent) this.#finish();
        return;
      }
      case RST:
        this._resetBy();
        return;
      case WINDOW:
        this.#windowWanted = false;
        this._pump();
        return;
    }
  }

  /** @ignore The peer reset the connection (or refused it). */
  _resetBy(): void {
    if (this._state === CLOSED) return;
    // As tcp_reset: refused while connecting, EPIPE once the peer's FIN came (CLOSE_WAIT).
    this.#err = this._state === SYN_SENT ? "ECONNREFUSED" : this.#rdEof ? "EPIPE" : "ECONNRESET";
    this.#reset = true;
    this.#stopSynTimer();
    this.#drop(true);
    this._wake(POLLIN | POLLOUT | POLLERR | POLLHUP);
  }

  /** @ignore A SYN-ACK from `child` arrived: the client side is connected; ACK it. */
  _synAck(child: StreamSocket): void {
    if (this._state !== SYN_SENT) {
      // We gave up meanwhile: the server's half-open child is reset.
      child._halfOpen = false;
      child._listener?._childFailed();
      child._listener = null;
      child.#drop();
      return;
    }
    this.#stopSynTimer();
    this._peer = child;
    this._state = ESTABLISHED;
    this._handshake = null;
    this.#trimSide();
    this.#transmit(ACK, null);
    this._wake(POLLOUT);
  }

  /** @ignore A listener took a SYN from `client`: make the child and answer. */
  _acceptSyn(client: StreamSocket, remote: Address): void {
    const net = this._stack.network;
    const child = new StreamSocket(this._stack);
    // The child is a clone of the listener (sk_clone_lock): it inherits the buffer sizes.
    child.#rcvbuf = this.#rcvbuf;
    child.#sndbuf = this.#sndbuf;
    const back = net._path(this._stack, client._stack);
    child._state = ESTABLISHED;
    child._bindHost = this._bindHost;
    child._port = this._port;
    child._peer = client;
    child._remote = remote;
    child._path = back;
    child._listener = this;
    child._halfOpen = true;
    client._handshake = child;
    child.#transmit(SYNACK, null);
  }

  /** @ignore Nothing listens where our SYN went (at `stack`): a RST comes back. */
  _refusedAt(stack: HostStack): void {
    const net = stack.network, sim = net.sim;
    const t = net._path(stack, this._stack).send(sim.now, HEADER);
    // A lost RST is not resent: the client's SYN timer tries again.
    if (t >= 0) sim._enqueue(new Segment(RST, this, this, null), t, 1);
  }

  /** A segment reached this dead socket on a live host: a RST goes back to `to`. */
  #refuseFrom(to: StreamSocket): void {
    const net = this._stack.network, sim = net.sim;
    const t = net._path(this._stack, to._stack).send(sim.now, HEADER);
    if (t >= 0) sim._enqueue(new Segment(RST, this, to, null), t, 1);
  }

  /** @ignore The client gave up (SYN retries exhausted). */
  _timedOut(): void {
    if (this._state !== SYN_SENT) return;
    this.#err = "ETIMEDOUT";
    this._state = CLOSED;
    this._stack._unbind(this, "tcp");
    this._wake(POLLOUT | POLLERR | POLLHUP);
  }

  /** @ignore A SYN reached this listener: reserve a place, or refuse when full. */
  _offer(): boolean {
    if (this._state !== LISTEN) return false;
    // Linux's sk_acceptq_is_full: full when more than `backlog` are queued.
    if (this.#accept!.length + this.#pendingChildren > this.#backlog) return false;
    this.#pendingChildren++;
    return true;
  }

  /** @ignore The final ACK of a handshake arrived: queue the child for accept. */
  _enqueueChild(child: StreamSocket): void {
    if (!child._halfOpen) return; // a duplicate ACK
    child._halfOpen = false;
    this.#pendingChildren--;
    if (this._state !== LISTEN) {
      child._listener = null;
      child._abort();
      return;
    }
    this.#accept!.push(child);
    this._wake(POLLIN);
  }

  /** @ignore A half-open child died before its ACK. */
  _childFailed(): void {
    this.#pendingChildren--;
  }

  /** @ignore Connects two fresh sockets directly (socketpair). */
  _pairWith(peer: StreamSocket, path: Path): void {
    this._state = ESTABLISHED;
    this._unix = true;
    this._peer = peer;
    this._path = path;
    this._remote = { host: "localhost", port: 0 };
  }

  #sendSyn(dst: HostStack, address: Address, attempt: number): void {
    const sim = this._stack.network.sim;
    const t = this._path!.send(sim.now, HEADER);
    // A lost SYN (or one to a crashed host) gets no answer: the timer resends it.
    if (t >= 0 && !dst.down) {
      sim._enqueue(new Segment(SYN, this, null, null, attempt, dst, address), t, 1);
    }
    // Retransmit (or give up) if no answer comes: 1 s, then doubling.
    this.#synTimer = new Segment(SYN_TIMER, this, null, null, attempt);
    sim._enqueue(this.#synTimer, sim.now + SYN_RTO * 2 ** attempt, 1);
  }

  /** The handshake ended: no retransmission is due (it would keep the simulation running). */
  #stopSynTimer(): void {
    if (this.#synTimer === null) return;
    this._stack.network.sim._cancel(this.#synTimer);
    this.#synTimer = null;
  }

  /** @ignore A SYN timer fired. */
  _synTimer(attempt: number): void {
    // The SYN is resent until the SYN-ACK arrives, even if the server has it:
    // the SYN-ACK may be the one lost, and its sender may give up first.
    if (this._state !== SYN_SENT || this.dead) return;
    if (attempt >= SYN_RETRIES) {
      this._timedOut();
      return;
    }
    const net = this._stack.network;
    const dst = net._resolve(this._stack, this.#rhost!);
    if (dst === null) {
      this._timedOut();
      return;
    }
    this.#sendSyn(dst, this._remote!, attempt + 1);
  }

  #transmit(kind: number, data: Uint8Array | null): void {
    const segment = new Segment(kind, this, this._peer, data);
    segment.seq = this.#nextSeq++;
    // Behind a lost segment, later ones wait: TCP delivers in order.
    if (this.#retx !== null) this.#retx.push(segment);
    else this.#send(segment);
  }

  /** Puts a segment on the path; a lost one starts the retransmission timer. */
  #send(segment: Segment): boolean {
    const sim = this._stack.network.sim;
    const path = this._path!;
    const bytes = (segment.data === null ? 0 : segment.data.length) + HEADER;
    let t = path.send(sim.now, bytes);
    if (t < 0) {
      this.#lose([segment]);
      return false;
    }
    if (t < this.#lastArrival) t = this.#lastArrival;
    // An instant path (loopback) delivers inside the sender's call, as Linux does,
    // unless an earlier segment due now might still be queued.
    const now = t === sim.now && (this.#lastArrival < t || this.#lastSync);
    this.#lastArrival = t;
    this.#lastSync = now;
    // A duplicated segment changes nothing: the receiver's TCP drops the copy.
    if (now) segment._fire();
    else sim._enqueue(segment, t, 1);
    return true;
  }

  /** Segments were lost: keep them in order and arm the retransmission timer. */
  #lose(segments: Segment[]): void {
    const sim = this._stack.network.sim;
    if (this.#retx === null) {
      this.#retx = [];
      this.#lossSince = sim.now;
      this.#rto = Math.max(RTO_MIN, 3 * this._path!.params.latency);
    }
    for (const seg of segments) {
      let i = this.#retx.length;
      while (i > 0 && this.#retx[i - 1]!.seq > seg.seq) i--;
      this.#retx.splice(i, 0, seg);
    }
    if (this.#retxTimer === null) {
      this.#retxTimer = new Segment(RETX_TIMER, this, null, null);
      sim._enqueue(this.#retxTimer, sim.now + this.#rto, 1);
    }
  }

  /** @ignore A segment reached a crashed host: lost, so it will be sent again. */
  _lostInFlight(segment: Segment): void {
    if (this._state === CLOSED || this.dead) return;
    this.#lose([segment]);
  }

  /**
   * @ignore The client resent its SYN to this half-open child: if the SYN-ACK
   * was lost, resend it now instead of at the timer (Linux's inet_rtx_syn_ack
   * from tcp_check_req). One still in flight will answer by itself.
   */
  _synAgain(): void {
    if (this.#retx === null || this.#retxTimer === null) return;
    this._stack.network.sim._cancel(this.#retxTimer);
    this._retxTimer();
  }

  /** @ignore The retransmission timer fired: resend the oldest lost segment. */
  _retxTimer(): void {
    this.#retxTimer = null;
    const queue = this.#retx;
    if (queue === null || queue.length === 0 || this._state === CLOSED || this.dead) {
      this.#retx = null;
      return;
    }
    const sim = this._stack.network.sim;
    const path = this._path!;
    const head = queue[0]!;
    const t = path.send(sim.now, (head.data === null ? 0 : head.data.length) + HEADER);
    if (t < 0 || head.to!._stack.down) {
      const limit = this.#userTimeout > 0 ? this.#userTimeout : this._stack.network.tcpUserTimeout;
      if (sim.now - this.#lossSince >= limit) {
        this.#giveUp();
        return;
      }
      this.#rto = Math.min(this.#rto * 2, RTO_MAX);
      this.#retxTimer = new Segment(RETX_TIMER, this, null, null);
      sim._enqueue(this.#retxTimer, sim.now + this.#rto, 1);
      return;
    }
    // The head got through: the rest follow it, in order, until one is lost again.
    this.#retx = null;
    const at = Math.max(t, this.#lastArrival);
    this.#lastArrival = at;
    this.#lastSync = false;
    sim._enqueue(head, at, 1);
    for (let i = 1; i < queue.length; i++) {
      // #send may have lost one again: the rest then wait behind it.
      const waiting = this.#retx as Segment[] | null;
      if (waiting !== null) waiting.push(queue[i]!);
      else this.#send(queue[i]!);
    }
    this.#trimSide();
  }

  /** Retransmissions ran past the user timeout: the connection is dead (ETIMEDOUT). */
  #giveUp(): void {
    this.#stopRetx();
    if (this._halfOpen) {
      // A half-open child gives up its place; the client's next SYN starts afresh.
      this._halfOpen = false;
      this._listener?._childFailed();
      this._listener = null;
      if (this._peer !== null && this._peer._handshake === this) this._peer._handshake = null;
    }
    this.#err = "ETIMEDOUT";
    this.#reset = true;
    this.#drop(true);
    this._wake(POLLIN | POLLOUT | POLLERR | POLLHUP);
  }

  #stopRetx(): void {
    this.#retx = null;
    if (this.#retxTimer !== null) {
      this._stack.network.sim._cancel(this.#retxTimer);
      this.#retxTimer = null;
    }
    this.#trimSide();
  }

  /** Wakes every waiter, exclusive ones included (Linux's wake_up_interruptible_all). */
  #wakeAll(events: number): void {
    const wq = this._wq;
    if (wq === null) return;
    for (const e of Array.isArray(wq) ? wq.slice() : [wq]) {
      if ((e.mask & events) !== 0) e._wake(this, events);
    }
  }

  #finishRecv(thread: Thread, peek: boolean): ThreadRoutine<void> {
    if (!peek) this.#openWindow();
    return thread.flush();
  }

  /** After a read: tell a sender stalled on our window that there is room again. */
  #openWindow(): void {
    const peer = this._peer;
    if (peer === null || !peer.#windowWanted || this._state !== ESTABLISHED) return;
    peer.#windowWanted = false;
    this.#transmit(WINDOW, null);
  }

  #takeError(): SocketErrno | null {
    const e = this.#err;
    if (e === null) return null;
    this.#err = null;
    this.#trimSide();
    return e;
  }

  /** Closes the connection at once; a reset by the peer keeps what was received for reading. */
  #drop(keepReceived = false): void {
    this.#stopRetx();
    if (!keepReceived && this.#rcv !== null) {
      this._stack._buffered(-this.#rcv.length);
      this.#rcv.clear();
    }
    this.#snd?.clear();
    this.#sndUsed = 0;
    this.#inFlight = 0;
    this._state = CLOSED;
    this._stack._unbind(this, "tcp");
  }

  #finish(): void {
    this._state = CLOSED;
    this._stack._unbind(this, "tcp");
  }

  #clampBacklog(backlog: number): number {
    const max = this._stack.host.options.somaxconn;
    // Linux compares as unsigned: a negative backlog means somaxconn.
    return backlog < 0 ? max : Math.min(Math.trunc(backlog), max);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `StreamSocket { ${this.describe()} }`;
  }

  // ---- kernel-side operations, for asynchronous I/O (POSIX aio, io_uring) -----------
  // They run without a calling thread and never block: `null` means "would block, wait
  // for readiness"; the caller (lib/io) accounts the kernel's time and wakes nobody.

  /**
   * @ignore recv(2) done by the kernel: up to `size` bytes (empty at end of stream), an
   * errno, or `null` when nothing is there yet.
   */
  _kernelRecv(size: number): Uint8Array | KernelErrno | null {
    if (this._state === SYN_SENT) return null;
    if (this._state === FRESH || this._state === LISTEN) return "ENOTCONN";
    const avail = this.received;
    if (avail > 0 && size > 0) {
      const n = Math.min(size, avail);
      const chunk = this.#rcv!.take(n);
      this._stack._buffered(-n);
      this.#openWindow();
      return chunk;
    }
    if (this.#err !== null && !this.#rdEof) return this.#takeError()!;
    if (size === 0 || this.#rdEof || this.#rdShut || this._state === CLOSED) {
      return new Uint8Array(0);
    }
    return null;
  }

  /**
   * @ignore send(2) done by the kernel: queues what the send buffer takes and returns
   * the count, an errno, or `null` when the buffer is full. The caller sends the bytes
   * on with `_pump()` once its copy is done.
   */
  _kernelSend(data: Uint8Array): number | KernelErrno | null {
    if (this.#err !== null) return this.#takeError()!;
    if (this._state === SYN_SENT) return null;
    if (this._state !== ESTABLISHED || this.#wrShut || this.#reset) return "EPIPE";
    if (data.length === 0) return 0;
    const free = this.#sndbuf - this.#sndUsed;
    if (free <= 0) return null;
    const n = Math.min(free, data.length);
    (this.#snd ??= new ByteQueue()).push(data.slice(0, n));
    this.#sndUsed += n;
    return n;
  }

  /** @ignore accept(2) done by the kernel: the next connection, an errno, or `null`. */
  _kernelAccept(): Accepted | KernelErrno | null {
    if (this._state !== LISTEN) return "EINVAL";
    const child = this.#accept!.shift();
    if (child === undefined) return null;
    child._listener = null;
    return { socket: child, address: child._remote! };
  }

  /**
   * @ignore connect(2) done by the kernel: the first call (`again` false) starts the
   * handshake; later calls report it. Gives 0 when connected, an errno, or `null`
   * while the handshake is under way.
   */
  _kernelConnect(address: Address, again: boolean): 0 | KernelErrno | null {
    switch (this._state) {
      case ESTABLISHED:
        if (this.#connecting) {
          this.#connecting = false;
          return 0;
        }
        return "EISCONN";
      case SYN_SENT:
        return again ? null : "EALREADY";
      case LISTEN:
        return "EINVAL";
      case CLOSED: {
        const was = this.#connecting;
        this.#connecting = false;
        return this.#takeError() ?? (was ? "ECONNREFUSED" : "EINVAL");
      }
    }
    const net = this._stack.network;
    const dst = net._resolve(this._stack, address.host);
    if (dst === null) return "EHOSTUNREACH";
    if (this._port < 0) this._stack._bindEphemeral(this, "tcp");
    this._state = SYN_SENT;
    this.#connecting = true;
    this._remote = { host: address.host, port: address.port };
    this._path = net._path(this._stack, dst);
    this.#sendSyn(dst, address, 0);
    return null;
  }
}

/** An errno name, for the kernel-side operations. */
type KernelErrno = import("../os/errno.ts").Errno;

function clampInt(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SysError(
      "EINVAL",
      "setsockopt",
      `${option} "${value}" is not a non-negative integer`,
    );
  }
  return Math.min(value, 2 ** 31 - 1);
}
