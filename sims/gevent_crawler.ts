/**
 * The article's crawler: `f(url)` prints `Get:<url>`, fetches the page with
 * `urllib.request.urlopen` and reads its lines; `gevent.joinall` runs one
 * greenlet per URL. With `monkey.patch_all()` (`--patch true`, the
 * default) every socket call parks only its greenlet, so the fetches
 * overlap and the run takes about as long as the slowest one; unpatched,
 * each call blocks the whole thread, the greenlets fetch one after another
 * and the run takes the sum.
 *
 * The sites are simulated HTTP/1.0 servers (`sims/_http.ts`, a thread per
 * connection) on their own hosts, each behind a link with its own latency;
 * each page has a size and a server think time. The article's two URLs
 * are on www.cnblogs.com; `--extra N` adds N more sites drawn from the
 * seed. iosim has no file system, so the lines are counted instead of
 * written to url.html.
 *
 * @module
 */

import { patchAll } from "../lib/coro/green_io.ts";
import type { BlockingIo } from "../lib/coro/green_io.ts";
import type { GreenletRoutine } from "../lib/coro/greenlet.ts";
import { runHub } from "../lib/coro/hub.ts";
import { ms } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { formatTable } from "../lib/report/table.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";
import { httpServer, type Page, parseUrl, readlines, urlopen } from "./_http.ts";

/** A URL to fetch, with what its site is like. */
interface Target {
  readonly url: string;
  readonly latencyNs: number;
  readonly page: Page;
}

/** What one fetch did. */
interface Fetch {
  url: string;
  startNs: number;
  endNs: number;
  status: number;
  bytes: number;
  lines: number;
}

/** The crawler scenario. */
export const scenario = defineScenario({
  name: "gevent_crawler",
  description:
    "the article's gevent crawler: patched, fetches overlap (≈ slowest); unpatched, they add up",
  params: {
    patch: {
      type: "boolean",
      default: true,
      description: "monkey.patch_all(): green sockets (false: plain blocking sockets)",
    },
    latency: {
      type: "number",
      default: 30,
      min: 0,
      description: "one-way latency to www.cnblogs.com, in milliseconds",
    },
    extra: { type: "int", default: 0, min: 0, max: 100, description: "extra sites to fetch" },
    bandwidth: {
      type: "number",
      default: 100,
      min: 1,
      description: "bandwidth of each site's link, in Mbit/s",
    },
  },
  run({ sim, params }) {
    const rng = sim.rng.fork("crawler");
    const targets: Target[] = [
      {
        url: "http://www.cnblogs.com/win0211/category/1154652.html",
        latencyNs: ms(params.latency),
        page: { path: "/win0211/category/1154652.html", bytes: 64 * 1024, thinkNs: ms(150) },
      },
      {
        url: "http://www.cnblogs.com/win0211/p/8549921.html",
        latencyNs: ms(params.latency),
        page: { path: "/win0211/p/8549921.html", bytes: 40 * 1024, thinkNs: ms(90) },
      },
    ];
    for (let k = 1; k <= params.extra; k++) {
      targets.push({
        url: `http://www.site${k}.example/index.html`,
        latencyNs: ms(Math.round(rng.uniform(5, 80))),
        page: {
          path: "/index.html",
          bytes: 1024 * Math.round(rng.uniform(10, 200)),
          thinkNs: ms(Math.round(rng.uniform(20, 200))),
        },
      });
    }

    const net = new Network(sim);
    const crawler = net.addHost("crawler");
    const bandwidth = params.bandwidth * 1e6 / 8 / 1e9;
    const sites = new Map<string, { latencyNs: number; pages: Page[] }>();
    for (const t of targets) {
      const host = parseUrl(t.url).host;
      const site = sites.get(host) ?? { latencyNs: t.latencyNs, pages: [] };
      site.pages.push(t.page);
      sites.set(host, site);
    }
    for (const [name, site] of sites) {
      net.addHost(name, { cores: 4 }).spawn("httpd", httpServer(site.pages), {
        privileged: true,
        daemon: true,
      });
      net.link("crawler", name, { latency: site.latencyNs, bandwidth });
    }

    const fetches: Fetch[] = [];
    let switches = 0, epollWaits = 0, greenWaits = 0;
    const proc = crawler.spawn("python", function* (sys) {
      yield* runHub(sys, function* (hub) {
        const io: BlockingIo = params.patch ? patchAll(hub) : sys;
        function* f(url: string): GreenletRoutine<void> {
          io.print(`Get:${url}`);
          const fetch: Fetch = { url, startNs: io.now, endNs: 0, status: 0, bytes: 0, lines: 0 };
          fetches.push(fetch);
          const resp = yield* urlopen(io, url);
          // with open("url.html", "wb") as file: for line in resp.readlines(): file.write(line)
          fetch.lines = readlines(resp.body).length;
          fetch.bytes = resp.body.length;
          fetch.status = resp.status;
          fetch.endNs = io.now;
        }
        yield* hub.joinAll(targets.map((t) => hub.spawn(f, t.url)), { raiseError: true });
        switches = hub.runtime.switches;
        epollWaits = hub.polls;
        greenWaits = params.patch ? patchAll(hub).waits : 0;
      });
    });
    sim.run({ until: proc.exited });
    if (proc.error !== undefined) throw proc.error;

    const durations = fetches.map((f) => f.endNs - f.startNs);
    const slowest = Math.max(...durations);
    const sum = durations.reduce((a, b) => a + b, 0);
    const u = proc.usage();
    const report = formatTable(fetches, [
      { title: "url", value: (f) => f.url },
      { title: "start", value: (f) => f.startNs, unit: "ns" },
      { title: "done", value: (f) => f.endNs, unit: "ns" },
      { title: "fetch", value: (f) => f.endNs - f.startNs, unit: "ns" },
      { title: "bytes", value: (f) => f.bytes, unit: "bytes" },
      { title: "lines", value: (f) => f.lines, unit: "count" },
    ]) +
      `${params.patch ? "patched" : "unpatched"}: the crawl took ${
        (sim.now / 1e6).toFixed(1)
      } ms; the slowest fetch took ${(slowest / 1e6).toFixed(1)} ms, all fetches add up to ${
        (sum / 1e6).toFixed(1)
      } ms.\n`;
    return {
      metrics: {
        patched: params.patch,
        totalNs: sim.now,
        slowestFetchNs: slowest,
        sumFetchNs: sum,
        fetches: fetches.map((f) => ({
          url: f.url,
          fetchNs: f.endNs - f.startNs,
          status: f.status,
          bytes: f.bytes,
          lines: f.lines,
        })),
        greenletSwitches: switches,
        greenWaits,
        epollWaits,
        syscalls: u.syscalls,
        eagain: u.eagain,
        cpuNs: u.cpuNs,
      },
      report,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
