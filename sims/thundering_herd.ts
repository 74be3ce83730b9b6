/**
 * The thundering herd: N prefork workers wait on one shared listening
 * socket. Each watching it with its own epoll, one connection wakes every
 * one of them — all but one then find accept() failing with EAGAIN (or, on
 * a busy core, nothing at all). With EPOLLEXCLUSIVE the kernel wakes one.
 * Workers blocked in accept() itself were never a herd: Linux wakes one
 * accept waiter per connection.
 *
 * @module
 */

import { ms } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { type PreforkAccept, preforkServer, PreforkStats } from "../lib/models/prefork_server.ts";
import { formatTable } from "../lib/report/table.ts";
import type { MetricValue } from "../lib/scenario/define.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

interface Variant {
  readonly name: string;
  readonly accept: PreforkAccept;
  readonly exclusive: boolean;
  readonly what: string;
}

const VARIANTS: readonly Variant[] = [
  { name: "epoll", accept: "epoll", exclusive: false, what: "epoll per worker" },
  {
    name: "epoll_exclusive",
    accept: "epoll",
    exclusive: true,
    what: "epoll per worker, EPOLLEXCLUSIVE",
  },
  { name: "accept", accept: "blocking", exclusive: false, what: "workers blocked in accept()" },
];

/** The thundering-herd scenario. */
export const scenario = defineScenario({
  name: "thundering_herd",
  description:
    "N workers wait on one listening socket: one connection wakes them all without EPOLLEXCLUSIVE, one with it",
  params: {
    workers: { type: "int", default: 4, min: 1, max: 256, description: "prefork workers" },
    connections: {
      type: "int",
      default: 1,
      min: 1,
      max: 1000,
      description: "connections, one per millisecond",
    },
    cores: { type: "int", default: 4, min: 1, description: "server cores" },
  },
  run({ params, simulation }) {
    const rows: {
      variant: Variant;
      wakeups: number;
      accepted: number;
      eagain: number;
      events: number;
      perWorker: number[];
    }[] = [];
    for (const variant of VARIANTS) {
      const sim = simulation(variant.name);
      const net = new Network(sim);
      const server = net.addHost("server", { cores: params.cores });
      const stats = new PreforkStats();
      server.spawn(
        "master",
        preforkServer({
          port: 80,
          requestBytes: 64,
          responseBytes: 64,
          serviceNs: 0,
          workers: params.workers,
          exclusive: variant.exclusive,
          accept: variant.accept,
        }, stats),
        { privileged: true, daemon: true },
      );
      // Let every worker reach its wait, then count from there.
      const settle = ms(1) + params.workers * server.costs.forkNs;
      sim.run({ until: settle });
      const workers = () => [...server.processes.values()].filter((p) => p.name !== "master");
      const before = workers().map((p) => p.usage().wakeups);
      net.addHost("client").spawn("client", function* (sys) {
        for (let i = 0; i < params.connections; i++) {
          yield* sys.connect(yield* sys.socket(), ["server", 80]);
          sys.print(`connection ${i + 1} made`);
          yield* sys.sleep(ms(1));
        }
        // Keep the connections open: a close would wake their worker again.
        yield* sys.sleep(ms(1000));
      }, { daemon: true });
      sim.run({ until: sim.now + ms(params.connections + 2) });
      const perWorker = workers().map((p, i) => p.usage().wakeups - before[i]!);
      const wakeups = perWorker.reduce((a, b) => a + b, 0);
      rows.push({
        variant,
        wakeups,
        accepted: stats.accepted,
        eagain: stats.acceptEagain,
        events: stats.listenerEvents,
        perWorker,
      });
      const n = params.connections;
      sim.print(
        `${variant.what}: ${n} connection${n === 1 ? "" : "s"} woke workers ${wakeups} time${
          wakeups === 1 ? "" : "s"
        } (${stats.acceptEagain} accept() call${
          stats.acceptEagain === 1 ? "" : "s"
        } failed with EAGAIN)`,
      );
    }
    const report = formatTable(rows, [
      { title: "variant", value: (r) => r.variant.name },
      { title: "wake-ups", value: (r) => r.wakeups, unit: "count" },
      {
        title: "per connection",
        value: (r) => (r.accepted > 0 ? r.wakeups / r.accepted : null),
        unit: "count",
      },
      { title: "accepted", value: (r) => r.accepted, unit: "count" },
      {
        title: "accept EAGAIN",
        value: (r) => (r.variant.accept === "epoll" ? r.eagain : null),
        unit: "count",
      },
      { title: "wake-ups per worker", value: (r) => r.perWorker.join(" ") },
    ]);
    const metrics: Record<string, MetricValue> = {};
    for (const r of rows) {
      metrics[r.variant.name] = {
        wakeups: r.wakeups,
        wakeupsPerConnection: r.accepted > 0 ? r.wakeups / r.accepted : null,
        accepted: r.accepted,
        acceptEagain: r.eagain,
        listenerEvents: r.events,
        perWorker: r.perWorker,
      };
    }
    return { metrics, report };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
