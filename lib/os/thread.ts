/**
 * Threads: the schedulable unit of a simulated process.
 *
 * @module
 */

import { Interrupt } from "../kernel/errors.ts";
import type { Blocker, Event } from "../kernel/event.ts";
import type { Op } from "../kernel/op.ts";
import { Priority, TIMEOUT as TIMEOUT_VALUE } from "../kernel/simulation.ts";
import type { TIMEOUT } from "../kernel/simulation.ts";
import type { Task } from "../kernel/task.ts";
import type { CostModel } from "./costs.ts";
import { type Errno, SysError } from "./errno.ts";
import type { File, WaitEntry } from "./file.ts";
import type { Process } from "./process.ts";
import { defaultAction, signalName } from "./signals.ts";
import type { Sys } from "./sys.ts";
import { type TimeCategory, Usage } from "./usage.ts";

/** A generator run on a simulated thread. */
export type ThreadRoutine<R = unknown> = Generator<Op, R, unknown>;

const SLEEP: Blocker = { describe: () => "nanosleep", cancelWait: () => {} };
const EXITING: Blocker = { describe: () => "its process's exit", cancelWait: () => {} };

/** The cause of the kernel interrupt that tells a thread a signal is pending. */
export const SIGNAL_WAKE: unique symbol = Symbol("signal");

function isSignalWake(e: unknown): boolean {
  return e instanceof Interrupt && e.cause === SIGNAL_WAKE;
}

/**
 * How a blocking call behaves when a signal handler runs while it waits:
 * `"restart"` calls (recv, send, accept, connect) are restarted if every
 * handler that ran had SA_RESTART and fail with EINTR otherwise; `"eintr"`
 * calls (select, poll, epoll_wait, nanosleep) always fail with EINTR
 * (signal(7)).
 */
export type Interruptible = "restart" | "eintr";

/** The reusable wait-queue entry of a thread blocked on one file. */
class FileWaiter implements WaitEntry, Blocker {
  mask = 0;
  exclusive = false;
  armed = false;
  file: File | null = null;
  call = "";
  fd = -1;
  readonly #thread: Thread;
  constructor(thread: Thread) {
    this.#thread = thread;
  }
  _wake(file: File, events: number): boolean {
    if (!this.armed) return false;
    this.armed = false;
    file._removeWait(this);
    this.#thread.process.host.sim.wake(this.#thread.task, events);
    return true;
  }
  describe(): string {
    const what = this.file === null ? "a file" : this.file.describe();
    return this.fd >= 0 ? `${this.call} on fd ${this.fd} (${what})` : `${this.call} on ${what}`;
  }
  cancelWait(): void {
    this.armed = false;
    this.file?._removeWait(this);
  }
}

/**
 * A thread of a simulated process: a kernel task that competes for the
 * host's cores. It holds a core while it runs, gives it up when it blocks,
 * and pays a context switch to get one back. CPU work is added up first and
 * slept off in one step (`flush`), so a system call usually costs one event;
 * the core and the thread's usage are charged together for the time that
 * actually ran, so a thread killed in the middle (SIGKILL, a host crash) is
 * charged up to the instant it stopped, as Linux accounts.
 *
 * Threads are made by `host.spawn` (a process's main thread) and
 * `sys.spawnThread`; simulated code reaches its thread as `sys.thread`.
 *
 * @example A thread's CPU time
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * const host = new Host(sim, { name: "box" });
 * const p = host.spawn("worker", function* (sys) {
 *   yield* sys.compute(us(40));
 * });
 * sim.run();
 * assert.equal(p.mainThread.usage.userNs, us(40));
 * ```
 */
export class Thread {
  /** The process the thread belongs to. */
  readonly process: Process;
  /** The thread id (the main thread's equals the pid). */
  readonly tid: number;
  /** The thread's name. */
  readonly name: string;
  /** Where the thread's time went. */
  readonly usage: Usage = new Usage();
  /** The signals this thread blocks (sigprocmask), by number. */
  readonly sigmask: boolean[] = [];
  /** @ignore The kernel task running the thread. */
  task!: Task<unknown>;
  /** @ignore The thread's system calls (what signal handlers get). */
  sys!: Sys;
  /** @ignore The core held, or -1. */
  _core = -1;
  /** @ignore CPU time used in the current time slice. */
  _slice = 0;
  /** @ignore How deep in signal handlers the thread is. */
  _inHandler = 0;
  /** @ignore A signal was raised for this thread and it has not looked yet. */
  _poked = false;
  /**
   * @ignore The thread's process ended while this thread was the one running
   * (it killed its own process, or a signal it raised did): it must not get
   * back to user code. Its next flush parks it and has it killed.
   */
  _doomed = false;
  /** @ignore When the thread's current wait began, or -1: a wait still going on is not in `usage` yet. */
  _waitSince = -1;
  /** @ignore What the current wait will be counted as. */
  _waitKind: "phase1" | "blocked" = "blocked";
  // The CPU debt: the first #n entries of three parallel arrays, reused
  // (truncating them would free and regrow them on every system call).
  #cats: TimeCategory[] = [];
  #ns: number[] = [];
  #calls: string[] = [];
  #n = 0;
  #waiter: FileWaiter | null = null;
  #dying = false;

  /**
   * Makes a thread; use `host.spawn` or `sys.spawnThread` instead.
   *
   * @param process The process.
   * @param tid The thread id.
   * @param name The name.
   */
  constructor(process: Process, tid: number, name: string) {
    this.process = process;
    this.tid = tid;
    this.name = name;
  }

  /** The cost model of the thread's host. */
  get costs(): CostModel {
    return this.process.host.costs;
  }

  /** Whether the thread has finished. */
  get done(): boolean {
    return this.task.done;
  }

  /** Whether CPU debt waits to be slept off. */
  get pending(): boolean {
    return this.#n > 0;
  }

  /**
   * Whether a signal is pending for this thread: one was directed to it
   * (Linux's TIF_SIGPENDING) and its mask lets one through. Other threads
   * leave a process-wide signal to the thread it was directed to.
   */
  get signalPending(): boolean {
    return this._poked && this.process.signals.deliverable(this.sigmask);
  }

  /**
   * Adds CPU work to the thread's debt; it is slept off by the next
   * {@linkcode Thread.flush} (before the thread blocks or acts on the world).
   * Work done inside a signal handler counts as signal time.
   *
   * @param cat What the time is spent on.
   * @param ns How long.
   * @param call The system call, for the trace.
   */
  charge(cat: TimeCategory, ns: number, call = ""): void {
    if (ns <= 0) return;
    if (this._inHandler > 0 && cat === "user") cat = "signal";
    const n = this.#n;
    if (n > 0 && this.#cats[n - 1] === cat && this.#calls[n - 1] === call) {
      this.#ns[n - 1]! += ns;
      return;
    }
    this.#cats[n] = cat;
    this.#ns[n] = ns;
    this.#calls[n] = call;
    this.#n = n + 1;
  }

  /**
   * Turns the current system call's pending `syscall` time into `wasted`
   * time: the call failed with EAGAIN and bought nothing.
   */
  wasteSyscall(): void {
    for (let i = 0; i < this.#n; i++) {
      if (this.#cats[i] === "syscall") this.#cats[i] = "wasted";
    }
    this.usage.eagain++;
  }

  /**
   * Sleeps off the CPU debt on the thread's core, recording each part. A
   * signal arriving meanwhile runs its handler at once; the rest of the work
   * resumes afterwards.
   *
   * @returns The operation, for `yield*`.
   */
  *flush(): ThreadRoutine<void> {
    if (this._doomed) yield* this.#die();
    const n = this.#n;
    if (n > 0) {
      const sim = this.process.host.sim, start = sim.now;
      let total = 0;
      for (let i = 0; i < n; i++) total += this.#ns[i]!;
      this._slice += total;
      // The core and the thread are charged together, for the time actually
      // run (as Linux accounts): a kill or a crash in the middle (which
      // unwinds through `finally` only) still charges what ran till then.
      let cut = true;
      try {
        yield* sim.sleep(total);
        cut = false;
      } catch (e) {
        cut = false;
        if (!isSignalWake(e)) {
          this.#settle(start, total);
          this.#clearDebt();
          throw e;
        }
        yield* this.#flushInterrupted(start, total);
        return;
      } finally {
        if (cut) {
          this.#settle(start, total);
          this.#clearDebt();
        }
      }
      this.#account(start, total);
    }
    if (this._poked) yield* this.deliverSignals();
  }

  /**
   * Computes for `ns` of CPU time (user code), sharing the core in time
   * slices when other threads wait for one.
   *
   * @param ns How long.
   * @param cat The category to charge (default `"user"`).
   * @returns The operation, for `yield*`.
   */
  *compute(ns: number, cat: TimeCategory = "user"): ThreadRoutine<void> {
    yield* this.flush();
    const cpu = this.process.host.cpu, slice = this.costs.timesliceNs;
    let left = ns;
    while (left > 0) {
      if (this._slice >= slice) {
        if (cpu.queued > 0) yield* this.#preempt();
        else this._slice = 0;
      }
      const chunk = Math.min(left, slice - this._slice);
      this.charge(cat, chunk);
      yield* this.flush();
      left -= chunk;
    }
  }

  /**
   * Gets a core: at once if one is idle (after the wake-up latency, when
   * `woken`), else after waiting in the run queue; then pays a context
   * switch unless the core last ran this thread.
   *
   * @param woken Whether the thread comes back from blocking (or starts).
   * @returns The operation, for `yield*`.
   */
  *acquire(woken: boolean): ThreadRoutine<void> {
    const host = this.process.host, sim = host.sim, cpu = host.cpu;
    if (this._core >= 0) return;
    const t0 = sim.now;
    for (;;) {
      // Record the core before any yield, so a kill in between releases it.
      const core = cpu._tryAcquire(this);
      try {
        if (core >= 0) {
          this._core = core;
          if (woken && host.costs.wakeupNs > 0) yield* sim.sleep(host.costs.wakeupNs);
        } else {
          this._core = (yield* sim.park<number>(cpu)) as number;
        }
        break;
      } catch (e) {
        // A signal while waiting for a core is handled once the thread runs.
        if (!isSignalWake(e) || this._core >= 0) {
          if (isSignalWake(e)) break;
          throw e;
        }
      }
    }
    this._slice = 0;
    const waited = sim.now - t0;
    if (waited > 0) this.#record("runqueue", t0, waited);
    // The switch costs time only if the core ran another thread meanwhile.
    if (cpu._switchIn(this, this._core)) this.charge("switch", host.costs.contextSwitchNs);
  }

  /** Gives up the core (when blocking or exiting). */
  release(): void {
    if (this._core < 0) return;
    const core = this._core;
    this._core = -1;
    this.process.host.cpu._release(core);
  }

  /**
   * Blocks on `blocker` until woken (or `timeout` runs out): flushes the CPU
   * debt, gives up the core, parks, then gets a core back. A signal
   * interrupts the wait: its handler runs, then the call is restarted (the
   * caller sees a spurious 0 and waits again) or fails with EINTR, as
   * `interruptible` and the handlers' SA_RESTART say.
   *
   * @typeParam T What the waker passes.
   * @param blocker What the thread waits on.
   * @param kind `"phase1"` when waiting for I/O readiness, else `"blocked"`.
   * @param timeout The longest wait, in nanoseconds.
   * @param call The system call, for EINTR.
   * @param interruptible How a signal handler ends the wait.
   * @returns The operation, for `yield*`; it gives the waker's value, `TIMEOUT`, or 0 after a restart.
   */
  *block<T>(
    blocker: Blocker,
    kind: "phase1" | "blocked",
    timeout?: number,
    call = "wait",
    interruptible: Interruptible = "restart",
  ): ThreadRoutine<T | typeof TIMEOUT | 0> {
    yield* this.flush();
    const sim = this.process.host.sim;
    if (this.signalPending) {
      // The wait never starts: its blocker must not wake us during the handlers.
      blocker.cancelWait(this.task);
      const ran = yield* this.deliverSignals();
      yield* this.#afterHandlers(ran, call, interruptible);
      return 0;
    }
    this.release();
    this.usage.contextSwitches++;
    const t0 = sim.now;
    this._waitSince = t0;
    this._waitKind = kind;
    // An injected fault may end the wait early with EINTR.
    const inj = this.process.host.faults;
    let interruptAt = -1;
    if (inj !== null && inj.roll("eintr", call, this.task.id)) {
      interruptAt = sim.now + inj.interruptAfter();
      if (timeout !== undefined && sim.now + timeout <= interruptAt) interruptAt = -1;
      else timeout = interruptAt - sim.now;
    }
    let value: T | typeof TIMEOUT;
    try {
      value = (yield* sim.park<T>(blocker, timeout)) as T | typeof TIMEOUT;
    } catch (e) {
      this._waitSince = -1;
      this.#record(kind, t0, sim.now - t0);
      yield* this.acquire(true);
      if (!isSignalWake(e)) throw e;
      const ran = yield* this.deliverSignals();
      yield* this.#afterHandlers(ran, call, interruptible);
      return 0;
    }
    this._waitSince = -1;
    this.#record(kind, t0, sim.now - t0);
    this.usage.wakeups++;
    yield* this.acquire(true);
    if (interruptAt >= 0 && value === TIMEOUT_VALUE && sim.now >= interruptAt) {
      yield* this.flush();
      throw new SysError("EINTR", call, "an injected fault interrupted the wait");
    }
    if (this._poked) yield* this.deliverSignals();
    return value;
  }

  /**
   * Blocks until `event` is processed (giving up the core meanwhile) and
   * returns its value or throws its error; with a `timeout`, throws
   * `TimeoutError` when it runs out. Signal handlers run while it waits; the
   * wait then goes on (as pthread_join does).
   *
   * @typeParam T The event's value.
   * @param event The event.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   */
  *waitEvent<T>(event: Event<T>, timeout?: number): ThreadRoutine<T> {
    const sim = this.process.host.sim;
    const deadline = timeout === undefined ? Infinity : sim.now + timeout;
    for (;;) {
      yield* this.flush();
      this.release();
      this.usage.contextSwitches++;
      const t0 = sim.now;
      this._waitSince = t0;
      this._waitKind = "blocked";
      let value: T;
      try {
        value = yield* sim.wait(
          event,
          deadline === Infinity ? undefined : Math.max(0, deadline - sim.now),
        );
      } catch (e) {
        // Not `finally`: a killed thread must not take a core on its way out.
        this._waitSince = -1;
        this.#record("blocked", t0, sim.now - t0);
        yield* this.acquire(true);
        if (!isSignalWake(e)) throw e;
        yield* this.deliverSignals();
        continue;
      }
      this._waitSince = -1;
      this.#record("blocked", t0, sim.now - t0);
      this.usage.wakeups++;
      yield* this.acquire(true);
      if (this._poked) yield* this.deliverSignals();
      return value;
    }
  }

  /**
   * Blocks until `file` reports one of `mask`'s events (or `timeout` runs out).
   * If the thread has CPU debt it is slept off instead and the call returns
   * 0 at once: the caller, which waits in a loop, must check its condition
   * again, since the file may have changed meanwhile. A signal handler
   * running during the wait also returns 0 (restart) or throws EINTR.
   *
   * @param file The file.
   * @param mask The events to wait for.
   * @param call The system call waiting, for reports.
   * @param fd The descriptor, for reports (-1 if none).
   * @param options `exclusive` for accept-style waits that wake one waiter;
   *   `timeout`; `interruptible` (default `"restart"`).
   * @returns The operation, for `yield*`; it gives the events, 0, or `TIMEOUT`.
   */
  *waitFile(
    file: File,
    mask: number,
    call: string,
    fd: number,
    options: {
      readonly exclusive?: boolean;
      readonly timeout?: number;
      readonly interruptible?: Interruptible;
    } = {},
  ): ThreadRoutine<number | typeof TIMEOUT> {
    if (this.#n > 0 || this.signalPending) {
      yield* this.flush();
      if (this.signalPending) {
        const ran = yield* this.deliverSignals();
        yield* this.#afterHandlers(ran, call, options.interruptible ?? "restart");
      }
      return 0;
    }
    const w = this.#waiter ??= new FileWaiter(this);
    w.mask = mask;
    w.exclusive = options.exclusive ?? false;
    w.file = file;
    w.call = call;
    w.fd = fd;
    w.armed = true;
    file._addWait(w);
    try {
      return yield* this.block<number>(w, "phase1", options.timeout, call, options.interruptible);
    } finally {
      if (w.armed) w.cancelWait();
    }
  }

  /**
   * Sleeps for `ns` without holding a core (nanosleep); a signal handler
   * ends the sleep with EINTR.
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   */
  *sleep(ns: number): ThreadRoutine<void> {
    yield* this.block(SLEEP, "blocked", ns, "nanosleep", "eintr");
  }

  /**
   * Fails the current system call with `errno`: its time is flushed first
   * (as wasted time for EAGAIN), then a {@linkcode SysError} is thrown.
   *
   * @param errno The errno name.
   * @param call The system call.
   * @param detail What went wrong.
   * @returns Never; it always throws.
   */
  *fail(errno: Errno, call: string, detail?: string): ThreadRoutine<never> {
    if (errno === "EAGAIN") this.wasteSyscall();
    yield* this.flush();
    throw new SysError(errno, call, detail);
  }

  /**
   * Runs the handlers of the pending signals this thread does not block
   * (holding its core). A signal's default action may end the process.
   *
   * @returns The operation, for `yield*`; it gives 0 if no handler ran, 1 if
   *   all that ran had SA_RESTART, 2 otherwise.
   */
  *deliverSignals(): ThreadRoutine<number> {
    this._poked = false;
    const p = this.process, st = p.signals, sim = p.host.sim;
    let ran = 0;
    for (;;) {
      const info = st.take(this.sigmask);
      if (info === null) break;
      const signo = info.signo;
      const action = st.disposition(signo);
      if (action === "ignore") continue;
      if (action === "default") {
        if (defaultAction(signo) === "ignore") continue;
        if (sim.trace.enabled) {
          sim.trace.emit("signal", this.task.id, {
            signo,
            name: signalName(signo),
            action: "terminate",
          });
        }
        p._exit(-signo);
        return yield* this.#die();
      }
      st.delivered++;
      ran = Math.max(ran, st.restart[signo] ? 1 : 2);
      if (sim.trace.enabled) {
        sim.trace.emit(
          "signal",
          this.task.id,
          info.fd === undefined
            ? { signo, name: signalName(signo) }
            : { signo, name: signalName(signo), fd: info.fd },
        );
      }
      this.charge("signal", this.costs.signalNs, "signal");
      const masked = this.sigmask[signo] === true;
      this.sigmask[signo] = true;
      this._inHandler++;
      try {
        yield* action(this.sys, info);
        yield* this.flush();
      } finally {
        this._inHandler--;
        this.sigmask[signo] = masked;
      }
    }
    return ran;
  }

  /** @ignore A signal is pending for this thread: make it look. */
  _poke(): void {
    if (this._poked || this.task.done) return;
    this._poked = true;
    if (this.task !== this.process.host.sim.current) this.task.interrupt(SIGNAL_WAKE);
  }

  /**
   * The process died under this running thread (it killed itself, or took
   * a fatal signal): stop here, as a thread killed by another process
   * stops, instead of going back to user code. A task cannot kill itself,
   * so the thread parks on nothing that wakes it, and a kill due at once
   * (before anything else at this time, `exited` included) unwinds it from
   * there: its `finally` blocks run, its `catch` blocks do not.
   */
  *#die(): ThreadRoutine<never> {
    const sim = this.process.host.sim;
    this.#clearDebt(); // never slept off, so neither the core nor the thread ran it
    this.release(); // the core is free from now, not from the kill
    if (!this.#dying) {
      this.#dying = true;
      const task = this.task;
      sim.schedule(0, () => task.kill(), Priority.URGENT);
    }
    for (;;) {
      try {
        yield* sim.park(EXITING);
      } catch {
        // Nothing may wake a dead thread back into its code: wait for the kill.
      }
    }
  }

  *#afterHandlers(ran: number, call: string, interruptible: Interruptible): ThreadRoutine<void> {
    if (ran === 0 || (ran === 1 && interruptible === "restart")) return;
    yield* this.flush();
    throw new SysError("EINTR", call, "a signal handler ran");
  }

  /** The flush was cut short by a signal: account what ran, run handlers, sleep the rest. */
  *#flushInterrupted(start: number, total: number): ThreadRoutine<void> {
    this.#settle(start, total);
    // The handlers' own work is flushed before the rest of this debt.
    const cats = this.#cats, ns = this.#ns, calls = this.#calls, n = this.#n;
    this.#cats = [];
    this.#ns = [];
    this.#calls = [];
    this.#n = 0;
    yield* this.deliverSignals();
    for (let j = 0; j < n; j++) if (ns[j]! > 0) this.charge(cats[j]!, ns[j]!, calls[j]!);
    yield* this.flush();
  }

  /**
   * A flush of `total` begun at `start` stopped early: records the part that
   * ran (in charge order), charges the core for it and gives the time slice
   * back the rest, which stays as debt.
   */
  #settle(start: number, total: number): void {
    const host = this.process.host;
    const done = Math.min(host.sim.now - start, total);
    const cats = this.#cats, ns = this.#ns, calls = this.#calls;
    let t = start, left = done;
    for (let i = 0; i < this.#n && left > 0; i++) {
      const part = Math.min(left, ns[i]!);
      this.#span(cats[i]!, t, part, calls[i]!);
      t += part;
      left -= part;
      ns[i]! -= part;
    }
    if (this._core >= 0 && done > 0) host.cpu._charge(this._core, done);
    this._slice -= total - done;
  }

  #clearDebt(): void {
    this.#n = 0;
  }

  /** The whole debt (`total`, from `start`) ran: record it and charge the core. */
  #account(start: number, total: number): void {
    let t = start;
    for (let i = 0; i < this.#n; i++) {
      const ns = this.#ns[i]!;
      this.#span(this.#cats[i]!, t, ns, this.#calls[i]!);
      t += ns;
    }
    if (this._core >= 0) this.process.host.cpu._charge(this._core, total);
    this.#clearDebt();
  }

  #span(cat: TimeCategory, start: number, dur: number, call: string): void {
    if (dur <= 0) return;
    this.usage.addTime(cat, dur);
    const trace = this.process.host.sim.trace;
    if (trace.enabled) {
      trace.emit(
        "span",
        this.task.id,
        call === "" ? { cat, start, dur } : { cat, start, dur, call },
      );
    }
  }

  #record(cat: TimeCategory, start: number, dur: number): void {
    this.#span(cat, start, dur, "");
  }

  *#preempt(): ThreadRoutine<void> {
    this.usage.preemptions++;
    this.usage.contextSwitches++;
    this.release();
    yield* this.acquire(false);
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Thread { ${this.process.name}[${this.process.pid}]/${this.tid} "${this.name}" }`;
  }
}
