/**
 * The network: hosts joined by links.
 *
 * @module
 */

import type { Rng } from "../kernel/rng.ts";
import type { Simulation } from "../kernel/simulation.ts";
import { Host, type HostOptions } from "../os/host.ts";
import {
  checkFaultRule,
  DEFAULT_LINK,
  type FaultRule,
  type LinkParams,
  linkParams,
  LOOPBACK_LINK,
  Path,
} from "./path.ts";
import { HostStack } from "./stack.ts";

/** Options for a new {@linkcode Network}. */
export interface NetworkOptions {
  /** The link between hosts that were not linked explicitly (default: a 10 Gbit/s LAN, 50 µs). */
  readonly link?: Partial<LinkParams>;
  /** The loopback device of every host (default: no delay). */
  readonly loopback?: Partial<LinkParams>;
  /**
   * How long TCP keeps retransmitting before it gives up with ETIMEDOUT
   * (TCP_USER_TIMEOUT's default; Linux's tcp_retries2 = 15 gives about
   * 924.6 s).
   */
  readonly tcpUserTimeoutNs?: number;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** A handle on a fault rule. */
export interface FaultHandle {
  /** Removes the rule from every path. */
  remove(): void;
}

/** A handle on a partition. */
export interface Partition {
  /** Reconnects the two sides. */
  heal(): void;
}

class FaultEntry {
  constructor(readonly rule: FaultRule, readonly from: string | null, readonly to: string | null) {}
  applies(from: string, to: string): boolean {
    return from !== to && (this.from === null || this.from === from) &&
      (this.to === null || this.to === to);
  }
}

class Cut {
  constructor(readonly from: ReadonlySet<string>, readonly to: ReadonlySet<string>) {}
  applies(from: string, to: string): boolean {
    return this.from.has(from) && this.to.has(to);
  }
}

/**
 * Hosts joined by links. Every pair of hosts is reachable over the default
 * link unless `link()` sets another; each direction serialises its packets
 * at the link's bandwidth and draws jitter and loss from the simulation's
 * `"net"` stream.
 *
 * @example An echo over the network
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation, us } from "@iosim/iosim/kernel";
 * import { fromBytes } from "@iosim/iosim/os";
 * const sim = new Simulation();
 * const net = new Network(sim, { link: { latency: us(100) } });
 * const server = net.addHost("server"), client = net.addHost("client");
 * server.spawn("echo", function* (sys) {
 *   const ls = yield* sys.socket();
 *   yield* sys.bind(ls, ["0.0.0.0", 8080]);
 *   yield* sys.listen(ls);
 *   const { fd } = yield* sys.accept(ls);
 *   yield* sys.send(fd, yield* sys.recv(fd, 1024));
 *   yield* sys.close(fd);
 * });
 * const c = client.spawn("client", function* (sys) {
 *   const fd = yield* sys.socket();
 *   yield* sys.connect(fd, ["server", 8080]);
 *   yield* sys.send(fd, "ping");
 *   sys.print(fromBytes(yield* sys.recv(fd, 1024)));
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "ping");
 * assert.equal(c.exitCode, 0);
 * ```
 */
export class Network {
  /** The simulation. */
  readonly sim: Simulation;
  readonly #stacks = new Map<string, HostStack>();
  readonly #paths = new Map<HostStack, Map<HostStack, Path>>();
  readonly #links = new Map<string, LinkParams>();
  readonly #default: LinkParams;
  readonly #loopback: LinkParams;
  readonly #rng: Rng;
  readonly #faults: FaultEntry[] = [];
  /** How long TCP retransmits before ETIMEDOUT, in ns. */
  readonly tcpUserTimeout: number;
  readonly #cuts: Cut[] = [];

  /**
   * Makes an empty network.
   *
   * @param sim The simulation.
   * @param options The default link and loopback.
   * @throws {RangeError} If a link parameter is out of range.
   */
  constructor(sim: Simulation, options: NetworkOptions = {}) {
    this.sim = sim;
    this.#default = linkParams(options.link ?? {}, DEFAULT_LINK);
    this.#loopback = linkParams(options.loopback ?? {}, LOOPBACK_LINK);
    this.#rng = sim.rng.fork("net");
    const ut = options.tcpUserTimeoutNs ?? 924_600_000_000;
    if (typeof ut !== "number" || !(ut > 0) || !Number.isFinite(ut)) {
      throw new RangeError(`Invalid tcpUserTimeoutNs "${String(ut)}": expected nanoseconds > 0`);
    }
    this.tcpUserTimeout = ut;
  }

  /** The hosts, in the order they joined. */
  get hosts(): Host[] {
    return [...this.#stacks.values()].map((s) => s.host);
  }

  /**
   * Makes a host on this network.
   *
   * @param name Its name, which is also its address.
   * @param options Cores, costs, limits.
   * @returns The host.
   * @throws {RangeError} If a host of that name exists, or an option is out of range.
   */
  addHost(name: string, options: Omit<HostOptions, "name"> = {}): Host {
    const host = new Host(this.sim, { ...options, name });
    this.attach(host);
    return host;
  }

  /**
   * Puts an existing host on this network.
   *
   * @param host The host.
   * @throws {RangeError} If a host of that name is already on the network, or the
   *   host's name is a loopback name.
   * @throws {TypeError} If `host` is not a Host, or belongs to another simulation or network.
   */
  attach(host: Host): void {
    if (!(host instanceof Host)) {
      throw new TypeError(`Invalid host "${String(host)}": expected a Host`);
    }
    if (host.sim !== this.sim) {
      throw new TypeError(`Host "${host.name}" belongs to another simulation`);
    }
    if (host._stack !== null) throw new TypeError(`Host "${host.name}" is already on a network`);
    if (this.#stacks.has(host.name)) {
      throw new RangeError(`A host named "${host.name}" is already on the network`);
    }
    if (LOOPBACK_NAMES.has(host.name) || host.name === "0.0.0.0") {
      throw new RangeError(`Invalid host name "${host.name}": it is a reserved address`);
    }
    const stack = new HostStack(host, this);
    host._stack = stack;
    this.#stacks.set(host.name, stack);
  }

  /**
   * The host with this name.
   *
   * @param name The name.
   * @returns The host, or `undefined`.
   */
  host(name: string): Host | undefined {
    return this.#stacks.get(name)?.host;
  }

  /**
   * Sets the link between two hosts, both directions (or only `a` to `b`
   * with `oneWay`).
   *
   * @param a One host (or its name).
   * @param b The other.
   * @param params Latency, bandwidth, jitter, loss (the rest from the default link).
   * @param oneWay Only the direction from `a` to `b`.
   * @throws {RangeError} If a host is unknown, `a` and `b` are the same host (a host
   *   reaches itself over its loopback device: set that with the `loopback` option),
   *   or a parameter is out of range.
   */
  link(a: Host | string, b: Host | string, params: Partial<LinkParams>, oneWay = false): void {
    const sa = this.#stackOf(a), sb = this.#stackOf(b);
    if (sa === sb) {
      throw new RangeError(
        `Cannot link host "${sa.host.name}" to itself: a host reaches itself over its ` +
          `loopback device (set it with the network's loopback option)`,
      );
    }
    const full = linkParams(params, this.#default);
    this.#setLink(sa, sb, full);
    if (!oneWay) this.#setLink(sb, sa, full);
  }

  /**
   * The path packets take from one host to another.
   *
   * @param from The sending host (or name).
   * @param to The receiving host (or name).
   * @returns The path, with its counters.
   * @throws {RangeError} If a host is unknown.
   */
  path(from: Host | string, to: Host | string): Path {
    return this._path(this.#stackOf(from), this.#stackOf(to));
  }

  /** @ignore The host stack an address names, seen from `from`. */
  _resolve(from: HostStack, name: string): HostStack | null {
    if (LOOPBACK_NAMES.has(name)) return from;
    return this.#stacks.get(name) ?? null;
  }

  /** @ignore */
  _path(from: HostStack, to: HostStack): Path {
    let row = this.#paths.get(from);
    if (row === undefined) this.#paths.set(from, row = new Map());
    let path = row.get(to);
    if (path === undefined) {
      const params = from === to
        ? this.#loopback
        : this.#links.get(`${from.host.name}\u0000${to.host.name}`) ?? this.#default;
      path = new Path(from.host.name, to.host.name, params, this.#rng);
      for (const f of this.#faults) {
        if (f.applies(from.host.name, to.host.name)) path.rules.push(f.rule);
      }
      for (const c of this.#cuts) if (c.applies(from.host.name, to.host.name)) path.blocked++;
      row.set(to, path);
    }
    return path;
  }

  /**
   * Adds a fault rule to the paths from `from` to `to` (every host when
   * omitted; `bothWays` adds the reverse too): drop, duplicate, delay,
   * jitter, reorder, or cap the bandwidth of packets. The loopback device
   * is never faulted. Returns a handle that removes the rule.
   *
   * @example Dropping a third of the datagrams from a to b
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * const net = new Network(new Simulation());
   * net.addHost("a");
   * net.addHost("b");
   * const f = net.addFault({ from: "a", to: "b", drop: 1 / 3 });
   * assert.equal(net.path("a", "b").rules.length, 1);
   * f.remove();
   * assert.equal(net.path("a", "b").rules.length, 0);
   * ```
   *
   * @param rule What to do to packets, and where.
   * @returns A handle with `remove()`.
   * @throws {RangeError} If a probability or time is out of range or a host is unknown.
   * @throws {TypeError} If `rule` is not an object or a field is not a number.
   */
  addFault(
    rule: FaultRule & {
      readonly from?: Host | string;
      readonly to?: Host | string;
      readonly bothWays?: boolean;
    },
  ): FaultHandle {
    if (rule === null || typeof rule !== "object") {
      throw new TypeError(`Invalid fault rule "${String(rule)}": expected an object`);
    }
    const { from, to, bothWays, ...r } = rule;
    checkFaultRule(r);
    const a = from === undefined ? null : this.#stackOf(from).host.name;
    const b = to === undefined ? null : this.#stackOf(to).host.name;
    const entries = [new FaultEntry(r, a, b)];
    if (bothWays === true) entries.push(new FaultEntry(r, b, a));
    for (const e of entries) {
      this.#faults.push(e);
      this.#eachPath((p) => {
        if (e.applies(p.from, p.to)) p.rules.push(e.rule);
      });
    }
    this.#record("fault-rule", { from: a, to: b, bothWays: bothWays === true, ...r });
    let removed = false;
    return {
      remove: () => {
        if (removed) return;
        removed = true;
        for (const e of entries) {
          this.#faults.splice(this.#faults.indexOf(e), 1);
          this.#eachPath((p) => {
            const i = p.rules.indexOf(e.rule);
            if (e.applies(p.from, p.to) && i >= 0) p.rules.splice(i, 1);
          });
        }
        this.#record("fault-rule-removed", { from: a, to: b });
      },
    };
  }

  /**
   * Cuts the network between two groups of hosts (`side` and, by default,
   * every other host): packets between them are lost until `heal()`. TCP
   * keeps retransmitting and gives up with ETIMEDOUT after its user timeout;
   * datagrams are gone. `oneWay` cuts only the direction from `side`.
   *
   * @example A partition that heals
   * ```ts
   * import assert from "node:assert/strict";
   * import { Simulation } from "@iosim/iosim/kernel";
   * const net = new Network(new Simulation());
   * net.addHost("a");
   * net.addHost("b");
   * const cut = net.partition(["a"]);
   * assert.equal(net.path("a", "b").send(0, 10), -1);
   * cut.heal();
   * assert.ok(net.path("a", "b").send(0, 10) > 0);
   * ```
   *
   * @param side Hosts on one side.
   * @param other Hosts on the other side (default: all the rest).
   * @param options `oneWay`: cut only packets from `side` to `other`.
   * @returns A handle with `heal()`.
   * @throws {RangeError} If a host is unknown or a host is on both sides.
   */
  partition(
    side: readonly (Host | string)[] | Host | string,
    other?: readonly (Host | string)[] | Host | string,
    options: { readonly oneWay?: boolean } = {},
  ): Partition {
    const names = (x: readonly (Host | string)[] | Host | string) =>
      new Set((Array.isArray(x) ? x : [x]).map((h) => this.#stackOf(h as Host | string).host.name));
    const a = names(side);
    const b = other === undefined
      ? new Set([...this.#stacks.keys()].filter((n) => !a.has(n)))
      : names(other);
    for (const n of a) {
      if (b.has(n)) throw new RangeError(`Invalid partition: host "${n}" is on both sides`);
    }
    const cuts = [new Cut(a, b)];
    if (options.oneWay !== true) cuts.push(new Cut(b, a));
    for (const c of cuts) {
      this.#cuts.push(c);
      this.#eachPath((p) => {
        if (c.applies(p.from, p.to)) p.blocked++;
      });
    }
    this.#record("partition", { side: [...a], other: [...b], oneWay: options.oneWay === true });
    let healed = false;
    return {
      heal: () => {
        if (healed) return;
        healed = true;
        for (const c of cuts) {
          this.#cuts.splice(this.#cuts.indexOf(c), 1);
          this.#eachPath((p) => {
            if (c.applies(p.from, p.to)) p.blocked--;
          });
        }
        this.#record("heal", { side: [...a], other: [...b] });
      },
    };
  }

  #eachPath(fn: (p: Path) => void): void {
    for (const row of this.#paths.values()) for (const p of row.values()) fn(p);
  }

  #record(kind: string, data: Record<string, unknown>): void {
    const trace = this.sim.trace;
    if (trace.enabled) trace.emit(kind, -1, JSON.parse(JSON.stringify(data)));
  }

  #setLink(from: HostStack, to: HostStack, params: LinkParams): void {
    this.#links.set(`${from.host.name}\u0000${to.host.name}`, params);
    const existing = this.#paths.get(from)?.get(to);
    if (existing !== undefined) existing.params = params;
  }

  #stackOf(h: Host | string): HostStack {
    const name = typeof h === "string" ? h : h?.name;
    const stack = name === undefined ? undefined : this.#stacks.get(name);
    if (stack === undefined || (typeof h !== "string" && stack.host !== h)) {
      throw new RangeError(`Unknown host "${String(name)}": add it with network.addHost()`);
    }
    return stack;
  }
}
