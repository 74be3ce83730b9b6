/**
 * The select(2) event loop.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { ThreadBody } from "../os/process.ts";
import { select } from "../io/select.ts";
import { CLOSED, Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * A single-threaded select server. Each call scans every descriptor below
 * the highest one; a descriptor of 1024 or more cannot be put in an fd_set,
 * so the loop fails with "filedescriptor out of range in select()" once a
 * connection gets one.
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function selectServer(
  opts: ServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const conns = new Map<number, Conn>();
    const writing = new Set<number>();
    for (;;) {
      const [readable, writable] = yield* select(sys, [ls, ...conns.keys()], [...writing], []);
      stats.loops++;
      for (const fd of readable) {
        if (fd === ls) {
          try {
            const a = yield* sys.accept(ls);
            yield* sys.setBlocking(a.fd, false);
            conns.set(a.fd, new Conn(a.fd));
            stats.accepted++;
          } catch (e) {
            if (!isErrno(e, "EAGAIN") && !isErrno(e, "EMFILE")) throw e;
          }
          continue;
        }
        const c = conns.get(fd)!;
        const before = c.served;
        const state = yield* onReadable(sys, c, opts, false);
        stats.served += c.served - before;
        if (state === CLOSED) {
          conns.delete(fd);
          writing.delete(fd);
          stats.closed++;
        } else if (state === WANT_WRITE) writing.add(fd);
      }
      for (const fd of writable) {
        const c = conns.get(fd);
        if (c === undefined) continue;
        if ((yield* onWritable(sys, c)) !== WANT_WRITE) writing.delete(fd);
      }
    }
  };
}
