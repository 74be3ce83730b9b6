/**
 * The objects a manager server holds for its proxies, and the methods a
 * proxy may call on them.
 *
 * @module
 */

import type { Sys } from "../os/sys.ts";
import type { ThreadRoutine } from "../os/thread.ts";
import { checkTimeout } from "./_context.ts";
import { WaitQueue } from "./_futex.ts";
import { mpCosts } from "./costs.ts";
import { AttributeError, Empty, Full, IndexError, KeyError, ValueError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { pyRepr } from "./pyrepr.ts";

/** An object living in the server process. */
export interface Referent {
  /** What kind of object (`"dict"`, `"list"`, ...). */
  readonly typeid: string;
  /** Runs a method in the server thread that serves the calling proxy. */
  call(sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown>;
}

function unknownMethod(typeid: string, method: string): never {
  throw new AttributeError(`'${typeid}' object has no attribute '${method}'`);
}

function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return pyRepr(a) === pyRepr(b);
}

function index(list: unknown[], i: unknown, what: string): number {
  const n = typeof i === "number" && Number.isInteger(i) ? (i < 0 ? i + list.length : i) : NaN;
  if (!(n >= 0 && n < list.length)) throw new IndexError(`${what} index out of range`);
  return n;
}

/** A dict (a `Map`, keeping insertion order as Python's dict does). */
class DictReferent implements Referent {
  readonly typeid = "dict";
  readonly map: Map<unknown, unknown>;
  constructor(init: unknown) {
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeError(`Invalid dict init "${String(init)}": expected a Map or an object`);
    }
    this.map = init instanceof Map
      ? new Map(init)
      : new Map(init === undefined || init === null ? [] : Object.entries(init as object));
  }
  // deno-lint-ignore require-yield
  *call(_sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    const m = this.map;
    const [a, b] = args;
    switch (method) {
      case "__getitem__":
        if (!m.has(a)) throw new KeyError(pyRepr(a));
        return m.get(a);
      case "__setitem__":
        m.set(a, b);
        return null;
      case "__delitem__":
        if (!m.delete(a)) throw new KeyError(pyRepr(a));
        return null;
      case "__contains__":
        return m.has(a);
      case "__len__":
        return m.size;
      case "get":
        return m.has(a) ? m.get(a) : (b ?? null);
      case "keys":
        return [...m.keys()];
      case "values":
        return [...m.values()];
      case "items":
        return [...m.entries()];
      case "pop":
        if (m.has(a)) {
          const v = m.get(a);
          m.delete(a);
          return v;
        }
        if (args.length > 1) return b;
        throw new KeyError(pyRepr(a));
      case "setdefault":
        if (!m.has(a)) m.set(a, b ?? null);
        return m.get(a);
      case "update":
        if (a === null || typeof a !== "object") {
          throw new TypeError(`Invalid dict update "${String(a)}": expected a Map or an object`);
        }
        for (const [k, v] of a instanceof Map ? a : Object.entries(a as object)) m.set(k, v);
        return null;
      case "clear":
        m.clear();
        return null;
      case "copy":
        return new Map(m);
      case "__str__":
      case "__repr__":
        return pyRepr(m);
    }
    return unknownMethod("dict", method);
  }
}

/** A list. */
class ListReferent implements Referent {
  readonly typeid = "list";
  readonly list: unknown[];
  constructor(init: unknown) {
    if (init !== undefined && init !== null && !Array.isArray(init)) {
      throw new TypeError(`Invalid list init "${String(init)}": expected an array`);
    }
    this.list = Array.isArray(init) ? [...init] : [];
  }
  // deno-lint-ignore require-yield
  *call(_sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    const l = this.list;
    const [a, b] = args;
    switch (method) {
      case "__getitem__":
        return l[index(l, a, "list")];
      case "__setitem__":
        l[index(l, a, "list assignment")] = b;
        return null;
      case "__delitem__":
        l.splice(index(l, a, "list assignment"), 1);
        return null;
      case "__len__":
        return l.length;
      case "__contains__":
        return l.some((x) => pyEquals(x, a));
      case "append":
        l.push(a);
        return null;
      case "extend":
        if (typeof (a as Iterable<unknown> | null)?.[Symbol.iterator] !== "function") {
          throw new TypeError(`Invalid list extend "${String(a)}": expected an iterable`);
        }
        l.push(...(a as unknown[]));
        return null;
      case "insert": {
        if (!Number.isSafeInteger(a)) {
          throw new TypeError(`Invalid list insert index "${String(a)}": expected an integer`);
        }
        const n = Math.max(
          0,
          Math.min(l.length, (a as number) < 0 ? (a as number) + l.length : a as number),
        );
        l.splice(n, 0, b);
        return null;
      }
      case "pop": {
        if (l.length === 0) throw new IndexError("pop from empty list");
        const i = args.length === 0 ? l.length - 1 : index(l, a, "pop");
        return l.splice(i, 1)[0];
      }
      case "remove": {
        const i = l.findIndex((x) => pyEquals(x, a));
        if (i < 0) throw new ValueError("list.remove(x): x not in list");
        l.splice(i, 1);
        return null;
      }
      case "index": {
        const i = l.findIndex((x) => pyEquals(x, a));
        if (i < 0) throw new ValueError(`${pyRepr(a)} is not in list`);
        return i;
      }
      case "count":
        return l.filter((x) => pyEquals(x, a)).length;
      case "reverse":
        l.reverse();
        return null;
      case "sort":
        l.sort((x, y) =>
          (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0
        );
        return null;
      case "copy":
        return [...l];
      case "__str__":
      case "__repr__":
        return pyRepr(l);
    }
    return unknownMethod("list", method);
  }
}

/** A `Namespace`: attributes by name. */
class NamespaceReferent implements Referent {
  readonly typeid = "Namespace";
  readonly attrs: Record<string, unknown> = Object.create(null);
  constructor(init: unknown) {
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeError(`Invalid namespace init "${String(init)}": expected an object`);
    }
    if (init !== null && typeof init === "object") Object.assign(this.attrs, init);
  }
  // deno-lint-ignore require-yield
  *call(_sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    const name = String(args[0]);
    switch (method) {
      case "__getattribute__":
        if (!(name in this.attrs)) {
          throw new AttributeError(`'Namespace' object has no attribute '${name}'`);
        }
        return this.attrs[name];
      case "__setattr__":
        this.attrs[name] = args[1];
        return null;
      case "__delattr__":
        if (!(name in this.attrs)) {
          throw new AttributeError(`'Namespace' object has no attribute '${name}'`);
        }
        delete this.attrs[name];
        return null;
      case "__str__":
      case "__repr__":
        return `Namespace(${
          Object.entries(this.attrs).map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ")
        })`;
    }
    return unknownMethod("Namespace", method);
  }
}

/** A `threading.Lock` in the server: proxies block in the server's threads. */
class LockReferent implements Referent {
  readonly typeid = "Lock";
  readonly lock: Lock;
  constructor(sys: Sys) {
    this.lock = new Lock(sys);
  }
  *call(_sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    switch (method) {
      case "acquire":
        return yield* this.lock.acquire(args[0] !== false, args[1] as number | undefined);
      case "release":
        yield* this.lock.release();
        return null;
      case "__str__":
      case "__repr__":
        return `<unlocked _thread.lock object>`;
    }
    return unknownMethod("Lock", method);
  }
}

/** A `queue.Queue` in the server: a list and two wait queues. */
class QueueReferent implements Referent {
  readonly typeid = "Queue";
  readonly items: unknown[] = [];
  readonly maxsize: number;
  readonly notEmpty: WaitQueue;
  readonly notFull: WaitQueue;
  constructor(sys: Sys, maxsize: unknown) {
    if (typeof maxsize !== "number") {
      throw new TypeError(`Invalid queue maxsize "${String(maxsize)}": expected an integer >= 0`);
    }
    if (!Number.isSafeInteger(maxsize) || maxsize < 0) {
      throw new RangeError(`Invalid queue maxsize "${maxsize}": expected an integer >= 0`);
    }
    this.maxsize = maxsize;
    const futex = mpCosts(sys.host).futexNs;
    this.notEmpty = new WaitQueue(sys.host.sim, "managed queue get", futex);
    this.notFull = new WaitQueue(sys.host.sim, "managed queue put", futex);
  }
  *call(sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    const t = sys.thread, now = () => sys.host.sim.now;
    switch (method) {
      case "put": {
        const block = args[1] !== false;
        const limit = checkTimeout("put", args[2] as number | undefined);
        const deadline = limit === undefined ? Infinity : now() + limit;
        while (this.maxsize > 0 && this.items.length >= this.maxsize) {
          const left = deadline - now();
          if (!block || left <= 0) throw new Full("the managed queue is full");
          yield* this.notFull.wait(t, left === Infinity ? undefined : left);
        }
        this.items.push(args[0]);
        this.notEmpty.wakeOne(t);
        return null;
      }
      case "get": {
        const block = args[0] !== false;
        const limit = checkTimeout("get", args[1] as number | undefined);
        const deadline = limit === undefined ? Infinity : now() + limit;
        while (this.items.length === 0) {
          const left = deadline - now();
          if (!block || left <= 0) throw new Empty("the managed queue is empty");
          yield* this.notEmpty.wait(t, left === Infinity ? undefined : left);
        }
        const item = this.items.shift();
        this.notFull.wakeOne(t);
        return item;
      }
      case "qsize":
        return this.items.length;
      case "empty":
        return this.items.length === 0;
      case "full":
        return this.maxsize > 0 && this.items.length >= this.maxsize;
      case "__str__":
      case "__repr__":
        return `<queue.Queue object>`;
    }
    return unknownMethod("Queue", method);
  }
}

/** A `Value` in the server: a typecode and a value, no shared memory. */
class ValueReferent implements Referent {
  readonly typeid = "Value";
  readonly typecode: string;
  value: unknown;
  constructor(typecode: unknown, value: unknown) {
    this.typecode = String(typecode);
    this.value = value;
  }
  // deno-lint-ignore require-yield
  *call(_sys: Sys, method: string, args: readonly unknown[]): ThreadRoutine<unknown> {
    switch (method) {
      case "get":
        return this.value;
      case "set":
        this.value = args[0];
        return null;
      case "__str__":
      case "__repr__":
        return `Value('${this.typecode}', ${pyRepr(this.value)})`;
    }
    return unknownMethod("Value", method);
  }
}

/** The kinds of objects a manager makes. */
export type Typeid = "dict" | "list" | "Namespace" | "Lock" | "Queue" | "Value";

/** Makes an object in the server. */
export function makeReferent(sys: Sys, typeid: Typeid, args: readonly unknown[]): Referent {
  switch (typeid) {
    case "dict":
      return new DictReferent(args[0]);
    case "list":
      return new ListReferent(args[0]);
    case "Namespace":
      return new NamespaceReferent(args[0]);
    case "Lock":
      return new LockReferent(sys);
    case "Queue":
      return new QueueReferent(sys, args[0]);
    case "Value":
      return new ValueReferent(args[0], args[1]);
  }
  throw new KeyError(`'${String(typeid)}'`);
}
