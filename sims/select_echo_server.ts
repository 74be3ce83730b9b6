/**
 * The article's select echo server: a non-blocking listening socket, input
 * and output lists, a message queue per connection, and the same prints —
 * served to scripted clients that each send a few messages.
 *
 * With `--close true` the clients hang up when done; the article's loop
 * never removes a closed connection, so select keeps reporting it readable
 * (EOF) and the loop spins on `b''`. `--fix true` removes it, as a real
 * server must.
 *
 * @module
 */

import { select } from "../lib/io/select.ts";
import { isErrno } from "../lib/os/errno.ts";
import { pyBytes } from "../lib/os/sys.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

/** The select echo server scenario. */
export const scenario = defineScenario({
  name: "select_echo_server",
  description:
    "the article's select() echo server with input/output lists, served to scripted clients",
  params: {
    clients: { type: "int", default: 3, min: 1, max: 1000, description: "clients that connect" },
    messages: { type: "int", default: 2, min: 1, description: "messages each client sends" },
    close: { type: "boolean", default: false, description: "clients hang up after their messages" },
    fix: {
      type: "boolean",
      default: false,
      description: "remove a connection at EOF (the article's loop does not, and spins)",
    },
    watch: {
      type: "int",
      default: 100,
      min: 0,
      description: "microseconds to keep watching the server after the clients are done",
    },
    root: {
      type: "boolean",
      default: true,
      description: "run the server as root (port 999 is below 1024)",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim);
    const box = net.addHost("box", { cores: 2 });
    let loops = 0, eofReads = 0;

    function* server(sys: Sys): ThreadRoutine<void> {
      const server = yield* sys.socket();
      yield* sys.bind(server, ["localhost", 999]);
      yield* sys.listen(server, 10000);
      yield* sys.setBlocking(server, false);
      const inputs: number[] = [server], outputs: number[] = [];
      const msgDict = new Map<number, Uint8Array[]>();
      for (;;) {
        sys.print("...........................");
        loops++;
        const [readable, writeable, exceptional] = yield* select(sys, inputs, outputs, inputs);
        for (const r of readable) {
          if (r === server) {
            sys.print("来了一个新连接");
            const { fd: conn } = yield* sys.accept(r);
            yield* sys.setBlocking(conn, false);
            inputs.push(conn);
            msgDict.set(conn, []);
          } else {
            sys.print("准备收数据");
            const data = yield* sys.recv(r, 1024);
            sys.print(pyBytes(data));
            if (data.length === 0) {
              eofReads++;
              if (params.fix) {
                remove(inputs, r);
                while (outputs.includes(r)) remove(outputs, r);
                msgDict.delete(r);
                yield* sys.close(r);
                continue;
              }
            }
            msgDict.get(r)!.push(data);
            outputs.push(r);
          }
        }
        for (const w of writeable) {
          const queue = msgDict.get(w);
          if (queue === undefined) continue;
          sys.print("准备发数据");
          yield* sys.send(w, queue.shift()!);
          remove(outputs, w);
        }
        for (const e of exceptional) {
          sys.print("出错");
          if (outputs.includes(e)) remove(outputs, e);
          remove(inputs, e);
          msgDict.delete(e);
        }
      }
    }

    function client(c: number) {
      return function* (sys: Sys): ThreadRoutine<void> {
        yield* sys.sleep(us(100 * (c + 1)));
        const fd = yield* sys.socket();
        try {
          yield* sys.connect(fd, ["localhost", 999]);
        } catch (e) {
          if (isErrno(e, "ECONNREFUSED")) {
            sys.print("ConnectionRefusedError: [Errno 111] Connection refused");
          }
          throw e;
        }
        for (let m = 1; m <= params.messages; m++) {
          yield* sys.send(fd, `hello ${m} from client ${c + 1}`);
          const data = yield* sys.recv(fd, 1023);
          sys.print(pyBytes(data));
        }
        done();
        // The article's client waits for the next line of input forever;
        // keep the connection open the same way, unless asked to hang up.
        if (params.close) yield* sys.close(fd);
        else yield* sys.recv(fd, 1023);
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
      (_, c) => box.spawn(`client${c + 1}`, client(c), { onError: "exit", daemon: true }),
    );
    sim.run({ until: sim.anyOf([allDone, ...clients.map((p) => p.exited)]) });
    // A client that died early (refused, or killed by an error) ends the wait too.
    if (!allDone.triggered) sim.run({ until: sim.allOf(clients.map((p) => p.exited)) });
    const doneAt = sim.now;
    if (params.watch > 0) sim.run({ until: sim.now + us(params.watch) });
    const u = srv.usage();
    return {
      metrics: {
        clientsDoneNs: doneAt,
        serverLoops: loops,
        eofReads,
        serverSyscalls: u.syscalls,
        serverCpuNs: u.cpuNs,
        serverError: srv.error === undefined ? null : String(srv.error),
        clientsFailed: clients.filter((p) => p.exitCode !== null && p.exitCode !== 0).length,
      },
      report: params.close && !params.fix && eofReads > 1
        ? `The server read b'' ${eofReads} times after the clients hung up: the article's loop never removes a closed connection.`
        : undefined,
    };
  },
});

function remove(list: number[], fd: number): void {
  const i = list.indexOf(fd);
  if (i >= 0) list.splice(i, 1);
}

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
