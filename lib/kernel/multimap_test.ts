import assert from "node:assert/strict";
import { multiAdd, multiGet, type MultiMap, multiRemove } from "./multimap.ts";

Deno.test("a multimap keeps a lone value bare and two or more in an array", () => {
  const m: MultiMap<number, string> = new Map();
  multiAdd(m, 1, "a");
  assert.equal(m.get(1), "a");
  multiAdd(m, 1, "b");
  assert.deepEqual(m.get(1), ["a", "b"]);
  assert.deepEqual(multiGet(m, 1), ["a", "b"]);
  assert.deepEqual(multiGet(m, 2), []);
  assert.equal(multiRemove(m, 1, "c"), false);
  assert.equal(multiRemove(m, 1, "a"), true);
  assert.equal(m.get(1), "b");
  assert.equal(multiRemove(m, 1, "a"), false);
  assert.equal(multiRemove(m, 1, "b"), true);
  assert.equal(m.has(1), false);
  assert.equal(multiRemove(m, 1, "b"), false);
});
