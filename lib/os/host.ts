/**
 * Simulated hosts.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import { type CostModel, costModel } from "./costs.ts";
import { Cpu } from "./cpu.ts";
import { DEFAULT_NOFILE, DEFAULT_NOFILE_HARD } from "./fd_table.ts";
import { type OnError, Process, type ThreadBody } from "./process.ts";
import type { NetworkStack } from "./socket_api.ts";
import { StateError } from "../kernel/errors.ts";
import { FaultInjector, type SyscallFaults } from "./faults.ts";
import { checkOnError, checkSpawnDelay } from "./_checks.ts";
import { type SignalName, toSigno } from "./signals.ts";

/** Options for a new {@linkcode Host}. */
export interface HostOptions {
  /** The host's name, which is also its network address (default `"host"`). */
  readonly name?: string;
  /** How many CPU cores (default 1). */
  readonly cores?: number;
  /** Cost model overrides. */
  readonly costs?: Partial<CostModel>;
  /** RLIMIT_NOFILE soft limit for new processes (default 1024, as on Linux). */
  readonly nofile?: number;
  /** RLIMIT_NOFILE hard limit (default 1,048,576). */
  readonly nofileHard?: number;
  /** The most threads the host can run at once (kernel.threads-max, vm.max_map_count). */
  readonly maxThreads?: number;
  /** Default receive buffer of a stream socket, bytes (net.ipv4.tcp_rmem's middle value). */
  readonly rcvbuf?: number;
  /** Default send buffer of a stream socket, bytes (net.ipv4.tcp_wmem's middle value). */
  readonly sndbuf?: number;
  /** The cap on listen backlogs (net.core.somaxconn). */
  readonly somaxconn?: number;
  /** RLIMIT_SIGPENDING: queued real-time signals per process (96,365 on the project's machine). */
  readonly sigpending?: number;
}

/** A host's settings with every default filled in. */
export interface HostSettings {
  /** RLIMIT_NOFILE soft limit. */
  readonly nofile: number;
  /** RLIMIT_NOFILE hard limit. */
  readonly nofileHard: number;
  /** The most threads at once. */
  readonly maxThreads: number;
  /** Default stream receive buffer. */
  readonly rcvbuf: number;
  /** Default stream send buffer. */
  readonly sndbuf: number;
  /** The cap on listen backlogs. */
  readonly somaxconn: number;
  /** Queued real-time signals per process. */
  readonly sigpending: number;
}

/** Options for {@linkcode Host.spawn}. */
export interface ProcessOptions {
  /** May bind ports below 1024 (runs as root). Default false. */
  readonly privileged?: boolean;
  /** Leave the process out of deadlock reports (a server that waits forever). */
  readonly daemon?: boolean;
  /** Start after this delay. */
  readonly delay?: number;
  /**
   * What an uncaught error in one of its threads does: `"raise"` (default)
   * ends the process and fails the simulation, so bugs are never silent;
   * `"exit"` prints a traceback line and ends the process with status 1, as
   * Python does for a child process.
   */
  readonly onError?: OnError;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(
      `Invalid host option ${name} "${String(v)}": it must be a positive integer`,
    );
  }
  return v;
}

/**
 * A simulated machine: cores with a run queue, a cost model, processes, and
 * (once it joins a `Network`) a network stack.
 *
 * @example Two CPU-bound processes on two cores run in parallel
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * const sim = new Simulation();
 * const host = new Host(sim, { name: "box", cores: 2, costs: { contextSwitchNs: 0, wakeupNs: 0 } });
 * for (const name of ["a", "b"]) {
 *   host.spawn(name, function* (sys) {
 *     yield* sys.compute(ms(10));
 *   });
 * }
 * sim.run();
 * assert.equal(sim.now, ms(10));
 * ```
 */
export class Host {
  /** The simulation. */
  readonly sim: Simulation;
  /** The host's name and network address. */
  readonly name: string;
  /** The cores and run queue. */
  readonly cpu: Cpu;
  /** The cost model. */
  readonly costs: CostModel;
  /** The settings (limits, buffer sizes). */
  readonly options: HostSettings;
  /** Every process started here, by pid (exited ones included). */
  readonly processes: Map<number, Process> = new Map();
  /** @ignore The network stack, set when the host joins a network. */
  _stack: NetworkStack | null = null;
  /** Injected system-call faults, when `injectFaults` turned them on. */
  faults: FaultInjector | null = null;
  #down = false;
  #crashes = 0;
  #nextPid = 1000;
  #liveThreads = 0;

  /**
   * Makes a host.
   *
   * @param sim The simulation.
   * @param options Name, cores, cost overrides, limits.
   * @throws {RangeError} If a count or size is not a positive integer, or a cost is invalid.
   * @throws {TypeError} If the name is not a non-empty string.
   */
  constructor(sim: Simulation, options: HostOptions = {}) {
    const name = options.name ?? "host";
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`Invalid host name "${String(name)}": it must be a non-empty string`);
    }
    this.sim = sim;
    this.name = name;
    this.cpu = new Cpu(sim, positiveInt("cores", options.cores, 1));
    this.costs = costModel(options.costs ?? {});
    this.options = {
      nofile: positiveInt("nofile", options.nofile, DEFAULT_NOFILE),
      nofileHard: positiveInt("nofileHard", options.nofileHard, DEFAULT_NOFILE_HARD),
      maxThreads: positiveInt("maxThreads", options.maxThreads, 32_768),
      rcvbuf: positiveInt("rcvbuf", options.rcvbuf, 131_072),
      sndbuf: positiveInt("sndbuf", options.sndbuf, 16_384),
      somaxconn: positiveInt("somaxconn", options.somaxconn, 4096),
      sigpending: positiveInt("sigpending", options.sigpending, 96_365),
    };
    if (this.options.nofile > this.options.nofileHard) {
      throw new RangeError(
        `Invalid host option nofile "${this.options.nofile}": it exceeds nofileHard "${this.options.nofileHard}"`,
      );
    }
  }

  /** Whether the host is down: crashed and not yet restarted. */
  get down(): boolean {
    return this.#down;
  }

  /**
   * Crashes the host: every process dies at once (as by SIGKILL), its
   * sockets vanish without a FIN or a RST — peers find out by timing out, or
   * by a RST once the host is back — and nothing is answered until
   * `restart()`.
   *
   * @example A crash kills every process
   * ```ts
   * import assert from "node:assert/strict";
   * import { ms, Simulation } from "@iosim/iosim/kernel";
   * const sim = new Simulation();
   * const host = new Host(sim, { name: "box" });
   * const p = host.spawn("server", function* (sys) {
   *   yield* sys.sleep(ms(10));
   * });
   * sim.schedule(ms(1), () => host.crash());
   * sim.run();
   * assert.equal(p.exitCode, -9);
   * assert.equal(host.down, true);
   * ```
   */
  crash(): void {
    if (this.#down) return;
    this.#down = true;
    this.#crashes++;
    // The stack first: sockets closed by the dying processes must stay silent.
    this._stack?.crash();
    for (const p of this.processes.values()) if (p.alive) p._exit(-9);
    if (this.sim.trace.enabled) this.sim.trace.emit("crash", -1, { host: this.name });
  }

  /**
   * Brings a crashed host back, with no processes: start its services again.
   */
  restart(): void {
    if (!this.#down) return;
    this.#down = false;
    this._stack?.restart();
    if (this.sim.trace.enabled) this.sim.trace.emit("restart", -1, { host: this.name });
  }

  /** How many times the host crashed. */
  get crashes(): number {
    return this.#crashes;
  }

  /**
   * Sends a signal to a process of this host from outside (a fault plan,
   * a test): as kill(2) would.
   *
   * @param target The pid or the process name (the oldest live one with that name).
   * @param sig The signal.
   * @returns Whether a live process got it.
   * @throws {RangeError} For an unknown signal.
   */
  signal(target: number | string, sig: number | SignalName): boolean {
    const signo = toSigno(sig);
    const p = typeof target === "number"
      ? this.processes.get(target)
      : [...this.processes.values()].find((q) => q.name === target && q.alive);
    if (p === undefined || !p.alive) return false;
    p._signal(signo, { signo });
    return true;
  }

  /**
   * Injects system-call faults on this host (EINTR, short reads and
   * writes, EMFILE, ENOBUFS, slow readers), drawn from the host's own
   * seeded stream; `null` turns them off.
   *
   * @param faults What to inject.
   * @throws {RangeError} If a probability is out of range.
   * @throws {TypeError} If a field is unknown.
   */
  injectFaults(faults: SyscallFaults | null): void {
    this.faults = faults === null
      ? null
      : new FaultInjector(this.sim, this.name, this.sim.rng.fork(`faults:${this.name}`), faults);
  }

  /** How many threads are running on the host. */
  get threadCount(): number {
    return this.#liveThreads;
  }

  /** The network stack, or `null` until the host joins a network. */
  get stack(): NetworkStack | null {
    return this._stack;
  }

  /**
   * Starts a process whose main thread runs `body`.
   *
   * @param name The process name.
   * @param body A generator function given the thread's `sys`.
   * @param options Privilege, daemon, start delay, error handling.
   * @returns The process.
   * @throws {TypeError} If `body` is not a function, `name` not a string, or
   *   `delay` not a number.
   * @throws {RangeError} If `delay` is negative, NaN, infinite or above 2^53 - 1,
   *   or `onError` is neither `"raise"` nor `"exit"`.
   * @throws {StateError} If the host is down.
   */
  spawn(name: string, body: ThreadBody, options: ProcessOptions = {}): Process {
    return this._spawn(name, body, options, null);
  }

  /** @ignore Starts a process, as a child of `parent` (fork) or of nobody. */
  _spawn(name: string, body: ThreadBody, options: ProcessOptions, parent: Process | null): Process {
    if (this.#down) {
      throw new StateError(
        `Cannot start "${name}" on host "${this.name}": it is down (restart it first)`,
      );
    }
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`Invalid process name "${String(name)}": it must be a non-empty string`);
    }
    if (typeof body !== "function") {
      throw new TypeError(`Invalid body for process "${name}": it must be a generator function`);
    }
    // Everything is checked before the process is registered or counted.
    const onError = options.onError === undefined ? "raise" : checkOnError(options.onError);
    const delay = options.delay === undefined ? 0 : checkSpawnDelay(options.delay);
    const pid = this.#nextPid++;
    const proc = new Process(this, pid, name, options.privileged ?? false, onError);
    this.processes.set(pid, proc);
    if (parent !== null) {
      // fork(2): the child shares the parent's open files and copies its
      // limits and signal actions.
      proc.parent = parent;
      parent.children.push(proc);
      for (const [fd, file] of parent.fds.entries()) if (fd > 2) proc.fds.installAt(fd, file);
      proc.fds.limit = parent.fds.limit;
      proc.fds.hardLimit = parent.fds.hardLimit;
      parent.signals.actions.forEach((a, i) => proc.signals.actions[i] = a);
      parent.signals.restart.forEach((r, i) => proc.signals.restart[i] = r);
    }
    this.#liveThreads++;
    const thread = proc._startThread("main", body, delay);
    if (options.daemon === true) thread.task.daemon = true;
    return proc;
  }

  /** @ignore Counts a new thread, or returns false at the limit (pthread_create's EAGAIN). */
  _addThread(): boolean {
    if (this.#liveThreads >= this.options.maxThreads) return false;
    this.#liveThreads++;
    return true;
  }

  /** @ignore A thread ended. */
  _threadEnded(): void {
    this.#liveThreads--;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Host { ${this.name}, ${this.cpu.cores} core(s), ${this.processes.size} process(es) }`;
  }
}
