/**
 * Processes in the style of `multiprocessing.Process`.
 *
 * @module
 */

import { TimeoutError } from "../kernel/errors.ts";
import type { Simulation } from "../kernel/simulation.ts";
import { isErrno } from "../os/errno.ts";
import { type Process as OsProcess, ProcessExit } from "../os/process.ts";
import { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { callerThread, checkTimeout, currentThread, owe, pay, procState } from "./_context.ts";
import { type MpCosts, mpCosts } from "./costs.ts";
import { ProcessError } from "./errors.ts";
import { forkCopy, SHARED, type SharePolicy } from "./pickle.ts";

/** A process target: a generator function given the child's `sys` and the arguments. */
export type Target<A extends unknown[]> = (sys: Sys, ...args: A) => ThreadRoutine<unknown>;

/** Options for a new {@linkcode Process}. */
export interface ProcessOptions<A extends unknown[]> {
  /** What the child runs (default: nothing, unless a subclass overrides `run`). */
  readonly target?: Target<A>;
  /** The target's arguments after `sys`; copied into the child as fork copies memory. */
  readonly args?: A;
  /** The name (default `Process-N`, or the subclass's name and N). */
  readonly name?: string;
  /** Whether the process is terminated when its parent exits (default false). */
  readonly daemon?: boolean;
}

/** What the parent's object and the child's copy share. */
class Core {
  name: string | null;
  daemon: boolean;
  os: OsProcess | null = null;
  parent: OsProcess | null = null;
  sim: Simulation | null = null;
  starting = false;
  reaped = false;
  constructor(name: string | null, daemon: boolean) {
    this.name = name;
    this.daemon = daemon;
  }
}

/**
 * A process, as `multiprocessing.Process`: made from a target function and
 * its arguments, or by subclassing and overriding `run`. `start` forks a
 * child (the parent pays fork(2) and CPython's start-up work) that runs
 * `run` — the target by default — in its own memory: the arguments, and a
 * subclass's fields, are copied as fork copies memory, so what the child
 * changes never shows in the parent. Locks, queues, pipes, shared values
 * and manager proxies are shared, not copied.
 *
 * The child exits with status 0 after `run`, with 1 if it threw (after
 * printing `Process NAME:` and a traceback line, as CPython does on
 * stderr), with `n` after `sys.exit(n)`, and with minus the signal number
 * when a signal killed it. Before it exits it runs CPython's exit handling:
 * queue feeder threads are flushed, daemonic children terminated, the
 * others joined.
 *
 * Timeouts are in nanoseconds of virtual time.
 *
 * @typeParam A The target's arguments after `sys`.
 *
 * @example The article's first example: "process 1 is runing"
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Process } from "@iosim/iosim/mp";
 * function* run(sys: Sys, n: number) {
 *   sys.print(`process ${n} is runing`);
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const p = new Process({ target: run, args: [1] });
 *   yield* p.start(sys);
 *   yield* p.join();
 *   sys.print(p.exitCode);
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["process 1 is runing", "0"]);
 * ```
 *
 * @example By subclassing: "myprocess is running"
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { Process } from "@iosim/iosim/mp";
 * class MyProcess extends Process {
 *   processName: string;
 *   constructor(processName: string) {
 *     super();
 *     this.processName = processName;
 *   }
 *   override *run(sys: Sys) {
 *     sys.print(`${this.processName} is running`);
 *   }
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   yield* new MyProcess("myprocess").start(sys);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "myprocess is running");
 * ```
 */
export class Process<A extends unknown[] = unknown[]> {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  #core: Core;
  #target: Target<A> | undefined;
  #args: A;

  /**
   * Makes a process object; nothing runs until `start`.
   *
   * @param options The target, its arguments, the name, whether it is daemonic.
   * @throws {TypeError} If `target` is not a function or `args` not an array.
   */
  constructor(options: ProcessOptions<A> = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Invalid process options "${String(options)}": expected an object`);
    }
    const { target, args, name, daemon } = options;
    if (target !== undefined && typeof target !== "function") {
      throw new TypeError(`Invalid target "${String(target)}": expected a generator function`);
    }
    if (args !== undefined && !Array.isArray(args)) {
      throw new TypeError(`Invalid args "${String(args)}": expected an array`);
    }
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`Invalid process name "${String(name)}": expected a string`);
    }
    this.#core = new Core(name ?? null, daemon === true);
    this.#target = target;
    this.#args = (args ?? []) as A;
  }

  /** The name: as given, or `Process-N` (N counts the parent's children) once started. */
  get name(): string {
    return this.#core.name ?? `${this.constructor.name}-?`;
  }

  /** Renames the process (for reports; the OS process keeps its name). */
  set name(value: string) {
    if (typeof value !== "string") {
      throw new TypeError(`Invalid process name "${String(value)}": expected a string`);
    }
    this.#core.name = value;
  }

  /** Whether the process is daemonic: its parent terminates it on exit. */
  get daemon(): boolean {
    return this.#core.daemon;
  }

  /** Sets `daemon`, which may only change before `start`. */
  set daemon(value: boolean) {
    if (this.#core.os !== null || this.#core.starting) {
      throw new ProcessError(`process "${this.name}" has already started`);
    }
    this.#core.daemon = value === true;
  }

  /** The pid, or null before `start`. */
  get pid(): number | null {
    return this.#core.os?.pid ?? null;
  }

  /** The pid, as Python's `ident`. */
  get ident(): number | null {
    return this.pid;
  }

  /** The exit status: null before `start` and while running; minus the signal number if killed. */
  get exitCode(): number | null {
    return this.#core.os?.exitCode ?? null;
  }

  /** The OS process, or null before `start`. */
  get osProcess(): OsProcess | null {
    return this.#core.os;
  }

  /**
   * What the child runs: the target with its arguments. Subclasses
   * override it (it runs on the child's copy of the object).
   *
   * @param sys The child's system calls.
   * @returns The operation the child runs.
   */
  *run(sys: Sys): ThreadRoutine<unknown> {
    if (this.#target !== undefined) return yield* this.#target(sys, ...this.#args);
  }

  /**
   * Starts the process: fork(2) plus CPython's start-up work, in the
   * calling (parent) process. The child then pays its bootstrap before
   * `run` begins.
   *
   * @param sys The parent thread's system calls.
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If it was started before, or the caller is a daemonic process.
   * @throws {TypeError} If `sys` is not a `Sys`.
   */
  *start(sys: Sys): ThreadRoutine<void> {
    if (!(sys instanceof Sys)) {
      throw new TypeError(`Cannot start process "${this.name}": "${String(sys)}" is not a Sys`);
    }
    const core = this.#core;
    if (core.os !== null || core.starting) {
      throw new ProcessError(`cannot start a process twice (process "${this.name}")`);
    }
    const st = procState(sys.process);
    if (st.daemonic) {
      throw new ProcessError(
        `daemonic processes are not allowed to have children (process "${this.name}")`,
      );
    }
    for (const c of st.children) if (!c.isAlive()) st.children.delete(c);
    const identity = [...st.identity, ++st.counter];
    core.name ??= `${this.constructor.name}-${identity.join(":")}`;
    core.starting = true;
    const costs = mpCosts(sys.host);
    owe(sys.thread, costs.startNs);
    const child = this.#forkView();
    let pid: number;
    try {
      pid = yield* sys.fork(
        core.name,
        (csys) => Process.#bootstrap(child as unknown as Process, csys, costs, identity),
        { daemon: core.daemon, onError: "exit" },
      );
    } catch (e) {
      core.starting = false;
      throw e;
    }
    core.os = sys.host.processes.get(pid)!;
    core.parent = sys.process;
    core.sim = sys.host.sim;
    st.children.add(this);
  }

  /**
   * Waits until the process ends, or `timeout` runs out (then it returns
   * with the process still running: check `exitCode`), and reaps it.
   *
   * @param timeout The longest wait, in nanoseconds (default: forever).
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If it was never started, or the caller is not its parent.
   * @throws {RangeError} If `timeout` is negative.
   */
  *join(timeout?: number | null): ThreadRoutine<void> {
    const limit = checkTimeout("join", timeout);
    const core = this.#core;
    if (core.os === null) {
      throw new ProcessError(`can only join a started process (process "${this.name}")`);
    }
    const t = callerThread(core.sim!, undefined, "join", this);
    if (t.process !== core.parent) {
      throw new ProcessError(`can only join a child process (process "${this.name}")`);
    }
    if (core.os.exitCode === null) {
      try {
        yield* t.waitEvent(core.os.exited, limit);
      } catch (e) {
        if (e instanceof TimeoutError) return;
        throw e;
      }
    }
    if (!core.reaped) {
      core.reaped = true;
      try {
        yield* t.sys.waitpid(core.os.pid, { nohang: true });
      } catch (e) {
        if (!isErrno(e, "ECHILD")) throw e;
      }
    }
    procState(t.process).children.delete(this);
  }

  /**
   * Whether the process runs: false before `start` and after it ended.
   *
   * @returns Whether it is alive.
   * @throws {ProcessError} If called from a process other than its parent or itself.
   */
  isAlive(): boolean {
    const core = this.#core;
    if (core.os === null) return false;
    const t = currentThread(core.sim!);
    if (t !== null && t.process !== core.parent && t.process !== core.os) {
      throw new ProcessError(`can only test a child process (process "${this.name}")`);
    }
    return core.os.exitCode === null;
  }

  /**
   * Sends SIGTERM (kill(2)); the process dies with exit code -15 unless it
   * handles the signal. Its exit handlers do not run: queues it fed may be
   * left incomplete, locks it held stay held.
   *
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If it was never started.
   */
  *terminate(): ThreadRoutine<void> {
    yield* this.#signal("SIGTERM", "terminate");
  }

  /**
   * Sends SIGKILL: the process dies at once with exit code -9.
   *
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If it was never started.
   */
  *kill(): ThreadRoutine<void> {
    yield* this.#signal("SIGKILL", "kill");
  }

  *#signal(sig: "SIGTERM" | "SIGKILL", verb: string): ThreadRoutine<void> {
    const core = this.#core;
    if (core.os === null) {
      throw new ProcessError(`cannot ${verb} process "${this.name}": it was never started`);
    }
    const t = callerThread(core.sim!, undefined, verb, this);
    if (core.os.exitCode !== null) return;
    try {
      yield* t.sys.kill(core.os.pid, sig);
    } catch (e) {
      if (!isErrno(e, "ESRCH")) throw e;
    }
  }

  /**
   * Describes the process for messages.
   *
   * @returns e.g. `process "Process-1"`.
   */
  describe(): string {
    return `process "${this.name}"`;
  }

  /** The child's copy of this object, as fork would leave it. */
  #forkView(): Process<A> {
    const copy = Reflect.construct(Process, [], this.constructor) as Process<A>;
    const fields: Record<string, unknown> = {};
    for (const k of Object.keys(this)) fields[k] = (this as unknown as Record<string, unknown>)[k];
    const copied = forkCopy({ fields, args: this.#args });
    copy.#core = this.#core;
    copy.#target = this.#target;
    copy.#args = copied.args;
    Object.assign(copy, copied.fields);
    return copy;
  }

  static *#bootstrap(
    view: Process<unknown[]>,
    sys: Sys,
    costs: MpCosts,
    identity: readonly number[],
  ): ThreadRoutine<number> {
    const st = procState(sys.process);
    st.view = view;
    st.daemonic = view.daemon;
    st.identity = identity;
    owe(sys.thread, costs.bootstrapNs);
    yield* pay(sys.thread);
    let code = 0;
    try {
      yield* view.run(sys);
    } catch (e) {
      // Killed by a signal: the process is gone, nothing more runs.
      if (sys.process.exitCode !== null) throw e;
      if (e instanceof ProcessExit) code = e.status;
      else {
        code = 1;
        sys.print(`Process ${view.name}:`);
        sys.print("Traceback (most recent call last):");
        sys.print(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
    }
    yield* st.exit(sys);
    owe(sys.thread, costs.exitNs);
    return code;
  }

  /** @ignore The object standing for a process mp did not start. */
  static _main(os: OsProcess): Process<unknown[]> {
    const p = new Process<unknown[]>({ name: "MainProcess" });
    p.#core.os = os;
    p.#core.sim = os.host.sim;
    return p;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const core = this.#core;
    const state = core.os === null
      ? "initial"
      : core.os.exitCode === null
      ? "started"
      : `stopped exitcode=${core.os.exitCode}`;
    return `<${this.constructor.name} name='${this.name}' ${state}${core.daemon ? " daemon" : ""}>`;
  }
}

/**
 * The `Process` object standing for the calling process
 * (`multiprocessing.current_process()`): in a child, its copy of the
 * object that started it; elsewhere one named `MainProcess`.
 *
 * @example Names
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { currentProcess, Process } from "@iosim/iosim/mp";
 * function* child(sys: Sys) {
 *   sys.print(currentProcess(sys).name);
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   sys.print(currentProcess(sys).name);
 *   yield* new Process({ target: child }).start(sys);
 * });
 * sim.run();
 * assert.deepEqual(sim.output.map((l) => l.text), ["MainProcess", "Process-1"]);
 * ```
 *
 * @param sys The calling thread's system calls.
 * @returns The process object.
 * @throws {TypeError} If `sys` is not a `Sys`.
 */
export function currentProcess(sys: Sys): Process<unknown[]> {
  if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
  const st = procState(sys.process);
  if (st.view === null) st.view = Process._main(sys.process);
  return st.view as Process<unknown[]>;
}

/**
 * The children of the calling process that still run
 * (`multiprocessing.active_children()`).
 *
 * @example A child still sleeping
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { activeChildren, Process } from "@iosim/iosim/mp";
 * function* nap(sys: Sys) {
 *   yield* sys.sleep(ms(5));
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   yield* new Process({ target: nap }).start(sys);
 *   sys.print(activeChildren(sys).length);
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "1");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @returns The live children.
 * @throws {TypeError} If `sys` is not a `Sys`.
 */
export function activeChildren(sys: Sys): Process<unknown[]>[] {
  if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
  const st = procState(sys.process);
  const out: Process<unknown[]>[] = [];
  for (const c of st.children) {
    if (c.isAlive()) out.push(c as Process<unknown[]>);
    else st.children.delete(c);
  }
  return out;
}
