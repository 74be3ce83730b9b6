import assert from "node:assert/strict";
import { DEFAULT_COSTS } from "../os/costs.ts";
import { resolveWorkload } from "./workload.ts";

Deno.test("a workload's defaults: ten active connections, 64-byte exchanges, 100 ms", () => {
  const w = resolveWorkload({});
  assert.equal(w.connections, 10);
  assert.equal(w.active, 10);
  assert.equal(w.idle, 0);
  assert.equal(w.requestBytes, 64);
  assert.equal(w.durationNs, 100_000_000);
  assert.equal(w.rounds, null);
  assert.equal(w.arrivalRate, null);
  assert.equal(w.costs.syscallNs, DEFAULT_COSTS.syscallNs);
});

Deno.test("the active share rounds to whole connections, at least one", () => {
  assert.equal(resolveWorkload({ connections: 10_000, activeShare: 0.01 }).active, 100);
  assert.equal(resolveWorkload({ connections: 10, activeShare: 0.001 }).active, 1);
  assert.equal(resolveWorkload({ connections: 3, activeShare: 0.5 }).idle, 1);
});

Deno.test("rounds replace the duration; cost and link overrides are checked", () => {
  const w = resolveWorkload({ rounds: 3, costs: { forkNs: 1 }, link: { latency: 7 } });
  assert.equal(w.rounds, 3);
  assert.equal(w.durationNs, null);
  assert.equal(w.costs.forkNs, 1);
  assert.equal(w.link.latency, 7);
  assert.throws(() => resolveWorkload({ costs: { forkNs: -1 } }), /Invalid cost forkNs "-1"/);
  assert.throws(() => resolveWorkload({ link: { loss: 3 } }), /Invalid link loss "3"/);
});

Deno.test("bad workloads fail with the field and the value named", () => {
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [{ requestBytes: -5 }, RangeError, /requestBytes "-5"/],
    [{ responseBytes: 0 }, RangeError, /responseBytes "0"/],
    [{ requestBytes: 1.5 }, RangeError, /requestBytes "1.5"/],
    [{ connections: 0 }, RangeError, /connections "0"/],
    [{ connections: "10" }, TypeError, /connections "10": expected a number/],
    [{ activeShare: 0 }, RangeError, /activeShare "0"/],
    [{ activeShare: 1.5 }, RangeError, /activeShare "1.5"/],
    [{ serviceNs: -1 }, RangeError, /serviceNs "-1"/],
    [{ durationNs: 0 }, RangeError, /durationNs "0"/],
    [{ arrivalRate: -3 }, RangeError, /arrivalRate "-3"/],
    [{ openLoopMode: "burst" }, RangeError, /openLoopMode "burst"/],
    [{ rounds: 2, durationNs: 5 }, RangeError, /rounds "2" and durationNs "5"/],
    [{ rounds: 2, arrivalRate: 5 }, RangeError, /rounds "2"/],
    [{ seed: -1 }, RangeError, /seed/],
    [{ conections: 5 }, RangeError, /Unknown workload field "conections"/],
    [{ costs: 5 }, TypeError, /costs "5"/],
  ];
  for (const [w, type, message] of cases) {
    assert.throws(() => resolveWorkload(w), (e: unknown) => {
      assert.ok(e instanceof type, `${JSON.stringify(w)}: ${e}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
  assert.throws(() => resolveWorkload(null as never), TypeError);
});
