/**
 * Simulated processes.
 *
 * @module
 */

import type { Event } from "../kernel/event.ts";
import { FdTable } from "./fd_table.ts";
import type { Host } from "./host.ts";
import { Sys } from "./sys.ts";
import {
  defaultAction,
  type SignalInfo,
  signalName,
  SIGNALS,
  SignalState,
  SIGRTMIN,
} from "./signals.ts";
import { Thread, type ThreadRoutine } from "./thread.ts";
import { Usage } from "./usage.ts";

/** The body of a process's main thread, or of any thread: it gets its `sys`. */
export type ThreadBody<R = number | void> = (sys: Sys) => ThreadRoutine<R>;

/** What happens when a process's thread throws. */
export type OnError = "raise" | "exit";

/** How much memory a process holds. */
export interface MemoryUsage {
  /** Virtual memory reserved for thread stacks. */
  readonly stackBytes: number;
  /** Resident memory: the process itself plus its threads. */
  readonly residentBytes: number;
  /** Kernel memory of its sockets: their fixed part plus buffered data. */
  readonly socketBytes: number;
}

/**
 * An exit status as the parent sees it: its low 8 bits, as on Linux
 * (`exit(256)` reports 0, `exit(-1)` 255).
 */
function exitStatus(status: unknown): number {
  if (typeof status !== "number" || !Number.isInteger(status)) {
    throw new TypeError(`Invalid exit status "${String(status)}": expected an integer`);
  }
  return ((status % 256) + 256) % 256;
}

/**
 * Thrown inside a thread by `sys.exit()` to end the process.
 *
 * @example The status is taken modulo 256
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new ProcessExit(258).status, 2);
 * assert.throws(() => new ProcessExit(1.5), TypeError);
 * ```
 */
export class ProcessExit extends Error {
  /** The exit status, 0 to 255. */
  readonly status: number;

  /**
   * Makes the exit signal.
   *
   * @param status The exit status: an integer, taken modulo 256.
   * @throws {TypeError} If `status` is not an integer.
   */
  constructor(status: number) {
    const code = exitStatus(status);
    super(`exit(${code})`);
    this.name = "ProcessExit";
    this.status = code;
  }
}

/**
 * A simulated process: a pid, a name, a descriptor table shared by its
 * threads, and an exit status. It ends when its main thread returns (its
 * other threads die with it, as after `exit(3)`), calls `sys.exit`, or is
 * killed; its descriptors are then closed. A status the process gives
 * (what `main` returns, or `sys.exit`'s) must be an integer and is taken
 * modulo 256, as on Linux.
 *
 * @example Exit status from the main thread's return value
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * const p = new Host(sim).spawn("true", function* (sys) {
 *   yield* sys.sleep(1);
 *   return 3;
 * });
 * sim.run();
 * assert.equal(p.exitCode, 3);
 * assert.equal(p.alive, false);
 * ```
 */
export class Process {
  /** The host it runs on. */
  readonly host: Host;
  /** The process id. */
  readonly pid: number;
  /** The process name. */
  readonly name: string;
  /** Whether it may bind ports below 1024 (root or CAP_NET_BIND_SERVICE). */
  readonly privileged: boolean;
  /** Its descriptor table. */
  readonly fds: FdTable;
  /** Every thread it has had, main thread first. */
  readonly threads: Thread[] = [];
  /** An event that succeeds with the exit status when the process ends. */
  readonly exited: Event<number>;
  /** The exit status (negative: killed by that signal), or `null` while running. */
  exitCode: number | null = null;
  /** What a thread threw, if that ended the process. */
  error: unknown = undefined;
  /** Signal dispositions and pending signals. */
  readonly signals: SignalState = new SignalState();
  /** RLIMIT_SIGPENDING: how many real-time signals may wait at once (the host's setting). */
  sigpendingLimit: number;
  /** The process that forked this one, if any. */
  parent: Process | null = null;
  /** Children not yet waited for (zombies included). */
  readonly children: Process[] = [];
  readonly #onError: OnError;
  #nextTid: number;

  /**
   * Makes a process; use `host.spawn` instead.
   *
   * @param host The host.
   * @param pid The pid.
   * @param name The name.
   * @param privileged Whether it may bind ports below 1024.
   * @param onError Whether a thread's uncaught error fails the simulation
   *   (`"raise"`) or only ends the process with status 1 (`"exit"`).
   */
  constructor(host: Host, pid: number, name: string, privileged: boolean, onError: OnError) {
    this.host = host;
    this.pid = pid;
    this.name = name;
    this.privileged = privileged;
    this.#onError = onError;
    this.#nextTid = pid;
    this.fds = new FdTable(host.options.nofile, host.options.nofileHard);
    this.fds._sim = host.sim;
    this.sigpendingLimit = host.options.sigpending;
    this.exited = host.sim.event<number>(`exit of ${name}[${pid}]`);
    // As Python does at startup: a write to a broken pipe fails with EPIPE
    // instead of killing the process.
    this.signals.actions[SIGNALS.SIGPIPE] = "ignore";
  }

  /**
   * Sends a signal to the process (kill(2)): SIGKILL ends it at once;
   * ignored signals are dropped; others become pending — standard
   * signals at most once (a second one while the first is pending is lost),
   * real-time ones queued with their info — and a thread that does not
   * block them is told. A fatal signal a process sends itself ends it at
   * once (if some thread lets it through), and the sending thread stops
   * before it returns to user code.
   *
   * @param signo The signal number.
   * @param info What the signal carries (fd and band for SIGIO).
   */
  _signal(signo: number, info: SignalInfo = { signo }): void {
    if (this.exitCode !== null) return;
    const sim = this.host.sim;
    if (signo === SIGNALS.SIGKILL) {
      if (sim.trace.enabled) {
        sim.trace.emit("signal", this.mainThread.task.id, { signo, name: "SIGKILL" });
      }
      this._exit(-signo);
      return;
    }
    const st = this.signals;
    const action = st.disposition(signo);
    if (action === "ignore" || (action === "default" && defaultAction(signo) === "ignore")) return;
    if (action === "default" && this.#sentFromInside()) {
      // A fatal signal the process sends itself (kill of its own pid, a
      // SIGPIPE from its own write) ends it before the sending thread gets
      // back to user code, if some thread lets it through: Linux's
      // complete_signal() takes the whole group down at once, the sender
      // included. (From outside, the target thread dies when it next runs,
      // below.) Blocked by every thread, the signal stays pending.
      const t = this.threads.find((t) => !t.done && !t.sigmask[signo]);
      if (t !== undefined) {
        if (sim.trace.enabled) {
          sim.trace.emit("signal", t.task.id, {
            signo,
            name: signalName(signo),
            action: "terminate",
          });
        }
        this._exit(-signo);
        return;
      }
    }
    if (signo >= SIGRTMIN) {
      // RLIMIT_SIGPENDING: a full queue refuses real-time signals. For
      // F_SETSIG readiness signals Linux then falls back on a plain SIGIO
      // (send_sigio_to_task), so the process still learns something is ready.
      if (st.queue.length >= this.sigpendingLimit) {
        st.overflowed++;
        if (info.fd !== undefined && info.band !== undefined) {
          this._signal(SIGNALS.SIGIO, { signo: SIGNALS.SIGIO });
        }
        return;
      }
      st.queue.push(info);
    } else {
      if (st.pending[signo]) st.coalesced++;
      st.pending[signo] = true;
      st.info[signo] = info;
    }
    if (sim.trace.enabled) {
      sim.trace.emit("signal-raise", this.mainThread.task.id, { signo, pid: this.pid });
    }
    for (const t of this.threads) {
      if (!t.done && !t.sigmask[signo]) {
        t._poke();
        return;
      }
    }
  }

  /** Whether the thread running now (the sender of a signal) is one of this process's. */
  #sentFromInside(): boolean {
    const owner = this.host.sim.current?.owner;
    return owner instanceof Thread && owner.process === this;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exitCode === null;
  }

  /** The main thread. */
  get mainThread(): Thread {
    return this.threads[0]!;
  }

  /** The threads still running. */
  get liveThreads(): Thread[] {
    return this.threads.filter((t) => !t.done);
  }

  /**
   * The process's usage: the sum over its threads.
   *
   * @returns A new {@linkcode Usage}.
   */
  usage(): Usage {
    const sum = new Usage();
    for (const t of this.threads) sum.add(t.usage);
    return sum;
  }

  /**
   * The memory the process holds now.
   *
   * @returns Stack, resident and socket memory.
   */
  memory(): MemoryUsage {
    const costs = this.host.costs;
    const threads = this.alive ? this.liveThreads.length : 0;
    let socketBytes = 0;
    this.fds.forEach((file) => {
      const m = (file as { memoryBytes?: () => number }).memoryBytes;
      if (typeof m === "function") socketBytes += m.call(file);
    });
    return {
      stackBytes: threads * costs.threadStackBytes,
      residentBytes: this.alive ? costs.processMemoryBytes + threads * costs.threadMemoryBytes : 0,
      socketBytes,
    };
  }

  /**
   * Starts a thread in this process (without the cost of `pthread_create`;
   * `sys.spawnThread` charges it).
   *
   * @param name The thread's name.
   * @param body What it runs.
   * @returns The thread.
   */
  _startThread<R>(name: string, body: ThreadBody<R>, delay = 0): Thread {
    const tid = this.#nextTid++;
    const thread = new Thread(this, tid, name);
    this.threads.push(thread);
    const sys = new Sys(thread);
    thread.sys = sys;
    const sim = this.host.sim;
    const label = this.threads.length === 1
      ? `${this.name}[${this.pid}]`
      : `${this.name}[${this.pid}]/${name}`;
    // A daemon process's threads are daemons too (servers whose workers wait forever).
    const daemon = this.threads.length > 1 && this.mainThread.task.daemon;
    thread.task = sim.spawn(this.#run(thread, body, sys), { name: label, delay, daemon });
    thread.task.owner = thread;
    if (sim.trace.enabled) {
      sim.trace.emit("thread", thread.task.id, {
        host: this.host.name,
        pid: this.pid,
        tid,
        process: this.name,
        name,
      });
    }
    return thread;
  }

  /**
   * Ends the process now with `status`: its threads are killed, its
   * descriptors closed.
   *
   * @param status The exit status (negative: the signal that killed it).
   */
  _exit(status: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = status;
    const current = this.host.sim.current;
    for (const t of this.threads) {
      if (t.task.done) continue;
      // The thread running now cannot be killed from inside: it stops at its
      // next flush, before it gets back to user code (see Thread._doomed).
      if (t.task === current) {
        t._doomed = true;
        continue;
      }
      // A thread killed before its first step never runs #run's finally: count it out here.
      if (t.task.status === "created") this.host._threadEnded();
      t.task.kill();
    }
    for (const [fd] of this.fds.entries()) {
      const file = this.fds.remove(fd);
      if (file !== undefined && file._refs === 0) file._closeLast();
    }
    if (this.host.sim.trace.enabled) {
      this.host.sim.trace.emit("exit-process", this.mainThread.task.id, { pid: this.pid, status });
    }
    this.exited.succeed(status);
    this.parent?._signal(SIGNALS.SIGCHLD, { signo: SIGNALS.SIGCHLD, pid: this.pid });
  }

  *#run<R>(thread: Thread, body: ThreadBody<R>, sys: Sys): ThreadRoutine<R | undefined> {
    const main = this.threads[0] === thread;
    try {
      yield* thread.acquire(true);
      const result = yield* body(sys);
      // A main thread's number is its exit status, as C's return from main.
      const status = main && typeof result === "number" ? exitStatus(result) : 0;
      yield* thread.flush();
      if (main) this._exit(status);
      return result;
    } catch (e) {
      if (e instanceof ProcessExit) {
        this._exit(e.status);
        return undefined;
      }
      if (this.#onError === "raise") {
        this._exit(1);
        throw e;
      }
      this.error = e;
      this.host.sim.printAs(
        `${this.name}[${this.pid}]`,
        `Traceback: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
      this._exit(1);
      return undefined;
    } finally {
      thread.release();
      this.host._threadEnded();
    }
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const state = this.exitCode === null ? "running" : `exited ${this.exitCode}`;
    return `Process { ${this.name}[${this.pid}] on ${this.host.name}, ${state} }`;
  }
}
