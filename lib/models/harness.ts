/**
 * The comparison harness: one workload run under several models, each in
 * its own fresh simulation, measured the same way.
 *
 * @module
 */

import type { Event } from "../kernel/event.ts";
import { Rng } from "../kernel/rng.ts";
import { Simulation } from "../kernel/simulation.ts";
import { kernelUsage } from "../io/kernel_work.ts";
import { Network } from "../net/network.ts";
import type { Host } from "../os/host.ts";
import type { Process } from "../os/process.ts";
import { Usage } from "../os/usage.ts";
import { minus, type ProcessSnapshot, sampleMemory, snapshot } from "./_measure.ts";
import { ClientStats, closedLoopClient, idleClient } from "./load.ts";
import { openLoopClient } from "./open_loop.ts";
import { type LatencyStats, latencyStats } from "./protocol.ts";
import { getModel, type ModelSpec } from "./registry.ts";
import type { ServerStats } from "./server.ts";
import { type ResolvedWorkload, resolveWorkload, type Workload } from "./workload.ts";

/** The server's port in every run. */
export const HARNESS_PORT = 8080;

/** Where the server's CPU time went during the measured window. */
export interface CpuSplit {
  /** All of it. */
  readonly totalNs: number;
  /** Computing: the service time, and a signal handler's own work. */
  readonly usefulNs: number;
  /** In system calls (besides copies and failed calls). */
  readonly syscallNs: number;
  /** Copying between kernel and user memory: phase 2. */
  readonly copyNs: number;
  /** System calls that failed with EAGAIN: busy-poll waste. */
  readonly wastedNs: number;
  /** Context switches. */
  readonly switchNs: number;
  /** Delivering signals to handlers and returning from them. */
  readonly signalNs: number;
  /**
   * The kernel's own work for asynchronous I/O (aio, io_uring): the waits'
   * protocol work and the copies it did for the process, charged to no
   * thread. Included in `totalNs`.
   */
  readonly kernelNs: number;
  /** `totalNs` over the window times the cores: how busy the server host was. */
  readonly utilization: number;
}

/** Memory the server held at its peak (sampled through the window). */
export interface MemorySplit {
  /** Virtual memory reserved for thread stacks. */
  readonly stackBytes: number;
  /** Resident memory of the processes and threads. */
  readonly residentBytes: number;
  /** Kernel memory of the sockets, buffered data included. */
  readonly socketBytes: number;
  /** The server's own per-connection state in user space. */
  readonly userBytes: number;
  /** The sum of the four. */
  readonly totalBytes: number;
  /** Live threads at that moment. */
  readonly threads: number;
  /** Live processes at that moment. */
  readonly processes: number;
}

/** Figures divided by the requests answered (`null` when none were). */
export interface PerRequest {
  /** Server CPU time. */
  readonly cpuNs: number | null;
  /** Server system calls. */
  readonly syscalls: number | null;
  /** Server context switches. */
  readonly contextSwitches: number | null;
  /** Server thread wake-ups. */
  readonly wakeups: number | null;
}

/** Where the processes of one name spent the window (phase 1 and phase 2 included). */
export interface ProcessTimes {
  /** The process name (`conn` for each per-connection child, `worker0`...). */
  readonly name: string;
  /** How many processes of that name ran. */
  readonly count: number;
  /** CPU time. */
  readonly cpuNs: number;
  /** Blocked until I/O was ready: phase 1. */
  readonly phase1Ns: number;
  /** Copying data between kernel and user: phase 2. */
  readonly phase2Ns: number;
  /** Busy-polling (EAGAIN): phase 1 spent on the CPU. */
  readonly wastedNs: number;
  /** Blocked on other things (pause, join, waitpid). */
  readonly blockedNs: number;
  /** Waiting for a core. */
  readonly runqueueNs: number;
  /** System calls. */
  readonly syscalls: number;
}

/** The setup phase: every connection opened and accepted before requests start. */
export interface SetupFigures {
  /** Virtual time it took. */
  readonly ns: number;
  /** Whether the server accepted every connection (an iterative server stops at one). */
  readonly complete: boolean;
  /** Connections the server accepted. */
  readonly accepted: number;
  /** Times server threads were woken meanwhile. */
  readonly wakeups: number;
  /** `wakeups / accepted`: 1 or less for one waiter, the worker count for a thundering herd. */
  readonly wakeupsPerAccept: number | null;
}

/** The server's own counters at the end. */
export interface ServerFigures {
  /** Connections accepted (setup included). */
  readonly accepted: number;
  /** Requests served (setup included). */
  readonly served: number;
  /** Connections closed. */
  readonly closed: number;
  /** Loop iterations. */
  readonly loops: number;
  /** Calls that cost a connection, by errno. */
  readonly errors: Readonly<Record<string, number>>;
}

/** What one model did with the workload. */
export interface ModelResult {
  /** The model's name. */
  readonly model: string;
  /** Its description. */
  readonly description: string;
  /** Whether it ran to the end without failing. */
  readonly ok: boolean;
  /** Why it failed (the server's uncaught error), or `null`. */
  readonly error: string | null;
  /** How the connections were set up, before the window. */
  readonly setup: SetupFigures;
  /** The measured window. */
  readonly windowNs: number;
  /** Requests answered in the window. */
  readonly requests: number;
  /** Requests started in the window. */
  readonly sent: number;
  /** Requests started and never answered (still waiting, or their connection failed). */
  readonly unanswered: number;
  /** Requests answered per second of the window. */
  readonly throughput: number;
  /** Latency of the requests answered. */
  readonly latency: LatencyStats;
  /** Where the server's CPU went. */
  readonly cpu: CpuSplit;
  /** Server costs per request answered. */
  readonly perRequest: PerRequest;
  /** Peak server memory. */
  readonly memory: MemorySplit;
  /** Per-process times, grouped by process name. */
  readonly processes: readonly ProcessTimes[];
  /** The server's counters. */
  readonly server: ServerFigures;
  /** Client connections that failed, by errno. */
  readonly clientErrors: Readonly<Record<string, number>>;
  /** Model-specific figures (prefork: `listenerEvents`, `acceptEagain`). */
  readonly extras: Readonly<Record<string, number>>;
  /** Events the simulation processed. */
  readonly events: number;
}

/** A workload's results under several models. */
export interface Comparison {
  /** The workload, defaults filled in. */
  readonly workload: ResolvedWorkload;
  /** One result per model, in the order asked. */
  readonly results: readonly ModelResult[];
}

/** Options of the harness. */
export interface HarnessOptions {
  /**
   * Makes each model's simulation, given the model's name (default: a new
   * one seeded with the workload's seed, trace off). Scenarios pass
   * `ctx.simulation` so the runs join their digest.
   */
  readonly simulation?: (label: string) => Simulation;
}

const SLICE = 1_000_000; // setup and rounds runs advance in 1 ms steps
const STALL = 20_000_000; // setup gives up after 20 ms without a new accept
const SETUP_CAP = 60_000_000_000;
const CLIENT_DELAY = 1_000_000; // the server starts first
const SETTLE = 200_000_000; // the longest wait for the server's cores to go idle after setup

/**
 * Runs one workload under several models, each in a fresh simulation with
 * the same seed, so each sees the same clients and the same arrivals. The
 * workload and every model name are checked before anything runs; a model
 * whose server fails (select past FD_SETSIZE) gets `ok: false` and its
 * error, and the others go on.
 *
 * @example epoll and poll on the same small workload
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms } from "@iosim/iosim/kernel";
 * import { compareModels } from "@iosim/iosim/models";
 * const cmp = compareModels({ connections: 20, activeShare: 0.25, durationNs: ms(20) }, ["epoll", "poll"]);
 * const [epoll, poll] = cmp.results;
 * assert.equal(cmp.workload.active, 5);
 * assert.ok(epoll!.ok && poll!.ok);
 * assert.ok(epoll!.requests > 100);
 * assert.ok(poll!.perRequest.cpuNs! > epoll!.perRequest.cpuNs!);
 * ```
 *
 * @param workload The workload (defaults for what is left out).
 * @param models Registry names or specs.
 * @param options How simulations are made.
 * @returns The resolved workload and one result per model.
 * @throws {TypeError} If the workload or a model is malformed.
 * @throws {RangeError} If a workload field is out of range or a model name unknown.
 */
export function compareModels(
  workload: Workload,
  models: readonly (string | ModelSpec)[],
  options: HarnessOptions = {},
): Comparison {
  const w = resolveWorkload(workload);
  if (!Array.isArray(models) || models.length === 0) {
    throw new RangeError(`Invalid models "${String(models)}": give at least one model name`);
  }
  const specs = models.map(getModel);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new RangeError(`Model "${s.name}" is given twice`);
    seen.add(s.name);
  }
  return { workload: w, results: specs.map((spec) => execute(w, spec, options)) };
}

/**
 * Runs one workload under one model.
 *
 * @example The iterative server serves every request of a small workload
 * ```ts
 * import assert from "node:assert/strict";
 * import { runModel } from "@iosim/iosim/models";
 * const r = runModel({ connections: 3, rounds: 4 }, "blocking");
 * assert.equal(r.requests, 12);
 * assert.equal(r.cpu.wastedNs, 0);
 * ```
 *
 * @param workload The workload.
 * @param model A registry name or a spec.
 * @param options How the simulation is made.
 * @returns The result.
 * @throws {TypeError} If the workload or the model is malformed.
 * @throws {RangeError} If a workload field is out of range or the model name unknown.
 */
export function runModel(
  workload: Workload,
  model: string | ModelSpec,
  options: HarnessOptions = {},
): ModelResult {
  const w = resolveWorkload(workload);
  return execute(w, getModel(model), options);
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function execute(w: ResolvedWorkload, spec: ModelSpec, options: HarnessOptions): ModelResult {
  const sim = options.simulation?.(spec.name) ?? new Simulation({ seed: w.seed, trace: false });
  const net = new Network(sim, { link: w.link });
  const costs = { ...w.costs };
  const server = net.addHost("server", {
    cores: w.cores,
    costs,
    somaxconn: Math.max(4096, w.connections + 64),
    maxThreads: w.maxThreads,
  });
  // One client host per CONNECTIONS_PER_CLIENT_HOST connections: "client", "client2", ...
  const clientHosts: Host[] = [];
  for (let i = 0; i * CONNECTIONS_PER_CLIENT_HOST < w.connections; i++) {
    clientHosts.push(net.addHost(i === 0 ? "client" : `client${i + 1}`, {
      cores: w.clientCores,
      costs,
    }));
  }
  const made = spec.server({
    port: HARNESS_PORT,
    backlog: Math.max(4096, w.connections + 64),
    requestBytes: w.requestBytes,
    responseBytes: w.responseBytes,
    serviceNs: w.serviceNs,
  }, w);
  const stats = made.stats;
  const proc = server.spawn(spec.name, made.body, { daemon: true, onError: "exit" });

  const go = sim.event<void>("start");
  const clients = startClients(w, clientHosts, go);
  const expected = w.idle +
    (w.arrivalRate !== null && w.openLoopMode === "connection" ? 0 : w.active);

  let error: string | null = null;
  const failed = (): boolean => {
    if (error === null && !proc.alive) {
      error = proc.error !== undefined
        ? describeError(proc.error)
        : `the server exited with status ${proc.exitCode}`;
    }
    return error !== null;
  };
  const advance = (until: number): boolean => {
    try {
      sim.run({ until });
    } catch (e) {
      error = describeError(e);
    }
    return !failed();
  };

  // Setup: every connection made and accepted (or no progress for a while).
  let lastAccepted = -1, lastProgress = 0;
  while (stats.accepted < expected && sim.now < SETUP_CAP) {
    if (!advance(sim.now + SLICE)) break;
    if (stats.accepted !== lastAccepted) {
      lastAccepted = stats.accepted;
      lastProgress = sim.now;
    } else if (sim.now - lastProgress >= STALL) break;
  }
  const setupComplete = stats.accepted >= expected;
  // Let the server settle: threads and children it started may still queue for a
  // core, and work caused by the setup (queued signals) may still run; a server
  // that never idles (a busy poller) is given SETTLE.
  for (let k = 0; setupComplete && error === null && server.cpu.queued > 0 && k < 1000; k++) {
    if (!advance(sim.now + SLICE)) break;
  }
  const settleEnd = sim.now + SETTLE;
  while (setupComplete && error === null && server.cpu.idleCores < w.cores && sim.now < settleEnd) {
    if (!advance(sim.now + SLICE)) break;
  }
  const setupNs = sim.now;

  let peak = { stackBytes: 0, residentBytes: 0, socketBytes: 0, userBytes: 0, totalBytes: 0 };
  let peakCounts = { threads: 0, processes: 0 };
  const sample = () => {
    const m = sampleMemory(server);
    const userBytes = Math.max(0, stats.open) * spec.userBytesPerConnection;
    const totalBytes = m.stackBytes + m.residentBytes + m.socketBytes + userBytes;
    if (totalBytes >= peak.totalBytes) {
      peak = { ...m, userBytes, totalBytes };
      peakCounts = { threads: m.threads, processes: m.processes };
    }
  };

  const before = snapshot(server);
  const kernelBefore = kernelUsage(server).cpuNs;
  let setupWakeups = 0;
  for (const s of before.values()) setupWakeups += s.usage.wakeups;
  const t0 = sim.now;
  if (error === null) {
    sample();
    go.succeed();
    if (w.durationNs !== null) {
      for (let k = 1; k <= 10; k++) {
        if (!advance(t0 + Math.round((w.durationNs * k) / 10))) break;
        sample();
      }
    } else {
      let k = 0;
      while (!clients.finished() && sim.now - t0 < w.timeoutNs) {
        if (!advance(Math.min(sim.now + SLICE, t0 + w.timeoutNs))) break;
        if (++k % 10 === 0) sample();
      }
      sample();
    }
  }
  const windowNs = sim.now - t0;
  const after = snapshot(server);
  const kernelNs = kernelUsage(server).cpuNs - kernelBefore;
  return assemble(w, spec, {
    kernelNs,
    error,
    setup: {
      ns: setupNs,
      complete: setupComplete,
      accepted: stats.accepted,
      wakeups: setupWakeups,
      wakeupsPerAccept: stats.accepted > 0 ? setupWakeups / stats.accepted : null,
    },
    windowNs,
    before,
    after,
    server,
    stats,
    clients: [clients.active(), ...clients.idle],
    memory: { ...peak, ...peakCounts },
    extras: made.extras?.(server) ?? {},
    events: sim.eventsProcessed,
  });
}

/**
 * Connections one client host opens, below the 28,232 ephemeral ports
 * (32768-60999) of one address: bigger workloads spread over several client
 * hosts, as real load generators use several source addresses.
 */
export const CONNECTIONS_PER_CLIENT_HOST = 25_000;

interface Clients {
  /** The active clients' figures, all hosts together. */
  active(): ClientStats;
  readonly idle: readonly ClientStats[];
  finished(): boolean;
}

function startClients(w: ResolvedWorkload, hosts: readonly Host[], go: Event<void>): Clients {
  const server = ["server", HARNESS_PORT] as const;
  const ex = { requestBytes: w.requestBytes, responseBytes: w.responseBytes, serviceNs: 0 };
  // Fill the hosts in order: active connections first, then idle ones.
  let h = 0, room = CONNECTIONS_PER_CLIENT_HOST;
  const share = (n: number): [Host, number][] => {
    const out: [Host, number][] = [];
    while (n > 0) {
      if (room === 0) [h, room] = [h + 1, CONNECTIONS_PER_CLIENT_HOST];
      const k = Math.min(n, room);
      out.push([hosts[h]!, k]);
      room -= k;
      n -= k;
    }
    return out;
  };
  const parts: ClientStats[] = [];
  share(w.active).forEach(([host, n], i) => {
    const stats = new ClientStats();
    parts.push(stats);
    const name = i === 0 ? "load" : `load${i + 1}`;
    const body = w.arrivalRate === null
      ? closedLoopClient({
        ...ex,
        server,
        connections: n,
        rounds: w.rounds ?? Infinity,
        thinkNs: w.thinkNs,
        connectSpreadNs: w.connectSpreadNs,
        start: go,
        hold: true,
        stats,
      })
      : openLoopClient({
        ...ex,
        server,
        // Each part carries its share of the arrivals, from its own stream.
        rate: (w.arrivalRate * n) / w.active,
        mode: w.openLoopMode,
        connections: n,
        rng: new Rng(w.seed).fork(i === 0 ? "arrivals" : `arrivals${i + 1}`),
        start: go,
        stats,
      });
    host.spawn(name, body, { daemon: true, delay: CLIENT_DELAY });
  });
  const idle: ClientStats[] = [];
  share(w.idle).forEach(([host, n], i) => {
    const stats = new ClientStats();
    idle.push(stats);
    host.spawn(
      i === 0 ? "idle" : `idle${i + 1}`,
      idleClient({ server, connections: n, connectSpreadNs: w.connectSpreadNs, stats }),
      { daemon: true, delay: CLIENT_DELAY },
    );
  });
  return {
    active: () => (parts.length === 1 ? parts[0]! : mergeStats(parts)),
    idle,
    finished: () => parts.every((p) => p.finishedAt >= 0),
  };
}

/** The figures of several client processes as one. */
function mergeStats(parts: readonly ClientStats[]): ClientStats {
  const out = new ClientStats();
  for (const p of parts) {
    for (const x of p.latencies) out.latencies.push(x);
    out.completed += p.completed;
    out.sent += p.sent;
    out.connected += p.connected;
    for (const [k, v] of Object.entries(p.failures)) out.failures[k] = (out.failures[k] ?? 0) + v;
    if (p.startedAt >= 0 && (out.startedAt < 0 || p.startedAt < out.startedAt)) {
      out.startedAt = p.startedAt;
    }
  }
  // Finished when every part has finished.
  out.finishedAt = parts.every((p) => p.finishedAt >= 0)
    ? Math.max(...parts.map((p) => p.finishedAt))
    : -1;
  return out;
}

interface Raw {
  readonly error: string | null;
  readonly setup: SetupFigures;
  readonly windowNs: number;
  readonly before: Map<number, ProcessSnapshot>;
  readonly after: Map<number, ProcessSnapshot>;
  readonly server: Host;
  readonly stats: ServerStats;
  readonly clients: readonly ClientStats[];
  readonly memory: MemorySplit;
  readonly extras: Record<string, number>;
  readonly events: number;
  readonly kernelNs: number;
}

function assemble(w: ResolvedWorkload, spec: ModelSpec, raw: Raw): ModelResult {
  const total = new Usage();
  let signalOverhead = 0;
  const groups = new Map<string, { count: number; u: Usage }>();
  for (const [pid, snap] of raw.after) {
    const base = raw.before.get(pid);
    const d = minus(snap.usage, base?.usage);
    total.add(d);
    signalOverhead += (snap.delivered - (base?.delivered ?? 0)) * w.costs.signalNs;
    const p = raw.server.processes.get(pid) as Process;
    let g = groups.get(p.name);
    if (g === undefined) groups.set(p.name, g = { count: 0, u: new Usage() });
    g.count++;
    g.u.add(d);
  }
  const active = raw.clients[0]!;
  const requests = active.completed;
  const per = (x: number) => (requests > 0 ? x / requests : null);
  const handlerWork = Math.max(0, total.signalNs - signalOverhead);
  const clientErrors: Record<string, number> = {};
  for (const c of raw.clients) {
    for (const [k, v] of Object.entries(c.failures)) clientErrors[k] = (clientErrors[k] ?? 0) + v;
  }
  return {
    model: spec.name,
    description: spec.description,
    ok: raw.error === null,
    error: raw.error,
    setup: raw.setup,
    windowNs: raw.windowNs,
    requests,
    sent: active.sent,
    unanswered: Math.max(0, active.sent - requests),
    throughput: raw.windowNs > 0 ? (requests * 1e9) / raw.windowNs : 0,
    latency: latencyStats(active.latencies),
    cpu: {
      totalNs: total.cpuNs + raw.kernelNs,
      usefulNs: total.userNs + handlerWork,
      syscallNs: total.syscallNs,
      copyNs: total.copyNs,
      wastedNs: total.wastedNs,
      switchNs: total.switchNs,
      signalNs: total.signalNs - handlerWork,
      kernelNs: raw.kernelNs,
      utilization: raw.windowNs > 0 ? (total.cpuNs + raw.kernelNs) / (raw.windowNs * w.cores) : 0,
    },
    perRequest: {
      cpuNs: per(total.cpuNs + raw.kernelNs),
      syscalls: per(total.syscalls),
      contextSwitches: per(total.contextSwitches),
      wakeups: per(total.wakeups),
    },
    memory: raw.memory,
    processes: [...groups].map(([name, { count, u }]) => ({
      name,
      count,
      cpuNs: u.cpuNs,
      phase1Ns: u.phase1Ns,
      phase2Ns: u.copyNs,
      wastedNs: u.wastedNs,
      blockedNs: u.blockedNs,
      runqueueNs: u.runqueueNs,
      syscalls: u.syscalls,
    })),
    server: {
      accepted: raw.stats.accepted,
      served: raw.stats.served,
      closed: raw.stats.closed,
      loops: raw.stats.loops,
      errors: { ...raw.stats.errors },
    },
    clientErrors,
    extras: raw.extras,
    events: raw.events,
  };
}
