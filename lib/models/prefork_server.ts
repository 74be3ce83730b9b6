/**
 * Prefork workers sharing one listening socket.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import { EPOLLERR, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { epollCreate, epollCtl, epollWait } from "../io/epoll.ts";
import { serveBlocking } from "./_blocking.ts";
import { CLOSED, Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/** How prefork workers wait for connections. */
export type PreforkAccept = "epoll" | "blocking";

/** Options of the prefork server. */
export interface PreforkServerOptions extends ServerOptions {
  /** How many worker processes to fork after listen (default 4). */
  readonly workers?: number;
  /**
   * Each worker watches the listening socket with `EPOLLEXCLUSIVE`, so a
   * new connection wakes one worker instead of all (default false).
   */
  readonly exclusive?: boolean;
  /**
   * `"epoll"` (default): each worker runs its own epoll loop over the shared
   * listening socket and its connections. `"blocking"`: each worker blocks
   * in accept(2) and serves one connection at a time (Apache's prefork);
   * Linux wakes one accept waiter per connection.
   */
  readonly accept?: PreforkAccept;
}

/**
 * What one prefork worker saw.
 *
 * @example Fresh counters
 * ```ts
 * import assert from "node:assert/strict";
 * const w = new WorkerStats();
 * assert.equal(w.listenerEvents + w.acceptEagain + w.accepted, 0);
 * ```
 */
export class WorkerStats {
  /** The worker's pid (0 until it starts). */
  pid = 0;
  /** Times epoll_wait returned the listening socket as ready. */
  listenerEvents = 0;
  /** accept(2) calls that found the connection already taken (EAGAIN). */
  acceptEagain = 0;
  /** Connections this worker accepted. */
  accepted = 0;
}

/**
 * The prefork server's counters: the totals, and each worker's.
 *
 * @example Per-worker counters
 * ```ts
 * import assert from "node:assert/strict";
 * const stats = new PreforkStats();
 * assert.deepEqual(stats.workers, []);
 * assert.equal(stats.acceptEagain, 0);
 * ```
 */
export class PreforkStats extends ServerStats {
  /** One entry per worker, in fork order. */
  readonly workers: WorkerStats[] = [];

  /** accept(2) calls that lost the race, over all workers. */
  get acceptEagain(): number {
    return this.workers.reduce((n, w) => n + w.acceptEagain, 0);
  }

  /** Listening-socket events returned by epoll_wait, over all workers. */
  get listenerEvents(): number {
    return this.workers.reduce((n, w) => n + w.listenerEvents, 0);
  }
}

/**
 * A prefork server: the parent listens (non-blocking), forks `workers`
 * children that share the listening socket, and waits for them. In
 * `"epoll"` mode each worker has its own epoll instance watching the shared
 * listening socket (with `EPOLLEXCLUSIVE` when `exclusive`) and its own
 * connections, level-triggered. Without `EPOLLEXCLUSIVE` one connection
 * wakes every idle worker — the thundering herd: all but one find accept
 * failing with EAGAIN; with it, one worker is woken. Kernel wake-ups are in
 * each worker's `usage().wakeups`; what user space saw is in `stats.workers`.
 *
 * @example One connection with EPOLLEXCLUSIVE wakes one worker
 * ```ts
 * import assert from "node:assert/strict";
 * import { ms, Simulation } from "@iosim/iosim/kernel";
 * import { Network } from "@iosim/iosim/net";
 * import { PreforkStats, preforkServer } from "@iosim/iosim/models";
 * const sim = new Simulation();
 * const net = new Network(sim);
 * const stats = new PreforkStats();
 * const ex = { requestBytes: 64, responseBytes: 64, serviceNs: 0 };
 * net.addHost("srv", { cores: 4 }).spawn("master", preforkServer({ ...ex, port: 80, workers: 4, exclusive: true }, stats), { privileged: true, daemon: true });
 * net.addHost("cli").spawn("client", function* (sys) {
 *   yield* sys.sleep(ms(1));
 *   yield* sys.connect(yield* sys.socket(), ["srv", 80]);
 *   yield* sys.sleep(ms(1));
 * });
 * sim.run();
 * assert.equal(stats.accepted, 1);
 * assert.equal(stats.listenerEvents, 1);
 * assert.equal(stats.acceptEagain, 0);
 * ```
 *
 * @param opts Port, exchange, worker count, EPOLLEXCLUSIVE, accept mode.
 * @param stats Counters to fill in (shared by the workers).
 * @returns The parent's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function preforkServer(
  opts: PreforkServerOptions,
  stats: PreforkStats = new PreforkStats(),
): ThreadBody<void> {
  checkServer(opts);
  const n = opts.workers ?? 4;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Invalid workers "${String(n)}": it must be a positive integer`);
  }
  const mode = opts.accept ?? "epoll";
  if (mode !== "epoll" && mode !== "blocking") {
    throw new RangeError(`Invalid accept mode "${String(mode)}": expected "epoll" or "blocking"`);
  }
  const exclusive = opts.exclusive ?? false;
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, mode === "epoll");
    for (let i = 0; i < n; i++) {
      const ws = new WorkerStats();
      stats.workers.push(ws);
      const body = mode === "epoll"
        ? (w: Sys) => epollWorker(w, ls, opts, exclusive, stats, ws)
        : (w: Sys) => blockingWorker(w, ls, opts, stats, ws);
      yield* sys.fork(`worker${i}`, body, { daemon: true });
    }
    for (;;) yield* sys.waitpid(-1);
  };
}

function* blockingWorker(
  sys: Sys,
  ls: number,
  opts: ServerOptions,
  stats: PreforkStats,
  ws: WorkerStats,
): ThreadRoutine<void> {
  ws.pid = sys.pid;
  for (;;) {
    const { fd } = yield* sys.accept(ls);
    ws.accepted++;
    stats.accepted++;
    stats.loops++;
    yield* serveBlocking(sys, fd, opts, stats);
  }
}

function* epollWorker(
  sys: Sys,
  ls: number,
  opts: ServerOptions,
  exclusive: boolean,
  stats: PreforkStats,
  ws: WorkerStats,
): ThreadRoutine<void> {
  ws.pid = sys.pid;
  const ep = yield* epollCreate(sys);
  yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", ls, EPOLLIN | (exclusive ? EPOLLEXCLUSIVE : 0));
  const conns = new Map<number, Conn>();
  const writing = new Set<number>();
  for (;;) {
    const events = yield* epollWait(sys, ep, 1024);
    stats.loops++;
    for (const ev of events) {
      if (ev.fd === ls) {
        ws.listenerEvents++;
        let fd: number;
        try {
          fd = (yield* sys.accept(ls)).fd;
        } catch (e) {
          if (isErrno(e, "EAGAIN")) {
            ws.acceptEagain++;
            continue;
          }
          if (isErrno(e, "EMFILE")) continue;
          throw e;
        }
        yield* sys.setBlocking(fd, false);
        yield* epollCtl(sys, ep, "EPOLL_CTL_ADD", fd, EPOLLIN);
        conns.set(fd, new Conn(fd));
        ws.accepted++;
        stats.accepted++;
        continue;
      }
      const c = conns.get(ev.fd);
      if (c === undefined) continue;
      let state = -1;
      if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const before = c.served;
        state = yield* onReadable(sys, c, opts, 1);
        stats.served += c.served - before;
      } else if (ev.events & EPOLLOUT) state = yield* onWritable(sys, c);
      if (state === CLOSED) {
        conns.delete(ev.fd);
        writing.delete(ev.fd);
        stats.closed++;
      } else if (state === WANT_WRITE && !writing.has(ev.fd)) {
        writing.add(ev.fd);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", ev.fd, EPOLLIN | EPOLLOUT);
      } else if (state !== WANT_WRITE && writing.has(ev.fd)) {
        writing.delete(ev.fd);
        yield* epollCtl(sys, ep, "EPOLL_CTL_MOD", ev.fd, EPOLLIN);
      }
    }
  }
}
