import assert from "node:assert/strict";
import { Simulation, us } from "../kernel/mod.ts";
import { Network } from "../net/mod.ts";
import { isErrno } from "../os/errno.ts";
import { aioRead, aioSuspend } from "../io/aio.ts";
import { type Lane, lanesOf } from "./lanes.ts";
import { formatTimeline, laneColumns, TIMELINE_GLYPHS } from "./timeline.ts";

/**
 * A tiny world: `app` polls a non-blocking socket twice, computes, blocks in
 * recv, copies 40 KB, is interrupted by SIGUSR1 while computing, then sleeps;
 * its peer thread sends the data and the signal.
 */
function tiny(): Simulation {
  const sim = new Simulation();
  // Every cost the run touches is pinned, so the golden text does not move
  // when the defaults are re-measured.
  const costs = {
    wakeupNs: 0,
    contextSwitchNs: 0,
    syscallNs: 1_000,
    recvNs: 1_000,
    unixRecvNs: 1_000,
    unixSendNs: 1_000,
    eagainNs: 1_000,
    socketNs: 2_000,
    threadCreateNs: 20_000,
    copyBytesPerNs: 20,
    signalNs: 2_000,
  };
  new Network(sim).addHost("box", { costs, cores: 2 }).spawn("app", function* (sys) {
    yield* sys.sigaction("SIGUSR1", function* (h) {
      yield* h.compute(us(4));
    });
    const [a, b] = yield* sys.socketpair();
    const pid = sys.pid;
    yield* sys.spawnThread("peer", function* (t) {
      yield* t.sleep(us(20));
      yield* t.send(a, new Uint8Array(40_000));
      yield* t.sleep(us(10));
      yield* t.kill(pid, "SIGUSR1");
    });
    yield* sys.setBlocking(b, false);
    for (let i = 0; i < 2; i++) {
      try {
        yield* sys.recv(b, 65536);
      } catch (e) {
        if (!isErrno(e, "EAGAIN")) throw e;
      }
    }
    yield* sys.setBlocking(b, true);
    yield* sys.recv(b, 65536);
    yield* sys.compute(us(15));
    yield* sys.sleep(us(10));
  }, {});
  sim.run();
  return sim;
}

/** Lanes without the host prefix, from `from` on. */
function lanes(sim: Simulation): Lane[] {
  return lanesOf([{ label: "", sim }]).map((l) => ({ ...l, label: l.label.replace("box: ", "") }));
}

const GOLDEN =
  `app[1000]      |ssssssssssssssssssssssss!!!!s~~~~~~~~~~~~~~~==########SSSSSS####---------|
                                                                      ^ SIGUSR1
app[1000]/peer |                       s-----------------ss==s--------ss                 |
                +----------------+----------------+----------------+----------------+----
                0 ns             20 µs            40 µs            60 µs            80 µs
# computing   s in a system call   ! busy-polling (EAGAIN)
~ blocked in phase 1 (waiting for data)   = copying in phase 2   - blocked (sleep, join)
S handling a signal   r waiting for a core   ' ' idle`;

Deno.test("the text timeline of a tiny scenario matches its golden text", () => {
  const text = formatTimeline(lanes(tiny()), { width: 90, from: 0 });
  assert.equal(text, GOLDEN);
});

Deno.test("every line fits the width, whatever the width", () => {
  const sim = tiny();
  for (const width of [30, 60, 100, 160]) {
    const text = formatTimeline(lanesOf([{ label: "", sim }]), { width });
    for (const line of text.split("\n")) {
      assert.ok([...line].length <= width, `width ${width}: "${line}" is ${line.length}`);
    }
  }
});

Deno.test("the colour hook wraps each run of one state", () => {
  const text = formatTimeline(lanes(tiny()), {
    width: 90,
    from: 0,
    legend: false,
    signals: false,
    colour: (state, run) => `<${state}>${run}</>`,
  });
  const first = text.split("\n")[0]!;
  assert.match(first, /<syscall>s+<\/><wasted>!+<\/><syscall>s+<\/><phase1>~+<\/><copy>=+<\/>/);
  assert.ok(!text.includes("' '"));
});

Deno.test("short copies and signal handlers win their columns; empty columns are idle", () => {
  const lane: Lane = {
    key: "k",
    label: "x",
    group: "g",
    marks: [],
    spans: [
      { start: 0, dur: 90, cat: "phase1" },
      { start: 90, dur: 10, cat: "copy" }, // a tenth of the column, weighed ×4: not enough...
      { start: 100, dur: 70, cat: "user" },
      { start: 170, dur: 30, cat: "signal" }, // 30 × 4 beats 70
      { start: 300, dur: 10, cat: "switch" },
      { start: 400, dur: 90, cat: "user" },
      { start: 490, dur: 5, cat: "signal" }, // too short to win: it takes its column anyway...
      { start: 495, dur: 5, cat: "copy" }, // ...and the copy finds it taken
    ],
  };
  assert.deepEqual(laneColumns(lane, { from: 0, to: 500, cells: 5 }), [
    "copy", // ...but a copy never vanishes: it takes the column of its middle
    "signal",
    "idle",
    "syscall",
    "signal",
  ]);
  assert.equal(TIMELINE_GLYPHS.copy, "=");
});

Deno.test("the kernel's lane of asynchronous I/O shows its wait and its copy", () => {
  const sim = new Simulation();
  const costs = { wakeupNs: 0, contextSwitchNs: 0 };
  new Network(sim).addHost("box", { costs }).spawn("aio", function* (sys) {
    const [a, b] = yield* sys.socketpair();
    const cb = yield* aioRead(sys, { fd: b, nbytes: 65536 });
    yield* sys.compute(us(30));
    yield* sys.send(a, new Uint8Array(60_000));
    yield* sys.compute(us(20));
    yield* aioSuspend(sys, [cb]);
  });
  sim.run();
  const text = formatTimeline(lanes(sim), { width: 80, from: 0, to: us(60), legend: false });
  const [proc, kernel] = text.split("\n");
  assert.match(proc!, /^aio\[1000\] +\|s*#+s*=*#+/);
  assert.match(kernel!, /^aio\[1000\]\/kernel: aio \| *~+s*=+ *\|$/);
});

Deno.test("bad widths and ranges are RangeErrors that say why", () => {
  const l = lanes(tiny());
  assert.throws(() => formatTimeline(l, { width: 10 }), /Invalid timeline width "10"/);
  assert.throws(() => formatTimeline(l, { from: 50, to: 50 }), /Invalid timeline range "50".."50"/);
  assert.throws(
    () => laneColumns(l[0]!, { from: 0, to: 10, cells: 0 }),
    /Invalid column count "0"/,
  );
});
