/**
 * Threads: the schedulable unit of a simulated process.
 *
 * @module
 */

import type { Blocker, Event } from "../kernel/event.ts";
import type { Op } from "../kernel/op.ts";
import type { TIMEOUT } from "../kernel/simulation.ts";
import type { Task } from "../kernel/task.ts";
import type { CostModel } from "./costs.ts";
import { type Errno, SysError } from "./errno.ts";
import type { File, WaitEntry } from "./file.ts";
import type { Process } from "./process.ts";
import { type TimeCategory, Usage } from "./usage.ts";

/** A generator run on a simulated thread. */
export type ThreadRoutine<R = unknown> = Generator<Op, R, unknown>;

const SLEEP: Blocker = { describe: () => "nanosleep", cancelWait: () => {} };

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
 * and pays a context switch to get one back. CPU work is charged first and
 * slept off in one step (`flush`), so a system call usually costs one event.
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
  /** @ignore The kernel task running the thread. */
  task!: Task<unknown>;
  /** @ignore The core held, or -1. */
  _core = -1;
  /** @ignore CPU time used in the current time slice. */
  _slice = 0;
  readonly #cats: TimeCategory[] = [];
  readonly #ns: number[] = [];
  readonly #calls: string[] = [];
  #waiter: FileWaiter | null = null;

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

  /**
   * Adds CPU work to the thread's debt; it is slept off by the next
   * {@linkcode Thread.flush} (before the thread blocks or acts on the world).
   *
   * @param cat What the time is spent on.
   * @param ns How long.
   * @param call The system call, for the trace.
   */
  charge(cat: TimeCategory, ns: number, call = ""): void {
    if (ns <= 0) return;
    const n = this.#cats.length;
    if (n > 0 && this.#cats[n - 1] === cat && this.#calls[n - 1] === call) {
      this.#ns[n - 1]! += ns;
      return;
    }
    this.#cats.push(cat);
    this.#ns.push(ns);
    this.#calls.push(call);
  }

  /** Whether CPU debt waits to be slept off. */
  get pending(): boolean {
    return this.#cats.length > 0;
  }

  /**
   * Turns the current system call's pending `syscall` time into `wasted`
   * time: the call failed with EAGAIN and bought nothing.
   */
  wasteSyscall(): void {
    for (let i = 0; i < this.#cats.length; i++) {
      if (this.#cats[i] === "syscall") this.#cats[i] = "wasted";
    }
    this.usage.eagain++;
  }

  /**
   * Sleeps off the CPU debt on the thread's core, recording each part.
   *
   * @returns The operation, for `yield*`.
   */
  *flush(): ThreadRoutine<void> {
    const n = this.#cats.length;
    if (n === 0) return;
    const host = this.process.host, sim = host.sim, trace = sim.trace;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const cat = this.#cats[i]!, ns = this.#ns[i]!;
      this.usage.addTime(cat, ns);
      if (trace.enabled) {
        const call = this.#calls[i]!;
        trace.emit(
          "span",
          this.task.id,
          call === ""
            ? { cat, start: sim.now + total, dur: ns }
            : { cat, start: sim.now + total, dur: ns, call },
        );
      }
      total += ns;
    }
    this.#cats.length = 0;
    this.#ns.length = 0;
    this.#calls.length = 0;
    if (this._core >= 0) host.cpu._charge(this._core, total);
    this._slice += total;
    yield* sim.sleep(total);
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
    // Record the core before any yield, so a kill in between releases it.
    let core = cpu._tryAcquire(this);
    if (core >= 0) {
      this._core = core;
      if (woken && host.costs.wakeupNs > 0) yield* sim.sleep(host.costs.wakeupNs);
    } else {
      core = (yield* sim.park<number>(cpu)) as number;
      this._core = core;
    }
    this._slice = 0;
    const waited = sim.now - t0;
    if (waited > 0) this.#record("runqueue", t0, waited);
    // The switch costs time only if the core ran another thread meanwhile.
    if (cpu._switchIn(this, core)) this.charge("switch", host.costs.contextSwitchNs);
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
   * debt, gives up the core, parks, then gets a core back.
   *
   * @typeParam T What the waker passes.
   * @param blocker What the thread waits on.
   * @param kind `"phase1"` when waiting for I/O readiness, else `"blocked"`.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`; it gives the waker's value or `TIMEOUT`.
   */
  *block<T>(
    blocker: Blocker,
    kind: "phase1" | "blocked",
    timeout?: number,
  ): ThreadRoutine<T | typeof TIMEOUT> {
    yield* this.flush();
    this.release();
    this.usage.contextSwitches++;
    const sim = this.process.host.sim, t0 = sim.now;
    let value: T | typeof TIMEOUT;
    try {
      value = (yield* sim.park<T>(blocker, timeout)) as T | typeof TIMEOUT;
    } catch (e) {
      // Interrupted: the thread runs on (to handle EINTR), so it needs a core.
      this.#record(kind, t0, sim.now - t0);
      yield* this.acquire(true);
      throw e;
    }
    this.#record(kind, t0, sim.now - t0);
    this.usage.wakeups++;
    yield* this.acquire(true);
    return value;
  }

  /**
   * Blocks until `event` is processed (giving up the core meanwhile) and
   * returns its value or throws its error; with a `timeout`, throws
   * `TimeoutError` when it runs out.
   *
   * @typeParam T The event's value.
   * @param event The event.
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   */
  *waitEvent<T>(event: Event<T>, timeout?: number): ThreadRoutine<T> {
    yield* this.flush();
    this.release();
    this.usage.contextSwitches++;
    const sim = this.process.host.sim, t0 = sim.now;
    let value: T;
    try {
      value = yield* sim.wait(event, timeout);
    } catch (e) {
      // Not `finally`: a killed thread must not take a core on its way out.
      this.#record("blocked", t0, sim.now - t0);
      yield* this.acquire(true);
      throw e;
    }
    this.#record("blocked", t0, sim.now - t0);
    this.usage.wakeups++;
    yield* this.acquire(true);
    return value;
  }

  /**
   * Blocks until `file` reports one of `mask`'s events (or `timeout` runs out).
   * If the thread has CPU debt it is slept off instead and the call returns
   * 0 at once: the caller, which waits in a loop, must check its condition
   * again, since the file may have changed meanwhile.
   *
   * @param file The file.
   * @param mask The events to wait for.
   * @param call The system call waiting, for reports.
   * @param fd The descriptor, for reports (-1 if none).
   * @param options `exclusive` for accept-style waits that wake one waiter; `timeout`.
   * @returns The operation, for `yield*`; it gives the events, or `TIMEOUT`.
   */
  *waitFile(
    file: File,
    mask: number,
    call: string,
    fd: number,
    options: { readonly exclusive?: boolean; readonly timeout?: number } = {},
  ): ThreadRoutine<number | typeof TIMEOUT> {
    // CPU debt first. Time passes while it is slept off, so the caller's
    // condition may have changed: return at once (a spurious wake-up) and let
    // the caller check again. Callers always wait in a loop.
    if (this.#cats.length > 0) {
      yield* this.flush();
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
      return yield* this.block<number>(w, "phase1", options.timeout);
    } finally {
      if (w.armed) w.cancelWait();
    }
  }

  /**
   * Sleeps for `ns` without holding a core (nanosleep).
   *
   * @param ns How long.
   * @returns The operation, for `yield*`.
   */
  *sleep(ns: number): ThreadRoutine<void> {
    yield* this.block(SLEEP, "blocked", ns);
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

  #record(cat: TimeCategory, start: number, dur: number): void {
    if (dur <= 0) return;
    this.usage.addTime(cat, dur);
    const trace = this.process.host.sim.trace;
    if (trace.enabled) trace.emit("span", this.task.id, { cat, start, dur });
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
