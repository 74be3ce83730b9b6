import assert from "node:assert/strict";
import { copyTime, costModel, DEFAULT_COSTS, describeCosts } from "./costs.ts";
import { ERRNO_MESSAGES, isErrno, SysError } from "./errno.ts";
import { CPU_CATEGORIES, type TimeCategory, Usage } from "./usage.ts";

Deno.test("the default cost model is frozen and has the measured figures", () => {
  assert.ok(Object.isFrozen(DEFAULT_COSTS));
  assert.equal(DEFAULT_COSTS.syscallNs, 120);
  assert.equal(DEFAULT_COSTS.contextSwitchNs, 1_600);
  assert.equal(DEFAULT_COSTS.timesliceNs, 3_000_000);
});

Deno.test("costModel overrides only the named figures and freezes the result", () => {
  const c = costModel({ wakeupNs: 0, copyBytesPerNs: 2 });
  assert.equal(c.wakeupNs, 0);
  assert.equal(c.copyBytesPerNs, 2);
  assert.equal(c.sendNs, DEFAULT_COSTS.sendNs);
  assert.ok(Object.isFrozen(c));
});

Deno.test("costModel rejects unknown names, negative or infinite figures, and zero bandwidth", () => {
  assert.throws(() => costModel({ bogusNs: 1 } as never), RangeError);
  assert.throws(() => costModel({ syscallNs: -1 }), RangeError);
  assert.throws(() => costModel({ syscallNs: Infinity }), RangeError);
  assert.throws(() => costModel({ syscallNs: NaN }), RangeError);
  assert.throws(() => costModel({ copyBytesPerNs: 0 }), RangeError);
  assert.throws(() => costModel({ timesliceNs: 0 }), RangeError);
  assert.throws(() => costModel({ syscallNs: "1" as unknown as number }), TypeError);
  assert.throws(() => costModel(null as unknown as object), TypeError);
  // Zero is fine for ordinary costs.
  assert.equal(costModel({ contextSwitchNs: 0 }).contextSwitchNs, 0);
});

Deno.test("copyTime rounds up to whole nanoseconds and is free for nothing", () => {
  const c = costModel({ copyBytesPerNs: 20 });
  assert.equal(copyTime(c, 0), 0);
  assert.equal(copyTime(c, 1), 1);
  assert.equal(copyTime(c, 20), 1);
  assert.equal(copyTime(c, 21), 2);
  assert.equal(copyTime(c, 65536), 3277);
});

Deno.test("describeCosts prints one line per figure with durations formatted", () => {
  const text = describeCosts(DEFAULT_COSTS);
  assert.equal(text.split("\n").length, Object.keys(DEFAULT_COSTS).length);
  assert.match(text, /^syscallNs\s+120 ns$/m);
  assert.match(text, /^threadStackBytes\s+8388608$/m);
});

Deno.test("Usage sorts time into categories, and cpuNs sums only the on-core ones", () => {
  const u = new Usage();
  const all: TimeCategory[] = [
    "user",
    "syscall",
    "copy",
    "wasted",
    "switch",
    "signal",
    "phase1",
    "blocked",
    "runqueue",
  ];
  all.forEach((cat, i) => u.addTime(cat, 10 ** i));
  assert.equal(u.cpuNs, 111_111);
  assert.deepEqual(CPU_CATEGORIES, all.slice(0, 6));
  const json = u.toJSON();
  assert.equal(json.phase1Ns, 1e6);
  assert.equal(json.runqueueNs, 1e8);
  assert.equal(json.cpuNs, 111_111);
});

Deno.test("Usage.add sums every figure", () => {
  const a = new Usage(), b = new Usage();
  a.syscalls = 2;
  a.eagain = 1;
  b.syscalls = 3;
  b.contextSwitches = 4;
  b.wakeups = 5;
  b.preemptions = 6;
  b.copyNs = 7;
  const sum = new Usage().add(a).add(b);
  assert.deepEqual(
    [sum.syscalls, sum.eagain, sum.contextSwitches, sum.wakeups, sum.preemptions, sum.copyNs],
    [5, 1, 4, 5, 6, 7],
  );
});

Deno.test("SysError carries the errno as errno and code, and says what failed", () => {
  const e = new SysError("ECONNRESET", "recv", "on fd 5");
  assert.equal(e.name, "SysError");
  assert.equal(e.errno, "ECONNRESET");
  assert.equal(e.code, "ECONNRESET");
  assert.equal(e.syscall, "recv");
  assert.equal(e.message, "recv failed: on fd 5 (ECONNRESET: Connection reset by peer)");
  assert.equal(new SysError("EPIPE", "send").message, "send failed: (EPIPE: Broken pipe)");
  assert.ok(isErrno(e, "ECONNRESET"));
  assert.ok(!isErrno(e, "EPIPE"));
  assert.equal(ERRNO_MESSAGES.EAGAIN, "Resource temporarily unavailable");
});
