import assert from "node:assert/strict";
import { ms, s } from "../lib/kernel/time.ts";
import { runScenario, toJson } from "../lib/scenario/run.ts";
import { scenario as mpProcess } from "../sims/mp_process.ts";
import { scenario as mpSubclass } from "../sims/mp_subclass.ts";
import { scenario as mpQueue } from "../sims/mp_queue.ts";
import { scenario as mpPipe } from "../sims/mp_pipe.ts";
import { scenario as mpManager } from "../sims/mp_manager.ts";
import { scenario as mpLock } from "../sims/mp_lock.ts";
import { scenario as mpPool } from "../sims/mp_pool.ts";
import { scenario as multicore } from "../sims/processes_multicore.ts";

type Metrics = Record<string, number>;

Deno.test("mp_process prints the article's line (typo included) about 1.1 ms in", () => {
  const json = toJson(runScenario(mpProcess));
  assert.deepEqual(json.output, ["process 1 is runing"]);
  const m = json.metrics as Metrics;
  // CPython 3.11 here: start() returns after 384 µs, the target runs 741 µs later.
  assert.ok(m.startReturnedNs! > 370_000 && m.startReturnedNs! < 420_000, `${m.startReturnedNs}`);
  assert.ok(m.childRanAtNs! > 1_100_000 && m.childRanAtNs! < 1_150_000, `${m.childRanAtNs}`);
  assert.equal(m.childExitCode, 0);
  assert.ok(json.virtualTimeNs < ms(2));
});

Deno.test("mp_subclass prints the article's line from the subclass's run()", () => {
  const json = toJson(runScenario(mpSubclass));
  assert.deepEqual(json.output, ["myprocess is running"]);
  assert.equal(json.metrics.childName, "MyProcess-1");
  assert.equal(json.metrics.childExitCode, 0);
});

Deno.test("mp_queue: main's item, then each child's, all three drained after the joins", () => {
  const json = toJson(runScenario(mpQueue));
  assert.deepEqual(json.output, ["mainprocess", "myprocess", "yourprocess"]);
  assert.equal(json.metrics.qsizeAfterJoin, 3);
  assert.ok(json.virtualTimeNs < ms(3));
});

Deno.test("mp_pipe: the child prints the parent's greeting, then the parent the child's", () => {
  const json = toJson(runScenario(mpPipe));
  assert.deepEqual(json.output, ["你好我是父进程", "你好,我是子进程"]);
  assert.equal(json.metrics.error, null);
  const oneWay = toJson(runScenario(mpPipe, { params: { duplex: false } }));
  assert.deepEqual(oneWay.output, ["OSError: connection is read-only"]);
});

Deno.test("mp_manager: ten pids in the dict and the list, printed as Python prints them", () => {
  const json = toJson(runScenario(mpManager));
  const [dict, list] = json.output;
  assert.match(dict!, /^\{(\d+): \1(, (\d+): \3){9}\}$/);
  assert.match(list!, /^\[\d+(, \d+){9}\]$/);
  const m = json.metrics as Metrics;
  assert.equal(m.dictEntries, 10);
  assert.equal(m.listEntries, 10);
  assert.equal(m.managersStarted, 2);
  // 11 connections with their handshakes, 2 creations, 20 writes, 2 prints, 2 lens, 1 shutdown.
  assert.equal(m.connections, 11);
  assert.equal(m.roundTrips, 38);
  const once = toJson(runScenario(mpManager, { params: { twice: false } }));
  assert.equal(once.metrics.managersStarted, 1);
  assert.ok(once.virtualTimeNs < json.virtualTimeNs);
});

Deno.test("mp_lock: ten whole lines; without the lock a slow terminal mixes them", () => {
  const json = toJson(runScenario(mpLock));
  assert.deepEqual(json.output, Array(10).fill("hello multiprocessing"));
  assert.equal(json.metrics.brokenLines, 0);
  const slow = { cores: 4, printNs: ms(2) };
  const locked = toJson(runScenario(mpLock, { params: { ...slow, lock: true } }));
  const unlocked = toJson(runScenario(mpLock, { params: { ...slow, lock: false } }));
  assert.equal(locked.metrics.brokenLines, 0);
  assert.ok((unlocked.metrics.brokenLines as number) > 0, JSON.stringify(unlocked.output));
});

Deno.test("mp_pool apply_async: two waves of five one-second tasks, about 2 s", () => {
  const json = toJson(runScenario(mpPool));
  assert.equal(json.output.length, 10);
  assert.deepEqual(
    [...json.output].sort(),
    Array.from({ length: 10 }, (_, i) => `hello multiprocessing ${i}`).sort(),
  );
  const m = json.metrics as Metrics;
  assert.ok(m.totalNs! > s(2) && m.totalNs! < s(2.01), `${m.totalNs}`);
  assert.equal(m.tasksCompleted, 10);
  assert.equal(m.workersKilled, 0);
});

Deno.test("mp_pool apply: ten serial seconds, in order", () => {
  const json = toJson(runScenario(mpPool, { params: { variant: "apply" } }));
  assert.deepEqual(json.output, Array.from({ length: 10 }, (_, i) => `hello multiprocessing ${i}`));
  const m = json.metrics as Metrics;
  assert.ok(m.totalNs! > s(10) && m.totalNs! < s(10.05), `${m.totalNs}`);
});

Deno.test("mp_pool no_join answers the article's question: main ends, the workers are killed", () => {
  const json = toJson(runScenario(mpPool, { params: { variant: "no_join" } }));
  const m = json.metrics as Metrics;
  assert.equal(m.tasksPrinted, json.output.length);
  assert.ok(m.tasksPrinted! < 10);
  assert.equal(m.tasksCompleted, 0);
  assert.equal(m.workersKilled, 5);
  assert.deepEqual(json.metrics.workerExitCodes, [-15, -15, -15, -15, -15]);
  assert.ok(m.totalNs! < ms(5), `${m.totalNs}`);
});

Deno.test("processes_multicore: 4 processes speed up ~4x on 4 cores, not at all on 1", () => {
  const report = runScenario(multicore, { params: { work: 100 } });
  const json = toJson(report);
  const m = json.metrics as unknown as {
    speedup4on4: number;
    speedup4on1: number;
    runs: { processes: number; cores: number; speedup: number; elapsedNs: number }[];
  };
  assert.ok(m.speedup4on4 > 3.6 && m.speedup4on4 <= 4, `${m.speedup4on4}`);
  assert.ok(m.speedup4on1 > 0.9 && m.speedup4on1 <= 1, `${m.speedup4on1}`);
  const two = m.runs.find((r) => r.processes === 2 && r.cores === 2)!;
  assert.ok(two.speedup > 1.8 && two.speedup <= 2);
  assert.equal(json.output.length, 9);
  assert.match(report.report ?? "", /speed-up/);
});
