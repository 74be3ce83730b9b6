/**
 * The gevent-style hub: one loop per process, on that process's epoll and
 * a heap of timers, running greenlets as they become ready.
 *
 * @module
 */

import { StateError } from "../kernel/errors.ts";
import type { Op } from "../kernel/op.ts";
import { TIMEOUT } from "../kernel/simulation.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { isErrno, SysError } from "../os/errno.ts";
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLRDHUP } from "../os/events.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { checkDelay, checkError, checkFunction, checkTimeout } from "./_args.ts";
import { DEAD, quote, running, UNSTARTED } from "./_shared.ts";
import { type TimerItem, TimerQueue } from "./_timers.ts";
import { ConcurrentObjectUseError, GreenletExit, LoopExit } from "./errors.ts";
import {
  type GreenBlocker,
  Greenlet,
  type GreenletRoutine,
  type GreenletRuntime,
  runGreenlets,
} from "./greenlet.ts";
import { HubGreenlet } from "./hub_greenlet.ts";

/** Options for a hub. */
export interface HubOptions {
  /** epoll_wait's `maxevents` (default 64). */
  readonly maxEvents?: number;
  /**
   * Print a line when a spawned greenlet fails (default true), as gevent
   * prints the traceback of a greenlet that dies with an error.
   */
  readonly reportErrors?: boolean;
}

/** Options for {@linkcode Hub.joinAll}. */
export interface JoinAllOptions {
  /** The longest wait, in nanoseconds (default: forever). */
  readonly timeout?: number | null;
  /** Throw the error of the first greenlet that failed (default false). */
  readonly raiseError?: boolean;
  /** Return once this many have finished (default: all). */
  readonly count?: number;
}

/** Options for {@linkcode Hub.kill} and {@linkcode Hub.killAll}. */
export interface KillOptions {
  /** The error raised in the greenlet (default a new {@linkcode GreenletExit}). */
  readonly error?: Error;
  /** Wait until it is dead (default true). */
  readonly block?: boolean;
  /** With `block`, the longest wait in nanoseconds (default: forever). */
  readonly timeout?: number | null;
}

/** @ignore A callback timer of the hub (spawnLater, Timeout). */
export class HubTimer implements TimerItem {
  _tslot = -1;
  constructor(readonly fn: () => void) {}
}

const SLEEPING: GreenBlocker = { describe: () => "sleep", cancelWait: () => {} };
const YIELDING: GreenBlocker = { describe: () => "sleep(0)", cancelWait: () => {} };
const READ_EVENTS = EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP;
const WRITE_EVENTS = EPOLLOUT | EPOLLHUP | EPOLLERR;

/** One direction of waiting on a descriptor: at most one greenlet. */
class FdSide implements GreenBlocker {
  g: Greenlet<unknown, never> | null = null;
  call = "";
  constructor(readonly owner: FdWait) {}
  describe(): string {
    return `${this.call} on fd ${this.owner.fd}`;
  }
  cancelWait(g: Greenlet<unknown, never>): void {
    if (this.g === g) {
      this.g = null;
      this.owner.hub._ioWaiters--;
    }
  }
}

/** A descriptor the hub watches: its registration and its waiters. */
class FdWait {
  readonly read: FdSide = new FdSide(this);
  readonly write: FdSide = new FdSide(this);
  registered = false;
  /** The events armed (EPOLLONESHOT: 0 after a report). */
  armed = 0;
  constructor(readonly hub: Hub, readonly fd: number) {}
  want(): number {
    return (this.read.g !== null ? EPOLLIN : 0) | (this.write.g !== null ? EPOLLOUT : 0);
  }
}

/**
 * A gevent-style hub: the event loop of one simulated thread, running in a
 * greenlet of its own. Greenlets spawned on it start from its ready queue;
 * when one blocks (sleeps, waits on an event, a queue, a lock, a join, or a
 * green socket) it parks and switches to the hub, which runs the next ready
 * greenlet. When none is ready, the hub makes one `epoll_wait` on the
 * process's epoll instance with a timeout of the nearest timer — sleeping
 * greenlets never block the thread, and thousands of them cost one system
 * call. When nothing at all can wake a waiting greenlet, the hub raises
 * {@linkcode LoopExit} in the main greenlet.
 *
 * Each loop iteration runs the greenlets that were ready when it began (so
 * `sleep(0)` yields to all of them, and I/O is polled between rounds), then
 * fires due timers, then polls. Green descriptors are watched with
 * `EPOLLONESHOT`: each wait re-arms the descriptor with one `epoll_ctl`
 * (ADD the first time, MOD after), and a stale registration fires at most
 * once; closing the descriptor drops it.
 *
 * Make one with {@linkcode runHub}.
 *
 * @example The article's gevent.sleep example
 * ```ts
 * import assert from "node:assert/strict";
 * import { s, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const test1 = hub.spawn(function* () {
 *       sys.print("11111111");
 *       yield* hub.sleep(s(2));
 *       sys.print("33333333");
 *     });
 *     const test2 = hub.spawn(function* () {
 *       sys.print("22222222");
 *       yield* hub.sleep(s(1));
 *       sys.print("44444444");
 *     });
 *     yield* hub.joinAll([test1, test2]);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["11111111", "22222222", "44444444", "33333333"]);
 * assert.ok(sim.now >= s(2) && sim.now < s(2.001));
 * ```
 */
export class Hub {
  /** The thread's system calls. */
  readonly sys: Sys;
  /** The greenlet runtime of the thread. */
  readonly runtime: GreenletRuntime<unknown>;
  /** The greenlet running the loop (its parent is the main greenlet). */
  readonly greenlet: Greenlet<never, never>;
  /** The epoll descriptor the hub waits on. */
  readonly epfd: number;
  /** Loop iterations so far. */
  loops = 0;
  /** `epoll_wait` calls so far. */
  polls = 0;
  /** Greenlets spawned so far. */
  spawned = 0;
  /** @ignore How many greenlets wait on descriptors. */
  _ioWaiters = 0;
  /** @ignore Whether failures of spawned greenlets are printed. */
  readonly _reportErrors: boolean;
  readonly #maxEvents: number;
  #qG: (Greenlet<unknown, never> | (() => void) | null)[] = new Array(64).fill(null);
  #qV: unknown[] = new Array(64).fill(undefined);
  #qS: number[] = new Array(64).fill(0);
  #head = 0;
  #size = 0;
  #mask = 63;
  readonly #timers = new TimerQueue<Greenlet<unknown, never> | HubTimer>();
  readonly #fds = new Map<number, FdWait>();
  #rearm: FdWait[] = [];
  #closed = false;

  /**
   * Makes a hub on the current runtime with an epoll descriptor already
   * open; {@linkcode runHub} is the usual way.
   *
   * @param runtime The thread's greenlet runtime.
   * @param epfd The epoll descriptor.
   * @param options Poll size and error reports.
   * @throws {RangeError} If `maxEvents` is not a positive integer.
   */
  constructor(runtime: GreenletRuntime<unknown>, epfd: number, options: HubOptions = {}) {
    this.#maxEvents = checkMaxEvents(options.maxEvents);
    this._reportErrors = options.reportErrors ?? true;
    this.runtime = runtime;
    this.sys = runtime.sys;
    this.epfd = epfd;
    const loop = () => this.#loop();
    this.greenlet = new Greenlet<never, never>(loop, runtime.main as Greenlet<unknown, never>);
    this.greenlet.name = "hub";
  }

  /** The greenlet running now. */
  get current(): Greenlet<unknown, never> {
    return this.runtime.current!;
  }

  /** The virtual time, in nanoseconds. */
  get now(): number {
    return this.sys.now;
  }

  /** How many timers are set. */
  get timers(): number {
    return this.#timers.size;
  }

  /** How many entries wait in the ready queue. */
  get ready(): number {
    return this.#size;
  }

  /**
   * Starts `fn(...args)` in a new greenlet as soon as the hub runs (at the
   * next switch to the hub: `sleep`, a wait, a join); gevent's `spawn`.
   *
   * @example Spawn, then join
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * const p = new Host(sim).spawn("app", function* (sys) {
   *   return yield* runHub(sys, function* (hub) {
   *     const g = hub.spawn(function* (a: number, b: number) {
   *       return a * b;
   *     }, 6, 7);
   *     return yield* g.get();
   *   });
   * });
   * sim.run();
   * assert.equal(p.exitCode, 42);
   * ```
   *
   * @typeParam A The arguments.
   * @typeParam R What `fn` returns.
   * @param fn A generator function.
   * @param args Its arguments.
   * @returns The greenlet.
   * @throws {TypeError} If `fn` is not a function.
   * @throws {StateError} If the hub is closed.
   */
  spawn<A extends unknown[], R>(
    fn: (...args: A) => GreenletRoutine<R>,
    ...args: A
  ): HubGreenlet<R> {
    checkFunction("greenlet function", fn);
    this.#checkOpen("spawn");
    const g = new HubGreenlet<R>(this, fn as (...args: unknown[]) => GreenletRoutine<R>, args);
    this.#push(g as HubGreenlet<unknown> as Greenlet<unknown, never>, undefined, g._seq);
    return g;
  }

  /**
   * Starts `fn(...args)` in a new greenlet after `delay`; gevent's
   * `spawn_later`.
   *
   * @example A delayed start
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms, Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * new Host(sim, { costs: { wakeupNs: 0 } }).spawn("app", function* (sys) {
   *   yield* runHub(sys, function* (hub) {
   *     const g = hub.spawnLater(ms(5), function* () {
   *       return sys.now;
   *     });
   *     sys.print((yield* g.get()) >= ms(5));
   *   });
   * });
   * sim.run();
   * assert.equal(sim.output[0]!.text, "true");
   * ```
   *
   * @typeParam A The arguments.
   * @typeParam R What `fn` returns.
   * @param delay How long from now, in nanoseconds.
   * @param fn A generator function.
   * @param args Its arguments.
   * @returns The greenlet.
   * @throws {TypeError} If `fn` is not a function or `delay` not a number.
   * @throws {RangeError} If `delay` is negative or not finite.
   */
  spawnLater<A extends unknown[], R>(
    delay: number,
    fn: (...args: A) => GreenletRoutine<R>,
    ...args: A
  ): HubGreenlet<R> {
    checkDelay("spawnLater delay", delay);
    checkFunction("greenlet function", fn);
    this.#checkOpen("spawnLater");
    const g = new HubGreenlet<R>(this, fn as (...args: unknown[]) => GreenletRoutine<R>, args);
    const gg = g as HubGreenlet<unknown> as Greenlet<unknown, never>;
    g._startTimer = this._setTimer(delay, () => {
      g._startTimer = null;
      if (g._state === UNSTARTED) this.#push(gg, undefined, g._seq);
    });
    return g;
  }

  /**
   * Suspends the current greenlet for `ns` while the others run;
   * `sleep(0)` yields to every greenlet ready now (gevent's `sleep`). The
   * thread does not block unless no greenlet is ready.
   *
   * @param ns How long, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `ns` is not a number.
   * @throws {RangeError} If `ns` is negative or not finite.
   * @throws {StateError} Outside this hub's greenlets, or in the hub itself.
   */
  sleep(ns: number): Op<void> {
    checkDelay("sleep time", ns);
    const g = this.#parker("sleep");
    g._seq++;
    if (ns === 0) {
      g._blocker = YIELDING;
      this.#push(g, undefined, g._seq);
    } else {
      g._blocker = SLEEPING;
      this.#timers.add(this.sys.now + ns, g);
    }
    return this.runtime._switchTo(this.greenlet, undefined) as Op<void>;
  }

  /**
   * Waits until the greenlets finish (or `count` of them, or the timeout
   * runs out) and returns those that finished, in the order they did
   * (gevent's `joinall`). With `raiseError`, throws the error of the first
   * that failed.
   *
   * @example Waiting with a timeout
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms, s, Simulation } from "@iosim/iosim/kernel";
   * import { Host } from "@iosim/iosim/os";
   * const sim = new Simulation();
   * new Host(sim).spawn("app", function* (sys) {
   *   yield* runHub(sys, function* (hub) {
   *     const quick = hub.spawn(function* () {
   *       yield* hub.sleep(ms(1));
   *     });
   *     const slow = hub.spawn(function* () {
   *       yield* hub.sleep(s(10));
   *     });
   *     const done = yield* hub.joinAll([quick, slow], { timeout: ms(50) });
   *     sys.print(done.length, done[0] === quick, slow.dead);
   *     yield* hub.kill(slow);
   *   });
   * });
   * sim.run();
   * assert.equal(sim.output[0]!.text, "1 true false");
   * ```
   *
   * @param greenlets The greenlets of this hub.
   * @param options Timeout, raiseError, count.
   * @returns The operation, for `yield*`; it gives the finished greenlets.
   * @throws {TypeError} If an element is not a greenlet spawned on this hub.
   * @throws {RangeError} If the timeout is negative or `count` out of range.
   */
  *joinAll(
    greenlets: readonly HubGreenlet<unknown>[],
    options: JoinAllOptions = {},
  ): GreenletRoutine<HubGreenlet<unknown>[]> {
    this.#checkGreenlets("joinAll", greenlets);
    const timeout = checkTimeout("joinAll", options.timeout);
    const want = options.count ?? greenlets.length;
    if (!Number.isInteger(want) || want < 0 || want > greenlets.length) {
      throw new RangeError(
        `Invalid joinAll count "${
          quote(want)
        }": it must be an integer from 0 to ${greenlets.length}`,
      );
    }
    const raise = options.raiseError === true;
    const done: HubGreenlet<unknown>[] = [];
    let failed: HubGreenlet<unknown> | null = null;
    const pending: HubGreenlet<unknown>[] = [];
    for (const g of greenlets) {
      if (g.ready()) {
        done.push(g);
        if (failed === null && !g.successful()) failed = g;
      } else pending.push(g);
    }
    if (done.length < want && !(raise && failed !== null)) {
      const me = this.#parker("joinAll");
      const link = (g: HubGreenlet<unknown>) => {
        done.push(g);
        if (failed === null && !g.successful()) failed = g;
        if (done.length >= want || (raise && failed !== null)) this._wake(me, true);
      };
      const blocker: GreenBlocker = {
        describe: () => {
          const left = pending.filter((g) => !g.dead);
          const names = left.slice(0, 3).map((g) => `"${g.name}"`).join(", ");
          return `joinAll of ${left.length} greenlet(s) (${names}${
            left.length > 3 ? ", ..." : ""
          })`;
        },
        cancelWait: () => {},
      };
      for (const g of pending) g.rawlink(link);
      try {
        yield* this._park(blocker, timeout);
      } finally {
        for (const g of pending) g.unlink(link);
      }
    }
    if (raise && failed !== null) throw (failed as HubGreenlet<unknown>).exception;
    return done;
  }

  /**
   * Raises `error` (default {@linkcode GreenletExit}) in a greenlet and,
   * with `block` (the default), waits until it is dead. A greenlet not
   * started yet dies without running. Killing the current greenlet raises
   * the error at once.
   *
   * @param greenlet A greenlet spawned on this hub.
   * @param options The error, whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives whether the greenlet is dead.
   * @throws {TypeError} If `greenlet` is not one of this hub's, or `error` not an Error.
   * @throws {RangeError} If the timeout is negative.
   */
  *kill(greenlet: HubGreenlet<unknown>, options: KillOptions = {}): GreenletRoutine<boolean> {
    this.#checkGreenlets("kill", [greenlet]);
    const error = checkError("kill error", options.error ?? new GreenletExit());
    const timeout = checkTimeout("kill", options.timeout);
    if (greenlet.dead) return true;
    if ((greenlet as Greenlet<unknown, never>) === this.runtime.current) throw error;
    this._throwInto(greenlet as HubGreenlet<unknown> as Greenlet<unknown, never>, error);
    if (options.block === false || greenlet.dead) return greenlet.dead;
    return yield* greenlet.join(timeout);
  }

  /**
   * Kills several greenlets (see {@linkcode Hub.kill}); with `block`, waits
   * for all of them.
   *
   * @param greenlets Greenlets spawned on this hub.
   * @param options The error, whether to wait, and for how long.
   * @returns The operation, for `yield*`; it gives whether all are dead.
   * @throws {TypeError} If an element is not one of this hub's greenlets.
   */
  *killAll(
    greenlets: readonly HubGreenlet<unknown>[],
    options: KillOptions = {},
  ): GreenletRoutine<boolean> {
    this.#checkGreenlets("killAll", greenlets);
    const error = checkError("kill error", options.error ?? new GreenletExit());
    const timeout = checkTimeout("killAll", options.timeout);
    let self = false;
    for (const g of greenlets) {
      if (g.dead) continue;
      if ((g as Greenlet<unknown, never>) === this.runtime.current) self = true;
      else this._throwInto(g as HubGreenlet<unknown> as Greenlet<unknown, never>, error);
    }
    if (self) throw error;
    if (options.block === false) return greenlets.every((g) => g.dead);
    yield* this.joinAll(greenlets, timeout === undefined ? {} : { timeout });
    return greenlets.every((g) => g.dead);
  }

  /**
   * Closes the hub's epoll descriptor; the hub cannot be used afterwards.
   *
   * @returns The operation, for `yield*`.
   */
  *close(): ThreadRoutine<void> {
    if (this.#closed) return;
    this.#closed = true;
    yield* this.sys.close(this.epfd);
  }

  // ---- for the primitives built on the hub -----------------------------

  /**
   * @ignore Parks the current greenlet on `blocker` and switches to the hub;
   * `yield*` it. Gives what the waker passed, or TIMEOUT.
   */
  _park(blocker: GreenBlocker, timeout?: number): Op<unknown> {
    const g = this.#parker("wait");
    g._blocker = blocker;
    g._seq++;
    if (timeout !== undefined) this.#timers.add(this.sys.now + timeout, g);
    return this.runtime._switchTo(this.greenlet, undefined);
  }

  /** @ignore Wakes a parked greenlet with `value`; false if it was not parked. */
  _wake(g: Greenlet<unknown, never>, value: unknown): boolean {
    if (g._blocker === null) return false;
    g._blocker = null;
    if (g._tslot >= 0) this.#timers.cancel(g);
    this.#push(g, value, g._seq);
    return true;
  }

  /** @ignore Raises `error` in `g` from the hub, ending whatever it waits on. */
  _throwInto(g: Greenlet<unknown, never>, error: unknown): void {
    if (g._state === DEAD) return;
    if (g._state === UNSTARTED) {
      if (g instanceof HubGreenlet) (g as HubGreenlet<unknown>)._cancelStart(this);
      this.runtime._killUnstarted(g, error);
      return;
    }
    const b = g._blocker;
    if (b !== null) {
      g._blocker = null;
      b.cancelWait(g);
    }
    if (g._tslot >= 0) this.#timers.cancel(g);
    g._seq++;
    this.#push(g, error, -g._seq - 1);
  }

  /** @ignore Runs `fn` in the hub at its next iteration. */
  _call(fn: () => void): void {
    this.#push(fn, undefined, 0);
  }

  /** @ignore Runs `fn` in the hub after `delay`. */
  _setTimer(delay: number, fn: () => void): HubTimer {
    const t = new HubTimer(fn);
    this.#timers.add(this.sys.now + delay, t);
    return t;
  }

  /** @ignore */
  _cancelTimer(t: HubTimer): void {
    this.#timers.cancel(t);
  }

  /** @ignore Reports an error a callback threw (the loop goes on). */
  _report(what: string, e: unknown): void {
    const err = e instanceof Error ? `${e.name}: ${e.message}` : quote(e);
    this.sys.print(`${what} failed with ${err}`);
  }

  /**
   * @ignore Parks the current greenlet until `fd` reports `events` (EPOLLIN
   * or EPOLLOUT), arming it on the hub's epoll first. Gives the events, or
   * TIMEOUT.
   */
  *_waitFd(fd: number, events: number, timeout: number | undefined, call: string): GreenletRoutine<
    unknown
  > {
    const g = this.#parker(call);
    let w = this.#fds.get(fd);
    if (w === undefined) this.#fds.set(fd, w = new FdWait(this, fd));
    const side = (events & EPOLLIN) !== 0 ? w.read : w.write;
    if (side.g !== null) {
      throw new ConcurrentObjectUseError(
        `Cannot wait for ${call} on fd "${fd}": greenlet "${side.g.name}" already waits for ${side.call} on it`,
      );
    }
    side.g = g;
    side.call = call;
    this._ioWaiters++;
    try {
      yield* this.#arm(w);
    } catch (e) {
      side.g = null;
      this._ioWaiters--;
      throw e;
    }
    return yield* this._park(side, timeout);
  }

  /**
   * @ignore A green descriptor is being closed: greenlets waiting on it get
   * EBADF (gevent: "File descriptor was closed in another greenlet").
   */
  _closeFd(fd: number): void {
    const w = this.#fds.get(fd);
    if (w === undefined) return;
    this.#fds.delete(fd);
    for (const side of [w.read, w.write]) {
      const g = side.g;
      if (g === null) continue;
      side.g = null;
      this._ioWaiters--;
      this._throwInto(
        g,
        new SysError("EBADF", side.call, `fd ${fd} was closed by another greenlet`),
      );
    }
  }

  // ---- private --------------------------------------------------------

  *#loop(): GreenletRoutine<never> {
    const rt = this.runtime;
    for (;;) {
      this.loops++;
      let n = this.#size;
      while (n-- > 0) {
        const i = this.#head;
        const g = this.#qG[i]!, v = this.#qV[i], seq = this.#qS[i]!;
        this.#qG[i] = null;
        this.#qV[i] = undefined;
        this.#head = (i + 1) & this.#mask;
        this.#size--;
        if (typeof g === "function") {
          try {
            g();
          } catch (e) {
            this._report("A hub callback", e);
          }
          continue;
        }
        if (g._state === DEAD) continue;
        if (seq >= 0) {
          if (seq !== g._seq) continue;
          g._blocker = null;
          yield* rt._switchTo(g, v);
        } else if (-seq - 1 === g._seq) {
          yield* rt._throwTo(g, v);
        }
      }
      this.#fireTimers();
      if (this.#size > 0) {
        if (this._ioWaiters > 0) yield* this.#poll(0);
        continue;
      }
      const due = this.#timers.nextDue();
      if (due === Infinity && this._ioWaiters === 0) {
        yield* this.#loopExit();
        continue;
      }
      yield* this.#poll(due === Infinity ? null : Math.max(0, due - this.sys.now));
    }
  }

  *#poll(timeout: number | null): GreenletRoutine<void> {
    this.polls++;
    const events = yield* epollWait<number>(this.sys, this.epfd, this.#maxEvents, timeout);
    for (const e of events) this.#ready(e.fd, e.events);
    if (this.#rearm.length > 0) {
      const list = this.#rearm;
      this.#rearm = [];
      for (const w of list) if (this.#fds.get(w.fd) === w) yield* this.#arm(w);
    }
    this.#fireTimers();
  }

  #ready(fd: number, events: number): void {
    const w = this.#fds.get(fd);
    if (w === undefined) return;
    w.armed = 0;
    const r = w.read.g, wr = w.write.g;
    if (r !== null && (events & READ_EVENTS) !== 0) {
      w.read.g = null;
      this._ioWaiters--;
      this._wake(r, events);
    }
    if (wr !== null && (events & WRITE_EVENTS) !== 0) {
      w.write.g = null;
      this._ioWaiters--;
      this._wake(wr, events);
    }
    if (w.want() !== 0) this.#rearm.push(w);
  }

  /** Arms `w` for what its waiters want, unless that is armed already. */
  *#arm(w: FdWait): GreenletRoutine<void> {
    const want = w.want();
    if (want === 0 || (w.armed & want) === want) return;
    const ev = want | EPOLLONESHOT;
    if (w.registered) {
      try {
        yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_MOD", w.fd, ev);
      } catch (e) {
        // Closed and reopened behind the hub's back: register the new file.
        if (!isErrno(e, "ENOENT")) throw e;
        yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_ADD", w.fd, ev);
      }
    } else {
      try {
        yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_ADD", w.fd, ev);
      } catch (e) {
        if (!isErrno(e, "EEXIST")) throw e;
        yield* epollCtl(this.sys, this.epfd, "EPOLL_CTL_MOD", w.fd, ev);
      }
      w.registered = true;
    }
    w.armed = want;
  }

  #fireTimers(): void {
    const now = this.sys.now, timers = this.#timers;
    for (let item = timers.popDue(now); item !== null; item = timers.popDue(now)) {
      if (item instanceof HubTimer) {
        try {
          item.fn();
        } catch (e) {
          this._report("A hub timer", e);
        }
        continue;
      }
      const b = item._blocker;
      if (b === null) continue;
      item._blocker = null;
      if (b === SLEEPING) this.#push(item, undefined, item._seq);
      else {
        b.cancelWait(item);
        this.#push(item, TIMEOUT, item._seq);
      }
    }
  }

  *#loopExit(): GreenletRoutine<void> {
    const rt = this.runtime, main = rt.main as Greenlet<unknown, never>;
    const blocked = rt.liveGreenlets()
      .filter((g) => g._blocker !== null)
      .map((g) => ({ name: g.name, waitingOn: g._blocker!.describe() }));
    const b = main._blocker;
    if (b !== null) {
      main._blocker = null;
      b.cancelWait(main);
    }
    if (main._tslot >= 0) this.#timers.cancel(main);
    main._seq++;
    yield* rt._throwTo(main, new LoopExit(blocked));
  }

  #push(g: Greenlet<unknown, never> | (() => void), v: unknown, seq: number): void {
    if (this.#size > this.#mask) this.#grow();
    const i = (this.#head + this.#size) & this.#mask;
    this.#qG[i] = g;
    this.#qV[i] = v;
    this.#qS[i] = seq;
    this.#size++;
  }

  #grow(): void {
    const cap = (this.#mask + 1) * 2;
    const g: (Greenlet<unknown, never> | (() => void) | null)[] = new Array(cap).fill(null);
    const v: unknown[] = new Array(cap).fill(undefined);
    const s: number[] = new Array(cap).fill(0);
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#head + k) & this.#mask;
      g[k] = this.#qG[i]!;
      v[k] = this.#qV[i];
      s[k] = this.#qS[i]!;
    }
    this.#qG = g;
    this.#qV = v;
    this.#qS = s;
    this.#head = 0;
    this.#mask = cap - 1;
  }

  #parker(what: string): Greenlet<unknown, never> {
    const rt = this.runtime;
    if (running.rt !== rt || rt.current === null) {
      throw new StateError(
        `Cannot ${what} outside the greenlets of this hub's thread: call it with yield* in a greenlet`,
      );
    }
    const g = rt.current;
    if (g === (this.greenlet as Greenlet<unknown, never>)) {
      throw new StateError(`Cannot ${what} in the hub itself: it would block its loop`);
    }
    this.#checkOpen(what);
    return g;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new StateError(`Cannot ${what}: the hub is closed`);
  }

  #checkGreenlets(what: string, list: readonly HubGreenlet<unknown>[]): void {
    if (!Array.isArray(list)) {
      throw new TypeError(`Invalid ${what} argument "${quote(list)}": it must be an array`);
    }
    for (const g of list) {
      if (!(g instanceof HubGreenlet) || g.hub !== this) {
        throw new TypeError(
          `Invalid greenlet "${quote(g)}" for ${what}: it must be a greenlet spawned on this hub`,
        );
      }
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Hub { epfd ${this.epfd}, ready: ${this.#size}, timers: ${this.#timers.size}, io waiters: ${this._ioWaiters} }`;
  }
}

function checkMaxEvents(maxEvents: unknown): number {
  if (maxEvents === undefined) return 64;
  if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents) || maxEvents < 1) {
    throw new RangeError(
      `Invalid hub maxEvents "${quote(maxEvents)}": it must be a positive integer`,
    );
  }
  return maxEvents;
}

/**
 * Runs `main` as the main greenlet of the calling thread with a hub: opens
 * the hub's epoll instance (one `epoll_create1`), runs `main(hub)`, then
 * closes it. Drive it with `yield*` from the thread's body; it gives what
 * `main` returns.
 *
 * @example Asynchronous tasks take as long as the longest
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * new Host(sim).spawn("app", function* (sys) {
 *   yield* runHub(sys, function* (hub) {
 *     const tasks = [0, 1, 2].map((i) =>
 *       hub.spawn(function* () {
 *         yield* hub.sleep(ms(500));
 *         sys.print(`Task ${i} done`);
 *       })
 *     );
 *     yield* hub.joinAll(tasks);
 *   });
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["Task 0 done", "Task 1 done", "Task 2 done"]);
 * assert.ok(sim.now < ms(501));
 * ```
 *
 * @typeParam R What `main` returns.
 * @param sys The calling thread's system calls.
 * @param main The main greenlet's body; it gets the hub.
 * @param options Poll size and error reports.
 * @returns The runtime, for `yield*` (which gives `main`'s return value).
 * @throws {TypeError} If `main` is not a function.
 * @throws {RangeError} If `maxEvents` is not a positive integer.
 */
export function runHub<R>(
  sys: Sys,
  main: (hub: Hub) => GreenletRoutine<R>,
  options: HubOptions = {},
): GreenletRuntime<R> {
  checkFunction("hub main", main);
  checkMaxEvents(options.maxEvents);
  return runGreenlets<R>(sys, function* (rt) {
    const epfd = yield* epollCreate(sys);
    const hub = new Hub(rt as GreenletRuntime<unknown>, epfd, options);
    let result: R;
    try {
      result = yield* main(hub);
    } catch (e) {
      yield* hub.close();
      throw e;
    }
    yield* hub.close();
    return result;
  });
}
