/**
 * The poll(2) event loop.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT } from "../os/events.ts";
import type { ThreadBody } from "../os/process.ts";
import { poll, type PollFd } from "../io/poll.ts";
import { CLOSED, Conn, onReadable, onWritable, WANT_WRITE } from "./_conn.ts";
import { checkServer, listenOn, type ServerOptions, ServerStats } from "./server.ts";

/**
 * A single-threaded poll server: every loop hands the kernel the whole
 * array, so each call costs O(connections), idle ones included.
 *
 * @param opts Port and exchange.
 * @param stats Counters to fill in.
 * @returns The server's main thread body.
 * @throws {RangeError} If an option is out of range.
 */
export function pollServer(
  opts: ServerOptions,
  stats: ServerStats = new ServerStats(),
): ThreadBody<void> {
  checkServer(opts);
  return function* (sys) {
    const ls = yield* listenOn(sys, opts, true);
    const conns = new Map<number, Conn>();
    const writing = new Set<number>();
    for (;;) {
      const fds: PollFd[] = [{ fd: ls, events: POLLIN }];
      for (const fd of conns.keys()) {
        fds.push({ fd, events: writing.has(fd) ? POLLIN | POLLOUT : POLLIN });
      }
      const ready = yield* poll(sys, fds);
      stats.loops++;
      for (const r of ready) {
        if (r.fd === ls) {
          try {
            const { fd } = yield* sys.accept(ls);
            yield* sys.setBlocking(fd, false);
            conns.set(fd, new Conn(fd));
            stats.accepted++;
          } catch (e) {
            if (!isErrno(e, "EAGAIN") && !isErrno(e, "EMFILE")) throw e;
          }
          continue;
        }
        const c = conns.get(r.fd);
        if (c === undefined || (r.revents & POLLNVAL)) continue;
        let state: number;
        if (r.revents & (POLLIN | POLLHUP | POLLERR)) {
          const before = c.served;
          state = yield* onReadable(sys, c, opts, false);
          stats.served += c.served - before;
        } else state = yield* onWritable(sys, c);
        if (state === CLOSED) {
          conns.delete(r.fd);
          writing.delete(r.fd);
          stats.closed++;
        } else if (state === WANT_WRITE) writing.add(r.fd);
        else writing.delete(r.fd);
      }
    }
  };
}
