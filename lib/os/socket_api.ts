/**
 * What the OS layer needs from a network stack: sockets are files with
 * socket operations, made by the stack of the host's network. The `net`
 * layer implements these interfaces; the OS layer only calls them, so it
 * never imports the layer above it.
 *
 * @module
 */

import type { File } from "./file.ts";
import type { Thread, ThreadRoutine } from "./thread.ts";

/** A stream (TCP-like) or datagram (UDP-like) socket. */
export type SocketType = "stream" | "dgram";

/** A network address: a host name (or `"localhost"`) and a port. */
export interface Address {
  /** The host's name, `"localhost"`, or `"0.0.0.0"` (any) for bind. */
  readonly host: string;
  /** The port, 0 to 65535 (0: pick one). */
  readonly port: number;
}

/** What `accept` returns. */
export interface Accepted {
  /** The new connection's socket. */
  readonly socket: SocketFile;
  /** The peer's address. */
  readonly address: Address;
}

/** What `recvfrom` returns. */
export interface Datagram {
  /** The payload. */
  readonly data: Uint8Array;
  /** The sender's address. */
  readonly address: Address;
}

/** Socket options understood by `setsockopt`/`getsockopt`. */
export type SocketOption =
  | "SO_RCVBUF"
  | "SO_SNDBUF"
  | "SO_REUSEADDR"
  | "SO_REUSEPORT"
  | "TCP_NODELAY"
  | "SO_ERROR"
  | "TCP_USER_TIMEOUT";

/** How `shutdown` closes a socket's halves. */
export type ShutdownHow = "SHUT_RD" | "SHUT_WR" | "SHUT_RDWR";

/**
 * A socket file. Each operation runs on the calling thread: it charges the
 * thread's CPU, may block it, and fails with a `SysError` as Linux would.
 * The system call's entry cost and descriptor checks are done by `Sys`
 * before these are called.
 */
export interface SocketFile extends File {
  /** Always `"socket"`. */
  readonly kind: "socket";
  /** Stream or datagram. */
  readonly type: SocketType;
  /** The bound local address, if any. */
  readonly localAddress: Address | null;
  /** The connected peer's address, if any. */
  readonly remoteAddress: Address | null;
  /** Kernel memory held: the socket's fixed part plus buffered bytes. */
  memoryBytes(): number;
  /** bind(2). */
  bind(thread: Thread, address: Address): ThreadRoutine<void>;
  /** listen(2). */
  listen(thread: Thread, backlog: number): ThreadRoutine<void>;
  /** accept(2): the next completed connection. */
  accept(thread: Thread, fd: number): ThreadRoutine<Accepted>;
  /** connect(2). */
  connect(thread: Thread, fd: number, address: Address): ThreadRoutine<void>;
  /** send(2): the bytes accepted into the send buffer. */
  send(thread: Thread, fd: number, data: Uint8Array, flags: number): ThreadRoutine<number>;
  /** recv(2): up to `size` bytes; empty at end of stream. */
  recv(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Uint8Array>;
  /** sendto(2) for datagrams. */
  sendto(thread: Thread, fd: number, data: Uint8Array, address: Address): ThreadRoutine<number>;
  /** recvfrom(2) for datagrams. */
  recvfrom(thread: Thread, fd: number, size: number, flags: number): ThreadRoutine<Datagram>;
  /** shutdown(2). */
  shutdown(thread: Thread, how: ShutdownHow): ThreadRoutine<void>;
  /** setsockopt(2). */
  setOption(option: SocketOption, value: number): void;
  /** getsockopt(2). */
  getOption(option: SocketOption): number;
}

/** The network stack of a host: it makes sockets. */
export interface NetworkStack {
  /** Makes an unbound socket. */
  socket(type: SocketType): SocketFile;
  /** Makes a connected pair of sockets on this host. */
  socketpair(type: SocketType): [SocketFile, SocketFile];
  /** The host crashed: sockets die silently, ports are freed, nothing is answered. */
  crash(): void;
  /** The host is back up. */
  restart(): void;
}

/** recv/send flag: do not block this call (as if O_NONBLOCK). */
export const MSG_DONTWAIT = 0x40;
/** recv flag: return data without removing it from the buffer. */
export const MSG_PEEK = 0x2;
/** recv flag: block until the full amount arrives (or EOF/error). */
export const MSG_WAITALL = 0x100;
