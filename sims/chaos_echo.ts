/**
 * An echo service under a fault plan, tested the way FoundationDB's
 * simulator and TigerBeetle's VOPR test: clients with timeouts and retries
 * against packet loss and duplication, a partition that heals, and a server
 * crash and restart. Every request is reported as answered, retried or
 * failed with its reason, and the invariants are checked: every answer is
 * exactly the request's bytes, and every request is accounted for.
 *
 * Run many seeds: `deno task sim chaos_echo --seeds 1..200`.
 *
 * @module
 */

import { ms, us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import {
  applyFaultPlan,
  describeFaultPlan,
  type FaultAction,
  type FaultPlan,
  randomFaultPlan,
} from "../lib/net/fault_plan.ts";
import { poll } from "../lib/io/poll.ts";
import { isErrno, SysError } from "../lib/os/errno.ts";
import { POLLIN, POLLOUT } from "../lib/os/events.ts";
import type { Host } from "../lib/os/host.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

const PORT = 7000;
const SIZE = 64;

/** Why an attempt failed. */
class Failure extends Error {}

function* echoServer(sys: Sys): ThreadRoutine<void> {
  const ls = yield* sys.socket();
  yield* sys.setsockopt(ls, "SO_REUSEADDR", 1);
  yield* sys.bind(ls, ["0.0.0.0", PORT]);
  yield* sys.listen(ls);
  for (;;) {
    const { fd } = yield* sys.accept(ls);
    yield* sys.spawnThread("conn", function* (t) {
      try {
        for (;;) {
          const data = yield* t.recv(fd, 4096);
          if (data.length === 0) break;
          yield* t.sendall(fd, data);
        }
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
      }
      yield* t.close(fd);
    });
  }
}

/** The scenario. */
export const scenario = defineScenario({
  name: "chaos_echo",
  description:
    "an echo service with retrying clients under loss, duplication, a partition and a crash",
  params: {
    clients: { type: "int", default: 3, min: 1, max: 100, description: "client hosts" },
    requests: { type: "int", default: 10, min: 1, description: "requests per client" },
    interval: {
      type: "int",
      default: 150,
      min: 0,
      description: "milliseconds between a client's requests",
    },
    loss: {
      type: "number",
      default: 0.05,
      min: 0,
      max: 1,
      description: "packet loss on every path",
    },
    duplicate: {
      type: "number",
      default: 0.05,
      min: 0,
      max: 1,
      description: "packet duplication on every path",
    },
    partition: {
      type: "boolean",
      default: true,
      description: "cut the server off for a while (it heals)",
    },
    crash: { type: "boolean", default: true, description: "crash the server host and restart it" },
    random: {
      type: "boolean",
      default: false,
      description: "draw the partition and crash times from the seed instead of the fixed plan",
    },
    timeout: {
      type: "int",
      default: 300,
      min: 1,
      description: "milliseconds a client waits before retrying",
    },
    retries: {
      type: "int",
      default: 6,
      min: 0,
      description: "retries per request before it fails",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim, { link: { latency: us(200) }, tcpUserTimeoutNs: ms(5000) });
    const server = net.addHost("server", { cores: 2 });
    const clients: Host[] = [];
    for (let c = 1; c <= params.clients; c++) clients.push(net.addHost(`client${c}`));
    const start = (h: Host) => h.spawn("echo", echoServer, { daemon: true, onError: "exit" });
    start(server);

    const actions: FaultAction[] = [];
    if (params.loss > 0 || params.duplicate > 0) {
      actions.push({
        kind: "rule",
        at: 0,
        rule: { drop: params.loss, duplicate: params.duplicate },
      });
    }
    let plan: FaultPlan;
    if (params.random) {
      const drawn = randomFaultPlan(sim.rng.fork("faults"), {
        hosts: ["server", ...clients.map((h) => h.name)],
        servers: ["server"],
        durationNs: ms(Math.max(1, params.interval) * params.requests),
        partitions: params.partition ? 1 : 0,
        crashes: params.crash ? 1 : 0,
      });
      plan = { actions: [...actions, ...drawn.actions] };
    } else {
      // While the clients are busy: a partition from 0.2 s to 0.7 s, a crash from 1 s to 1.3 s.
      if (params.partition) {
        actions.push({ kind: "partition", at: ms(200), side: ["server"], healAt: ms(700) });
      }
      if (params.crash) {
        actions.push({ kind: "crash", at: ms(1000), host: "server", restartAt: ms(1300) });
      }
      plan = { actions };
    }
    applyFaultPlan(net, plan, { onRestart: start });

    const outcomes: {
      client: number;
      request: number;
      attempts: number;
      reasons: string[];
      ok: boolean;
    }[] = [];
    const violations: string[] = [];
    const timeout = ms(params.timeout);

    function client(c: number) {
      return function* (sys: Sys): ThreadRoutine<void> {
        let fd = -1;
        const drop = function* (): ThreadRoutine<void> {
          if (fd >= 0) yield* sys.close(fd);
          fd = -1;
        };
        const waitFor = function* (events: number, what: string): ThreadRoutine<void> {
          const ready = yield* poll(sys, [{ fd, events }], timeout);
          if (ready.length === 0) throw new Failure(`${what} timed out`);
        };
        for (let r = 1; r <= params.requests; r++) {
          const payload = new TextEncoder().encode(`client${c} request ${r} `.padEnd(SIZE, "."));
          const reasons: string[] = [];
          let ok = false, attempts = 0;
          while (!ok && attempts <= params.retries) {
            attempts++;
            try {
              if (fd < 0) {
                fd = yield* sys.socket();
                yield* sys.setBlocking(fd, false);
                try {
                  yield* sys.connect(fd, ["server", PORT]);
                } catch (e) {
                  if (!isErrno(e, "EINPROGRESS")) throw e;
                }
                yield* waitFor(POLLOUT, "connect");
                const err = yield* sys.getsockopt(fd, "SO_ERROR");
                if (err !== 0) throw new Failure(`connect failed (errno ${err})`);
              }
              let sent = 0;
              while (sent < SIZE) {
                try {
                  sent += yield* sys.send(fd, payload.subarray(sent));
                } catch (e) {
                  if (!isErrno(e, "EAGAIN")) throw e;
                  yield* waitFor(POLLOUT, "send");
                }
              }
              const got = new Uint8Array(SIZE);
              let off = 0;
              while (off < SIZE) {
                yield* waitFor(POLLIN, "reply");
                let chunk: Uint8Array;
                try {
                  chunk = yield* sys.recv(fd, SIZE - off);
                } catch (e) {
                  if (isErrno(e, "EAGAIN")) continue;
                  throw e;
                }
                if (chunk.length === 0) throw new Failure("the server closed the connection");
                got.set(chunk, off);
                off += chunk.length;
              }
              // The invariant: the answer is exactly the request's bytes.
              if (got.some((b, i) => b !== payload[i])) {
                violations.push(`client${c} request ${r}: the answer differs from the request`);
              }
              ok = true;
            } catch (e) {
              if (!(e instanceof Failure || e instanceof SysError)) throw e;
              reasons.push(e instanceof SysError ? e.errno : e.message);
              yield* drop();
              if (attempts <= params.retries) {
                yield* sys.sleep(Math.min(timeout * 2 ** (attempts - 1), ms(2000)));
              }
            }
          }
          outcomes.push({ client: c, request: r, attempts, reasons, ok });
          const what = !ok
            ? `failed after ${attempts} attempts (${reasons.join(", ")})`
            : attempts === 1
            ? "answered"
            : `answered after ${attempts - 1} ${attempts === 2 ? "retry" : "retries"} (${
              reasons.join(", ")
            })`;
          sys.print(`client${c} request ${r}: ${what}`);
          if (params.interval > 0 && r < params.requests) yield* sys.sleep(ms(params.interval));
        }
        yield* drop();
      };
    }
    const procs = clients.map((h, i) => h.spawn("client", client(i + 1)));
    sim.run({ until: sim.allOf(procs.map((p) => p.exited)) });

    const total = params.clients * params.requests;
    if (outcomes.length !== total) {
      violations.push(`${total - outcomes.length} request(s) unaccounted for`);
    }
    const answered = outcomes.filter((o) => o.ok && o.attempts === 1).length;
    const retried = outcomes.filter((o) => o.ok && o.attempts > 1).length;
    const failed = outcomes.filter((o) => !o.ok).length;
    const reasons: Record<string, number> = {};
    for (const o of outcomes) for (const r of o.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
    let lost = 0, duplicated = 0;
    for (const a of net.hosts) {
      for (const b of net.hosts) {
        if (a === b) continue;
        const p = net.path(a, b);
        lost += p.lost;
        duplicated += p.duplicates;
      }
    }
    const verdict = violations.length === 0
      ? `invariants hold: ${total} requests accounted for, every answer is its request's bytes`
      : `INVARIANTS VIOLATED:\n  ${violations.join("\n  ")}`;
    return {
      metrics: {
        ok: violations.length === 0,
        requests: total,
        answered,
        retried,
        failed,
        reasons,
        packetsLost: lost,
        packetsDuplicated: duplicated,
        crashes: server.crashes,
        violations: violations.length,
      },
      report: ["fault plan:", ...describeFaultPlan(plan).map((l) => `  ${l}`), "", verdict].join(
        "\n",
      ),
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
