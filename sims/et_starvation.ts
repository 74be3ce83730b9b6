/**
 * Edge-triggered starvation: an edge-triggered loop must read a socket
 * until EAGAIN, since no new edge announces data already there. A client
 * that streams requests faster than the server handles them keeps that
 * socket from ever reaching EAGAIN, and the loop that drains it fully never
 * gets back to epoll_wait: the other connections wait until the stream
 * ends. The fair loop reads a bounded amount per turn, keeps the sockets it
 * has not drained on a list of its own, and goes round all of them.
 *
 * @module
 */

import { ms, us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { epollServer } from "../lib/models/epoll_server.ts";
import { ClientStats, closedLoopClient } from "../lib/models/load.ts";
import { latencyStats } from "../lib/models/protocol.ts";
import { ServerStats } from "../lib/models/server.ts";
import { formatTable } from "../lib/report/table.ts";
import type { MetricValue } from "../lib/scenario/define.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

const SIZE = 64;

/** The edge-triggered starvation scenario. */
export const scenario = defineScenario({
  name: "et_starvation",
  description:
    "an edge-triggered loop that drains one busy socket starves the others; bounded reads per turn do not",
  params: {
    light: { type: "int", default: 4, min: 1, max: 100, description: "light connections" },
    busy: {
      type: "int",
      default: 1024,
      min: 1,
      description: "KiB of 64-byte requests the busy client streams without waiting",
    },
    budget: {
      type: "int",
      default: 1,
      min: 1,
      description: "reads per socket per turn in the fair loop",
    },
    readBytes: { type: "int", default: 4096, min: 1, description: "bytes asked of each recv" },
    interval: {
      type: "int",
      default: 1000,
      min: 0,
      description: "microseconds a light client waits between requests",
    },
    rounds: { type: "int", default: 20, min: 1, description: "requests per light client" },
    service: { type: "int", default: 2, min: 0, description: "server microseconds per request" },
  },
  run({ params, simulation }) {
    const ex = { requestBytes: SIZE, responseBytes: SIZE, serviceNs: us(params.service) };
    const variants = [
      { name: "drain", readsPerTurn: Infinity, what: "drain each socket to EAGAIN" },
      {
        name: "fair",
        readsPerTurn: params.budget,
        what: `${params.budget} read${params.budget === 1 ? "" : "s"} per socket per turn`,
      },
    ];
    const rows: { variant: string; conn: string; n: number; p50: number; max: number }[] = [];
    const metrics: Record<string, MetricValue> = {};
    for (const v of variants) {
      const sim = simulation(v.name);
      const net = new Network(sim);
      const served = new ServerStats();
      net.addHost("server").spawn(
        "server",
        epollServer({
          ...ex,
          port: 80,
          edgeTriggered: true,
          readsPerTurn: v.readsPerTurn,
          readBytes: params.readBytes,
        }, served),
        { privileged: true, daemon: true },
      );
      const clients = net.addHost("clients", { cores: 4 });
      const total = params.busy * 1024;
      let busyStart = -1, busyEnd = -1;
      clients.spawn("busy", function* (sys) {
        const fd = yield* sys.socket();
        yield* sys.connect(fd, ["server", 80]);
        busyStart = sys.now;
        // Read the responses on another thread, so the stream never stalls on them.
        const reader = yield* sys.spawnThread("reader", function* (t) {
          let got = 0;
          while (got < total) {
            const data = yield* t.recv(fd, 65536);
            if (data.length === 0) break;
            got += data.length;
          }
          busyEnd = t.now;
        });
        const chunk = new Uint8Array(64 * 1024);
        for (let left = total; left > 0; left -= chunk.length) {
          yield* sys.sendall(fd, chunk.subarray(0, Math.min(left, chunk.length)));
        }
        yield* sys.joinThread(reader);
        sys.print(`busy: ${total / SIZE} requests answered in ${(busyEnd - busyStart) / 1e6} ms`);
      });
      const light: ClientStats[] = [];
      for (let i = 0; i < params.light; i++) {
        const stats = new ClientStats();
        light.push(stats);
        clients.spawn(
          `light${i}`,
          closedLoopClient({
            ...ex,
            server: ["server", 80],
            connections: 1,
            rounds: params.rounds,
            thinkNs: us(params.interval),
            stats,
          }),
          { delay: ms(1) },
        );
      }
      sim.run();
      const lightMetrics: Record<string, MetricValue> = {};
      light.forEach((s, i) => {
        const l = s.latency;
        rows.push({ variant: v.name, conn: `light${i}`, n: l.count, p50: l.p50, max: l.max });
        lightMetrics[`light${i}`] = { requests: l.count, p50Ns: l.p50, maxNs: l.max };
      });
      const all = latencyStats(light.flatMap((s) => s.latencies));
      sim.print(
        `${v.what}: light requests waited up to ${all.max / 1e6} ms (median ${all.p50 / 1e3} µs)`,
      );
      metrics[v.name] = {
        lightMaxNs: all.max,
        lightP50Ns: all.p50,
        busyNs: busyEnd - busyStart,
        loops: served.loops,
        light: lightMetrics,
      };
    }
    const report = formatTable(rows, [
      { title: "loop", value: (r) => r.variant },
      { title: "connection", value: (r) => r.conn },
      { title: "requests", value: (r) => r.n, unit: "count" },
      { title: "p50", value: (r) => r.p50, unit: "ns" },
      { title: "max", value: (r) => r.max, unit: "ns" },
    ]);
    return { metrics, report };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
