/**
 * Signals do not queue: five datagrams arrive while the server has SIGIO
 * blocked (a critical section), so five SIGIOs are raised but one is
 * pending when the section ends, and the handler runs once. The handler
 * that reads until EAGAIN gets all five; the one that reads once gets one
 * and loses track of four — which are not lost: they are still in the
 * socket's receive queue, and a later read loop finds them.
 *
 * @module
 */

import { isErrno } from "../lib/os/errno.ts";
import { O_ASYNC, O_NONBLOCK } from "../lib/os/events.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { SIGNALS } from "../lib/os/signals.ts";
import type { Simulation } from "../lib/kernel/simulation.ts";
import { us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import type { DatagramSocket } from "../lib/net/dgram.ts";
import { lanesOf } from "../lib/report/lanes.ts";
import { formatTable } from "../lib/report/table.ts";
import { formatTimeline } from "../lib/report/timeline.ts";
import { defineScenario, type MetricValue } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

const PORT = 5000;

/** What one handler variant did. */
interface Outcome {
  readonly handler: "loops to EAGAIN" | "reads once";
  readonly arrivals: number;
  readonly sigioRaised: number;
  readonly coalesced: number;
  readonly handlerRuns: number;
  readonly readByHandler: number;
  readonly stillQueued: number;
  readonly readLater: number;
}

function* recvCount(sys: Sys, fd: number): ThreadRoutine<boolean> {
  try {
    yield* sys.recvfrom(fd, 1500);
    return true;
  } catch (e) {
    if (isErrno(e, "EAGAIN")) return false;
    throw e;
  }
}

function runVariant(sim: Simulation, loop: boolean, burst: number, section: number): Outcome {
  const net = new Network(sim);
  const srv = net.addHost("server");
  let runs = 0, read = 0, stillQueued = -1, readLater = 0;
  const p = srv.spawn(loop ? "loops" : "once", function* (sys) {
    const fd = yield* sys.socket("dgram");
    yield* sys.bind(fd, ["0.0.0.0", PORT]);
    yield* sys.sigaction("SIGIO", function* (h) {
      runs++;
      // SIGIO says "something is ready", not how much: only a loop to EAGAIN is safe.
      do {
        if (!(yield* recvCount(h, fd))) break;
        read++;
      } while (loop);
    });
    yield* sys.fcntl(fd, "F_SETOWN", sys.pid);
    yield* sys.fcntl(fd, "F_SETFL", O_ASYNC | O_NONBLOCK);
    // A critical section with SIGIO blocked: the burst arrives meanwhile.
    yield* sys.sigprocmask("SIG_BLOCK", ["SIGIO"]);
    yield* sys.compute(section);
    // Unblocking delivers the one pending SIGIO: the handler runs here, once.
    yield* sys.sigprocmask("SIG_UNBLOCK", ["SIGIO"]);
    yield* sys.compute(us(20));
    stillQueued = (sys.fileOf(fd) as DatagramSocket).queued;
    sys.print(
      `handler ${
        loop ? "loops to EAGAIN" : "reads once"
      }: ${runs} run(s), read ${read} of ${burst}; ` +
        `${stillQueued} still queued in the socket`,
    );
    // Nothing was lost: a read loop now finds what the handler left.
    yield* sys.sigprocmask("SIG_BLOCK", ["SIGIO"]);
    while (yield* recvCount(sys, fd)) readLater++;
    if (readLater > 0) sys.print(`a later read loop finds the other ${readLater}`);
  });
  net.addHost("client").spawn("client", function* (sys) {
    const fd = yield* sys.socket("dgram");
    yield* sys.sleep(us(10));
    for (let i = 1; i <= burst; i++) yield* sys.sendto(fd, `message ${i}`, ["server", PORT]);
  });
  sim.run({ until: p.exited });
  const raised = sim.trace.records({ kind: "signal-raise" })
    .filter((r) => r.data?.signo === SIGNALS.SIGIO && r.data?.pid === p.pid).length;
  return {
    handler: loop ? "loops to EAGAIN" : "reads once",
    arrivals: burst,
    sigioRaised: raised,
    coalesced: p.signals.coalesced,
    handlerRuns: runs,
    readByHandler: read,
    stillQueued,
    readLater,
  };
}

/** The SIGIO burst scenario. */
export const scenario = defineScenario({
  name: "sigio_burst",
  description:
    "a burst of datagrams while SIGIO is pending gives one handler run: loop to EAGAIN or lose track",
  params: {
    burst: { type: "int", default: 5, min: 1, max: 1000, description: "datagrams in the burst" },
    section: {
      type: "int",
      default: 200,
      min: 1,
      description: "microseconds the server keeps SIGIO blocked while they arrive",
    },
    width: { type: "int", default: 100, min: 40, description: "timeline width in columns" },
  },
  run(ctx) {
    const { params } = ctx;
    const parts: string[] = [];
    const outcomes = [true, false].map((loop) => {
      const sim = ctx.simulation(loop ? "loop" : "once");
      const o = runVariant(sim, loop, params.burst, us(params.section));
      const lanes = lanesOf([{ label: "", sim }])
        .filter((l) => l.group === "server")
        .map((l) => ({ ...l, label: l.label.replace(/^server: /, "") }));
      parts.push(
        `handler that ${o.handler}:`,
        formatTimeline(lanes, { width: params.width, from: 0, legend: false }),
        "",
      );
      return o;
    });
    parts.push(formatTable(outcomes, [
      { title: "handler", value: (o) => o.handler },
      { title: "arrivals", value: (o) => o.arrivals, unit: "count" },
      { title: "SIGIO raised", value: (o) => o.sigioRaised, unit: "count" },
      { title: "coalesced", value: (o) => o.coalesced, unit: "count" },
      { title: "handler runs", value: (o) => o.handlerRuns, unit: "count" },
      { title: "read by handler", value: (o) => o.readByHandler, unit: "count" },
      { title: "still queued", value: (o) => o.stillQueued, unit: "count" },
      { title: "read later", value: (o) => o.readLater, unit: "count" },
    ]));
    const metrics: Record<string, MetricValue> = {};
    for (const o of outcomes) {
      const { handler, ...rest } = o;
      metrics[handler === "loops to EAGAIN" ? "loop" : "once"] = { ...rest };
    }
    return { metrics, report: parts.join("\n") };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
