/**
 * The manager's server process: a listener thread, and one thread per
 * client connection that unpickles requests, runs them on the objects it
 * holds and pickles the replies.
 *
 * @module
 */

import type { Simulation } from "../kernel/simulation.ts";
import type { Process as OsProcess } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import type { Channel } from "./_channel.ts";
import { owe, oweSyscalls, pay } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { makeReferent, type Referent, type Typeid } from "./_referents.ts";
import type { Connection } from "./connection.ts";
import { mpCosts, pickleTime, unpickleTime } from "./costs.ts";
import { EOFError, KeyError, OSError } from "./errors.ts";
import { pickle, type Pickled, SHARED, type SharePolicy } from "./pickle.ts";

/** A client's connection: requests one way, replies the other. */
export interface Conn {
  /** Client to server. */
  readonly req: Channel;
  /** Server to client. */
  readonly rep: Channel;
}

/** Round trips and traffic of one manager. */
export interface ManagerStats {
  /** Requests answered (object creation and method calls). */
  roundTrips: number;
  /** Client connections made (one per thread that used a proxy). */
  connections: number;
  /** Pickled bytes sent to the server. */
  requestBytes: number;
  /** Pickled bytes sent back. */
  replyBytes: number;
}

/** The state a manager's clients and its server share. */
export class ServerState {
  /** Shared by the manager's clients and its server, never copied. */
  get [SHARED](): SharePolicy {
    return "inherit";
  }
  /** Connections waiting to be accepted (the listen backlog). */
  readonly pending: Conn[] = [];
  /** Where the listener waits for connections. */
  readonly accept: WaitQueue;
  /** The objects the server holds, by id. */
  readonly referents: Map<number, Referent> = new Map();
  /** The traffic so far. */
  readonly stats: ManagerStats = { roundTrips: 0, connections: 0, requestBytes: 0, replyBytes: 0 };
  /** The server process, once it runs. */
  os: OsProcess | null = null;
  /** Whether a shutdown request came. */
  stopping = false;
  #nextId = 1;

  constructor(sim: Simulation, futexNs: number) {
    this.accept = new WaitQueue(sim, "manager accept", futexNs);
  }

  /** Whether the server process runs. */
  get running(): boolean {
    return this.os !== null && this.os.alive && !this.stopping;
  }

  /** Runs one request in a server thread. */
  *dispatch(
    sys: Sys,
    id: number | null,
    method: string,
    args: readonly unknown[],
  ): ThreadRoutine<unknown> {
    if (id === null) {
      switch (method) {
        case "accept_connection":
        case "shutdown":
          return null;
        case "create": {
          const obj = makeReferent(sys, args[0] as Typeid, args.slice(1));
          const newId = this.#nextId++;
          this.referents.set(newId, obj);
          return newId;
        }
        case "number_of_objects":
          return this.referents.size;
      }
      throw new KeyError(`'${method}'`);
    }
    const obj = this.referents.get(id);
    if (obj === undefined) throw new KeyError(`'${id}' (no such object in the manager)`);
    return yield* obj.call(sys, method, args);
  }
}

/**
 * The server process's main thread: says it is ready, then accepts
 * connections until a shutdown request, each served by a thread of its own.
 */
export function* runServer(
  sys: Sys,
  state: ServerState,
  ready: Connection<string>,
): ThreadRoutine<void> {
  state.os = sys.process;
  yield* ready.send("ready");
  yield* ready.close();
  const t = sys.thread;
  let n = 0;
  while (!state.stopping) {
    const conn = state.pending.shift();
    if (conn === undefined) {
      yield* state.accept.wait(t);
      continue;
    }
    oweSyscalls(t, "accept", 1, t.costs.socketNs);
    const th = yield* sys.spawnThread(`Thread-${++n}`, (hsys) => serveClient(hsys, state, conn));
    th.task.daemon = true;
  }
}

function* serveClient(sys: Sys, state: ServerState, conn: Conn): ThreadRoutine<void> {
  const t = sys.thread, costs = mpCosts(sys.host);
  for (;;) {
    let msg: unknown;
    try {
      msg = yield* conn.req.read(t);
    } catch (e) {
      if (e instanceof EOFError || e instanceof OSError) return;
      throw e;
    }
    state.stats.requestBytes += conn.req.lastBytes;
    owe(
      t,
      costs.recvNs + unpickleTime(costs, conn.req.lastBytes, conn.req.lastItems) +
        costs.managerDispatchNs,
    );
    const [id, method, args] = msg as [number | null, string, unknown[]];
    let reply: Pickled;
    try {
      const value = yield* state.dispatch(sys, id, method, args);
      reply = pickle([true, value]);
    } catch (e) {
      reply = pickle([false, e]);
    }
    owe(t, costs.sendNs + pickleTime(costs, reply.bytes, reply.items));
    conn.rep.enqueue(reply.value, reply.bytes, reply.items);
    try {
      yield* conn.rep.write(t, reply.bytes + 4, 1);
    } catch (e) {
      if (e instanceof OSError) return;
      throw e;
    }
    state.stats.replyBytes += reply.bytes + 4;
    state.stats.roundTrips++;
    if (method === "shutdown" && id === null) {
      state.stopping = true;
      if (t.pending) yield* pay(t);
      state.accept.wakeAll(t);
      return;
    }
  }
}
