/**
 * The article's gevent socket server and its client. The server binds
 * `("localhost", 100)` — below 1024, so it runs as root — and loops on
 * `listen()` + `accept()`, spawning one greenlet per connection that echoes
 * (`recv`, `print(data)`, `send`) forever. Each client sleeps 2 s, connects,
 * then for each line of input sends it and prints the reply; here the
 * keyboard is a script (one line every `--typing` ms) and many clients run
 * at once, each a process of its own. `input(">>")` writes its prompt
 * without a newline and piped input is not echoed, so a client's line reads
 * `>>b'...'`; the prompt left waiting after the script is printed at the end.
 *
 * Patched (the default), the server's one thread serves every client.
 * Unpatched (`--patch false`), `accept` blocks the whole thread, the
 * spawned handlers never get to run, and no client gets a reply. With
 * `--close true` the clients' input ends (EOFError) and they exit; the
 * article's handler then reads `b''` forever without ever waiting — it
 * prints `b''` in a loop and starves the other greenlets — unless `--fix
 * true` breaks out on EOF.
 *
 * @module
 */

import { patchAll } from "../lib/coro/green_io.ts";
import type { BlockingIo } from "../lib/coro/green_io.ts";
import type { GreenletRoutine } from "../lib/coro/greenlet.ts";
import { type Hub, runHub } from "../lib/coro/hub.ts";
import type { Simulation } from "../lib/kernel/simulation.ts";
import { ms, s, us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { isErrno } from "../lib/os/errno.ts";
import { pyBytes, type Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** A process's standard output: text without a newline waits for the rest of its line. */
class Stdout {
  #pending = "";
  constructor(readonly sim: Simulation, readonly source: string) {}
  write(text: string): void {
    const lines = (this.#pending + text).split("\n");
    this.#pending = lines.pop()!;
    for (const l of lines) this.sim.printAs(this.source, l);
  }
  flush(): void {
    if (this.#pending !== "") this.sim.printAs(this.source, this.#pending);
    this.#pending = "";
  }
}

/** The gevent echo server scenario. */
export const scenario = defineScenario({
  name: "gevent_echo_server",
  description: "the article's gevent echo server (a greenlet per connection) and scripted clients",
  params: {
    clients: { type: "int", default: 5, min: 1, max: 10_000, description: "clients at once" },
    messages: { type: "int", default: 2, min: 0, description: "lines each client types" },
    typing: {
      type: "number",
      default: 500,
      min: 0,
      description: "milliseconds between a client's lines",
    },
    patch: {
      type: "boolean",
      default: true,
      description: "monkey.patch_all() in the server (false: plain blocking sockets)",
    },
    close: {
      type: "boolean",
      default: false,
      description: "clients' input ends after the script (EOFError) and they exit",
    },
    fix: {
      type: "boolean",
      default: false,
      description: "the handler stops at EOF (the article's loops on b'' forever)",
    },
    watch: {
      type: "int",
      default: 100,
      min: 0,
      description: "microseconds to keep running after the clients are done",
    },
    root: {
      type: "boolean",
      default: true,
      description: "run the server as root (port 100 is below 1024)",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim);
    const box = net.addHost("localhost-box", { cores: 4 });
    let echoed = 0, eofReads = 0, handlers = 0;
    let theHub: Hub | null = null;

    function* server(sys: Sys): ThreadRoutine<void> {
      yield* runHub(sys, function* (hub) {
        theHub = hub;
        const socket: BlockingIo = params.patch ? patchAll(hub) : sys;
        function* severHandle(conn: number): GreenletRoutine<void> {
          handlers++;
          for (;;) {
            const data = yield* socket.recv(conn, 1024);
            socket.print(pyBytes(data));
            if (data.length === 0) {
              eofReads++;
              if (params.fix) break;
            } else echoed++;
            yield* socket.send(conn, data);
          }
          yield* socket.close(conn);
        }
        const srv = yield* socket.socket();
        yield* socket.bind(srv, ["localhost", 100]);
        for (;;) {
          yield* socket.listen(srv);
          const { fd: conn } = yield* socket.accept(srv);
          hub.spawn(severHandle, conn);
        }
      });
    }

    const answered = new Set<number>();
    const stdouts: Stdout[] = [];
    function client(c: number) {
      return function* (sys: Sys): ThreadRoutine<void> {
        const out = new Stdout(sim, `client${c}[${sys.pid}]`);
        stdouts.push(out);
        yield* sys.sleep(s(2));
        const fd = yield* sys.socket();
        try {
          yield* sys.connect(fd, ["localhost", 100]);
        } catch (e) {
          if (isErrno(e, "ECONNREFUSED")) {
            out.write("ConnectionRefusedError: [Errno 111] Connection refused\n");
          }
          throw e;
        }
        for (let m = 1; m <= params.messages; m++) {
          out.write(">>");
          yield* sys.sleep(ms(params.typing));
          yield* sys.send(fd, `hello ${m} from client ${c}`);
          const data = yield* sys.recv(fd, 1023);
          out.write(pyBytes(data) + "\n");
        }
        answered.add(c);
        // input() shows its prompt at once; it then waits for a line that never comes.
        out.write(">>");
        out.flush();
        done();
        // The keyboard stays idle (input() waits), unless the input ends.
        if (params.close) yield* sys.exit(1);
        yield* sys.pause();
      };
    }

    const srv = box.spawn("server", server, {
      privileged: params.root,
      daemon: true,
      onError: "exit",
    });
    const allDone = sim.event("all clients done");
    let left = params.clients;
    const done = () => {
      if (--left === 0) allDone.succeed();
    };
    const clients = Array.from(
      { length: params.clients },
      (_, i) => box.spawn(`client${i + 1}`, client(i + 1), { onError: "exit", daemon: true }),
    );
    const limit = s(2) + params.messages * ms(params.typing) + s(1);
    sim.run({ until: sim.anyOf([allDone, sim.timeout(limit)]) });
    const doneAt = sim.now;
    if (params.watch > 0) sim.run({ until: sim.now + us(params.watch) });
    for (const out of stdouts) out.flush();
    const u = srv.usage();
    const rt = (theHub as Hub | null)?.runtime;
    return {
      metrics: {
        patched: params.patch,
        clientsAnswered: answered.size,
        messagesEchoed: echoed,
        handlersStarted: handlers,
        eofReads,
        clientsDoneNs: allDone.triggered ? doneAt : null,
        serverThreads: srv.threads.length,
        serverGreenletsPeak: rt?.peakLive ?? 0,
        serverGreenletBytes: rt?.peakMemoryBytes ?? 0,
        serverSwitches: rt?.switches ?? 0,
        serverCpuNs: u.cpuNs,
        serverSyscalls: u.syscalls,
        serverError: srv.error === undefined ? null : String(srv.error),
        clientsFailed: clients.filter((p) =>
          p.exitCode !== null && p.exitCode !== 0 && !params.close
        )
          .length,
      },
      report: params.patch
        ? `One server thread served ${answered.size} of ${params.clients} clients with ${handlers} greenlets.`
        : `Unpatched: accept() blocks the server's only thread, the ${params.clients} spawned handlers never run, ${answered.size} clients got a reply.`,
    };
  },
});

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
