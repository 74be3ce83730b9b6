/**
 * `multiprocessing.Manager()`: a server process holding objects that
 * other processes use through proxies.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Host } from "../os/host.ts";
import type { Process as OsProcess } from "../os/process.ts";
import { Sys } from "../os/sys.ts";
import type { Thread, ThreadRoutine } from "../os/thread.ts";
import { Channel } from "./_channel.ts";
import { callerThread, due, nextChildName, owe, oweSyscalls, pay, procState } from "./_context.ts";
import type { Typeid } from "./_referents.ts";
import { type Conn, type ManagerStats, runServer, ServerState } from "./_server.ts";
import { Pipe } from "./connection.ts";
import { type MpCosts, mpCosts, pickleTime, unpickleTime } from "./costs.ts";
import { BrokenPipeError, EOFError, OSError, ProcessError } from "./errors.ts";
import { pickle, SHARED, type SharePolicy } from "./pickle.ts";
import { Process } from "./process.ts";
import {
  AcquirerProxy,
  DictProxy,
  ListProxy,
  type ManagerLink,
  NamespaceProxy,
  QueueProxy,
  ValueProxy,
} from "./proxy.ts";

export type { ManagerStats } from "./_server.ts";

/**
 * A manager (CPython's `SyncManager`): a server process, and the proxies
 * to the objects it holds. Made and started by {@linkcode Manager}. Each
 * thread that uses a proxy opens its own connection to the server (a pipe
 * each way, handed to the server as a Unix socket would hand them), and
 * the server serves each connection with a thread of its own. Every
 * object creation and every proxy call is a round trip, counted in
 * `stats`. The process that made the manager shuts it down when it exits
 * (an exit handler, as in CPython), or earlier with `shutdown`.
 *
 * CPython also counts references to each object (an `incref` round trip
 * when a proxy is made or inherited, a `decref` on a new connection when
 * it dies); iosim leaves these out: objects live until shutdown.
 *
 * @example The article's manager: ten processes fill a dict and a list
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { type DictProxy, type ListProxy, Manager, Process } from "@iosim/iosim/mp";
 * function* run(sys: Sys, d: DictProxy<number, number>, l: ListProxy<number>) {
 *   yield* d.set(sys.pid, sys.pid);
 *   yield* l.append(sys.pid);
 * }
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const d = yield* manager.dict<number, number>();
 *   const l = yield* manager.list<number>();
 *   const ps = [];
 *   for (let i = 0; i < 10; i++) {
 *     const p = new Process({ target: run, args: [d, l] });
 *     yield* p.start(sys);
 *     ps.push(p);
 *   }
 *   for (const p of ps) yield* p.join();
 *   sys.print(yield* d.len(), yield* l.len());
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "10 10");
 * ```
 */
export class SyncManager implements ManagerLink {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  readonly #sim: Simulation;
  readonly #host: Host;
  readonly #costs: MpCosts;
  readonly #state: ServerState;
  readonly #conns = new Map<Thread, Conn>();
  #process: Process<unknown[]> | null = null;
  #creator: OsProcess | null = null;
  #cancelFinalizer: (() => void) | null = null;
  #shutdown = false;

  /**
   * Makes a manager that is not started; {@linkcode Manager} makes and
   * starts one.
   *
   * @param sys The creating thread's system calls.
   * @throws {TypeError} If `sys` is not a `Sys`.
   */
  constructor(sys: Sys) {
    if (!(sys instanceof Sys)) throw new TypeError(`Invalid sys "${String(sys)}": expected a Sys`);
    this.#sim = sys.host.sim;
    this.#host = sys.host;
    this.#costs = mpCosts(sys.host);
    this.#state = new ServerState(this.#sim, this.#costs.futexNs);
  }

  /** The round trips and bytes so far. */
  get stats(): Readonly<ManagerStats> {
    return this.#state.stats;
  }

  /** The server process, once started. */
  get process(): Process<unknown[]> | null {
    return this.#process;
  }

  /**
   * Starts the server process (a fork, as CPython's default) and waits
   * until it says it is ready.
   *
   * @param sys The calling thread's system calls.
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If it was started before.
   */
  *start(sys: Sys): ThreadRoutine<void> {
    if (this.#process !== null) throw new ProcessError("the manager has already been started");
    const [reader, writer] = Pipe<string>(sys, false);
    const st = procState(sys.process);
    const p = new Process({
      target: runServer,
      args: [this.#state, writer],
      name: nextChildName(sys.process, "SyncManager"),
    });
    this.#process = p as unknown as Process<unknown[]>;
    this.#creator = sys.process;
    yield* p.start(sys);
    yield* writer.close();
    yield* reader.recv();
    yield* reader.close();
    this.#cancelFinalizer = st.finalize(0, () => this.shutdown());
  }

  /**
   * Makes a dict in the server (`manager.dict()`).
   *
   * @typeParam K Its keys.
   * @typeParam V Its values.
   * @param init Initial contents (a map or a plain object).
   * @returns The operation, for `yield*`; it gives the proxy.
   * @throws {TypeError} If `init` is not a map or an object (raised by the server).
   */
  *dict<K = unknown, V = unknown>(
    init?: Map<K, V> | Record<string, V>,
  ): ThreadRoutine<DictProxy<K, V>> {
    return new DictProxy<K, V>(this, "dict", yield* this.#create("dict", [init ?? null]));
  }

  /**
   * Makes a list in the server (`manager.list()`).
   *
   * @typeParam T Its items.
   * @param init Initial items.
   * @returns The operation, for `yield*`; it gives the proxy.
   * @throws {TypeError} If `init` is not an array (raised by the server).
   */
  *list<T = unknown>(init?: readonly T[]): ThreadRoutine<ListProxy<T>> {
    return new ListProxy<T>(this, "list", yield* this.#create("list", [init ?? []]));
  }

  /**
   * Makes a namespace in the server (`manager.Namespace()`).
   *
   * @param init Initial attributes.
   * @returns The operation, for `yield*`; it gives the proxy.
   * @throws {TypeError} If `init` is not an object (raised by the server).
   */
  *namespace(init?: Record<string, unknown>): ThreadRoutine<NamespaceProxy> {
    return new NamespaceProxy(this, "Namespace", yield* this.#create("Namespace", [init ?? null]));
  }

  /**
   * Makes a lock in the server (`manager.Lock()`).
   *
   * @returns The operation, for `yield*`; it gives the proxy.
   */
  *lock(): ThreadRoutine<AcquirerProxy> {
    return new AcquirerProxy(this, "Lock", yield* this.#create("Lock", []));
  }

  /**
   * Makes a queue in the server (`manager.Queue()`).
   *
   * @typeParam T Its items.
   * @param maxsize The most items (default 0: no limit).
   * @returns The operation, for `yield*`; it gives the proxy.
   * @throws {RangeError} If `maxsize` is not an integer >= 0 (raised by the server).
   * @throws {TypeError} If `maxsize` is not a number.
   */
  *queue<T = unknown>(maxsize = 0): ThreadRoutine<QueueProxy<T>> {
    return new QueueProxy<T>(this, "Queue", yield* this.#create("Queue", [maxsize]));
  }

  /**
   * Makes a value in the server (`manager.Value()`).
   *
   * @typeParam T Its type.
   * @param typecode Its typecode (kept for printing).
   * @param value Its initial value.
   * @returns The operation, for `yield*`; it gives the proxy.
   */
  *value<T = number>(typecode: string, value: T): ThreadRoutine<ValueProxy<T>> {
    return new ValueProxy<T>(this, "Value", yield* this.#create("Value", [typecode, value]));
  }

  /**
   * Stops the server: a shutdown request, then a join of its process
   * (terminated if it has not ended within a second). Only the process
   * that started the manager may; doing it twice does nothing.
   *
   * @returns The operation, for `yield*`.
   * @throws {ProcessError} If called from another process.
   */
  *shutdown(): ThreadRoutine<void> {
    const t = callerThread(this.#sim, this.#host, "shut down the manager");
    if (this.#shutdown || this.#process === null) return;
    if (t.process !== this.#creator) {
      throw new ProcessError("only the process that started the manager may shut it down");
    }
    this.#shutdown = true;
    this.#cancelFinalizer?.();
    this.#cancelFinalizer = null;
    const p = this.#process;
    if (p.isAlive() && this.#state.running) {
      try {
        yield* this._request(null, "shutdown", []);
      } catch (e) {
        if (!(e instanceof OSError || e instanceof EOFError)) throw e;
      }
    }
    yield* p.join(1_000_000_000);
    if (p.isAlive()) {
      yield* p.terminate();
      yield* p.join();
    }
  }

  /** @ignore A round trip: one request on the calling thread's connection, one reply. */
  *_request(id: number | null, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    const t = callerThread(this.#sim, this.#host, "call a method of the manager");
    const conn = this.#conns.get(t) ?? (yield* this.#connect(t));
    const c = this.#costs;
    const p = pickle([id, method, args]);
    owe(t, c.sendNs + pickleTime(c, p.bytes, p.items));
    conn.req.enqueue(p.value, p.bytes, p.items);
    let reply: unknown;
    try {
      yield* conn.req.write(t, p.bytes + 4, 1);
      reply = yield* conn.rep.read(t);
    } catch (e) {
      if (e instanceof BrokenPipeError || e instanceof EOFError) {
        this.#conns.delete(t);
        throw new EOFError(`the manager's server process ended (during "${method}")`);
      }
      throw e;
    }
    owe(t, c.recvNs + unpickleTime(c, conn.rep.lastBytes, conn.rep.lastItems));
    if (due(t, c.lazyFlushNs)) yield* pay(t);
    const [ok, value] = reply as [boolean, unknown];
    if (!ok) throw value;
    return value;
  }

  *#create(typeid: Typeid, args: readonly unknown[]): ThreadRoutine<number> {
    return (yield* this._request(null, "create", [typeid, ...args])) as number;
  }

  *#connect(t: Thread): ThreadRoutine<Conn> {
    const state = this.#state;
    if (!state.running) {
      throw new OSError("[Errno 111] Connection refused: the manager's server is not running");
    }
    const server = state.os!;
    // socket + connect; the server's ends go over as accept would give them.
    oweSyscalls(t, "connect", 1, t.costs.socketNs);
    const conn: Conn = { req: new Channel(t.sys), rep: new Channel(t.sys) };
    conn.req.moveEnd("read", t.process, server);
    conn.rep.moveEnd("write", t.process, server);
    state.pending.push(conn);
    state.stats.connections++;
    this.#conns.set(t, conn);
    if (state.accept.size > 0) {
      if (t.pending) yield* pay(t);
      state.accept.wakeOne(t);
    }
    // The handshake CPython makes (authentication challenge and reply).
    yield* this._request(null, "accept_connection", []);
    return conn;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    const state = this.#shutdown ? "shutdown" : this.#process === null ? "initial" : "started";
    return `<SyncManager ${state}, ${this.#state.stats.roundTrips} round trips>`;
  }
}

/**
 * Starts a manager (`multiprocessing.Manager()`): forks its server process
 * and waits until it is ready.
 *
 * @example A managed dict survives its writer
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host, type Sys } from "@iosim/iosim/os";
 * import { type DictProxy, Manager, Process } from "@iosim/iosim/mp";
 * function* writer(sys: Sys, d: DictProxy<string, number>) {
 *   yield* d.set("pid", sys.pid);
 * }
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const d = yield* manager.dict<string, number>();
 *   const p = new Process({ target: writer, args: [d] });
 *   yield* p.start(sys);
 *   yield* p.join();
 *   sys.print((yield* d.getItem("pid")) === p.pid, manager.stats.roundTrips > 2);
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "true true");
 * ```
 *
 * @param sys The calling thread's system calls.
 * @returns The operation, for `yield*`; it gives the started manager.
 * @throws {TypeError} If `sys` is not a `Sys`.
 */
export function* Manager(sys: Sys): ThreadRoutine<SyncManager> {
  const m = new SyncManager(sys);
  yield* m.start(sys);
  return m;
}
