/**
 * The article's selectors echo server: `DefaultSelector` (epoll), an accept
 * callback and a read callback kept in each key's data slot, called as
 * `key.data(key.fileobj, mask)` — served to scripted clients that send a
 * few messages and hang up.
 *
 * The read callback echoes before it checks for EOF and unregisters after
 * closing, as the article's does; Python's `EpollSelector.unregister`
 * ignores the EBADF that follows, and so does ours.
 *
 * @module
 */

import {
  EVENT_READ,
  openSelector,
  type SelectorKey,
  type SelectorKind,
} from "../lib/io/selectors.ts";
import { pyBytes } from "../lib/os/sys.ts";
import type { Sys } from "../lib/os/sys.ts";
import type { ThreadRoutine } from "../lib/os/thread.ts";
import { us } from "../lib/kernel/time.ts";
import { Network } from "../lib/net/network.ts";
import { defineScenario } from "../lib/scenario/define.ts";
import { runMain } from "../cli.ts";

type Callback = (fd: number, mask: number) => ThreadRoutine<void>;

/** The selectors echo server scenario. */
export const scenario = defineScenario({
  name: "selectors_echo_server",
  description: "the article's selectors echo server: accept/read callbacks in key.data, on epoll",
  params: {
    clients: { type: "int", default: 3, min: 1, max: 1000, description: "clients that connect" },
    messages: { type: "int", default: 2, min: 1, description: "messages each client sends" },
    close: { type: "boolean", default: true, description: "clients hang up after their messages" },
    selector: {
      type: "string",
      default: "epoll",
      choices: ["epoll", "poll", "select"],
      description: "the selector DefaultSelector stands for",
    },
  },
  run({ sim, params }) {
    const net = new Network(sim);
    const box = net.addHost("box", { cores: 2 });
    let callbacks = 0;

    function* server(sys: Sys): ThreadRoutine<void> {
      const sel = yield* openSelector<Callback>(sys, params.selector as SelectorKind);
      const server = yield* sys.socket();
      yield* sys.bind(server, ["localhost", 999]);
      yield* sys.setBlocking(server, false);
      yield* sys.listen(server, 10000);

      const read: Callback = function* (conn) {
        sys.print("开始接收数据");
        const data = yield* sys.recv(conn, 1024);
        sys.print(pyBytes(data));
        yield* sys.send(conn, data);
        yield* sys.setBlocking(conn, false);
        if (data.length === 0) {
          sys.print("断开连接");
          yield* sys.close(conn);
          yield* sel.unregister(conn);
        }
      };
      const accept: Callback = function* (server) {
        sys.print("新开一个连接");
        const { fd: conn } = yield* sys.accept(server);
        yield* sel.register(conn, EVENT_READ, read);
      };
      Object.defineProperty(read, "name", { value: "read" });
      Object.defineProperty(accept, "name", { value: "accept" });

      yield* sel.register(server, EVENT_READ, accept);
      sys.print(
        "server",
        `<socket.socket fd=${server}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('127.0.0.1', 999)>`,
      );
      sys.print("<function accept>", "<function read>");
      for (;;) {
        try {
          const events = yield* sel.select();
          sys.print(`[${events.map(([key, mask]) => `(${keyRepr(key)}, ${mask})`).join(", ")}]`);
          for (const [key, mask] of events) {
            callbacks++;
            yield* key.data(key.fileobj, mask);
          }
        } catch (e) {
          // The article catches OSError and prints it.
          if (!(e instanceof Error) || e.name !== "SysError") throw e;
          sys.print(e.message);
        }
      }
    }

    function client(c: number) {
      return function* (sys: Sys): ThreadRoutine<void> {
        yield* sys.sleep(us(100 * (c + 1)));
        const fd = yield* sys.socket();
        yield* sys.connect(fd, ["localhost", 999]);
        for (let m = 1; m <= params.messages; m++) {
          yield* sys.send(fd, `hello ${m} from client ${c + 1}`);
          sys.print(pyBytes(yield* sys.recv(fd, 1023)));
        }
        if (params.close) yield* sys.close(fd);
        else yield* sys.recv(fd, 1023);
      };
    }

    const srv = box.spawn("server", server, { privileged: true, daemon: true, onError: "exit" });
    const clients = Array.from(
      { length: params.clients },
      (_, c) => box.spawn(`client${c + 1}`, client(c), { onError: "exit", daemon: !params.close }),
    );
    if (params.close) sim.run({ until: sim.allOf(clients.map((p) => p.exited)) });
    // Let the server notice the last hang-ups (or, with open connections, go idle).
    sim.run({ until: sim.now + us(200) });
    const u = srv.usage();
    return {
      metrics: {
        callbacks,
        serverSyscalls: u.syscalls,
        serverCpuNs: u.cpuNs,
        serverPhase1Ns: u.phase1Ns,
        serverError: srv.error === undefined ? null : String(srv.error),
        openConnections: srv.fds.entries().filter(([, f]) => f.kind === "socket").length - 1,
      },
    };
  },
});

function keyRepr(key: SelectorKey<Callback>): string {
  const name = (key.data as { name?: string }).name ?? "callback";
  return `SelectorKey(fileobj=${key.fileobj}, fd=${key.fd}, events=${key.events}, data=<function ${name}>)`;
}

if (import.meta.main) runMain(scenario).then((code) => Deno.exit(code));
