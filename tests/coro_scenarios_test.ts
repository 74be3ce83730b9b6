import assert from "node:assert/strict";
import { ms, s } from "../lib/kernel/time.ts";
import { DEFAULT_COSTS } from "../lib/os/costs.ts";
import { runScenario, toJson } from "../lib/scenario/run.ts";
import { scenario as greenletSwitch } from "../sims/greenlet_switch.ts";
import { scenario as geventSleep } from "../sims/gevent_sleep.ts";
import { scenario as syncAsync } from "../sims/gevent_sync_async.ts";
import { scenario as crawler } from "../sims/gevent_crawler.ts";
import { scenario as echoServer } from "../sims/gevent_echo_server.ts";
import { scenario as coroVsProc } from "../sims/coroutines_vs_processes.ts";
import { cli } from "./_cli.ts";

type Figures = Record<string, number>;

Deno.test("greenlet_switch prints what the article's greenlet program prints", () => {
  const json = toJson(runScenario(greenletSwitch));
  assert.deepEqual(json.output, ["11111111", "22222222", "33333333", "44444444"]);
  assert.equal(json.metrics.switches, 5);
  assert.equal(json.metrics.userNs, 5 * DEFAULT_COSTS.userSwitchNs);
  assert.equal(json.metrics.syscalls, 0);
  assert.equal(json.metrics.test1Finished, false);
});

Deno.test("gevent_sleep prints 1, 2, 4, 3 and takes 2 s, not 3", () => {
  const json = toJson(runScenario(geventSleep));
  assert.deepEqual(json.output, ["11111111", "22222222", "44444444", "33333333"]);
  const total = json.metrics.totalNs as number;
  assert.ok(total >= s(2) && total < s(2) + ms(0.1), `total ${total}`);
  assert.equal(json.metrics.epollWaits, 2);
});

Deno.test("gevent_sync_async: 4.5 s synchronous, 0.5 s asynchronous, 0..9 in order", () => {
  const json = toJson(runScenario(syncAsync));
  assert.deepEqual(json.output, [
    "Synchronous:",
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `Task ${i} done`),
    "Synchronous took 4.5 s",
    "Asynchronous:",
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `Task ${i} done`),
    "Asynchronous took 500 ms",
  ]);
  const m = json.metrics as Figures;
  assert.ok(m.synchronousNs! >= ms(4500) && m.synchronousNs! < ms(4501), `sync ${m.synchronousNs}`);
  assert.ok(m.asynchronousNs! >= ms(500) && m.asynchronousNs! < ms(500.1));
  // Without the timing lines, the output is exactly the article program's.
  const plain = toJson(runScenario(syncAsync, { params: { times: false } }));
  assert.equal(plain.output.length, 21);
  assert.ok(plain.output.every((l) => !l.includes("took")));
});

Deno.test("gevent_crawler: patched ≈ the slowest fetch, unpatched ≈ the sum", () => {
  const urls = [
    "Get:http://www.cnblogs.com/win0211/category/1154652.html",
    "Get:http://www.cnblogs.com/win0211/p/8549921.html",
  ];
  const patched = toJson(runScenario(crawler));
  const unpatched = toJson(runScenario(crawler, { params: { patch: false } }));
  assert.deepEqual(patched.output, urls);
  assert.deepEqual(unpatched.output, urls);
  const p = patched.metrics as Figures, u = unpatched.metrics as Figures;
  assert.ok(p.totalNs! < p.slowestFetchNs! + ms(1), `patched ${p.totalNs} vs ${p.slowestFetchNs}`);
  assert.ok(u.totalNs! >= u.sumFetchNs!, `unpatched ${u.totalNs} vs ${u.sumFetchNs}`);
  assert.ok(u.totalNs! < u.sumFetchNs! + ms(1));
  assert.ok(u.totalNs! > 1.5 * p.totalNs!);
  assert.ok(p.greenWaits! > 0 && u.greenWaits === 0);
  for (const f of patched.metrics.fetches as { status: number; lines: number }[]) {
    assert.equal(f.status, 200);
    assert.ok(f.lines > 100);
  }
});

Deno.test("gevent_crawler with more sites: the patched crawl still takes the slowest", () => {
  const patched = toJson(runScenario(crawler, { params: { extra: 6 } })).metrics as Figures;
  const unpatched = toJson(runScenario(crawler, { params: { extra: 6, patch: false } }))
    .metrics as Figures;
  assert.ok(patched.totalNs! < patched.slowestFetchNs! + ms(1));
  assert.ok(unpatched.totalNs! > 3 * patched.totalNs!);
});

Deno.test("gevent_echo_server: one thread, a greenlet per connection, every client answered", () => {
  const json = toJson(runScenario(echoServer, { params: { clients: 20, messages: 3 } }));
  const m = json.metrics as Figures;
  assert.equal(m.clientsAnswered, 20);
  assert.equal(m.messagesEchoed, 60);
  assert.equal(m.handlersStarted, 20);
  assert.equal(m.serverThreads, 1);
  assert.equal(m.serverGreenletBytes, (20 + 2) * DEFAULT_COSTS.coroutineMemoryBytes);
  const out = json.output;
  for (let c = 1; c <= 20; c++) {
    for (let k = 1; k <= 3; k++) {
      const msg = `hello ${k} from client ${c}`;
      assert.ok(out.includes(`b'${msg}'`), `server printed ${msg}`);
      assert.ok(out.includes(`>>b'${msg}'`), `client ${c} printed ${msg}`);
    }
  }
  assert.equal(out.filter((l) => l === ">>").length, 20);
});

Deno.test("gevent_echo_server unpatched: accept blocks the thread and nobody is answered", () => {
  const json = toJson(runScenario(echoServer, { params: { clients: 3, patch: false } }));
  const m = json.metrics as Figures;
  assert.equal(m.clientsAnswered, 0);
  assert.equal(m.handlersStarted, 0);
  assert.equal(m.serverSwitches, 0);
  assert.deepEqual(json.output, [">>", ">>", ">>"]);
});

Deno.test("gevent_echo_server: the article's handler spins on b'' after a client leaves", () => {
  const spin = toJson(
    runScenario(echoServer, { params: { clients: 2, messages: 1, close: true } }),
  );
  const fixed = toJson(
    runScenario(echoServer, { params: { clients: 2, messages: 1, close: true, fix: true } }),
  );
  assert.ok((spin.metrics.eofReads as number) > 5);
  assert.equal(fixed.metrics.eofReads, 2);
  assert.ok(spin.output.filter((l) => l === "b''").length > 5);
});

Deno.test("gevent_echo_server without root cannot bind port 100", () => {
  const json = toJson(runScenario(echoServer, { params: { clients: 2, root: false } }));
  assert.match(String(json.metrics.serverError), /EACCES/);
  assert.equal(json.metrics.clientsAnswered, 0);
});

Deno.test("coroutines_vs_processes: CPU-bound greenlets take N× one core, processes scale", () => {
  const json = toJson(runScenario(coroVsProc, { params: { n: 8, cores: 4, work: 50 } }));
  type Design = { greenlets: Figures; processes: Figures };
  const cpu = json.metrics.cpu as unknown as Design, io = json.metrics.io as unknown as Design;
  // Greenlets: 8 × 50 ms on one thread.
  assert.ok(cpu.greenlets.timeNs! >= ms(400) && cpu.greenlets.timeNs! < ms(401));
  // Processes: ⌈8 / 4⌉ × 50 ms, plus forks and context switches.
  assert.ok(cpu.processes.timeNs! >= ms(100) && cpu.processes.timeNs! < ms(105));
  assert.ok((json.metrics.cpuSpeedupOfProcesses as number) > 3.5);
  // I/O-bound: about the same time, far less memory and switch CPU for greenlets.
  assert.ok(Math.abs(io.greenlets.timeNs! - io.processes.timeNs!) < ms(5));
  assert.ok(io.greenlets.memoryBytes! * 5 < io.processes.memoryBytes!);
  assert.ok(io.greenlets.switchCpuNs! < io.processes.switchCpuNs!);
  assert.ok(io.greenlets.userSwitches! > 0 && io.processes.userSwitches === 0);
  assert.equal(json.output.length, 4);
});

Deno.test("the coro scenarios run from the command line with JSON output", async () => {
  const r = await cli("greenlet_switch", "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.output, ["11111111", "22222222", "33333333", "44444444"]);
  assert.deepEqual(Object.keys(json), [
    "scenario",
    "seed",
    "params",
    "virtualTimeNs",
    "output",
    "metrics",
    "digest",
  ]);
});
