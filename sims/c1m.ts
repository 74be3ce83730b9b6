/**
 * C1M: a million connections on one server, 1% of them active at one
 * request per second each, under epoll, poll, select and a thread per
 * connection. epoll serves them with a few microseconds of CPU per request;
 * poll's scan of every entry on every call saturates the core; select fails
 * at descriptor 1024 (FD_SETSIZE); threads stop at the thread limit long
 * before a million stacks fit.
 *
 * `deno task sim c1m --connections=100000` runs it smaller.
 *
 * @module
 */

import { s } from "../lib/kernel/time.ts";
import { compareModels, type ModelResult } from "../lib/models/harness.ts";
import { formatTable } from "../lib/report/table.ts";
import type { MetricValue } from "../lib/scenario/define.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";
import { parseModels } from "./c10k.ts";

/** The C1M scenario. */
export const scenario = defineScenario({
  name: "c1m",
  description: "a million connections, 1% active: epoll serves them, poll saturates, " +
    "select and threads fail",
  params: {
    connections: {
      type: "int",
      default: 1_000_000,
      min: 1,
      max: 10_000_000,
      description: "connections to the server",
    },
    activePercent: {
      type: "number",
      default: 1,
      min: 0.001,
      max: 100,
      description: "share of the connections that send requests, in percent",
    },
    rate: {
      type: "number",
      default: 1,
      min: 0.001,
      max: 1_000_000,
      description: "requests per second from each active connection (Poisson arrivals)",
    },
    duration: { type: "int", default: 10, min: 1, description: "simulated seconds measured" },
    models: {
      type: "string",
      default: "epoll,poll,select,threads",
      description: "models to run, comma-separated",
    },
    cores: { type: "int", default: 1, min: 1, description: "server cores" },
    threadLimit: {
      type: "int",
      default: 32_768,
      min: 1,
      description: "threads the server host may run (threads-max, RLIMIT_NPROC)",
    },
  },
  run({ params, simulation, seed }) {
    const models = parseModels(params.models);
    const n = params.connections;
    const share = params.activePercent / 100;
    const active = Math.min(n, Math.max(1, Math.round(n * share)));
    const cmp = compareModels(
      {
        connections: n,
        activeShare: share,
        arrivalRate: active * params.rate,
        durationNs: s(params.duration),
        cores: params.cores,
        maxThreads: params.threadLimit,
        seed,
      },
      models,
      { simulation: (model) => simulation(model) },
    );
    const rows = cmp.results;
    const ok = (r: ModelResult) => r.ok && r.setup.complete;
    const kernelBytes = (r: ModelResult) => r.memory.residentBytes + r.memory.socketBytes;
    // Connections the server kept: a thread server closes those it has no thread for.
    const held = (r: ModelResult) => r.server.accepted - r.server.closed;
    const head = `${n.toLocaleString("en-US")} connections, ${active.toLocaleString("en-US")} ` +
      `active at ${params.rate}/s each, ${params.duration} s, ${params.cores} core(s)\n\n`;
    const table = formatTable(rows, [
      { title: "model", value: (r) => r.model },
      { title: "held open", value: (r) => held(r), unit: "count" },
      {
        title: "req/s",
        value: (r) => (ok(r) ? Math.round(r.throughput) : "FAILED"),
        unit: "count",
      },
      {
        title: "p99",
        value: (r) => (ok(r) && r.latency.count > 0 ? r.latency.p99 : null),
        unit: "ns",
      },
      { title: "CPU/req", value: (r) => (ok(r) ? r.perRequest.cpuNs : null), unit: "ns" },
      {
        title: "CPU busy",
        value: (r) => (ok(r) ? `${Math.round(r.cpu.utilization * 100)}%` : null),
      },
      { title: "threads", value: (r) => r.memory.threads, unit: "count" },
      { title: "stacks", value: (r) => r.memory.stackBytes, unit: "bytes" },
      { title: "kernel mem", value: (r) => kernelBytes(r), unit: "bytes" },
      { title: "user mem", value: (r) => r.memory.userBytes, unit: "bytes" },
    ]);
    const failures = rows.filter((r) => !ok(r)).map((r) =>
      `${r.model} failed after ${r.setup.accepted.toLocaleString("en-US")} connections: ${
        r.error ?? "the setup stopped making progress"
      }\n`
    ).join("");
    const refused = rows.filter((r) => ok(r) && Object.keys(r.server.errors).length > 0).map((r) =>
      `${r.model} closed ${r.server.closed.toLocaleString("en-US")} connections at once: ${
        Object.entries(r.server.errors).map(([k, v]) => `${k} ×${v.toLocaleString("en-US")}`)
          .join(", ")
      }${r.model === "threads" ? " (pthread_create at the thread limit)" : ""}\n`
    ).join("");
    const perConn = rows.filter(ok).map((r) =>
      `${r.model}: ${
        Math.round((kernelBytes(r) + r.memory.userBytes) / Math.max(1, held(r)))
      } bytes of server memory per connection held open\n`
    ).join("");
    const points: Record<string, Record<string, MetricValue>> = {};
    for (const r of rows) {
      points[r.model] = {
        ok: ok(r),
        error: r.error,
        accepted: r.setup.accepted,
        heldOpen: held(r),
        serverErrors: { ...r.server.errors },
        requests: r.requests,
        throughput: Math.round(r.throughput),
        p99Ns: r.latency.p99,
        cpuPerRequestNs: r.perRequest.cpuNs === null ? null : Math.round(r.perRequest.cpuNs),
        utilization: Math.round(r.cpu.utilization * 1000) / 1000,
        threads: r.memory.threads,
        stackBytes: r.memory.stackBytes,
        kernelBytes: kernelBytes(r),
        userBytes: r.memory.userBytes,
      };
    }
    return {
      metrics: { connections: n, active, models: points },
      report: head + table + "\n" + failures + refused + perConn,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
