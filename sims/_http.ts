/**
 * A tiny HTTP/1.0 server and client for the scenarios: one request per
 * connection, `Connection: close`, the response read until EOF — enough for
 * `urllib.request.urlopen` against a static site.
 *
 * @module
 */

import type { BlockingIo } from "../lib/coro/green_io.ts";
import { fromBytes, type Sys, toBytes } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";

/** One page a site serves. */
export interface Page {
  /** The path, e.g. `/win0211/p/8549921.html`. */
  readonly path: string;
  /** The body's size in bytes. */
  readonly bytes: number;
  /** How long the server works on the request before answering (its backend), in ns. */
  readonly thinkNs: number;
}

/** What `urlopen` returns. */
export interface Response {
  /** The status code. */
  readonly status: number;
  /** The headers, names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body. */
  readonly body: Uint8Array;
}

/** The parts of an `http://host[:port]/path` URL. */
export interface Url {
  /** The host name. */
  readonly host: string;
  /** The port (80 by default). */
  readonly port: number;
  /** The path with its query. */
  readonly path: string;
}

/**
 * Splits an `http://` URL.
 *
 * @param url The URL.
 * @returns Its host, port and path.
 */
export function parseUrl(url: string): Url {
  const m = /^http:\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (m === null) {
    throw new RangeError(`Invalid URL "${url}": only http://host[:port]/path is supported`);
  }
  return { host: m[1]!, port: m[2] === undefined ? 80 : Number(m[2]), path: m[3] ?? "/" };
}

/**
 * A body of `bytes` bytes of HTML lines (deterministic).
 *
 * @param path The page's path, named in the text.
 * @param bytes The size.
 * @returns The body.
 */
export function pageBody(path: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const line = toBytes(`<p>${path} — iosim sample content, one line of the page.</p>\n`);
  for (let i = 0; i < bytes; i++) out[i] = line[i % line.length]!;
  if (bytes > 0) out[bytes - 1] = 0x0a;
  return out;
}

/**
 * `urllib.request.urlopen(url)`: connects, sends a GET, reads the response
 * until the server closes, and parses it. Runs on whatever calls it is given:
 * green (a greenlet waits) or plain (the thread waits).
 *
 * @param io The socket calls.
 * @param url The URL.
 * @returns The operation, for `yield*`; it gives the response.
 */
export function* urlopen(io: BlockingIo, url: string): ThreadRoutine<Response> {
  const { host, port, path } = parseUrl(url);
  const fd = yield* io.socket();
  try {
    yield* io.connect(fd, [host, port]);
    yield* io.sendall(
      fd,
      `GET ${path} HTTP/1.0\r\nHost: ${host}\r\nUser-Agent: Python-urllib/3.6\r\nConnection: close\r\n\r\n`,
    );
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = yield* io.recv(fd, 65536);
      if (chunk.length === 0) break;
      parts.push(chunk);
      total += chunk.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return parseResponse(all);
  } finally {
    yield* io.close(fd);
  }
}

/**
 * `resp.readlines()`: the body split after each newline.
 *
 * @param body The body.
 * @returns The lines, newlines kept.
 */
export function readlines(body: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x0a) {
      lines.push(body.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < body.length) lines.push(body.subarray(start));
  return lines;
}

function parseResponse(all: Uint8Array): Response {
  let end = -1;
  for (let i = 0; i + 3 < all.length; i++) {
    if (all[i] === 13 && all[i + 1] === 10 && all[i + 2] === 13 && all[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("Malformed HTTP response: no end of headers");
  const [statusLine, ...lines] = fromBytes(all.subarray(0, end)).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1] ?? NaN);
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status, headers, body: all.subarray(end + 4) };
}

/**
 * A static HTTP/1.0 server: a thread per connection (so requests to the
 * same site are served concurrently) that reads the request, works
 * `thinkNs`, answers and closes.
 *
 * @param pages The pages it serves.
 * @param port The port (default 80).
 * @returns The main thread's body.
 */
export function httpServer(pages: readonly Page[], port = 80): (sys: Sys) => ThreadRoutine<void> {
  const byPath = new Map(pages.map((p) => [p.path, p]));
  return function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", port]);
    yield* sys.listen(ls, 128);
    for (let n = 0;; n++) {
      const { fd } = yield* sys.accept(ls);
      yield* sys.spawnThread(`conn${n}`, function* (tsys) {
        let req = "";
        while (!req.includes("\r\n\r\n")) {
          const chunk = yield* tsys.recv(fd, 4096);
          if (chunk.length === 0) break;
          req += fromBytes(chunk);
        }
        const path = /^GET (\S+) HTTP\/1\.[01]\r\n/.exec(req)?.[1];
        const page = path === undefined ? undefined : byPath.get(path);
        if (page === undefined) {
          yield* tsys.sendall(fd, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        } else {
          if (page.thinkNs > 0) yield* tsys.sleep(page.thinkNs);
          yield* tsys.sendall(
            fd,
            `HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${page.bytes}\r\n\r\n`,
          );
          yield* tsys.sendall(fd, pageBody(page.path, page.bytes));
        }
        yield* tsys.close(fd);
      });
    }
  };
}
