import assert from "node:assert/strict";
import { epollServer } from "./epoll_server.ts";
import { getModel, MODEL_LIST, MODELS, serverModel } from "./registry.ts";
import { resolveWorkload } from "./workload.ts";

Deno.test("the registry holds every model of the issue under its name", () => {
  assert.deepEqual([...MODELS.keys()], MODEL_LIST.map((m) => m.name));
  for (
    const name of [
      "blocking",
      "threads",
      "processes",
      "busy_poll",
      "select",
      "poll",
      "epoll",
      "epoll_et",
      "sigio",
      "prefork",
      "prefork_exclusive",
    ]
  ) {
    assert.equal(getModel(name).name, name);
  }
});

Deno.test("an unknown model name fails with the name and the known ones", () => {
  assert.throws(() => getModel("kqueue"), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /Unknown model "kqueue": known models are blocking, threads/);
    return true;
  });
  assert.throws(() => getModel(42 as never), /Invalid model "42"/);
  assert.throws(() => serverModel("Bad Name", "x", epollServer), /Invalid model name "Bad Name"/);
});

Deno.test("a model entry makes a fresh server and counters for each run", () => {
  const spec = getModel("epoll");
  const w = resolveWorkload({});
  const opts = { port: 1, requestBytes: 1, responseBytes: 1, serviceNs: 0 };
  const a = spec.server(opts, w), b = spec.server(opts, w);
  assert.notEqual(a.stats, b.stats);
  assert.equal(typeof a.body, "function");
  assert.equal(getModel(spec), spec);
  const prefork = getModel("prefork").server(opts, w);
  assert.deepEqual(prefork.extras?.(null as never), {
    workers: 0,
    listenerEvents: 0,
    acceptEagain: 0,
  });
});
