/**
 * epoll(7): an interest list and a ready list.
 *
 * @module
 */

import type { Blocker } from "../kernel/event.ts";
import {
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDHUP,
  maskNames,
} from "../os/events.ts";
import { File, type WaitEntry } from "../os/file.ts";
import type { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { checkTimeout } from "./_args.ts";

/** epoll_ctl(2)'s operations. */
export type EpollOp = "EPOLL_CTL_ADD" | "EPOLL_CTL_MOD" | "EPOLL_CTL_DEL";

/** One event epoll_wait returns. */
export interface EpollEvent<D = unknown> {
  /** The descriptor the event is for. */
  readonly fd: number;
  /** What happened (`EPOLLIN`, `EPOLLOUT`, `EPOLLHUP`, ...). */
  readonly events: number;
  /** The data registered with it (the descriptor, unless other data was given). */
  readonly data: D;
}

const ALWAYS = EPOLLERR | EPOLLHUP;
const EVENT_BITS = EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
const FLAG_BITS = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE;
const EXCLUSIVE_OK = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLET | EPOLLEXCLUSIVE;

const READY = 1, DISABLED = 2;

/** A registration: an entry on the target file's wait queue (Linux's epitem). */
class EpItem implements WaitEntry {
  /** The bits of `events` that the target's wait queue matches against. */
  mask: number;
  /** READY and DISABLED, packed: there may be a million items. */
  #bits = 0;
  constructor(
    readonly ep: Epoll,
    readonly fd: number,
    readonly file: File,
    public events: number,
    public data: unknown,
  ) {
    this.mask = (events & EVENT_BITS) | ALWAYS;
  }
  /** EPOLLEXCLUSIVE, which EPOLL_CTL_MOD cannot change. */
  get exclusive(): boolean {
    return (this.events & EPOLLEXCLUSIVE) !== 0;
  }
  /** In the ready list. */
  get ready(): boolean {
    return (this.#bits & READY) !== 0;
  }
  set ready(v: boolean) {
    this.#bits = v ? this.#bits | READY : this.#bits & ~READY;
  }
  /** Disarmed after a one-shot report, until EPOLL_CTL_MOD. */
  get disabled(): boolean {
    return (this.#bits & DISABLED) !== 0;
  }
  set disabled(v: boolean) {
    this.#bits = v ? this.#bits | DISABLED : this.#bits & ~DISABLED;
  }
  _wake(_file: File, events: number): boolean {
    return this.ep._callback(this, events);
  }
  _released(): void {
    this.ep._forget(this);
  }
}

/** A thread sleeping in epoll_wait: an exclusive waiter on the epoll instance. */
class EpWaiter implements Blocker {
  armed = true;
  constructor(readonly ep: Epoll, readonly thread: Thread) {}
  describe(): string {
    return `epoll_wait on ${this.ep.describe()}`;
  }
  cancelWait(): void {
    this.armed = false;
    this.ep._dropWaiter(this);
  }
}

/**
 * An epoll instance, the file behind an epoll descriptor. Registrations sit
 * on their targets' wait queues; when a target signals events of interest,
 * its item joins the ready list (once) and one thread in `epoll_wait` is
 * woken. `epoll_wait` walks only the ready list, so its cost does not grow
 * with the number of watched descriptors:
 *
 * - level-triggered items go back on the ready list after being reported,
 *   and are reported again while the target stays ready; when several threads
 *   wait on one instance, an item left ready wakes the next waiter too (as
 *   Linux's ep_done_scan does), so hand each event to one thread with
 *   `EPOLLET` or `EPOLLONESHOT`;
 * - edge-triggered items (`EPOLLET`) leave the ready list and come back only
 *   when the target signals again, so a partial read does not re-trigger;
 * - one-shot items (`EPOLLONESHOT`) are disarmed after one report until
 *   `EPOLL_CTL_MOD`;
 * - with `EPOLLEXCLUSIVE`, a target wakes only one of the epoll instances
 *   that watch it with that flag (and have a thread waiting).
 *
 * Made by {@linkcode epollCreate}.
 */
export class Epoll extends File {
  /** An epoll instance. */
  readonly kind = "epoll";
  /** Registrations by descriptor number: dense small integers, so an array (as Linux's rbtree, by fd). */
  readonly #items: (EpItem | EpItem[] | undefined)[] = [];
  #readyList: (EpItem | null)[] = [];
  #head = 0;
  readonly #waiters: EpWaiter[] = [];
  #count = 0;

  /** How many registrations the interest list holds. */
  get size(): number {
    return this.#count;
  }

  /** How many items wait on the ready list. */
  get readyCount(): number {
    let n = 0;
    for (let i = this.#head; i < this.#readyList.length; i++) if (this.#readyList[i] !== null) n++;
    return n;
  }

  /**
   * An epoll descriptor is readable when an item on its ready list is still
   * ready (so it can be watched by another epoll, select or poll). As Linux's
   * ep_eventpoll_poll, it checks the items: a level-triggered item left on the
   * list after its data was read does not count.
   *
   * @returns `EPOLLIN` or 0.
   */
  poll(): number {
    const list = this.#readyList;
    for (let i = this.#head; i < list.length; i++) {
      const item = list[i];
      if (item != null && (item.file.poll() & item.mask) !== 0) return EPOLLIN;
    }
    return 0;
  }

  /**
   * Describes the instance.
   *
   * @returns e.g. `epoll (12 watched)`.
   */
  override describe(): string {
    return `epoll (${this.#count} watched)`;
  }

  /** @ignore EPOLL_CTL_ADD; returns an errno or null. */
  _add(fd: number, file: File, events: number, data: unknown): string | null {
    if (this.#find(fd, file) !== null) return "EEXIST";
    const item = new EpItem(this, fd, file, events, data);
    const held = this.#items[fd];
    if (held === undefined) this.#items[fd] = item;
    else if (Array.isArray(held)) held.push(item);
    else this.#items[fd] = [held, item];
    this.#count++;
    file._addWait(item);
    // Ready already? Then it is on the ready list at once (ep_insert).
    if ((file.poll() & item.mask) !== 0) this.#makeReady(item);
    return null;
  }

  /** @ignore EPOLL_CTL_MOD. */
  _modify(fd: number, file: File, events: number, data: unknown): string | null {
    const item = this.#find(fd, file);
    if (item === null) return "ENOENT";
    if ((item.events & EPOLLEXCLUSIVE) !== 0) return "EINVAL";
    item.events = events;
    item.data = data;
    item.mask = (events & EVENT_BITS) | ALWAYS;
    item.disabled = false;
    if ((file.poll() & item.mask) !== 0) this.#makeReady(item);
    return null;
  }

  /** @ignore EPOLL_CTL_DEL. */
  _delete(fd: number, file: File): string | null {
    const item = this.#find(fd, file);
    if (item === null) return "ENOENT";
    this._forget(item);
    return null;
  }

  /** @ignore The target of `item` signalled `events` (ep_poll_callback). */
  _callback(item: EpItem, events: number): boolean {
    if (item.disabled || (events & item.mask) === 0) return false;
    this.#makeReady(item, false);
    // EPOLLEXCLUSIVE: the wake-up counts only if a thread was waiting here.
    return this.#wakeOne();
  }

  /** @ignore Removes a registration (DEL, or its file was released). */
  _forget(item: EpItem): void {
    const held = this.#items[item.fd];
    if (held === item) this.#items[item.fd] = undefined;
    else if (Array.isArray(held) && held.includes(item)) {
      held.splice(held.indexOf(item), 1);
      if (held.length === 1) this.#items[item.fd] = held[0];
    } else return;
    this.#count--;
    item.file._removeWait(item);
    if (item.ready) {
      const j = this.#readyList.indexOf(item, this.#head);
      if (j >= 0) this.#readyList[j] = null;
      item.ready = false;
    }
  }

  /** @ignore */
  _dropWaiter(w: EpWaiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }

  /** @ignore Takes up to `max` events off the ready list (ep_send_events). */
  _harvest(max: number): EpollEvent[] {
    const out: EpollEvent[] = [];
    const list = this.#readyList;
    let end = list.length;
    let requeue: EpItem[] | null = null; // made only when a level-triggered item is reported
    while (this.#head < end && out.length < max) {
      const item = list[this.#head];
      list[this.#head++] = null;
      if (item === null || item === undefined) continue;
      item.ready = false;
      const revents = item.file.poll() & item.mask;
      if (revents === 0) continue;
      out.push({ fd: item.fd, events: revents, data: item.data });
      if ((item.events & EPOLLONESHOT) !== 0) item.disabled = true;
      else if ((item.events & EPOLLET) === 0) (requeue ??= []).push(item);
    }
    if (this.#head === list.length) {
      this.#readyList = [];
      this.#head = 0;
      end = 0;
    } else if (this.#head > 1024 && this.#head * 2 > list.length) {
      this.#readyList = list.slice(this.#head);
      this.#head = 0;
    }
    // Level-triggered items go to the back of the list, to be checked again next time.
    if (requeue !== null) { for (const item of requeue) this.#makeReady(item, false); }
    // Whatever is left ready wakes another waiter (ep_done_scan): a level-triggered
    // event one thread took stays reported to the others until it is consumed.
    if (this.#waiters.length > 0 && this.#hasQueued()) this.#wakeOne();
    return out;
  }

  /** @ignore Parks `thread` until an item becomes ready or the timeout ends. */
  _waiter(thread: Thread): EpWaiter {
    const w = new EpWaiter(this, thread);
    this.#waiters.push(w);
    return w;
  }

  /** @ignore */
  override _release(): void {
    for (const held of this.#items.slice()) {
      if (held === undefined) continue;
      for (const item of Array.isArray(held) ? held.slice() : [held]) this._forget(item);
    }
  }

  #find(fd: number, file: File): EpItem | null {
    const held = this.#items[fd];
    if (held === undefined) return null;
    if (!Array.isArray(held)) return held.file === file ? held : null;
    for (const item of held) if (item.file === file) return item;
    return null;
  }

  #hasQueued(): boolean {
    const list = this.#readyList;
    for (let i = this.#head; i < list.length; i++) if (list[i] != null) return true;
    return false;
  }

  #makeReady(item: EpItem, wake = true): void {
    if (!item.ready) {
      item.ready = true;
      this.#readyList.push(item);
      // Nested watchers (another epoll, select, poll) see the epoll fd become readable.
      if (this._wq !== null) this._wake(EPOLLIN);
    }
    if (wake) this.#wakeOne();
  }

  #wakeOne(): boolean {
    const w = this.#waiters.shift();
    if (w === undefined) return false;
    w.armed = false;
    const task = w.thread.task;
    task.sim.wake(task, 1);
    return true;
  }
}

function checkEvents(call: string, events: number): number {
  if (typeof events !== "number" || !Number.isInteger(events)) {
    throw new TypeError(`Invalid events "${String(events)}" for ${call}: expected an integer mask`);
  }
  return events >>> 0;
}

function* epollOf(sys: Sys, call: string, epfd: number): ThreadRoutine<Epoll> {
  if (typeof epfd !== "number") {
    throw new TypeError(`Invalid epoll fd "${String(epfd)}" for ${call}`);
  }
  const file = sys.fileOf(epfd);
  if (file === undefined) return yield* sys.thread.fail("EBADF", call, `fd ${epfd} is not open`);
  if (!(file instanceof Epoll)) {
    return yield* sys.thread.fail(
      "EINVAL",
      call,
      `fd ${epfd} is a ${file.kind}, not an epoll instance`,
    );
  }
  return file;
}

/**
 * epoll_create1(2): a new epoll instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("p", function* (sys) {
 *   sys.print(yield* epollCreate(sys));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "3");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @returns The operation, for `yield*`; it gives the epoll descriptor.
 * @throws {SysError} EMFILE when the descriptor table is full.
 */
export function* epollCreate(sys: Sys): ThreadRoutine<number> {
  sys.enter("epoll_create1");
  return yield* sys._install("epoll_create1", new Epoll());
}

/**
 * epoll_ctl(2): adds, changes or removes a registration.
 *
 * @param sys The calling thread's system calls.
 * @param epfd The epoll descriptor.
 * @param op `EPOLL_CTL_ADD`, `EPOLL_CTL_MOD` or `EPOLL_CTL_DEL`.
 * @param fd The descriptor to watch.
 * @param events The events of interest and flags (`EPOLLIN | EPOLLET`, ...).
 * @param data What `epollWait` reports with the event (default: `fd`).
 * @returns The operation, for `yield*`.
 * @throws {SysError} EBADF (either descriptor not open), EINVAL (not an epoll
 *   descriptor, `fd` is `epfd`, EPOLLEXCLUSIVE with MOD, with flags other than
 *   IN/OUT/ERR/HUP/ET, or on an epoll target, an unknown op), EEXIST
 *   (ADD twice), ENOENT (MOD or DEL of an unregistered fd).
 */
export function* epollCtl(
  sys: Sys,
  epfd: number,
  op: EpollOp,
  fd: number,
  events = 0,
  data?: unknown,
): ThreadRoutine<void> {
  if (typeof fd !== "number") throw new TypeError(`Invalid fd "${String(fd)}" for epoll_ctl`);
  const ev = checkEvents("epoll_ctl", events);
  sys.enter("epoll_ctl");
  const thread = sys.thread;
  thread.charge("syscall", thread.costs.epollCtlNs, "epoll_ctl");
  const ep = yield* epollOf(sys, "epoll_ctl", epfd);
  const file = sys.fileOf(fd);
  if (file === undefined) return yield* thread.fail("EBADF", "epoll_ctl", `fd ${fd} is not open`);
  if (file === ep) {
    return yield* thread.fail("EINVAL", "epoll_ctl", "an epoll instance cannot watch itself");
  }
  if ((ev & ~(EVENT_BITS | FLAG_BITS)) !== 0) {
    return yield* thread.fail("EINVAL", "epoll_ctl", `unknown event bits in ${ev}`);
  }
  let err: string | null;
  const what = `fd ${fd}`;
  switch (op) {
    case "EPOLL_CTL_ADD":
      if ((ev & EPOLLEXCLUSIVE) !== 0) {
        // Linux's EPOLLEXCLUSIVE_OK_BITS; and an epoll target cannot be exclusive.
        if ((ev & ~EXCLUSIVE_OK) !== 0) {
          return yield* thread.fail(
            "EINVAL",
            "epoll_ctl",
            `EPOLLEXCLUSIVE allows only EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP and EPOLLET, not ${
              maskNames(ev & ~EXCLUSIVE_OK)
            }`,
          );
        }
        if (file instanceof Epoll) {
          return yield* thread.fail(
            "EINVAL",
            "epoll_ctl",
            `${what} is an epoll instance, which cannot be watched with EPOLLEXCLUSIVE`,
          );
        }
      }
      err = ep._add(fd, file, ev, data ?? fd);
      if (err === "EEXIST") {
        return yield* thread.fail("EEXIST", "epoll_ctl", `${what} is already registered`);
      }
      break;
    case "EPOLL_CTL_MOD":
      if ((ev & EPOLLEXCLUSIVE) !== 0) {
        return yield* thread.fail(
          "EINVAL",
          "epoll_ctl",
          "EPOLLEXCLUSIVE cannot be set by EPOLL_CTL_MOD",
        );
      }
      err = ep._modify(fd, file, ev, data ?? fd);
      if (err === "ENOENT") {
        return yield* thread.fail("ENOENT", "epoll_ctl", `${what} is not registered`);
      }
      if (err === "EINVAL") {
        return yield* thread.fail(
          "EINVAL",
          "epoll_ctl",
          `${what} was added with EPOLLEXCLUSIVE and cannot be modified`,
        );
      }
      break;
    case "EPOLL_CTL_DEL":
      err = ep._delete(fd, file);
      if (err === "ENOENT") {
        return yield* thread.fail("ENOENT", "epoll_ctl", `${what} is not registered`);
      }
      break;
    default:
      return yield* thread.fail("EINVAL", "epoll_ctl", `unknown operation "${String(op)}"`);
  }
  yield* thread.flush();
}

/**
 * epoll_wait(2): waits for events on the ready list and returns up to
 * `maxevents` of them. The cost is a fixed part plus one per event returned,
 * whatever the number of watched descriptors.
 *
 * @example Edge-triggered readiness is reported once per arrival
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { EPOLLET, EPOLLIN } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Network(sim).addHost("a").spawn("p", function* (sys) {
 *   const [x, y] = yield* sys.socketpair();
 *   const ep = yield* epollCreate(sys);
 *   yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", y, EPOLLIN | EPOLLET);
 *   yield* sys.send(x, "hello");
 *   const first = yield* epollWait(sys, ep, 8, 0);
 *   yield* sys.recv(y, 2); // a partial read does not re-trigger
 *   const second = yield* epollWait(sys, ep, 8, 0);
 *   sys.print(first.length, second.length);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "1 0");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @param epfd The epoll descriptor.
 * @param maxevents The most events to return (at least 1).
 * @param timeout Nanoseconds to wait at most; 0 polls; omitted or `null` waits forever.
 * @returns The operation, for `yield*`; it gives the events.
 * @throws {SysError} EBADF, EINVAL (not epoll, `maxevents` < 1).
 */
export function* epollWait<D = unknown>(
  sys: Sys,
  epfd: number,
  maxevents: number,
  timeout?: number | null,
): ThreadRoutine<EpollEvent<D>[]> {
  const wait = checkTimeout("epoll_wait", timeout);
  const thread = sys.thread, costs = thread.costs, sim = sys.host.sim;
  const deadline = wait < 0 ? Infinity : sim.now + wait;
  sys.enter("epoll_wait");
  // Linux checks maxevents before the descriptor.
  if (typeof maxevents !== "number" || !Number.isInteger(maxevents) || maxevents < 1) {
    return yield* thread.fail(
      "EINVAL",
      "epoll_wait",
      `maxevents "${String(maxevents)}" must be at least 1`,
    );
  }
  const ep = yield* epollOf(sys, "epoll_wait", epfd);
  for (;;) {
    thread.charge("syscall", costs.epollWaitNs, "epoll_wait");
    yield* thread.flush();
    const events = ep._harvest(maxevents);
    if (events.length > 0) {
      thread.charge("syscall", events.length * costs.epollPerEventNs, "epoll_wait");
      yield* thread.flush();
      return events as EpollEvent<D>[];
    }
    if (wait === 0 || sim.now >= deadline) return [];
    const w = ep._waiter(thread);
    const left = deadline === Infinity ? undefined : deadline - sim.now;
    // A signal handler ends the wait with EINTR (signal(7): never restarted).
    try {
      yield* thread.block(w, "phase1", left, "epoll_wait", "eintr");
    } finally {
      // Also when block returns or throws without parking (a signal was pending).
      if (w.armed) w.cancelWait();
    }
  }
}
