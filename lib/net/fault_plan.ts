/**
 * Fault plans: the faults of a run, at exact virtual times or drawn from the
 * simulation's seed — partitions that heal, host crashes and restarts,
 * signals, packet rules and system-call faults.
 *
 * @module
 */

import type { Rng } from "../kernel/rng.ts";
import type { Host } from "../os/host.ts";
import type { SyscallFaults } from "../os/faults.ts";
import type { SignalName } from "../os/signals.ts";
import { formatTime } from "../kernel/time.ts";
import type { FaultHandle, Network, Partition } from "./network.ts";
import type { FaultRule } from "./path.ts";

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
 * @param net The network.
 * @param plan The plan.
 * @param hooks What to do when a host restarts.
 * @throws {RangeError} If a time is negative, a host unknown, or a rule out of range.
 * @throws {TypeError} If an action is malformed.
 */
export function applyFaultPlan(net: Network, plan: FaultPlan, hooks: FaultPlanHooks = {}): void {
  if (plan === null || typeof plan !== "object" || !Array.isArray(plan.actions)) {
    throw new TypeError(`Invalid fault plan "${String(plan)}": expected { actions: [...] }`);
  }
  const sim = net.sim;
  const host = (name: string): Host => {
    const h = net.host(name);
    if (h === undefined) throw new RangeError(`Unknown host "${name}" in the fault plan`);
    return h;
  };
  for (const a of plan.actions) {
    const at = checkTime("at", a.at);
    switch (a.kind) {
      case "partition": {
        a.side.forEach(host);
        a.other?.forEach(host);
        const heal = a.healAt === undefined ? undefined : checkTime("healAt", a.healAt);
        if (heal !== undefined && heal < at) {
          throw new RangeError(`Invalid healAt "${heal}": before the partition at ${at}`);
        }
        let cut: Partition | null = null;
        sim.schedule(at, () => {
          cut = net.partition(a.side, a.other, a.oneWay === true ? { oneWay: true } : {});
        });
        if (heal !== undefined) sim.schedule(heal, () => cut?.heal());
        break;
      }
      case "crash": {
        const h = host(a.host);
        const restart = a.restartAt === undefined ? undefined : checkTime("restartAt", a.restartAt);
        if (restart !== undefined && restart < at) {
          throw new RangeError(`Invalid restartAt "${restart}": before the crash at ${at}`);
        }
        sim.schedule(at, () => h.crash());
        if (restart !== undefined) {
          sim.schedule(restart, () => {
            h.restart();
            hooks.onRestart?.(h);
          });
        }
        break;
      }
      case "kill": {
        const h = host(a.host);
        sim.schedule(at, () => {
          if (sim.trace.enabled) {
            sim.trace.emit("fault", -1, {
              kind: "kill",
              host: a.host,
              process: String(a.process),
              signal: a.signal ?? "SIGKILL",
            });
          }
          h.signal(a.process, a.signal ?? "SIGKILL");
        });
        break;
      }
      case "rule": {
        const until = a.untilAt === undefined ? undefined : checkTime("untilAt", a.untilAt);
        let handle: FaultHandle | null = null;
        sim.schedule(at, () => {
          handle = net.addFault(a.rule);
        });
        if (until !== undefined) sim.schedule(until, () => handle?.remove());
        break;
      }
      case "syscalls": {
        const h = host(a.host);
        sim.schedule(at, () => h.injectFaults(a.faults));
        break;
      }
      default:
        throw new TypeError(`Invalid fault action "${JSON.stringify(a)}": unknown kind`);
    }
  }
}

/** What a random plan may contain. */
export interface RandomPlanOptions {
  /** The hosts that take part (clients and servers). */
  readonly hosts: readonly string[];
  /** The hosts that may crash (and restart). */
  readonly servers: readonly string[];
  /** The span the faults fall in, in ns. */
  readonly durationNs: number;
  /** How many partitions (each heals). */
  readonly partitions?: number;
  /** How many crashes (each restarts). */
  readonly crashes?: number;
  /** Packet loss on every path. */
  readonly loss?: number;
  /** Packet duplication on every path. */
  readonly duplicate?: number;
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
 * @param rng The generator (fork the simulation's).
 * @param opts What the plan may contain.
 * @returns The plan.
 * @throws {RangeError} If a count or probability is out of range.
 */
export function randomFaultPlan(rng: Rng, opts: RandomPlanOptions): FaultPlan {
  const d = checkTime("durationNs", opts.durationNs);
  const actions: FaultAction[] = [];
  const loss = opts.loss ?? 0, dup = opts.duplicate ?? 0;
  if (loss > 0 || dup > 0) {
    actions.push({ kind: "rule", at: 0, rule: { drop: loss, duplicate: dup } });
  }
  const count = (n: number | undefined, what: string) => {
    const v = n ?? 0;
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`Invalid ${what} "${v}": expected a whole number`);
    }
    return v;
  };
  for (let i = 0; i < count(opts.partitions, "partitions"); i++) {
    const at = Math.round(rng.uniform(0, d * 0.7));
    const side = [rng.pick(opts.hosts)];
    actions.push({
      kind: "partition",
      at,
      side,
      healAt: at + Math.round(rng.uniform(d * 0.05, d * 0.25)),
    });
  }
  for (let i = 0; i < count(opts.crashes, "crashes"); i++) {
    if (opts.servers.length === 0) break;
    const at = Math.round(rng.uniform(0, d * 0.7));
    actions.push({
      kind: "crash",
      at,
      host: rng.pick(opts.servers),
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
