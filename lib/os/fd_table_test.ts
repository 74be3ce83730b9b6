import assert from "node:assert/strict";
import { Simulation } from "../kernel/simulation.ts";
import { type Errno, SysError } from "./errno.ts";
import { DEFAULT_NOFILE, DEFAULT_NOFILE_HARD, FdTable } from "./fd_table.ts";
import { File, TtyFile } from "./file.ts";
import { Host, type HostOptions } from "./host.ts";
import { PipeEnd } from "./pipe.ts";
import type { NetworkStack, SocketFile } from "./socket_api.ts";

function tty(): TtyFile {
  return new TtyFile();
}

Deno.test("a new table has the terminal on 0, 1 and 2 and Linux's default limits", () => {
  const table = new FdTable();
  assert.equal(table.size, 3);
  assert.equal(table.span, 3);
  assert.deepEqual(table.entries().map(([fd, f]) => [fd, f.kind]), [
    [0, "tty"],
    [1, "tty"],
    [2, "tty"],
  ]);
  assert.equal(table.limit, DEFAULT_NOFILE);
  assert.equal(table.hardLimit, DEFAULT_NOFILE_HARD);
  // The three descriptors share one terminal file.
  assert.equal(table.get(0), table.get(2));
  assert.equal(table.get(0)!._refs, 3);
});

Deno.test("new descriptors take the lowest free number", () => {
  const table = new FdTable();
  const fds = [tty(), tty(), tty(), tty()].map((f) => table.install(f));
  assert.deepEqual(fds, [3, 4, 5, 6]);
  table.remove(5);
  table.remove(3);
  assert.equal(table.install(tty()), 3);
  assert.equal(table.install(tty()), 5);
  assert.equal(table.install(tty()), 7);
});

Deno.test("closing stdin makes 0 the next descriptor, as POSIX requires", () => {
  const table = new FdTable();
  table.remove(0);
  assert.equal(table.install(tty()), 0);
});

Deno.test("install returns -1 when the next descriptor would reach the limit", () => {
  const table = new FdTable(5);
  assert.equal(table.install(tty()), 3);
  assert.equal(table.install(tty()), 4);
  assert.equal(table.install(tty()), -1);
  table.remove(3);
  assert.equal(table.install(tty()), 3);
});

Deno.test("lowering the limit below open descriptors keeps them but refuses new ones", () => {
  const table = new FdTable();
  for (let i = 0; i < 5; i++) table.install(tty());
  table.limit = 4;
  assert.equal(table.size, 8);
  assert.equal(table.get(7)?.kind, "tty");
  assert.equal(table.install(tty()), -1);
  // A hole below the limit can still be filled.
  table.remove(1);
  assert.equal(table.install(tty()), 1);
});

Deno.test("remove returns the file, counts references down, and forgets the descriptor", () => {
  const table = new FdTable();
  const f = tty();
  const fd = table.install(f);
  assert.equal(f._refs, 1);
  assert.equal(table.remove(fd), f);
  assert.equal(f._refs, 0);
  assert.equal(table.get(fd), undefined);
  assert.equal(table.remove(fd), undefined);
  assert.equal(table.remove(999), undefined);
  assert.equal(table.remove(-1), undefined);
});

Deno.test("installAt (dup2) replaces what was open and leaves the lowest-free order intact", () => {
  const table = new FdTable();
  const a = tty(), b = tty();
  assert.equal(table.install(a), 3);
  assert.equal(table.installAt(3, b), a);
  assert.equal(a._refs, 0);
  assert.equal(table.get(3), b);
  // dup2 far above the top leaves holes that later opens fill from the bottom.
  assert.equal(table.installAt(10, a), undefined);
  assert.equal(table.span, 11);
  assert.equal(table.install(tty()), 4);
  // A hole filled by dup2 is skipped by later opens.
  table.installAt(5, tty());
  assert.equal(table.install(tty()), 6);
  assert.equal(table.size, 8);
});

Deno.test("a descriptor closed twice is reused only once", () => {
  const table = new FdTable();
  table.install(tty());
  table.remove(3);
  table.installAt(3, tty()); // fills the hole: its heap entry is now stale
  table.remove(3); // a second entry for 3
  assert.equal(table.install(tty()), 3);
  assert.equal(table.install(tty()), 4);
});

// ---- through the system calls ---------------------------------------------

/** A stand-in for a socket: the descriptor table only needs a file. */
class FakeSocket extends File {
  readonly kind = "fake";
  released = false;
  poll(): number {
    return 0;
  }
  override _release(): void {
    this.released = true;
  }
}

/** A host whose "network stack" makes fake sockets, so these tests need no lib/net. */
function hostWithFakeStack(options: HostOptions = {}): [Simulation, Host, FakeSocket[]] {
  const sim = new Simulation();
  const host = new Host(sim, { name: "box", ...options });
  const made: FakeSocket[] = [];
  const make = (): SocketFile => {
    const f = new FakeSocket();
    made.push(f);
    return f as unknown as SocketFile;
  };
  const stack: NetworkStack = {
    socket: make,
    socketpair: () => [make(), make()],
    crash: () => {},
    restart: () => {},
  };
  host._stack = stack;
  return [sim, host, made];
}

function errnoOf(e: unknown): Errno {
  if (e instanceof SysError) return e.errno;
  throw e;
}

Deno.test("EMFILE when the descriptor table reaches RLIMIT_NOFILE", () => {
  const [sim, host, made] = hostWithFakeStack({ nofile: 8 });
  const fds: number[] = [];
  let failure: Errno | null = null;
  host.spawn("hog", function* (sys) {
    try {
      for (;;) fds.push(yield* sys.socket());
    } catch (e) {
      failure = errnoOf(e);
    }
  });
  sim.run();
  assert.deepEqual(fds, [3, 4, 5, 6, 7]);
  assert.equal(failure, "EMFILE");
  // The socket made for the failed call was released at once.
  assert.equal(made.length, 6);
  assert.equal(made[5]!.released, true);
});

Deno.test("closing a descriptor frees its slot for the next socket", () => {
  const [sim, host, made] = hostWithFakeStack({ nofile: 4 });
  const seen: string[] = [];
  const p = host.spawn("app", function* (sys) {
    const fd = yield* sys.socket();
    try {
      yield* sys.socket();
    } catch (e) {
      seen.push(errnoOf(e));
    }
    seen.push(`open ${sys.process.fds.size}`);
    yield* sys.close(fd);
    seen.push(`released ${made[0]!.released}`);
    seen.push(`reopened ${yield* sys.socket()}`);
  });
  sim.run();
  assert.deepEqual(seen, ["EMFILE", "open 4", "released true", "reopened 3"]);
  assert.equal(p.exitCode, 0);
});

Deno.test("socketpair fails with EMFILE and leaves nothing open when only one slot is free", () => {
  const [sim, host, made] = hostWithFakeStack({ nofile: 4 });
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    try {
      yield* sys.socketpair();
    } catch (e) {
      seen.push(errnoOf(e));
    }
    seen.push(`open ${sys.process.fds.size}`);
  });
  sim.run();
  assert.deepEqual(seen, ["EMFILE", "open 3"]);
  assert.deepEqual(made.map((f) => f.released), [true, true]);
});

Deno.test("socket fails with EAFNOSUPPORT on a host that is on no network", () => {
  const sim = new Simulation();
  const host = new Host(sim, { name: "island" });
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    for (const call of [() => sys.socket(), () => sys.socketpair()]) {
      try {
        yield* call();
      } catch (e) {
        seen.push(errnoOf(e));
      }
    }
  });
  sim.run();
  assert.deepEqual(seen, ["EAFNOSUPPORT", "EAFNOSUPPORT"]);
});

Deno.test("setrlimit raises the soft limit up to the hard limit, and no further without privilege", () => {
  const [sim, host] = hostWithFakeStack({ nofile: 4, nofileHard: 6 });
  const seen: string[] = [];
  host.spawn("app", function* (sys) {
    yield* sys.socket(); // 3: the last slot
    yield* sys.setrlimitNofile(6);
    seen.push(`fd ${yield* sys.socket()}`, `fd ${yield* sys.socket()}`);
    for (const [soft, hard] of [[7, undefined], [7, 7], [-1, undefined]] as const) {
      try {
        yield* sys.setrlimitNofile(soft, hard);
      } catch (e) {
        seen.push(`${soft}/${hard}: ${errnoOf(e)}`);
      }
    }
    // Lowering the hard limit is always allowed, but it cannot be raised back.
    yield* sys.setrlimitNofile(5, 5);
    try {
      yield* sys.setrlimitNofile(5, 6);
    } catch (e) {
      seen.push(`raise back: ${errnoOf(e)}`);
    }
  });
  sim.run();
  assert.deepEqual(seen, [
    "fd 4",
    "fd 5",
    "7/undefined: EINVAL",
    "7/7: EPERM",
    "-1/undefined: EINVAL",
    "raise back: EPERM",
  ]);
});

Deno.test("a privileged process may raise its hard limit", () => {
  const [sim, host] = hostWithFakeStack({ nofile: 4, nofileHard: 4 });
  let limits: [number, number] = [0, 0];
  host.spawn("root", function* (sys) {
    yield* sys.setrlimitNofile(100_000, 100_000);
    limits = [sys.process.fds.limit, sys.process.fds.hardLimit];
  }, { privileged: true });
  sim.run();
  assert.deepEqual(limits, [100_000, 100_000]);
});

Deno.test("host options nofile above nofileHard are a RangeError", () => {
  assert.throws(() => new Host(new Simulation(), { nofile: 10, nofileHard: 5 }), RangeError);
});

Deno.test("a process's descriptors are closed and its files released when it exits", () => {
  const [sim, host, made] = hostWithFakeStack();
  const p = host.spawn("app", function* (sys) {
    yield* sys.socket();
    yield* sys.socketpair();
  });
  sim.run();
  assert.equal(p.fds.size, 0);
  assert.deepEqual(made.map((f) => f.released), [true, true, true]);
});

// ---- files of another simulation ----------------------------------------------

Deno.test("a file of another simulation cannot enter a process: its waits and sends would go there", () => {
  const [, host, made] = hostWithFakeStack();
  const [, elsewhere, foreign] = hostWithFakeStack();
  const p = host.spawn("app", function* () {});
  const q = elsewhere.spawn("app", function* () {});
  // A file that entered a process of the other simulation belongs to it.
  const sock = new FakeSocket();
  assert.equal(q.fds.install(sock), 3);
  q.fds.remove(3);
  assert.throws(() => p.fds.install(sock), {
    name: "TypeError",
    message: /Cannot open a descriptor on fake: it belongs to another simulation/,
  });
  assert.throws(() => p.fds.installAt(7, sock), /another simulation/);
  assert.equal(p.fds.get(7), undefined);
  assert.equal(sock._refs, 0);
  assert.equal(p.fds.install(new FakeSocket()), 3);
  assert.deepEqual([made.length, foreign.length], [0, 0]);
});

Deno.test("a pipe's two ends belong to the simulation the first one enters", () => {
  const sim = new Simulation();
  const a = new Host(sim).spawn("a", function* () {});
  const b = new Host(new Simulation()).spawn("b", function* () {});
  const [r, w] = PipeEnd.pair();
  b.fds.install(r);
  assert.throws(
    () => a.fds.install(w),
    /pipe \(write end, 0 bytes\): it belongs to another simulation/,
  );
  const [r2, w2] = PipeEnd.pair();
  assert.deepEqual([a.fds.install(w2), a.fds.install(r2)], [3, 4]);
  assert.throws(() => b.fds.install(r2), TypeError);
});

Deno.test("a table made on its own, outside any process, takes any file", () => {
  const f = new FakeSocket();
  new Host(new Simulation()).spawn("p", function* () {}).fds.install(f);
  assert.equal(new FdTable().install(f), 3);
});
