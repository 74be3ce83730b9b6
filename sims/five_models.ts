/**
 * Stevens' figure 6.6 made live: one request, read by one server process
 * per I/O model — blocking, non-blocking, multiplexing (select),
 * signal-driven (SIGIO) and asynchronous (POSIX aio) — each of which also
 * has useful work it would like to do meanwhile, in chunks, as far as its
 * model allows. Each model runs in a simulation of its own with the same
 * client, so the timelines line up.
 *
 * For each model the text output draws the request's two phases (phase 1,
 * waiting for the data: `~`; phase 2, copying it to the process: `=`) above
 * the server's threads (and, for aio, the kernel's lane), and a table. The
 * JSON has, per model, over the window from when the server starts waiting
 * for the request until the data is in its buffer:
 *
 * - `phase1Ns`: time the process spent blocked in phase 1;
 * - `phase2Ns`: time the process spent copying (phase 2 on its CPU);
 * - `blockedNs`: time it could not run: blocked, or waiting for a core;
 * - `usefulComputeNs`: its useful work;
 * - `syscalls`: system calls made;
 * - and `phase1CpuNs` (CPU it used while the data was not there yet),
 *   `wastedNs` (calls that failed with EAGAIN), `phase1WallNs` and
 *   `phase2WallNs` (how long each phase lasted), `kernelCopyNs` (copies the
 *   kernel did for it), `dataAtNs` (when the data reached its buffer) and
 *   `finishedNs` (when it had both the request and its work done).
 *
 * @module
 */

import { isErrno } from "../lib/os/errno.ts";
import { O_ASYNC, O_NONBLOCK } from "../lib/os/events.ts";
import type { Process } from "../lib/os/process.ts";
import { SIGRTMIN } from "../lib/os/signals.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import type { Simulation } from "../lib/kernel/simulation.ts";
import { us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { select } from "../lib/io/select.ts";
import { type Aiocb, aioRead, aioReturn, type AioSignalInfo } from "../lib/io/aio.ts";
import { kernelUsage } from "../lib/io/kernel_work.ts";
import { type Lane, lanesOf } from "../lib/report/lanes.ts";
import { formatTable } from "../lib/report/table.ts";
import { formatTimeline, timelineLegend } from "../lib/report/timeline.ts";
import { defineScenario, type MetricValue } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The five models, in Stevens' order. */
export const MODELS = ["blocking", "nonblocking", "select", "sigio", "aio"] as const;
/** One of the five models. */
export type FiveModel = typeof MODELS[number];

const TITLES: Record<FiveModel, string> = {
  blocking: "blocking I/O: recv blocks through both phases; the work waits until it returns",
  nonblocking:
    "non-blocking I/O: recv fails with EAGAIN between chunks of work until the data is there",
  select: "I/O multiplexing: blocked in select for phase 1, then recv copies (phase 2)",
  sigio: "signal-driven I/O: computes; SIGIO says the data is ready; the handler's recv copies",
  aio:
    "asynchronous I/O: computes through both phases; the kernel copies; a signal says it finished",
};

/** What one model's run measured. */
interface Probe {
  waitAt: number;
  dataAt: number;
  finishedAt: number;
  syscallsAtWait: number;
  syscallsAtData: number;
  got: number;
  worked: number;
}

/** What each model's server does once the connection is accepted. */
type Reader = (
  sys: Sys,
  fd: number,
  probe: Probe,
  work: () => ThreadRoutine<boolean>,
) => ThreadRoutine<void>;

const PORT = 7000;

function* recvSome(sys: Sys, fd: number, size: number): ThreadRoutine<number> {
  return (yield* sys.recv(fd, size)).length;
}

function reader(model: FiveModel, size: number): Reader {
  const gotData = (sys: Sys, probe: Probe) => {
    probe.dataAt = sys.now;
    probe.syscallsAtData = sys.process.usage().syscalls;
  };
  switch (model) {
    case "blocking":
      return function* (sys, fd, probe, work) {
        while (probe.got < size) probe.got += yield* recvSome(sys, fd, size - probe.got);
        gotData(sys, probe);
        while (yield* work());
      };
    case "nonblocking":
      return function* (sys, fd, probe, work) {
        yield* sys.setBlocking(fd, false);
        while (probe.got < size) {
          try {
            probe.got += yield* recvSome(sys, fd, size - probe.got);
          } catch (e) {
            if (!isErrno(e, "EAGAIN")) throw e;
            // What the model allows: some work between two polls.
            if (!(yield* work())) yield* sys.compute(0);
          }
        }
        gotData(sys, probe);
        while (yield* work());
      };
    case "select":
      return function* (sys, fd, probe, work) {
        while (probe.got < size) {
          yield* select(sys, [fd], [], []);
          probe.got += yield* recvSome(sys, fd, size - probe.got);
        }
        gotData(sys, probe);
        while (yield* work());
      };
    case "sigio":
      return function* (sys, fd, probe, work) {
        yield* sys.sigaction("SIGIO", function* (h) {
          // SIGIO does not queue: read until EAGAIN.
          for (;;) {
            try {
              probe.got += yield* recvSome(h, fd, size - probe.got);
            } catch (e) {
              if (isErrno(e, "EAGAIN")) break;
              throw e;
            }
            if (probe.got >= size) {
              gotData(h, probe);
              break;
            }
          }
        });
        yield* sys.fcntl(fd, "F_SETOWN", sys.pid);
        yield* sys.fcntl(fd, "F_SETFL", O_ASYNC | O_NONBLOCK);
        while (yield* work());
        while (probe.got < size) {
          try {
            yield* sys.pause();
          } catch (e) {
            if (!isErrno(e, "EINTR")) throw e;
          }
        }
      };
    case "aio":
      return function* (sys, fd, probe, work) {
        let finished: Aiocb<Uint8Array> | null = null;
        const signo = SIGRTMIN;
        yield* sys.sigaction(signo, function* (_h, info) {
          finished = (info as AioSignalInfo).aiocb as Aiocb<Uint8Array>;
        });
        const notify = { notify: "SIGEV_SIGNAL", signo } as const;
        yield* aioRead(sys, { fd, nbytes: size, sigevent: notify });
        for (;;) {
          if (finished !== null) {
            const cb: Aiocb<Uint8Array> = finished;
            finished = null;
            probe.got += aioReturn(cb).length;
            if (probe.got >= size) {
              probe.dataAt = cb.completedAt;
              probe.syscallsAtData = sys.process.usage().syscalls;
            } else yield* aioRead(sys, { fd, nbytes: size - probe.got, sigevent: notify });
          }
          if (yield* work()) continue;
          if (probe.got >= size) break;
          try {
            yield* sys.pause();
          } catch (e) {
            if (!isErrno(e, "EINTR")) throw e;
          }
        }
      };
  }
}

interface ModelRun {
  readonly model: FiveModel;
  readonly sim: Simulation;
  readonly server: Process;
  readonly probe: Probe;
  readonly readyAt: number;
  readonly kernelCopyNs: number;
}

function runModel(
  sim: Simulation,
  model: FiveModel,
  size: number,
  sendAt: number,
  workNs: number,
  chunkNs: number,
): ModelRun {
  const net = new Network(sim);
  const srvHost = net.addHost("server");
  const probe: Probe = {
    waitAt: -1,
    dataAt: -1,
    finishedAt: -1,
    syscallsAtWait: 0,
    syscallsAtData: 0,
    got: 0,
    worked: 0,
  };
  const read = reader(model, size);
  const work = function* (sys: Sys): ThreadRoutine<boolean> {
    if (probe.worked >= workNs) return false;
    const n = Math.min(chunkNs, workNs - probe.worked);
    yield* sys.compute(n);
    probe.worked += n;
    return true;
  };
  const server = srvHost.spawn(model, function* (sys) {
    const ls = yield* sys.socket();
    yield* sys.bind(ls, ["0.0.0.0", PORT]);
    yield* sys.listen(ls);
    const { fd } = yield* sys.accept(ls);
    probe.waitAt = sys.now;
    probe.syscallsAtWait = sys.process.usage().syscalls;
    yield* read(sys, fd, probe, () => work(sys));
    probe.finishedAt = sys.now;
    sys.print(
      `${model}: read ${probe.got} bytes by ${fmt(probe.dataAt)}, ` +
        `did ${fmt(probe.worked)} of work, finished at ${fmt(probe.finishedAt)}`,
    );
  });
  net.addHost("client").spawn("client", function* (sys) {
    const fd = yield* sys.socket();
    // Room for the whole request in one segment.
    yield* sys.setsockopt(fd, "SO_SNDBUF", size);
    yield* sys.connect(fd, ["server", PORT]);
    yield* sys.sleep(Math.max(0, sendAt - sys.now));
    yield* sys.sendall(fd, new Uint8Array(size));
    yield* sys.sleep(us(1000));
  });
  sim.run({ until: server.exited });
  const ready = sim.trace.records({ kind: "buffer", from: probe.waitAt })
    .find((r) => r.data?.host === "server" && Number(r.data?.bytes) > 0);
  return {
    model,
    sim,
    server,
    probe,
    readyAt: ready === undefined ? probe.dataAt : ready.t,
    kernelCopyNs: kernelUsage(srvHost).copyNs,
  };
}

function fmt(ns: number): string {
  return `${Number((ns / 1000).toFixed(1))} µs`;
}

/** Sums a process's span time by category over [from, to). */
function spanTime(run: ModelRun, from: number, to: number): Record<string, number> {
  const tasks = new Set(run.server.threads.map((t) => t.task.id));
  const out: Record<string, number> = {};
  for (const r of run.sim.trace.records({ kind: "span" })) {
    if (!tasks.has(r.task)) continue;
    const d = r.data as { cat: string; start: number; dur: number };
    const part = Math.min(d.start + d.dur, to) - Math.max(d.start, from);
    if (part > 0) out[d.cat] = (out[d.cat] ?? 0) + part;
  }
  return out;
}

const CPU = ["user", "syscall", "copy", "wasted", "switch", "signal"];

/** One model's figures (see the module comment). */
export interface Figures {
  readonly phase1Ns: number;
  readonly phase2Ns: number;
  readonly blockedNs: number;
  readonly usefulComputeNs: number;
  readonly syscalls: number;
  readonly phase1CpuNs: number;
  readonly wastedNs: number;
  readonly phase1WallNs: number;
  readonly phase2WallNs: number;
  readonly kernelCopyNs: number;
  readonly dataAtNs: number;
  readonly finishedNs: number;
}

function figures(run: ModelRun): Figures {
  const { probe, readyAt } = run;
  const window = spanTime(run, probe.waitAt, probe.dataAt);
  const p1 = spanTime(run, probe.waitAt, readyAt);
  const sum = (o: Record<string, number>, keys: readonly string[]) =>
    keys.reduce((n, k) => n + (o[k] ?? 0), 0);
  return {
    phase1Ns: window.phase1 ?? 0,
    phase2Ns: window.copy ?? 0,
    blockedNs: sum(window, ["phase1", "blocked", "runqueue"]),
    usefulComputeNs: window.user ?? 0,
    syscalls: probe.syscallsAtData - probe.syscallsAtWait,
    phase1CpuNs: sum(p1, CPU),
    wastedNs: window.wasted ?? 0,
    phase1WallNs: readyAt - probe.waitAt,
    phase2WallNs: probe.dataAt - readyAt,
    kernelCopyNs: run.kernelCopyNs,
    dataAtNs: probe.dataAt,
    finishedNs: probe.finishedAt,
  };
}

/** The request's two phases as a lane: `~` while the data is not there, `=` until it is in the buffer. */
function phaseLane(run: ModelRun): Lane {
  const { probe, readyAt } = run;
  return {
    key: `${run.model}#phases`,
    label: "request",
    group: run.model,
    marks: [],
    spans: [
      { start: probe.waitAt, dur: readyAt - probe.waitAt, cat: "phase1" },
      { start: readyAt, dur: Math.max(1, probe.dataAt - readyAt), cat: "copy" },
    ],
  };
}

function serverLanes(run: ModelRun): Lane[] {
  return lanesOf([{ label: "", sim: run.sim }])
    .filter((l) => l.group === "server")
    .map((l) => ({ ...l, label: l.label.replace(/^server: /, "") }));
}

/** The five-models scenario. */
export const scenario = defineScenario({
  name: "five_models",
  description:
    "Stevens' figure 6.6 live: one request read under blocking, non-blocking, select, SIGIO and aio",
  params: {
    size: { type: "int", default: 65536, min: 1, max: 131072, description: "request bytes" },
    sendAt: {
      type: "int",
      default: 200,
      min: 0,
      description: "microseconds after start when the client sends",
    },
    work: {
      type: "int",
      default: 200,
      min: 0,
      description: "microseconds of useful work each server wants to do",
    },
    chunk: {
      type: "int",
      default: 10,
      min: 1,
      description: "microseconds per chunk of work (between polls, or between signals)",
    },
    width: { type: "int", default: 100, min: 40, description: "timeline width in columns" },
  },
  run(ctx) {
    const { params } = ctx;
    const runs = MODELS.map((m) =>
      runModel(
        ctx.simulation(m),
        m,
        params.size,
        us(params.sendAt),
        us(params.work),
        us(params.chunk),
      )
    );
    const from = Math.min(...runs.map((r) => r.probe.waitAt), us(params.sendAt)) - us(10);
    const to = Math.max(...runs.map((r) => r.probe.finishedAt)) + us(10);
    const lanes = runs.map((run) => [phaseLane(run), ...serverLanes(run)]);
    // One label width for all, so that the five timelines line up.
    const labelWidth = Math.max(...lanes.flat().map((l) => l.label.length));
    const parts: string[] = [];
    runs.forEach((run, i) => {
      parts.push(`${run.model} — ${TITLES[run.model]}`);
      const text = formatTimeline(lanes[i]!, {
        width: params.width,
        from,
        to,
        labelWidth,
        legend: false,
      });
      parts.push(text, "");
    });
    parts.push(
      ...timelineLegend(params.width),
      "request: ~ phase 1 (the data is not there yet), = phase 2 (until it is in the buffer)",
      "",
    );
    const rows = runs.map((r) => ({ model: r.model, ...figures(r) }));
    parts.push(formatTable(rows, [
      { title: "model", value: (r) => r.model },
      { title: "phase 1 blocked", value: (r) => r.phase1Ns, unit: "ns" },
      { title: "phase 1 CPU", value: (r) => r.phase1CpuNs, unit: "ns" },
      { title: "EAGAIN waste", value: (r) => r.wastedNs, unit: "ns" },
      { title: "phase 2 copy", value: (r) => r.phase2Ns, unit: "ns" },
      { title: "kernel copy", value: (r) => r.kernelCopyNs, unit: "ns" },
      { title: "blocked", value: (r) => r.blockedNs, unit: "ns" },
      { title: "useful work", value: (r) => r.usefulComputeNs, unit: "ns" },
      { title: "syscalls", value: (r) => r.syscalls, unit: "count" },
      { title: "data in buffer", value: (r) => r.dataAtNs, unit: "ns" },
      { title: "all done", value: (r) => r.finishedNs, unit: "ns" },
    ]));
    const metrics: Record<string, MetricValue> = {};
    for (const { model, ...f } of rows) metrics[model] = { ...f };
    return { metrics, report: parts.join("\n") };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
