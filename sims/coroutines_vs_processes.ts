/**
 * The article's verdict on coroutines, measured: they "cannot use multiple
 * cores" and must be combined with processes for CPU-bound work, but for
 * I/O-bound work they are cheaper than anything the kernel schedules.
 *
 * - CPU-bound: N workers each compute `--work` ms, as N greenlets of one
 *   process (yielding to each other every `--slice` ms) and as N processes
 *   (forked by a parent, `forkNs` each) on a host of `--cores` cores. The
 *   greenlets share one thread, so they take N × work whatever the cores;
 *   the processes take about ⌈N / cores⌉ × work.
 * - I/O-bound: N workers each make `--rounds` request/response exchanges
 *   with a server `--latency` ms away, as N greenlets with green sockets in
 *   one process and as N blocking processes. Both take about rounds × RTT;
 *   the greenlets need one process and a few KiB each instead of N
 *   processes, and switch in user space instead of through the kernel.
 *
 * All four run side by side in one simulation, each on hosts of its own.
 *
 * @module
 */

import { patchAll } from "../lib/coro/green_io.ts";
import type { GreenletRoutine } from "../lib/coro/greenlet.ts";
import { type Hub, runHub } from "../lib/coro/hub.ts";
import type { Event } from "../lib/kernel/event.ts";
import { ms } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import type { Host } from "../lib/os/host.ts";
import type { Process } from "../lib/os/process.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { Usage } from "../lib/os/usage.ts";
import { formatTable } from "../lib/report/table.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** One design's figures. */
interface Row {
  workload: "cpu" | "io";
  design: "greenlets" | "processes";
  timeNs: number;
  cpuNs: number;
  userSwitches: number;
  contextSwitches: number;
  switchCpuNs: number;
  memoryBytes: number;
  syscalls: number;
}

const PORT = 7000;
const MESSAGE = "x".repeat(64);

/** The coroutines vs processes scenario. */
export const scenario = defineScenario({
  name: "coroutines_vs_processes",
  description:
    "CPU-bound: greenlets take N× one core, processes scale with cores; I/O-bound: greenlets win on memory and switches",
  params: {
    n: { type: "int", default: 8, min: 1, max: 10_000, description: "workers" },
    cores: { type: "int", default: 4, min: 1, max: 256, description: "cores of each host" },
    work: {
      type: "number",
      default: 100,
      min: 0,
      description: "CPU-bound: milliseconds of CPU per worker",
    },
    slice: {
      type: "number",
      default: 10,
      min: 0.001,
      description: "CPU-bound greenlets yield (sleep(0)) after each this many milliseconds",
    },
    rounds: { type: "int", default: 20, min: 1, description: "I/O-bound: exchanges per worker" },
    latency: {
      type: "number",
      default: 5,
      min: 0,
      description: "I/O-bound: one-way latency to the server, in milliseconds",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim);
    const hostOpts = { cores: params.cores };
    const n = params.n, work = ms(params.work), slice = ms(params.slice);
    const costs = (h: Host) => h.costs;
    const done: Event<unknown>[] = [];
    const rows: Row[] = [];
    const finish = new Map<string, number>();
    const hubs = new Map<string, Hub>();

    // ---- CPU-bound, greenlets: one process, one thread ------------------
    const cpuG = net.addHost("cpu-greenlets", hostOpts);
    const pCpuG = cpuG.spawn("python", function* (sys) {
      yield* runHub(sys, function* (hub) {
        hubs.set("cpu", hub);
        function* worker(): GreenletRoutine<void> {
          for (let left = work; left > 0; left -= slice) {
            yield* sys.compute(Math.min(slice, left));
            yield* hub.sleep(0);
          }
        }
        yield* hub.joinAll(Array.from({ length: n }, () => hub.spawn(worker)));
        finish.set("cpu-greenlets", sys.now);
        sys.print(
          `greenlets: ${n} × ${params.work} ms of CPU on ${params.cores} cores took ${
            ms2(sys.now)
          }`,
        );
      });
    });
    done.push(pCpuG.exited);

    // ---- CPU-bound, processes --------------------------------------------
    const cpuP = net.addHost("cpu-processes", hostOpts);
    const cpuChildren: Process[] = [];
    const pCpuP = cpuP.spawn("python", function* (sys) {
      for (let i = 0; i < n; i++) {
        cpuChildren.push(
          yield* fork(sys, `worker${i}`, function* (csys) {
            yield* csys.compute(work);
          }),
        );
      }
      for (const c of cpuChildren) yield* sys.waitpid(c.pid);
      finish.set("cpu-processes", sys.now);
      sys.print(
        `processes: ${n} × ${params.work} ms of CPU on ${params.cores} cores took ${ms2(sys.now)}`,
      );
    });
    done.push(pCpuP.exited);

    // ---- I/O-bound: a server each, `latency` away ------------------------
    function* echoServer(sys: Sys): ThreadRoutine<void> {
      yield* runHub(sys, function* (hub) {
        const io = patchAll(hub);
        const ls = yield* io.socket();
        yield* io.bind(ls, ["0.0.0.0", PORT]);
        yield* io.listen(ls, 4096);
        for (;;) {
          const { fd } = yield* io.accept(ls);
          hub.spawn(function* () {
            for (;;) {
              const data = yield* io.recv(fd, 1024);
              if (data.length === 0) break;
              yield* io.sendall(fd, data);
            }
            yield* io.close(fd);
          });
        }
      });
    }
    for (const design of ["greenlets", "processes"]) {
      const server = net.addHost(`server-${design}`, { cores: params.cores });
      server.spawn("server", echoServer, { daemon: true });
      net.addHost(`io-${design}`, hostOpts);
      net.link(`io-${design}`, `server-${design}`, { latency: ms(params.latency) });
    }
    function* exchanges(
      io: Sys | ReturnType<typeof patchAll>,
      server: string,
    ): ThreadRoutine<void> {
      const fd = yield* io.socket();
      yield* io.connect(fd, [server, PORT]);
      for (let r = 0; r < params.rounds; r++) {
        yield* io.sendall(fd, MESSAGE);
        let got = 0;
        while (got < MESSAGE.length) got += (yield* io.recv(fd, 1024)).length;
      }
      yield* io.close(fd);
    }

    // ---- I/O-bound, greenlets ---------------------------------------------
    const ioG = net.hosts.find((h) => h.name === "io-greenlets")!;
    const pIoG = ioG.spawn("python", function* (sys) {
      yield* runHub(sys, function* (hub) {
        hubs.set("io", hub);
        const io = patchAll(hub);
        yield* hub.joinAll(
          Array.from({ length: n }, () => hub.spawn(exchanges, io, "server-greenlets")),
          { raiseError: true },
        );
        finish.set("io-greenlets", sys.now);
        sys.print(`greenlets: ${n} × ${params.rounds} exchanges took ${ms2(sys.now)}`);
      });
    });
    done.push(pIoG.exited);

    // ---- I/O-bound, processes ---------------------------------------------
    const ioP = net.hosts.find((h) => h.name === "io-processes")!;
    const ioChildren: Process[] = [];
    const pIoP = ioP.spawn("python", function* (sys) {
      for (let i = 0; i < n; i++) {
        ioChildren.push(
          yield* fork(sys, `worker${i}`, function* (csys) {
            yield* exchanges(csys, "server-processes");
          }),
        );
      }
      for (const c of ioChildren) yield* sys.waitpid(c.pid);
      finish.set("io-processes", sys.now);
      sys.print(`processes: ${n} × ${params.rounds} exchanges took ${ms2(sys.now)}`);
    });
    done.push(pIoP.exited);

    sim.run({ until: sim.allOf(done) });

    const sum = (ps: Process[]) => ps.reduce((u, p) => u.add(p.usage()), new Usage());
    const c = costs(cpuG);
    const perProcess = c.processMemoryBytes + c.threadMemoryBytes;
    for (const workload of ["cpu", "io"] as const) {
      const hub = hubs.get(workload)!;
      const g = (workload === "cpu" ? pCpuG : pIoG).usage();
      rows.push({
        workload,
        design: "greenlets",
        timeNs: finish.get(`${workload}-greenlets`)!,
        cpuNs: g.cpuNs,
        userSwitches: hub.runtime.switches,
        contextSwitches: g.contextSwitches,
        switchCpuNs: hub.runtime.switches * c.userSwitchNs + g.switchNs,
        memoryBytes: perProcess + hub.runtime.peakLive * c.coroutineMemoryBytes,
        syscalls: g.syscalls,
      });
      const parent = workload === "cpu" ? pCpuP : pIoP;
      const children = workload === "cpu" ? cpuChildren : ioChildren;
      const p = sum([parent, ...children]);
      rows.push({
        workload,
        design: "processes",
        timeNs: finish.get(`${workload}-processes`)!,
        cpuNs: p.cpuNs,
        userSwitches: 0,
        contextSwitches: p.contextSwitches,
        switchCpuNs: p.switchNs,
        memoryBytes: (n + 1) * perProcess,
        syscalls: p.syscalls,
      });
    }
    const report = formatTable(rows, [
      { title: "workload", value: (r) => r.workload === "cpu" ? "CPU-bound" : "I/O-bound" },
      { title: "design", value: (r) => `${n} ${r.design}` },
      { title: "time", value: (r) => r.timeNs, unit: "ns" },
      { title: "CPU", value: (r) => r.cpuNs, unit: "ns" },
      { title: "user switches", value: (r) => r.userSwitches, unit: "count" },
      { title: "context switches", value: (r) => r.contextSwitches, unit: "count" },
      { title: "switch CPU", value: (r) => r.switchCpuNs, unit: "ns" },
      { title: "memory", value: (r) => r.memoryBytes, unit: "bytes" },
    ]);
    const metric = (r: Row) => ({
      timeNs: r.timeNs,
      cpuNs: r.cpuNs,
      userSwitches: r.userSwitches,
      contextSwitches: r.contextSwitches,
      switchCpuNs: r.switchCpuNs,
      memoryBytes: r.memoryBytes,
      syscalls: r.syscalls,
    });
    const get = (w: string, d: string) => rows.find((r) => r.workload === w && r.design === d)!;
    return {
      metrics: {
        cpu: {
          greenlets: metric(get("cpu", "greenlets")),
          processes: metric(get("cpu", "processes")),
        },
        io: {
          greenlets: metric(get("io", "greenlets")),
          processes: metric(get("io", "processes")),
        },
        cpuSpeedupOfProcesses: get("cpu", "greenlets").timeNs / get("cpu", "processes").timeNs,
        ioMemoryRatio: get("io", "processes").memoryBytes / get("io", "greenlets").memoryBytes,
      },
      report,
    };
  },
});

/** fork(2), then run `body` in the child; gives the child's process. */
function* fork(
  sys: Sys,
  name: string,
  body: (sys: Sys) => ThreadRoutine<void>,
): ThreadRoutine<Process> {
  const pid = yield* sys.fork(name, body);
  return sys.host.processes.get(pid)!;
}

function ms2(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`;
}

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
