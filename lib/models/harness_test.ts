import assert from "node:assert/strict";
import { ms } from "../kernel/time.ts";
import { DEFAULT_COSTS } from "../os/costs.ts";
import { formatComparison } from "./comparison_table.ts";
import { compareModels, type ModelResult, runModel } from "./harness.ts";
import { epollServer } from "./epoll_server.ts";
import { MODEL_LIST, serverModel } from "./registry.ts";

const byName = (results: readonly ModelResult[]) =>
  Object.fromEntries(results.map((r) => [r.model, r])) as Record<string, ModelResult>;

Deno.test("every model serves every request of a small workload correctly", () => {
  const cmp = compareModels({ connections: 3, rounds: 4 }, MODEL_LIST.map((m) => m.name));
  assert.equal(cmp.results.length, MODEL_LIST.length);
  for (const r of cmp.results) {
    assert.ok(r.ok, `${r.model}: ${r.error}`);
    assert.equal(r.requests, 12, r.model);
    assert.equal(r.sent, 12, r.model);
    assert.equal(r.unanswered, 0, r.model);
    assert.equal(r.server.served, 12, r.model);
    assert.equal(r.server.accepted, 3, r.model);
    assert.deepEqual(r.clientErrors, {}, r.model);
    assert.equal(r.latency.count, 12, r.model);
  }
});

Deno.test("every model answers an open loop, on a pool and a connection per request", () => {
  for (const openLoopMode of ["pool", "connection"] as const) {
    const cmp = compareModels(
      { connections: 4, arrivalRate: 2000, openLoopMode, durationNs: ms(20) },
      MODEL_LIST.map((m) => m.name).filter((m) => m !== "blocking"),
    );
    const sent = cmp.results[0]!.sent;
    assert.ok(sent > 20, `${sent} arrivals`);
    for (const r of cmp.results) {
      // The same arrivals for every model; only the last ones may still be in flight.
      assert.equal(r.sent, sent, `${r.model} ${openLoopMode}`);
      assert.ok(r.unanswered <= 2, `${r.model} ${openLoopMode}: ${r.unanswered} unanswered`);
    }
  }
});

Deno.test("blocking and select spend no CPU in phase 1; the busy poller does", () => {
  const m = byName(
    compareModels({ connections: 1, rounds: 50 }, ["blocking", "select", "busy_poll"]).results,
  );
  for (const name of ["blocking", "select"]) {
    const r = m[name]!;
    assert.equal(r.cpu.wastedNs, 0, name);
    assert.ok(r.processes[0]!.phase1Ns > r.cpu.totalNs, `${name} waits off the CPU`);
    assert.ok(r.cpu.utilization < 0.2, `${name} utilization ${r.cpu.utilization}`);
  }
  const busy = m.busy_poll!;
  assert.equal(busy.processes[0]!.phase1Ns, 0);
  assert.ok(busy.cpu.wastedNs > 0.9 * busy.cpu.totalNs - busy.cpu.usefulNs);
  assert.ok(busy.cpu.utilization > 0.99, `busy_poll utilization ${busy.cpu.utilization}`);
  assert.ok(busy.perRequest.cpuNs! > 10 * m.blocking!.perRequest.cpuNs!);
});

Deno.test("select costs two system calls per ready read: select, then recv", () => {
  const m = byName(compareModels({ connections: 1, rounds: 100 }, ["blocking", "select"]).results);
  // Blocking: recv and send per request; select adds the select call.
  assert.ok(
    Math.abs(m.blocking!.perRequest.syscalls! - 2) < 0.05,
    `${m.blocking!.perRequest.syscalls}`,
  );
  assert.ok(
    Math.abs(m.select!.perRequest.syscalls! - 3) < 0.05,
    `${m.select!.perRequest.syscalls}`,
  );
});

Deno.test("poll's cost per request grows with idle connections; epoll's does not", () => {
  const at = (connections: number) =>
    byName(
      compareModels(
        { connections, activeShare: 10 / connections, durationNs: ms(20) },
        ["poll", "epoll"],
      ).results,
    );
  const small = at(100), large = at(3000);
  const poll = [small.poll!.perRequest.cpuNs!, large.poll!.perRequest.cpuNs!];
  const epoll = [small.epoll!.perRequest.cpuNs!, large.epoll!.perRequest.cpuNs!];
  assert.ok(poll[1]! > 2 * poll[0]!, `poll ${poll}`);
  assert.ok(Math.abs(epoll[1]! - epoll[0]!) < 0.05 * epoll[0]!, `epoll ${epoll}`);
});

Deno.test("select fails past FD_SETSIZE with its error shown; the others go on", () => {
  const m = byName(
    compareModels({ connections: 1100, activeShare: 0.01, durationNs: ms(5) }, [
      "select",
      "epoll",
    ]).results,
  );
  assert.equal(m.select!.ok, false);
  assert.match(m.select!.error!, /RangeError: filedescriptor out of range in select\(\)/);
  assert.equal(m.select!.requests, 0);
  assert.ok(m.epoll!.ok && m.epoll!.requests > 0);
  assert.match(
    formatComparison([m.select!, m.epoll!]),
    /select\s+FAILED[^\n]*\n[^]*select failed: RangeError: filedescriptor out of range/,
  );
});

Deno.test("EPOLLEXCLUSIVE wakes one prefork worker per connection; without it, all", () => {
  const m = byName(
    compareModels({ connections: 12, connectSpreadNs: ms(12), rounds: 1, workers: 4, cores: 4 }, [
      "prefork",
      "prefork_exclusive",
    ]).results,
  );
  assert.equal(m.prefork!.setup.wakeupsPerAccept, 4);
  assert.equal(m.prefork!.extras.acceptEagain, 3 * 12);
  assert.equal(m.prefork_exclusive!.setup.wakeupsPerAccept, 1);
  assert.equal(m.prefork_exclusive!.extras.acceptEagain, 0);
});

Deno.test("threads pay memory and context switches; an event loop does not", () => {
  const m = byName(
    compareModels({ connections: 200, activeShare: 0.05, durationNs: ms(20) }, ["threads", "epoll"])
      .results,
  );
  const t = m.threads!, e = m.epoll!;
  assert.equal(t.memory.threads, 201);
  assert.equal(t.memory.stackBytes, 201 * DEFAULT_COSTS.threadStackBytes);
  assert.ok(t.memory.residentBytes >= 200 * DEFAULT_COSTS.threadMemoryBytes);
  assert.equal(e.memory.threads, 1);
  assert.ok(t.perRequest.contextSwitches! >= 1, `threads ${t.perRequest.contextSwitches}`);
  assert.ok(e.perRequest.contextSwitches! < 0.5, `epoll ${e.perRequest.contextSwitches}`);
  assert.ok(t.cpu.switchNs > 0 && e.cpu.switchNs === 0);
});

Deno.test("at the host's thread limit pthread_create fails with EAGAIN and connections drop", () => {
  const r = runModel({ connections: 10, rounds: 2, maxThreads: 5 }, "threads");
  // The main thread and four connection threads fit; six connections are refused.
  assert.deepEqual(r.server.errors, { EAGAIN: 6 });
  assert.deepEqual(r.clientErrors, { ECONNRESET: 6 });
  assert.equal(r.requests, 8);
});

Deno.test("process-per-connection pays a fork per connection and a process's memory", () => {
  const costs = { forkNs: 150_000 };
  const fork = runModel(
    { connections: 4, activeShare: 0.5, arrivalRate: 500, openLoopMode: "connection", costs },
    "processes",
  );
  const thread = runModel(
    { connections: 4, activeShare: 0.5, arrivalRate: 500, openLoopMode: "connection", costs },
    "threads",
  );
  assert.ok(fork.perRequest.cpuNs! > costs.forkNs, `${fork.perRequest.cpuNs}`);
  assert.ok(thread.perRequest.cpuNs! < costs.forkNs / 2, `${thread.perRequest.cpuNs}`);
  const held = runModel({ connections: 20, rounds: 1 }, "processes");
  assert.ok(held.memory.processes >= 21);
  assert.ok(held.memory.residentBytes >= 20 * DEFAULT_COSTS.processMemoryBytes);
  assert.ok(held.setup.ns >= 20 * costs.forkNs);
});

Deno.test("SIGIO: the process waits off the CPU and pays signal deliveries instead", () => {
  const r = runModel({ connections: 2, rounds: 20 }, "sigio");
  assert.equal(r.processes[0]!.phase1Ns, 0);
  // At least one SIGIO per round: the two connections' arrivals may coalesce
  // into one delivery (standard signals do not queue).
  assert.ok(r.cpu.signalNs >= 20 * DEFAULT_COSTS.signalNs, `${r.cpu.signalNs}`);
  assert.ok(r.cpu.usefulNs >= 40 * 2_000);
});

Deno.test("the same seed gives the same results; another seed other arrivals", () => {
  const w = { connections: 6, activeShare: 0.5, arrivalRate: 3000, durationNs: ms(10) };
  const a = compareModels({ ...w, seed: 3 }, ["epoll", "threads"]);
  const b = compareModels({ ...w, seed: 3 }, ["epoll", "threads"]);
  const c = compareModels({ ...w, seed: 4 }, ["epoll", "threads"]);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.results[0]!.latency, c.results[0]!.latency);
});

Deno.test("bad input gives clear errors before anything runs", () => {
  assert.throws(() => compareModels({}, ["epoll", "kqueue"]), /Unknown model "kqueue"/);
  assert.throws(() => compareModels({}, []), RangeError);
  assert.throws(() => compareModels({}, ["epoll", "epoll"]), /Model "epoll" is given twice/);
  assert.throws(() => compareModels({ requestBytes: -1 }, ["epoll"]), /requestBytes "-1"/);
  assert.throws(() => runModel({ connections: 0 }, "epoll"), /connections "0"/);
  assert.throws(() => runModel({}, 7 as never), TypeError);
});

Deno.test("a model from outside the registry runs as a spec", () => {
  const spec = serverModel(
    "tiny_epoll",
    "epoll, one event per call",
    (o, s) => epollServer({ ...o, maxEvents: 1 }, s),
  );
  const r = runModel({ connections: 3, rounds: 2 }, spec);
  assert.equal(r.model, "tiny_epoll");
  assert.equal(r.requests, 6);
});
