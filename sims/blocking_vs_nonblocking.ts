/**
 * Blocking I/O against non-blocking busy polling, on the same arriving data:
 * a sender sends the same messages to two readers; one blocks in `recv`
 * (phase 1 costs it no CPU), the other spins on a non-blocking `recv` that
 * fails with EAGAIN until data comes (phase 1 burns a core).
 *
 * @module
 */

import { isErrno } from "../lib/os/errno.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import type { Usage } from "../lib/os/usage.ts";
import { us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { latencyStats } from "../lib/models/protocol.ts";
import { formatTable } from "../lib/report/table.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The blocking vs non-blocking scenario. */
export const scenario = defineScenario({
  name: "blocking_vs_nonblocking",
  description: "a blocking reader and a busy-polling non-blocking reader on the same arriving data",
  params: {
    messages: { type: "int", default: 20, min: 1, description: "messages sent to each reader" },
    size: { type: "int", default: 1000, min: 1, description: "bytes per message" },
    interval: { type: "int", default: 1000, min: 0, description: "microseconds between messages" },
    pollGap: {
      type: "int",
      default: 0,
      min: 0,
      description: "nanoseconds the non-blocking reader computes between failed tries",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim);
    const sender = net.addHost("sender");
    const readers = { blocking: net.addHost("blocking"), nonblocking: net.addHost("nonblocking") };
    const sentAt: number[] = [];
    const latencies: Record<string, number[]> = { blocking: [], nonblocking: [] };
    const total = params.messages * params.size;

    function reader(mode: "blocking" | "nonblocking") {
      return function* (sys: Sys): ThreadRoutine<void> {
        const ls = yield* sys.socket();
        yield* sys.bind(ls, ["0.0.0.0", 7000]);
        yield* sys.listen(ls);
        const { fd } = yield* sys.accept(ls);
        if (mode === "nonblocking") yield* sys.setBlocking(fd, false);
        let got = 0;
        while (got < total) {
          let data: Uint8Array;
          try {
            data = yield* sys.recv(fd, 65536);
          } catch (e) {
            if (!isErrno(e, "EAGAIN")) throw e;
            if (params.pollGap > 0) yield* sys.compute(params.pollGap);
            continue;
          }
          if (data.length === 0) break;
          const before = Math.floor(got / params.size);
          got += data.length;
          for (let k = before; k < Math.floor(got / params.size); k++) {
            latencies[mode]!.push(sys.now - sentAt[k]!);
          }
        }
        sys.print(`${mode} reader got ${got} bytes`);
      };
    }

    const procs = {
      blocking: readers.blocking.spawn("reader", reader("blocking")),
      nonblocking: readers.nonblocking.spawn("reader", reader("nonblocking")),
    };
    sender.spawn("sender", function* (sys) {
      const a = yield* sys.socket(), b = yield* sys.socket();
      yield* sys.connect(a, ["blocking", 7000]);
      yield* sys.connect(b, ["nonblocking", 7000]);
      const msg = new Uint8Array(params.size);
      for (let k = 0; k < params.messages; k++) {
        yield* sys.sleep(us(params.interval));
        sentAt.push(sys.now);
        yield* sys.sendall(a, msg);
        yield* sys.sendall(b, msg);
      }
      sys.print(`sender sent ${params.messages} messages of ${params.size} bytes to each reader`);
    });
    sim.run({ until: sim.allOf([procs.blocking.exited, procs.nonblocking.exited]) });

    const row = (mode: "blocking" | "nonblocking") => {
      const u: Usage = procs[mode].usage();
      const lat = latencyStats(latencies[mode]!);
      return {
        mode,
        cpuNs: u.cpuNs,
        wastedNs: u.wastedNs,
        phase1Ns: u.phase1Ns,
        copyNs: u.copyNs,
        syscalls: u.syscalls,
        eagain: u.eagain,
        contextSwitches: u.contextSwitches,
        latencyMeanNs: Math.round(lat.mean),
        latencyMaxNs: lat.max,
      };
    };
    const rows = [row("blocking"), row("nonblocking")];
    const report = formatTable(rows, [
      { title: "reader", value: (r) => r.mode },
      { title: "CPU", value: (r) => r.cpuNs, unit: "ns" },
      { title: "wasted (EAGAIN)", value: (r) => r.wastedNs, unit: "ns" },
      { title: "phase 1 blocked", value: (r) => r.phase1Ns, unit: "ns" },
      { title: "phase 2 copy", value: (r) => r.copyNs, unit: "ns" },
      { title: "syscalls", value: (r) => r.syscalls, unit: "count" },
      { title: "EAGAIN", value: (r) => r.eagain, unit: "count" },
      { title: "mean latency", value: (r) => r.latencyMeanNs, unit: "ns" },
    ]);
    return {
      metrics: Object.fromEntries(rows.map(({ mode, ...figures }) => [mode, figures])),
      report,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
