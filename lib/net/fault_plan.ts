/**
 * Fault plans: the faults of a run, at exact virtual times or drawn from the
 * simulation's seed — partitions that heal, host crashes and restarts,
 * signals, packet rules and system-call faults.
 *
 * @module
 */

import type { Rng } from "../kernel/rng.ts";
import type { Host } from "../os/host.ts";
import { checkSyscallFaults, type SyscallFaults } from "../os/faults.ts";
import { type SignalName, toSigno } from "../os/signals.ts";
import { formatTime } from "../kernel/time.ts";
import type { FaultHandle, Network, Partition } from "./network.ts";
import { checkFaultRule, type FaultRule } from "./path.ts";

/** One fault, at a virtual time. */
export type FaultAction =
  | {
    /** Cut the network between `side` and `other` (default: everyone else). */
    readonly kind: "partition";
    readonly at: number;
    readonly side: readonly string[];
    readonly other?: readonly string[];
    readonly oneWay?: boolean;
    /** When to heal it (never, if omitted). */
    readonly healAt?: number;
  }
  | {
    /** Crash a host; restart it at `restartAt` (never, if omitted). */
    readonly kind: "crash";
    readonly at: number;
    readonly host: string;
    readonly restartAt?: number;
  }
  | {
    /** Send a signal (SIGKILL by default) to a process of a host. */
    readonly kind: "kill";
    readonly at: number;
    readonly host: string;
    readonly process: string | number;
    readonly signal?: SignalName;
  }
  | {
    /** Add a packet rule (drop, duplicate, delay, jitter, reorder, bandwidth) until `untilAt`. */
    readonly kind: "rule";
    readonly at: number;
    readonly rule: FaultRule & {
      readonly from?: string;
      readonly to?: string;
      readonly bothWays?: boolean;
    };
    readonly untilAt?: number;
  }
  | {
    /** Inject system-call faults on a host (`null` stops them). */
    readonly kind: "syscalls";
    readonly at: number;
    readonly host: string;
    readonly faults: SyscallFaults | null;
  };

/** A plan: the actions, in any order. */
export interface FaultPlan {
  /** The faults. */
  readonly actions: readonly FaultAction[];
}

/** What `applyFaultPlan` can call back. */
export interface FaultPlanHooks {
  /** A host came back up: start its services again. */
  readonly onRestart?: (host: Host) => void;
}

function checkTime(what: string, t: unknown): number {
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
    throw new RangeError(
      `Invalid fault plan time ${what} "${String(t)}": expected nanoseconds >= 0`,
    );
  }
  return t;
}

/**
 * Schedules every action of `plan` on the network's simulation, relative to
 * now. Each action and its undoing (heal, restart, rule removed) is recorded
 * in the trace.
 *
 * The whole plan is checked before anything is scheduled — times, hosts,
 * packet rules, system-call faults, signals — so a bad plan is refused at
 * the call and none of it is applied, rather than failing the simulation
 * when its time comes.
 *
 * @example A partition that heals after 10 ms
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * net.addHost("a");
 * net.addHost("b");
 * applyFaultPlan(net, { actions: [{ kind: "partition", at: ms(1), side: ["a"], healAt: ms(11) }] });
 * sim.run({ until: ms(5) });
 * assert.equal(net.path("a", "b").blocked, 1);
 * sim.run({ until: ms(20) });
 * assert.equal(net.path("a", "b").blocked, 0);
 * ```
 *
 * @example A bad action is refused before anything is scheduled
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * net.addHost("a");
 * assert.throws(
 *   () =>
 *     applyFaultPlan(net, {
 *       actions: [
 *         { kind: "crash", at: ms(1), host: "a" },
 *         { kind: "rule", at: ms(2), rule: { drop: 2 } },
 *       ],
 *     }),
 *   /drop "2"/,
 * );
 * assert.equal(sim.peek(), Infinity); // not even the crash
 * ```
 *
 * @param net The network.
 * @param plan The plan.
 * @param hooks What to do when a host restarts.
 * @throws {RangeError} If a time is negative or out of order, a host unknown, a
 *   signal unknown, or a rule or system-call fault out of range.
 * @throws {TypeError} If the plan or an action is malformed.
 */
export function applyFaultPlan(net: Network, plan: FaultPlan, hooks: FaultPlanHooks = {}): void {
  if (plan === null || typeof plan !== "object" || !Array.isArray(plan.actions)) {
    throw new TypeError(`Invalid fault plan "${String(plan)}": expected { actions: [...] }`);
  }
  const sim = net.sim;
  const host = (name: string): Host => {
    const h = net.host(name);
    if (h === undefined) throw new RangeError(`Unknown host "${String(name)}" in the fault plan`);
    return h;
  };
  const hostList = (what: string, names: unknown): readonly string[] => {
    if (!Array.isArray(names)) {
      throw new TypeError(
        `Invalid partition ${what} "${String(names)}": expected an array of host names`,
      );
    }
    names.forEach(host);
    return names;
  };
  // Check everything first, then schedule: a bad plan applies nothing.
  const steps: (() => void)[] = [];
  for (const a of plan.actions as readonly unknown[] as readonly FaultAction[]) {
    if (a === null || typeof a !== "object") {
      throw new TypeError(`Invalid fault action "${String(a)}": expected an object`);
    }
    const at = checkTime("at", a.at);
    switch (a.kind) {
      case "partition": {
        const side = hostList("side", a.side);
        const other = a.other === undefined ? undefined : hostList("other", a.other);
        for (const n of side) {
          if (other?.includes(n)) {
            throw new RangeError(`Invalid partition: host "${n}" is on both sides`);
          }
        }
        const heal = a.healAt === undefined ? undefined : checkTime("healAt", a.healAt);
        if (heal !== undefined && heal < at) {
          throw new RangeError(`Invalid healAt "${heal}": before the partition at ${at}`);
        }
        steps.push(() => {
          let cut: Partition | null = null;
          sim.schedule(at, () => {
            cut = net.partition(side, other, a.oneWay === true ? { oneWay: true } : {});
          });
          if (heal !== undefined) sim.schedule(heal, () => cut?.heal());
        });
        break;
      }
      case "crash": {
        const h = host(a.host);
        const restart = a.restartAt === undefined ? undefined : checkTime("restartAt", a.restartAt);
        if (restart !== undefined && restart < at) {
          throw new RangeError(`Invalid restartAt "${restart}": before the crash at ${at}`);
        }
        steps.push(() => {
          sim.schedule(at, () => h.crash());
          if (restart !== undefined) {
            sim.schedule(restart, () => {
              h.restart();
              hooks.onRestart?.(h);
            });
          }
        });
        break;
      }
      case "kill": {
        const h = host(a.host);
        const target: unknown = a.process;
        if (
          !(typeof target === "string" && target !== "") &&
          !(typeof target === "number" && Number.isSafeInteger(target) && target > 0)
        ) {
          throw new TypeError(
            `Invalid kill process "${String(target)}": expected a pid or a process name`,
          );
        }
        const signal = a.signal ?? "SIGKILL";
        const signo = toSigno(signal);
        steps.push(() => {
          sim.schedule(at, () => {
            if (sim.trace.enabled) {
              sim.trace.emit("fault", -1, {
                kind: "kill",
                host: a.host,
                process: String(a.process),
                signal,
              });
            }
            h.signal(a.process, signo);
          });
        });
        break;
      }
      case "rule": {
        checkFaultRule(a.rule);
        if (a.rule.from !== undefined) host(a.rule.from);
        if (a.rule.to !== undefined) host(a.rule.to);
        const until = a.untilAt === undefined ? undefined : checkTime("untilAt", a.untilAt);
        if (until !== undefined && until < at) {
          throw new RangeError(`Invalid untilAt "${until}": before the rule at ${at}`);
        }
        steps.push(() => {
          let handle: FaultHandle | null = null;
          sim.schedule(at, () => {
            handle = net.addFault(a.rule);
          });
          if (until !== undefined) sim.schedule(until, () => handle?.remove());
        });
        break;
      }
      case "syscalls": {
        const h = host(a.host);
        if (a.faults !== null) checkSyscallFaults(a.faults);
        steps.push(() => {
          sim.schedule(at, () => h.injectFaults(a.faults));
        });
        break;
      }
      default:
        throw new TypeError(`Invalid fault action "${JSON.stringify(a)}": unknown kind`);
    }
  }
  for (const step of steps) step();
}

/**
 * The most partitions, and the most crashes, that {@linkcode randomFaultPlan}
 * draws: each is an action in memory and a few events in the simulation, so
 * a mistyped count (`1e9`) is refused instead of exhausting memory.
 */
export const MAX_RANDOM_FAULTS = 10_000;

/** What a random plan may contain. */
export interface RandomPlanOptions {
  /** The hosts that take part (clients and servers); not empty when there are partitions. */
  readonly hosts: readonly string[];
  /** The hosts that may crash (and restart); with none, no crash is drawn. */
  readonly servers: readonly string[];
  /** The span the faults fall in, in ns. */
  readonly durationNs: number;
  /** How many partitions (each heals): 0 to {@linkcode MAX_RANDOM_FAULTS}, default 0. */
  readonly partitions?: number;
  /** How many crashes (each restarts): 0 to {@linkcode MAX_RANDOM_FAULTS}, default 0. */
  readonly crashes?: number;
  /** Packet loss on every path: a probability from 0 to 1, default 0. */
  readonly loss?: number;
  /** Packet duplication on every path: a probability from 0 to 1, default 0. */
  readonly duplicate?: number;
}

function checkProbability(what: string, p: unknown): number {
  if (typeof p !== "number") {
    throw new TypeError(`Invalid ${what} "${String(p)}": expected a probability from 0 to 1`);
  }
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Invalid ${what} "${p}": expected a probability from 0 to 1`);
  }
  return p;
}

function checkCount(what: string, n: unknown): number {
  if (typeof n !== "number") {
    throw new TypeError(`Invalid ${what} "${String(n)}": expected a whole number`);
  }
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RANDOM_FAULTS) {
    throw new RangeError(
      `Invalid ${what} "${n}": expected a whole number from 0 to ${MAX_RANDOM_FAULTS}`,
    );
  }
  return n;
}

function checkNames(what: string, names: unknown): readonly string[] {
  if (!Array.isArray(names)) {
    throw new TypeError(`Invalid ${what} "${String(names)}": expected an array of host names`);
  }
  return names;
}

/**
 * Draws a fault plan from `rng`: background loss and duplication on every
 * path, and partitions and crashes at random times, each healed or
 * restarted a random while later.
 *
 * @example Same seed, same plan
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Rng } from "@iosim/iosim/kernel";
 * const opts = { hosts: ["s", "c"], servers: ["s"], durationNs: ms(100), partitions: 1, crashes: 1 };
 * assert.deepEqual(randomFaultPlan(new Rng(3), opts), randomFaultPlan(new Rng(3), opts));
 * ```
 *
 * @example Counts are bounded
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Rng } from "@iosim/iosim/kernel";
 * assert.throws(
 *   () => randomFaultPlan(new Rng(1), { hosts: ["a"], servers: [], durationNs: ms(1), partitions: 1e9 }),
 *   RangeError,
 * );
 * ```
 *
 * @param rng The generator (fork the simulation's).
 * @param opts What the plan may contain.
 * @returns The plan.
 * @throws {RangeError} If a count is not a whole number from 0 to
 *   {@linkcode MAX_RANDOM_FAULTS}, a probability is outside [0, 1], the duration
 *   is negative, or there are partitions but no hosts.
 * @throws {TypeError} If `opts` is not an object, a value is not a number, or
 *   `hosts` or `servers` is not an array.
 */
export function randomFaultPlan(rng: Rng, opts: RandomPlanOptions): FaultPlan {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`Invalid random fault plan options "${String(opts)}": expected an object`);
  }
  const d = checkTime("durationNs", opts.durationNs);
  const hosts = checkNames("hosts", opts.hosts);
  const servers = checkNames("servers", opts.servers);
  const loss = checkProbability("loss", opts.loss ?? 0);
  const dup = checkProbability("duplicate", opts.duplicate ?? 0);
  const partitions = checkCount("partitions", opts.partitions ?? 0);
  const crashes = checkCount("crashes", opts.crashes ?? 0);
  if (partitions > 0 && hosts.length === 0) {
    throw new RangeError(
      `Invalid hosts "[]": ${partitions} partition(s) need at least one host to cut off`,
    );
  }
  const actions: FaultAction[] = [];
  if (loss > 0 || dup > 0) {
    actions.push({ kind: "rule", at: 0, rule: { drop: loss, duplicate: dup } });
  }
  for (let i = 0; i < partitions; i++) {
    const at = Math.round(rng.uniform(0, d * 0.7));
    const side = [rng.pick(hosts)];
    actions.push({
      kind: "partition",
      at,
      side,
      healAt: at + Math.round(rng.uniform(d * 0.05, d * 0.25)),
    });
  }
  for (let i = 0; i < crashes; i++) {
    if (servers.length === 0) break;
    const at = Math.round(rng.uniform(0, d * 0.7));
    actions.push({
      kind: "crash",
      at,
      host: rng.pick(servers),
      restartAt: at + Math.round(rng.uniform(d * 0.05, d * 0.2)),
    });
  }
  actions.sort((a, b) => a.at - b.at);
  return { actions };
}

/**
 * Describes a plan, one line per action, for scenario output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const lines = describeFaultPlan({ actions: [{ kind: "crash", at: 1e9, host: "s", restartAt: 2e9 }] });
 * assert.deepEqual(lines, ['at 1 s: crash host "s", restart at 2 s']);
 * ```
 *
 * @param plan The plan.
 * @returns The lines.
 */
export function describeFaultPlan(plan: FaultPlan): string[] {
  return plan.actions.map((a) => {
    const at = `at ${formatTime(a.at)}: `;
    switch (a.kind) {
      case "partition":
        return `${at}partition ${a.side.join(",")} from ${a.other?.join(",") ?? "the rest"}${
          a.oneWay ? " (one way)" : ""
        }${a.healAt === undefined ? "" : `, heal at ${formatTime(a.healAt)}`}`;
      case "crash":
        return `${at}crash host "${a.host}"${
          a.restartAt === undefined ? "" : `, restart at ${formatTime(a.restartAt)}`
        }`;
      case "kill":
        return `${at}${a.signal ?? "SIGKILL"} to ${a.process} on "${a.host}"`;
      case "rule":
        return `${at}packet rule ${JSON.stringify(a.rule)}${
          a.untilAt === undefined ? "" : ` until ${formatTime(a.untilAt)}`
        }`;
      case "syscalls":
        return `${at}system-call faults on "${a.host}": ${JSON.stringify(a.faults)}`;
    }
  });
}
