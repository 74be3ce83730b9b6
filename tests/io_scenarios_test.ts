import assert from "node:assert/strict";
import { runScenario, toJson } from "../lib/scenario/run.ts";
import { scenario as selectEcho } from "../sims/select_echo_server.ts";
import { scenario as selectorsEcho } from "../sims/selectors_echo_server.ts";
import { scenario as blockingVsNonblocking } from "../sims/blocking_vs_nonblocking.ts";

Deno.test("the article's select server echoes every message and prints its loop", () => {
  const json = toJson(runScenario(selectEcho, { params: { clients: 3, messages: 2 } }));
  const out = json.output;
  assert.equal(out[0], "...........................");
  assert.equal(out.filter((l) => l === "来了一个新连接").length, 3);
  assert.equal(out.filter((l) => l === "准备收数据").length, 6);
  assert.equal(out.filter((l) => l === "准备发数据").length, 6);
  for (let c = 1; c <= 3; c++) {
    for (let m = 1; m <= 2; m++) {
      // Printed twice: by the server when it reads, by the client when the echo returns.
      assert.equal(out.filter((l) => l === `b'hello ${m} from client ${c}'`).length, 2);
    }
  }
  assert.equal(json.metrics.eofReads, 0);
  assert.equal(json.metrics.clientsFailed, 0);
});

Deno.test("the article's select loop spins on b'' after clients hang up; the fix stops it", () => {
  const spin = toJson(runScenario(selectEcho, { params: { close: true, watch: 100 } }));
  const fixed = toJson(runScenario(selectEcho, { params: { close: true, fix: true, watch: 100 } }));
  assert.ok((spin.metrics.eofReads as number) > 10, `eofReads ${spin.metrics.eofReads}`);
  assert.equal(fixed.metrics.eofReads, 3);
  assert.ok((spin.metrics.serverCpuNs as number) > 3 * (fixed.metrics.serverCpuNs as number));
});

Deno.test("binding port 999 without root fails with EACCES and clients are refused", () => {
  const json = toJson(runScenario(selectEcho, { params: { root: false, clients: 2 } }));
  assert.match(String(json.metrics.serverError), /EACCES/);
  assert.equal(json.metrics.clientsFailed, 2);
});

Deno.test("the article's selectors server calls accept and read through key.data", () => {
  const json = toJson(runScenario(selectorsEcho, { params: { clients: 2, messages: 2 } }));
  const out = json.output;
  assert.equal(out.filter((l) => l === "新开一个连接").length, 2);
  assert.equal(out.filter((l) => l === "断开连接").length, 2);
  assert.equal(out.filter((l) => l === "开始接收数据").length, 6); // 4 messages + 2 EOFs
  assert.ok(out.some((l) => l.includes("data=<function accept>")));
  assert.equal(json.metrics.openConnections, 0);
  assert.equal(json.metrics.serverError, null);
});

Deno.test("selectors serve the same lines on epoll, poll and select (in their own order)", () => {
  // epoll reports in ready-list order, select and poll in descriptor order,
  // and their costs differ, so the interleaving differs; the lines do not.
  const outputs = ["epoll", "poll", "select"].map((selector) =>
    toJson(runScenario(selectorsEcho, { params: { selector } })).output
      .filter((l) => !l.startsWith("[(") && !l.startsWith("server <socket")).sort()
  );
  assert.deepEqual(outputs[1], outputs[0]);
  assert.deepEqual(outputs[2], outputs[0]);
});

Deno.test("a busy-polling reader burns CPU that a blocking reader does not", () => {
  const json = toJson(
    runScenario(blockingVsNonblocking, { params: { messages: 10, interval: 1000 } }),
  );
  type Figures = {
    eagain: number;
    cpuNs: number;
    phase1Ns: number;
    syscalls: number;
    latencyMeanNs: number;
  };
  const m = json.metrics as unknown as { blocking: Figures; nonblocking: Figures };
  const b = m.blocking, nb = m.nonblocking;
  assert.equal(b.eagain, 0);
  assert.ok(nb.eagain > 1000);
  // The spinning reader keeps its core busy for nearly the whole 10 ms.
  assert.ok(nb.cpuNs > 9_000_000, `nonblocking cpu ${nb.cpuNs}`);
  assert.ok(b.cpuNs < 200_000, `blocking cpu ${b.cpuNs}`);
  assert.ok(b.phase1Ns > 9_000_000);
  assert.equal(b.syscalls < nb.syscalls / 50, true);
  // Spinning buys latency: no wake-up of an idle core.
  assert.ok(nb.latencyMeanNs < b.latencyMeanNs);
  assert.deepEqual(json.output.slice(-2).sort(), [
    "blocking reader got 10000 bytes",
    "nonblocking reader got 10000 bytes",
  ]);
});
