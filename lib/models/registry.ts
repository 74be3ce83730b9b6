/**
 * The model registry: every server design the harness can run, by name.
 * Adding a model is one entry in {@linkcode MODEL_LIST}.
 *
 * @module
 */

import type { Host } from "../os/host.ts";
import type { ThreadBody } from "../os/process.ts";
import { CONN_STATE_BYTES } from "./_conn.ts";
import { aioServer } from "./aio_server.ts";
import { uringServer, UringServerStats } from "./uring_server.ts";
import { blockingServer } from "./blocking_server.ts";
import { busyPollServer } from "./busy_poll_server.ts";
import { epollServer } from "./epoll_server.ts";
import { pollServer } from "./poll_server.ts";
import { preforkServer, PreforkStats } from "./prefork_server.ts";
import { processServer } from "./process_server.ts";
import { selectServer } from "./select_server.ts";
import { type ServerOptions, ServerStats } from "./server.ts";
import { sigioServer } from "./sigio_server.ts";
import { threadServer } from "./thread_server.ts";
import type { ResolvedWorkload } from "./workload.ts";

/** A server made for one run: its main thread body and the counters it fills. */
export interface ModelServer {
  /** The main thread body of the server process. */
  readonly body: ThreadBody<void>;
  /** Its counters (`accepted` tells the harness when setup is done). */
  readonly stats: ServerStats;
  /**
   * Model-specific figures for the result, read after the run (prefork: its
   * listener events; an asynchronous model: the kernel's own work on `host`).
   */
  readonly extras?: (host: Host) => Record<string, number>;
}

/** A model the harness can run. */
export interface ModelSpec {
  /** The registry name, such as `"epoll"`. */
  readonly name: string;
  /** One line on the design. */
  readonly description: string;
  /**
   * User-space bytes the server keeps per open connection besides thread
   * stacks (which the OS accounts): its connection record, poll entry...
   */
  readonly userBytesPerConnection: number;
  /**
   * Makes the server for one run.
   *
   * @param options Port and exchange.
   * @param workload The workload (cores, workers...).
   * @returns The server.
   */
  server(options: ServerOptions, workload: ResolvedWorkload): ModelServer;
}

/**
 * Makes a registry entry from a server factory of the usual shape
 * `(options, stats) => ThreadBody`.
 *
 * @example A model under another name
 * ```ts
 * import assert from "node:assert/strict";
 * import { epollServer, serverModel } from "@iosim/iosim/models";
 * const spec = serverModel("my_epoll", "epoll with a tiny maxevents", (o, s) => epollServer({ ...o, maxEvents: 1 }, s));
 * assert.equal(spec.name, "my_epoll");
 * assert.equal(spec.userBytesPerConnection, 256);
 * ```
 *
 * @param name The registry name (lower_snake_case).
 * @param description One line on the design.
 * @param factory Makes the server's main thread body, filling `stats`.
 * @param userBytesPerConnection User-space bytes per connection (default 256, an event loop's record).
 * @returns The entry.
 * @throws {RangeError} If the name is not lower_snake_case.
 */
export function serverModel(
  name: string,
  description: string,
  factory: (options: ServerOptions, stats: ServerStats, workload: ResolvedWorkload) => ThreadBody<
    void
  >,
  userBytesPerConnection: number = CONN_STATE_BYTES,
): ModelSpec {
  if (typeof name !== "string" || !/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new RangeError(`Invalid model name "${String(name)}": use lower_snake_case`);
  }
  return Object.freeze({
    name,
    description,
    userBytesPerConnection,
    server(options: ServerOptions, workload: ResolvedWorkload): ModelServer {
      const stats = new ServerStats();
      return { body: factory(options, stats, workload), stats };
    },
  });
}

function preforkModel(name: string, exclusive: boolean): ModelSpec {
  return Object.freeze({
    name,
    description: `${
      exclusive ? "prefork workers, each epoll with EPOLLEXCLUSIVE" : "prefork workers, each epoll"
    } on the shared listening socket`,
    userBytesPerConnection: CONN_STATE_BYTES,
    server(options: ServerOptions, workload: ResolvedWorkload): ModelServer {
      const stats = new PreforkStats();
      const body = preforkServer({ ...options, workers: workload.workers, exclusive }, stats);
      return {
        body,
        stats,
        extras: () => ({
          workers: stats.workers.length,
          listenerEvents: stats.listenerEvents,
          acceptEagain: stats.acceptEagain,
        }),
      };
    },
  });
}

function uringModel(): ModelSpec {
  return Object.freeze({
    name: "io_uring",
    description: "io_uring: accept/recv/send on one ring, batched submissions, kernel copies",
    userBytesPerConnection: CONN_STATE_BYTES,
    server(options: ServerOptions): ModelServer {
      const stats = new UringServerStats();
      return {
        body: uringServer(options, stats),
        stats,
        extras: () => ({
          sqesPerEnter: stats.enters > 0 ? stats.submitted / stats.enters : 0,
          cqOverflowed: stats.overflowed,
        }),
      };
    },
  });
}

/** Every registered model, in the order tables list them. */
export const MODEL_LIST: readonly ModelSpec[] = Object.freeze([
  serverModel(
    "blocking",
    "iterative: one connection at a time, blocking accept/recv/send",
    blockingServer,
    0,
  ),
  serverModel(
    "threads",
    "a thread per connection, blocking calls (stack, switches, thread limit)",
    threadServer,
    0,
  ),
  serverModel(
    "processes",
    "a forked process per connection, blocking calls (fork cost, memory)",
    processServer,
    0,
  ),
  serverModel(
    "busy_poll",
    "one thread spinning over non-blocking sockets (EAGAIN burns the CPU)",
    busyPollServer,
  ),
  serverModel("select", "one thread, select(2): O(nfds) per call, FD_SETSIZE 1024", selectServer),
  serverModel("poll", "one thread, poll(2): O(n) per call", pollServer, CONN_STATE_BYTES + 8),
  serverModel("epoll", "one thread, epoll level-triggered: O(ready) per call", epollServer),
  serverModel(
    "epoll_et",
    "one thread, epoll edge-triggered, drained to EAGAIN",
    (o, s) => epollServer({ ...o, edgeTriggered: true }, s),
  ),
  serverModel(
    "sigio",
    "SIGIO on every socket; the handler tries them all until EAGAIN",
    sigioServer,
  ),
  serverModel(
    "sigio_rt",
    "F_SETSIG real-time signal carrying the fd; the handler serves that socket",
    (o, s) => sigioServer({ ...o, queued: true }, s),
  ),
  preforkModel("prefork", false),
  preforkModel("prefork_exclusive", true),
  serverModel(
    "aio",
    "POSIX aio: the kernel waits and copies; a queued signal reports each finished read",
    aioServer,
  ),
  uringModel(),
]);

/** The registry by name. */
export const MODELS: ReadonlyMap<string, ModelSpec> = new Map(MODEL_LIST.map((m) => [m.name, m]));

/**
 * Looks a model up by name (a spec passes through).
 *
 * @example Known and unknown names
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(getModel("epoll").name, "epoll");
 * assert.throws(() => getModel("kqueue"), /Unknown model "kqueue"/);
 * ```
 *
 * @param model A registry name or a spec.
 * @returns The spec.
 * @throws {RangeError} If no model has that name.
 * @throws {TypeError} If it is neither a name nor a spec.
 */
export function getModel(model: string | ModelSpec): ModelSpec {
  if (typeof model === "string") {
    const spec = MODELS.get(model);
    if (spec === undefined) {
      throw new RangeError(
        `Unknown model "${model}": known models are ${[...MODELS.keys()].join(", ")}`,
      );
    }
    return spec;
  }
  if (model === null || typeof model !== "object" || typeof model.server !== "function") {
    throw new TypeError(`Invalid model "${String(model)}": expected a name or a model spec`);
  }
  return model;
}
