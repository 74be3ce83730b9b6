import assert from "node:assert/strict";
import { formatText } from "../lib/scenario/format.ts";
import { runScenario, toJson } from "../lib/scenario/run.ts";
import { parseCounts, parseModels, scenario as c10k } from "../sims/c10k.ts";
import { scenario as herd } from "../sims/thundering_herd.ts";
import { scenario as c1m } from "../sims/c1m.ts";
import { scenario as starvation } from "../sims/et_starvation.ts";

type Point = {
  ok: boolean;
  error: string | null;
  cpuPerRequestNs: number | null;
  contextSwitchesPerRequest: number | null;
  stackBytes: number;
  threads: number;
  requests: number;
};

const C10K_SMALL = { connections: "100,1100", duration: 10 };

Deno.test("c10k: select fails past FD_SETSIZE, poll's cost grows, epoll's stays flat, threads pay", () => {
  const report = runScenario(c10k, { params: C10K_SMALL, trace: false });
  const points = toJson(report).metrics.points as unknown as Record<string, Record<string, Point>>;
  const small = points["100"]!, large = points["1100"]!;
  assert.ok(small.select!.ok && small.select!.requests > 0);
  assert.equal(large.select!.ok, false);
  assert.match(large.select!.error!, /filedescriptor out of range in select\(\)/);
  assert.ok(large.poll!.cpuPerRequestNs! > 1.5 * small.poll!.cpuPerRequestNs!);
  const flat = large.epoll!.cpuPerRequestNs! / small.epoll!.cpuPerRequestNs!;
  assert.ok(flat > 0.95 && flat < 1.05, `epoll ${flat}`);
  assert.equal(large.threads!.threads, 1101);
  assert.ok(large.threads!.stackBytes > 1100 * 8 * 1024 * 1024 - 1);
  assert.ok(large.threads!.contextSwitchesPerRequest! >= 1);
  assert.ok(large.epoll!.contextSwitchesPerRequest! < 0.5);
  const text = formatText(report);
  assert.match(text, /connections\s+model\s+req\/s/);
  assert.match(text, /1100\s+select\s+FAILED/);
  assert.match(text, /select at 1100 connections failed: RangeError: filedescriptor out of range/);
});

Deno.test("c10k: the same seed gives the same digest and figures", () => {
  const params = { connections: "50", models: "poll,epoll", duration: 5 };
  const a = toJson(runScenario(c10k, { params, seed: 9 }));
  const b = toJson(runScenario(c10k, { params, seed: 9 }));
  assert.equal(a.digest, b.digest);
  assert.deepEqual(a.metrics, b.metrics);
});

Deno.test("c10k: bad lists name the bad value", () => {
  assert.deepEqual(parseCounts("100, 1_000"), [100, 1000]);
  assert.throws(() => parseCounts("100,-3"), /Invalid connection count "-3"/);
  assert.throws(() => parseCounts(""), RangeError);
  assert.throws(() => parseModels("epoll,kqueue"), /Unknown model "kqueue"/);
  assert.throws(
    () => runScenario(c10k, { params: { models: "select,nope" } }),
    /Unknown model "nope"/,
  );
});

Deno.test("c1m (scaled down): epoll serves, poll saturates, select fails, threads hit the limit", () => {
  // 30,000 connections: two client hosts, as one address has 28,232 ephemeral ports.
  const params = { connections: 30_000, activePercent: 2, duration: 1, threadLimit: 1000 };
  const report = runScenario(c1m, { params, trace: false });
  const m = toJson(report).metrics.models as unknown as Record<
    string,
    Point & { heldOpen: number; utilization: number; serverErrors: Record<string, number> }
  >;
  const { epoll, poll, select, threads } = m;
  assert.ok(epoll!.ok && epoll!.heldOpen === 30_000);
  // 600 active connections at one request a second for one second.
  assert.ok(epoll!.requests > 500 && epoll!.requests < 700, `${epoll!.requests}`);
  assert.ok(epoll!.utilization < 0.05);
  // poll walks 30,000 entries per call: far more CPU per request.
  assert.ok(poll!.ok && poll!.cpuPerRequestNs! > 10 * epoll!.cpuPerRequestNs!);
  assert.equal(select!.ok, false);
  assert.match(select!.error!, /FD_SETSIZE/);
  assert.equal(threads!.threads, 1000);
  assert.equal(threads!.serverErrors.EAGAIN, 30_000 - 999);
  assert.equal(threads!.heldOpen, 999);
  const text = formatText(report);
  assert.match(text, /30,000 connections, 600 active/);
  assert.match(text, /threads closed 29,001 connections at once: EAGAIN ×29,001/);
});

Deno.test("thundering herd: one connection wakes every worker, or one with EPOLLEXCLUSIVE", () => {
  const json = toJson(runScenario(herd, { params: { workers: 6, cores: 6 } }));
  type Figures = { wakeups: number; acceptEagain: number; perWorker: number[]; accepted: number };
  const m = json.metrics as unknown as Record<string, Figures>;
  assert.equal(m.epoll!.wakeups, 6);
  assert.equal(m.epoll!.acceptEagain, 5);
  assert.deepEqual(m.epoll!.perWorker, [1, 1, 1, 1, 1, 1]);
  assert.equal(m.epoll_exclusive!.wakeups, 1);
  assert.equal(m.epoll_exclusive!.acceptEagain, 0);
  assert.equal(m.accept!.wakeups, 1);
  for (const v of ["epoll", "epoll_exclusive", "accept"]) assert.equal(m[v]!.accepted, 1);
  assert.ok(
    json.output.includes(
      "epoll per worker: 1 connection woke workers 6 times (5 accept() calls failed with EAGAIN)",
    ),
  );
});

Deno.test("thundering herd on one core: the woken workers find nothing, yet they were woken", () => {
  const json = toJson(runScenario(herd, { params: { cores: 1, connections: 3 } }));
  const m = json.metrics as unknown as Record<string, { wakeups: number; acceptEagain: number }>;
  assert.equal(m.epoll!.wakeups, 12);
  assert.equal(m.epoll_exclusive!.wakeups, 3);
});

Deno.test("ET starvation: draining a busy socket starves the others; a read budget does not", () => {
  const json = toJson(runScenario(starvation, { params: { busy: 512 } }));
  type V = { lightMaxNs: number; busyNs: number; light: Record<string, { requests: number }> };
  const m = json.metrics as unknown as { drain: V; fair: V };
  // Drained, the light connections wait for most of the busy stream.
  assert.ok(
    m.drain.lightMaxNs > 0.5 * m.drain.busyNs,
    `${m.drain.lightMaxNs} of ${m.drain.busyNs}`,
  );
  assert.ok(m.fair.lightMaxNs < m.drain.lightMaxNs / 20, `${m.fair.lightMaxNs}`);
  for (const v of [m.drain, m.fair]) {
    for (const c of Object.values(v.light)) assert.equal(c.requests, 20);
  }
  assert.match(formatText(runScenario(starvation, { params: { busy: 64 } })), /drain\s+light0/);
});
