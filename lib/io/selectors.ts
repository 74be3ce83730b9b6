/**
 * A Python-style `selectors` layer over select, poll and epoll.
 *
 * @module
 */

import { SysError } from "../os/errno.ts";
import { EPOLLIN, EPOLLOUT, POLLIN, POLLOUT } from "../os/events.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate, epollCtl, epollWait } from "./epoll.ts";
import { poll } from "./poll.ts";
import { select } from "./select.ts";

/** The descriptor is ready for reading. */
export const EVENT_READ = 1;
/** The descriptor is ready for writing. */
export const EVENT_WRITE = 2;

/** Python's `KeyError`: a descriptor registered twice, or not registered. */
export class KeyError extends Error {
  /**
   * Makes the error.
   *
   * @param message What key was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

/** Python's `ValueError`: an invalid event mask or descriptor. */
export class ValueError extends Error {
  /**
   * Makes the error.
   *
   * @param message What value was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ValueError";
  }
}

/** A registration: the descriptor, its events and its data slot. */
export interface SelectorKey<D = unknown> {
  /** What was registered (the descriptor). */
  readonly fileobj: number;
  /** The descriptor. */
  readonly fd: number;
  /** `EVENT_READ`, `EVENT_WRITE` or both. */
  readonly events: number;
  /** Whatever the caller attached, such as a callback. */
  readonly data: D;
}

/** What `select()` returns: each ready key with the events ready. */
export type SelectorReady<D> = [key: SelectorKey<D>, events: number];

/** The selector kinds. */
export type SelectorKind = "epoll" | "poll" | "select";

function checkFd(fileobj: unknown): number {
  if (typeof fileobj !== "number" || !Number.isInteger(fileobj)) {
    throw new ValueError(`Invalid file object: ${String(fileobj)}`);
  }
  if (fileobj < 0) throw new ValueError(`Invalid file descriptor: ${fileobj}`);
  return fileobj;
}

function checkMask(events: unknown): number {
  if (
    typeof events !== "number" || !Number.isInteger(events) || events === 0 ||
    (events & ~(EVENT_READ | EVENT_WRITE)) !== 0
  ) {
    throw new ValueError(`Invalid events: ${String(events)}`);
  }
  return events;
}

/**
 * What all selectors share: the registrations by descriptor, and Python's
 * errors. `register`, `unregister`, `modify` and `select` are operations
 * (they may make system calls); `getKey` and `getMap` are not.
 *
 * @typeParam D The type of the data slot.
 */
export abstract class BaseSelector<D = unknown> {
  /** The kind of selector. */
  abstract readonly kind: SelectorKind;
  /** The calling thread's system calls. */
  readonly sys: Sys;
  readonly #keys = new Map<number, SelectorKey<D>>();
  #closed = false;

  /**
   * Makes a selector for `sys`'s thread.
   *
   * @param sys The system calls it uses.
   */
  constructor(sys: Sys) {
    this.sys = sys;
  }

  /**
   * Registers a descriptor for events, with data (Python's `register`).
   *
   * @param fileobj The descriptor.
   * @param events `EVENT_READ`, `EVENT_WRITE` or both.
   * @param data What to attach (the article attaches the callback).
   * @returns The operation, for `yield*`; it gives the new key.
   * @throws {ValueError} For a bad mask or descriptor, or a closed selector.
   * @throws {KeyError} If the descriptor is already registered.
   */
  *register(fileobj: number, events: number, data?: D): ThreadRoutine<SelectorKey<D>> {
    this._checkOpen("register");
    const fd = checkFd(fileobj);
    checkMask(events);
    if (this.#keys.has(fd)) throw new KeyError(`${fileobj} (FD ${fd}) is already registered`);
    const key: SelectorKey<D> = { fileobj, fd, events, data: data as D };
    yield* this._add(key);
    this.#keys.set(fd, key);
    return key;
  }

  /**
   * Unregisters a descriptor (Python's `unregister`).
   *
   * @param fileobj The descriptor.
   * @returns The operation, for `yield*`; it gives the removed key.
   * @throws {KeyError} If it is not registered.
   */
  *unregister(fileobj: number): ThreadRoutine<SelectorKey<D>> {
    const key = this.getKey(fileobj);
    this.#keys.delete(key.fd);
    yield* this._remove(key);
    return key;
  }

  /**
   * Changes a registration's events or data (Python's `modify`).
   *
   * @param fileobj The descriptor.
   * @param events The new events.
   * @param data The new data.
   * @returns The operation, for `yield*`; it gives the new key.
   * @throws {KeyError} If it is not registered.
   * @throws {ValueError} For a bad mask, or a closed selector.
   */
  *modify(fileobj: number, events: number, data?: D): ThreadRoutine<SelectorKey<D>> {
    this._checkOpen("modify");
    const old = this.getKey(fileobj);
    checkMask(events);
    const key: SelectorKey<D> = { ...old, events, data: data as D };
    if (events !== old.events) yield* this._change(key);
    this.#keys.set(key.fd, key);
    return key;
  }

  /**
   * Waits until some registered descriptors are ready (Python's `select`).
   *
   * @param timeout Nanoseconds at most; 0 or less polls; omitted or `null` waits forever.
   * @returns The operation, for `yield*`; it gives `[key, events]` pairs.
   * @throws {ValueError} If the selector is closed.
   */
  abstract select(timeout?: number | null): ThreadRoutine<SelectorReady<D>[]>;

  /**
   * The key of a registered descriptor (Python's `get_key`).
   *
   * @param fileobj The descriptor.
   * @returns The key.
   * @throws {KeyError} If it is not registered.
   */
  getKey(fileobj: number): SelectorKey<D> {
    const key = this.#keys.get(fileobj);
    if (key === undefined) throw new KeyError(`${String(fileobj)} is not registered`);
    return key;
  }

  /**
   * Every registration by descriptor (Python's `get_map`).
   *
   * @returns A read-only view.
   */
  getMap(): ReadonlyMap<number, SelectorKey<D>> {
    return this.#keys;
  }

  /**
   * Forgets every registration and frees what the selector holds.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    this.#closed = true;
    this.#keys.clear();
    yield* this._close();
  }

  /** Whether {@linkcode BaseSelector.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * @ignore A closed selector refuses work, as Python's closed epoll object
   * does: its descriptor may already belong to another file.
   */
  protected _checkOpen(what: string): void {
    if (this.#closed) {
      throw new ValueError(`I/O operation on closed selector: cannot ${what} (${this.kind})`);
    }
  }

  /** @ignore */
  protected *_add(_key: SelectorKey<D>): ThreadRoutine<void> {}
  /** @ignore */
  protected *_remove(_key: SelectorKey<D>): ThreadRoutine<void> {}
  /** @ignore */
  protected *_change(_key: SelectorKey<D>): ThreadRoutine<void> {}
  /** @ignore */
  protected *_close(): ThreadRoutine<void> {}

  /** @ignore Pairs ready descriptors with their keys, keeping only registered events. */
  protected _pairs(ready: Iterable<[number, number]>): SelectorReady<D>[] {
    const out: SelectorReady<D>[] = [];
    for (const [fd, events] of ready) {
      const key = this.#keys.get(fd);
      if (key !== undefined && (events & key.events) !== 0) out.push([key, events & key.events]);
    }
    return out;
  }
}

/**
 * A selector on select(2): limited to descriptors below 1024, and each call
 * scans them all.
 */
export class SelectSelector<D = unknown> extends BaseSelector<D> {
  /** It uses select. */
  readonly kind = "select";

  /**
   * Waits with select(2).
   *
   * @param timeout Nanoseconds at most; omitted or `null` waits forever.
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If the selector is closed.
   */
  *select(timeout?: number | null): ThreadRoutine<SelectorReady<D>[]> {
    this._checkOpen("select");
    const readers: number[] = [], writers: number[] = [];
    for (const key of this.getMap().values()) {
      if (key.events & EVENT_READ) readers.push(key.fd);
      if (key.events & EVENT_WRITE) writers.push(key.fd);
    }
    const t = timeout === undefined || timeout === null ? null : Math.max(0, timeout);
    const [r, w] = yield* select(this.sys, readers, writers, [], t);
    const ready = new Map<number, number>();
    for (const fd of r) ready.set(fd, EVENT_READ);
    for (const fd of w) ready.set(fd, (ready.get(fd) ?? 0) | EVENT_WRITE);
    return this._pairs(ready);
  }
}

/** A selector on poll(2): no descriptor limit; each call walks every registration. */
export class PollSelector<D = unknown> extends BaseSelector<D> {
  /** It uses poll. */
  readonly kind = "poll";

  /**
   * Waits with poll(2).
   *
   * @param timeout Nanoseconds at most; omitted or `null` waits forever.
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If the selector is closed.
   */
  *select(timeout?: number | null): ThreadRoutine<SelectorReady<D>[]> {
    this._checkOpen("select");
    const fds = [...this.getMap().values()].map((k) => ({
      fd: k.fd,
      events: (k.events & EVENT_READ ? POLLIN : 0) | (k.events & EVENT_WRITE ? POLLOUT : 0),
    }));
    const t = timeout === undefined || timeout === null ? null : Math.max(0, timeout);
    const ready = yield* poll(this.sys, fds, t);
    return this._pairs(ready.map((r) => [r.fd, toSelectorEvents(r.revents)]));
  }
}

/**
 * A selector on epoll (Python's `DefaultSelector` on Linux): registrations
 * are epoll_ctl calls, and waiting costs the same whatever their number.
 * Make one with {@linkcode EpollSelector.open}.
 */
export class EpollSelector<D = unknown> extends BaseSelector<D> {
  /** It uses epoll. */
  readonly kind = "epoll";
  /** The epoll descriptor. */
  readonly epfd: number;
  #closed = false;

  /**
   * Wraps an epoll descriptor; {@linkcode EpollSelector.open} makes one.
   *
   * @param sys The system calls.
   * @param epfd The epoll descriptor.
   */
  constructor(sys: Sys, epfd: number) {
    super(sys);
    this.epfd = epfd;
  }

  /**
   * Creates the epoll instance and the selector.
   *
   * @typeParam D The data slot's type.
   * @param sys The system calls.
   * @returns The operation, for `yield*`; it gives the selector.
   */
  static *open<D = unknown>(sys: Sys): ThreadRoutine<EpollSelector<D>> {
    return new EpollSelector<D>(sys, yield* epollCreate(sys));
  }

  /**
   * Waits with epoll_wait(2).
   *
   * @param timeout Nanoseconds at most; omitted or `null` waits forever.
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If the selector is closed.
   */
  *select(timeout?: number | null): ThreadRoutine<SelectorReady<D>[]> {
    this._checkOpen("select");
    const t = timeout === undefined || timeout === null ? null : Math.max(0, timeout);
    const max = Math.max(this.getMap().size, 1);
    const events = yield* epollWait(this.sys, this.epfd, max, t);
    return this._pairs(events.map((e) => [e.fd, toSelectorEvents(e.events)]));
  }

  /** @ignore */
  protected override *_add(key: SelectorKey<D>): ThreadRoutine<void> {
    yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_ADD", key.fd, toEpoll(key.events));
  }

  /** @ignore Python ignores the OSError of a descriptor already closed (EBADF, ENOENT). */
  protected override *_remove(key: SelectorKey<D>): ThreadRoutine<void> {
    try {
      yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_DEL", key.fd);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
    }
  }

  /** @ignore */
  protected override *_change(key: SelectorKey<D>): ThreadRoutine<void> {
    yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_MOD", key.fd, toEpoll(key.events));
  }

  /** @ignore Python's close() may be called again; the descriptor is closed once. */
  protected override *_close(): ThreadRoutine<void> {
    if (this.#closed) return;
    this.#closed = true;
    yield* this.sys.close(this.epfd);
  }
}

/**
 * Makes the best selector, as Python's `DefaultSelector()` does on Linux
 * (epoll), or the one named.
 *
 * @example The article's callback pattern
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const sel = yield* openSelector(sys);
 *   yield* sel.register(y, EVENT_READ, "on-read");
 *   yield* sys.send(x, "hi");
 *   for (const [key, mask] of yield* sel.select()) sys.print(key.data, mask);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "on-read 1");
 * ```
 *
 * @typeParam D The data slot's type.
 * @param sys The system calls.
 * @param kind `"epoll"` (default), `"poll"` or `"select"`.
 * @returns The operation, for `yield*`; it gives the selector.
 * @throws {TypeError} For an unknown kind.
 */
export function* openSelector<D = unknown>(
  sys: Sys,
  kind: SelectorKind = "epoll",
): ThreadRoutine<BaseSelector<D>> {
  switch (kind) {
    case "epoll":
      return yield* EpollSelector.open<D>(sys);
    case "poll":
      return new PollSelector<D>(sys);
    case "select":
      return new SelectSelector<D>(sys);
    default:
      throw new TypeError(`Unknown selector kind "${String(kind)}": use epoll, poll or select`);
  }
}

function toEpoll(events: number): number {
  return (events & EVENT_READ ? EPOLLIN : 0) | (events & EVENT_WRITE ? EPOLLOUT : 0);
}

/** As Python does: anything but IN counts as writable, anything but OUT as readable. */
function toSelectorEvents(revents: number): number {
  let events = 0;
  if (revents & ~EPOLLIN) events |= EVENT_WRITE;
  if (revents & ~EPOLLOUT) events |= EVENT_READ;
  return events;
}
