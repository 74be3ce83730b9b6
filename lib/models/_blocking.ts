/**
 * Serving one connection with blocking calls, as the iterative,
 * thread-per-connection and process-per-connection servers do.
 *
 * @module
 */

import { isErrno } from "../os/errno.ts";
import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { READ_BYTES, responseBytes } from "./_conn.ts";
import type { Exchange } from "./protocol.ts";
import type { ServerStats } from "./server.ts";

/**
 * Reads requests until EOF with a blocking recv (phase 1 and phase 2 both
 * inside it), computes each, answers it with blocking sends, then closes.
 */
export function* serveBlocking(
  sys: Sys,
  fd: number,
  ex: Exchange,
  stats: ServerStats,
): ThreadRoutine<void> {
  let got = 0;
  serve: for (;;) {
    let data: Uint8Array;
    try {
      data = yield* sys.recv(fd, READ_BYTES);
    } catch (e) {
      if (isErrno(e, "ECONNRESET")) break;
      throw e;
    }
    if (data.length === 0) break;
    got += data.length;
    while (got >= ex.requestBytes) {
      got -= ex.requestBytes;
      if (ex.serviceNs > 0) yield* sys.compute(ex.serviceNs);
      stats.served++;
      let left = ex.responseBytes;
      try {
        while (left > 0) left -= yield* sys.send(fd, responseBytes(Math.min(left, READ_BYTES)));
      } catch (e) {
        if (isErrno(e, "EPIPE") || isErrno(e, "ECONNRESET")) break serve;
        throw e;
      }
    }
  }
  yield* sys.close(fd);
  stats.closed++;
}

/** Counts a failed call in `stats.errors` by its errno. */
export function countError(stats: ServerStats, errno: string): void {
  stats.errors[errno] = (stats.errors[errno] ?? 0) + 1;
}
