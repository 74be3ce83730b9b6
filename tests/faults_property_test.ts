/**
 * Invariants under random workloads and random fault plans, property-tested
 * with fast-check:
 *
 * - streams: every byte written arrives exactly once and in order, or the
 *   reader sees an error (ECONNRESET, ETIMEDOUT, EOF after a crash), or the
 *   writer gave up with ETIMEDOUT (Linux's tcp_write_err sends no reset, so
 *   the reader is never told and may wait for ever, as it would for real);
 * - datagrams: none is altered; losses and duplicates happen only when the
 *   plan allows them.
 *
 * The runs and the options to explore and replay are those of
 * `tests/_property.ts`: the same every time (seed 42); a failure prints the
 * command that replays it.
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { assertProperty } from "./_property.ts";
import { ms, Simulation, us } from "../lib/kernel/mod.ts";
import { applyFaultPlan, type FaultAction, Network } from "../lib/net/mod.ts";
import { SysError, type ThreadRoutine } from "../lib/os/mod.ts";

/** Background packet faults on every path: always present, sometimes all zero. */
const background: fc.Arbitrary<FaultAction> = fc.record({
  kind: fc.constant("rule" as const),
  at: fc.constant(0),
  rule: fc.record({
    drop: fc.constantFrom(0, 0.05, 0.2),
    duplicate: fc.constantFrom(0, 0.1, 0.3),
    reorder: fc.constantFrom(0, 0.2),
    jitter: fc.integer({ min: 0, max: 200_000 }),
  }),
});

const action: fc.Arbitrary<FaultAction> = fc.oneof(
  fc.record({
    kind: fc.constant("partition" as const),
    at: fc.integer({ min: 0, max: 50 }).map(ms),
    side: fc.constantFrom(["server"], ["client"]),
    healAt: fc.integer({ min: 51, max: 400 }).map(ms),
  }),
  fc.record({
    kind: fc.constant("crash" as const),
    at: fc.integer({ min: 0, max: 50 }).map(ms),
    host: fc.constant("server"),
  }),
  fc.record({
    kind: fc.constant("rule" as const),
    at: fc.constant(0),
    rule: fc.record({
      drop: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorder: fc.double({ min: 0, max: 0.3, noNaN: true }),
      jitter: fc.integer({ min: 0, max: 200_000 }),
    }),
  }),
);

Deno.test("streams: every byte arrives once and in order, or the reader sees an error", () => {
  assertProperty(
    import.meta.url,
    "streams: every byte arrives once and in order, or the reader sees an error",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      sizes: fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 12 }),
      plan: fc.tuple(background, fc.array(action, { maxLength: 2 })).map((
        [b, rest],
      ) => [b, ...rest]),
      readSize: fc.integer({ min: 1, max: 70_000 }),
    }),
    ({ seed, sizes, plan, readSize }) => {
      const sim = new Simulation({ seed, trace: false });
      const net = new Network(sim, { link: { latency: us(300) }, tcpUserTimeoutNs: ms(3000) });
      const total = sizes.reduce((a, b) => a + b, 0);
      const expected = Uint8Array.from({ length: total }, (_, i) => (i * 7 + (i >> 8)) % 256);
      let received = new Uint8Array(0);
      let readerError: string | null = null;
      let writerError: string | null = null;
      net.addHost("server").spawn("reader", function* (sys): ThreadRoutine<void> {
        const ls = yield* sys.socket();
        yield* sys.bind(ls, ["0.0.0.0", 9000]);
        yield* sys.listen(ls);
        const { fd } = yield* sys.accept(ls);
        const parts: Uint8Array[] = [];
        try {
          for (;;) {
            const d = yield* sys.recv(fd, readSize);
            if (d.length === 0) break;
            parts.push(d.slice());
          }
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          readerError = e.errno;
        }
        received = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let off = 0;
        for (const p of parts) {
          received.set(p, off);
          off += p.length;
        }
      }, { onError: "exit" });
      net.addHost("client").spawn("writer", function* (sys): ThreadRoutine<void> {
        const fd = yield* sys.socket();
        try {
          yield* sys.connect(fd, ["server", 9000]);
          let off = 0;
          for (const n of sizes) {
            yield* sys.sendall(fd, expected.subarray(off, off + n));
            off += n;
          }
          yield* sys.shutdown(fd, "SHUT_WR");
          yield* sys.recv(fd, 1); // wait for the reader's close
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          writerError = e.errno;
        }
      }, { onError: "exit" });
      applyFaultPlan(net, { actions: plan });
      sim.run({ until: sim.now + 60e9, deadlock: "report" });
      // What arrived is always a prefix of what was sent: nothing lost in the
      // middle, nothing twice, nothing reordered.
      assert.ok(received.length <= total, `received ${received.length} of ${total}`);
      for (let i = 0; i < received.length; i++) {
        if (received[i] !== expected[i]) assert.fail(`byte ${i} differs`);
      }
      // And it is all of it, unless the reader saw an error, its host crashed,
      // or the writer timed out (silently, for the reader: no reset is sent).
      const crashed = net.host("server")!.crashes > 0;
      if (readerError === null && !crashed && writerError !== "ETIMEDOUT") {
        assert.equal(received.length, total, `writer error ${writerError}`);
      }
    },
    100,
  );
});

Deno.test("datagrams: none is altered, and losses and duplicates come only from the plan", () => {
  assertProperty(
    import.meta.url,
    "datagrams: none is altered, and losses and duplicates come only from the plan",
    fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      count: fc.integer({ min: 1, max: 40 }),
      drop: fc.constantFrom(0, 0.2),
      duplicate: fc.constantFrom(0, 0.2),
      reorder: fc.constantFrom(0, 0.3),
    }),
    ({ seed, count, drop, duplicate, reorder }) => {
      const sim = new Simulation({ seed, trace: false });
      const net = new Network(sim);
      net.addHost("rx");
      const tx = net.addHost("tx");
      net.addFault({ from: "tx", to: "rx", drop, duplicate, reorder, jitter: us(5) });
      const got: string[] = [];
      net.host("rx")!.spawn("rx", function* (sys): ThreadRoutine<void> {
        const fd = yield* sys.socket("dgram");
        yield* sys.bind(fd, ["0.0.0.0", 5353]);
        yield* sys.setBlocking(fd, false);
        yield* sys.sleep(ms(50));
        for (;;) {
          try {
            got.push(new TextDecoder().decode((yield* sys.recvfrom(fd, 1000)).data));
          } catch {
            break;
          }
        }
      });
      tx.spawn("tx", function* (sys): ThreadRoutine<void> {
        const fd = yield* sys.socket("dgram");
        for (let i = 0; i < count; i++) {
          yield* sys.sendto(fd, `datagram ${i} `.padEnd(40, "x"), ["rx", 5353]);
        }
      });
      sim.run();
      const sent = new Set(
        Array.from({ length: count }, (_, i) => `datagram ${i} `.padEnd(40, "x")),
      );
      for (const g of got) assert.ok(sent.has(g), `altered datagram "${g}"`);
      const copies = new Map<string, number>();
      for (const g of got) copies.set(g, (copies.get(g) ?? 0) + 1);
      if (drop === 0) {
        assert.equal(copies.size, count, "a datagram was lost without loss in the plan");
      }
      if (duplicate === 0) {
        assert.ok(
          [...copies.values()].every((n) => n === 1),
          "a duplicate without duplication in the plan",
        );
      }
      assert.ok([...copies.values()].every((n) => n <= 2));
    },
    100,
  );
});
