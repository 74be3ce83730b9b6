/**
 * Proxies to objects held by a manager's server process.
 *
 * @module
 */

import type { ThreadRoutine } from "../os/thread.ts";
import { SHARED, type SharePolicy } from "./pickle.ts";

/** What a proxy needs of its manager: a round trip to the server. */
export interface ManagerLink {
  /**
   * Sends `method(...args)` for object `id` to the server and returns its reply.
   *
   * @param id The object's id.
   * @param method The method's (Python) name.
   * @param args The arguments.
   * @returns The operation, for `yield*`; it gives the result.
   */
  _request(id: number, method: string, args: readonly unknown[]): ThreadRoutine<unknown>;
}

/**
 * A handle on an object in a manager's server process (CPython's
 * `BaseProxy`): every method call pickles a request, sends it over the
 * calling thread's connection to the server (connecting first, if this
 * thread never did), waits for the server's thread to run it and pickle
 * the reply, and unpickles that: one IPC round trip, counted in the
 * manager's `stats`. A proxy may be passed to children and sent in
 * messages; it is the same handle everywhere. Errors raised by the
 * object (a missing key) are raised again in the caller.
 *
 * @example Printing a managed object costs a round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim, { cores: 2 }).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const ns = yield* manager.namespace();
 *   yield* ns.set("x", 1);
 *   sys.print(yield* ns.str());
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "Namespace(x=1)");
 * ```
 */
export class BaseProxy {
  /** @ignore */
  get [SHARED](): SharePolicy {
    return "reference";
  }
  /** The kind of object (`"dict"`, `"list"`, ...). */
  readonly typeid: string;
  /** The object's id in the server. */
  readonly id: number;
  readonly #link: ManagerLink;

  /**
   * Makes a proxy; managers make them.
   *
   * @param link The manager.
   * @param typeid The kind of object.
   * @param id Its id in the server.
   * @throws {TypeError} If `link` is not a manager.
   */
  constructor(link: ManagerLink, typeid: string, id: number) {
    if (typeof (link as ManagerLink | null)?._request !== "function") {
      throw new TypeError(`Invalid manager "${String(link)}": expected a SyncManager`);
    }
    this.#link = link;
    this.typeid = typeid;
    this.id = id;
  }

  /**
   * Calls a method of the object in the server (CPython's `_callmethod`).
   *
   * @param method The method's Python name, such as `"__getitem__"`.
   * @param args Its arguments (pickled).
   * @returns The operation, for `yield*`; it gives the result.
   */
  *callMethod(method: string, args: readonly unknown[] = []): ThreadRoutine<unknown> {
    return yield* this.#link._request(this.id, method, args);
  }

  /**
   * The object's `str()`, computed in the server (what `print(proxy)` shows).
   *
   * @returns The operation, for `yield*`; it gives the text.
   */
  *str(): ThreadRoutine<string> {
    return (yield* this.callMethod("__str__")) as string;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `<${this.constructor.name} object, typeid '${this.typeid}', id ${this.id}>`;
  }
}

/**
 * A proxy to a dict in the manager (`manager.dict()`). `str()` formats it
 * as Python prints a dict.
 *
 * @typeParam K Its keys.
 * @typeParam V Its values.
 *
 * @example Setting and reading a key
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const d = yield* manager.dict<number, string>();
 *   yield* d.set(1, "one");
 *   sys.print(yield* d.getItem(1), yield* d.len(), yield* d.str());
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "one 1 {1: 'one'}");
 * ```
 */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  /**
   * `d[key]`.
   *
   * @param key The key.
   * @returns The operation, for `yield*`; it gives the value.
   * @throws {KeyError} If the key is missing.
   */
  *getItem(key: K): ThreadRoutine<V> {
    return (yield* this.callMethod("__getitem__", [key])) as V;
  }

  /**
   * `d.get(key, dflt)`.
   *
   * @param key The key.
   * @param dflt What to return if it is missing (default null).
   * @returns The operation, for `yield*`; it gives the value or `dflt`.
   */
  *get(key: K, dflt: V | null = null): ThreadRoutine<V | null> {
    return (yield* this.callMethod("get", [key, dflt])) as V | null;
  }

  /**
   * `d[key] = value`.
   *
   * @param key The key.
   * @param value The value (pickled).
   * @returns The operation, for `yield*`.
   */
  *set(key: K, value: V): ThreadRoutine<void> {
    yield* this.callMethod("__setitem__", [key, value]);
  }

  /**
   * `del d[key]`.
   *
   * @param key The key.
   * @returns The operation, for `yield*`.
   * @throws {KeyError} If the key is missing.
   */
  *delete(key: K): ThreadRoutine<void> {
    yield* this.callMethod("__delitem__", [key]);
  }

  /**
   * `key in d`.
   *
   * @param key The key.
   * @returns The operation, for `yield*`; it gives whether it is there.
   */
  *has(key: K): ThreadRoutine<boolean> {
    return (yield* this.callMethod("__contains__", [key])) as boolean;
  }

  /**
   * `len(d)`.
   *
   * @returns The operation, for `yield*`; it gives the size.
   */
  *len(): ThreadRoutine<number> {
    return (yield* this.callMethod("__len__")) as number;
  }

  /**
   * `d.keys()`.
   *
   * @returns The operation, for `yield*`; it gives the keys.
   */
  *keys(): ThreadRoutine<K[]> {
    return (yield* this.callMethod("keys")) as K[];
  }

  /**
   * `d.values()`.
   *
   * @returns The operation, for `yield*`; it gives the values.
   */
  *values(): ThreadRoutine<V[]> {
    return (yield* this.callMethod("values")) as V[];
  }

  /**
   * `d.items()`.
   *
   * @returns The operation, for `yield*`; it gives `[key, value]` pairs.
   */
  *items(): ThreadRoutine<[K, V][]> {
    return (yield* this.callMethod("items")) as [K, V][];
  }

  /**
   * `d.pop(key[, dflt])`.
   *
   * @param key The key.
   * @param args The default, if any.
   * @returns The operation, for `yield*`; it gives the removed value.
   * @throws {KeyError} If the key is missing and no default was given.
   */
  *pop(key: K, ...args: [] | [V]): ThreadRoutine<V> {
    return (yield* this.callMethod("pop", [key, ...args])) as V;
  }

  /**
   * `d.setdefault(key, value)`.
   *
   * @param key The key.
   * @param value Set if the key is missing.
   * @returns The operation, for `yield*`; it gives the value now there.
   */
  *setdefault(key: K, value: V): ThreadRoutine<V> {
    return (yield* this.callMethod("setdefault", [key, value])) as V;
  }

  /**
   * `d.update(other)`.
   *
   * @param other A map or a plain object.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `other` is not a map or an object.
   */
  *update(other: Map<K, V> | Record<string, V>): ThreadRoutine<void> {
    yield* this.callMethod("update", [other]);
  }

  /**
   * `d.clear()`.
   *
   * @returns The operation, for `yield*`.
   */
  *clear(): ThreadRoutine<void> {
    yield* this.callMethod("clear");
  }

  /**
   * `d.copy()`: a local copy.
   *
   * @returns The operation, for `yield*`; it gives a `Map`.
   */
  *copy(): ThreadRoutine<Map<K, V>> {
    return (yield* this.callMethod("copy")) as Map<K, V>;
  }
}

/**
 * A proxy to a list in the manager (`manager.list()`).
 *
 * @typeParam T Its items.
 *
 * @example Appending and indexing from the end
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const l = yield* manager.list<number>([1]);
 *   yield* l.append(2);
 *   sys.print(yield* l.str(), yield* l.get(-1));
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "[1, 2] 2");
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  /**
   * `l[i]` (negative counts from the end).
   *
   * @param i The index.
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {IndexError} If `i` is out of range.
   */
  *get(i: number): ThreadRoutine<T> {
    return (yield* this.callMethod("__getitem__", [i])) as T;
  }

  /**
   * `l[i] = value`.
   *
   * @param i The index.
   * @param value The item.
   * @returns The operation, for `yield*`.
   * @throws {IndexError} If `i` is out of range.
   */
  *set(i: number, value: T): ThreadRoutine<void> {
    yield* this.callMethod("__setitem__", [i, value]);
  }

  /**
   * `del l[i]`.
   *
   * @param i The index.
   * @returns The operation, for `yield*`.
   * @throws {IndexError} If `i` is out of range.
   */
  *delete(i: number): ThreadRoutine<void> {
    yield* this.callMethod("__delitem__", [i]);
  }

  /**
   * `l.append(value)`.
   *
   * @param value The item.
   * @returns The operation, for `yield*`.
   */
  *append(value: T): ThreadRoutine<void> {
    yield* this.callMethod("append", [value]);
  }

  /**
   * `l.extend(values)`.
   *
   * @param values The items.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `values` is not iterable.
   */
  *extend(values: readonly T[]): ThreadRoutine<void> {
    yield* this.callMethod("extend", [values]);
  }

  /**
   * `l.insert(i, value)`.
   *
   * @param i Where.
   * @param value The item.
   * @returns The operation, for `yield*`.
   * @throws {TypeError} If `i` is not an integer.
   */
  *insert(i: number, value: T): ThreadRoutine<void> {
    yield* this.callMethod("insert", [i, value]);
  }

  /**
   * `l.pop([i])`.
   *
   * @param args The index, if not the last.
   * @returns The operation, for `yield*`; it gives the removed item.
   * @throws {IndexError} If the list is empty or `i` out of range.
   */
  *pop(...args: [] | [number]): ThreadRoutine<T> {
    return (yield* this.callMethod("pop", args)) as T;
  }

  /**
   * `l.remove(value)`.
   *
   * @param value The item to remove (its first occurrence).
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If it is not there.
   */
  *remove(value: T): ThreadRoutine<void> {
    yield* this.callMethod("remove", [value]);
  }

  /**
   * `l.index(value)`.
   *
   * @param value The item.
   * @returns The operation, for `yield*`; it gives its first index.
   * @throws {ValueError} If it is not there.
   */
  *index(value: T): ThreadRoutine<number> {
    return (yield* this.callMethod("index", [value])) as number;
  }

  /**
   * `l.count(value)`.
   *
   * @param value The item.
   * @returns The operation, for `yield*`; it gives how often it occurs.
   */
  *count(value: T): ThreadRoutine<number> {
    return (yield* this.callMethod("count", [value])) as number;
  }

  /**
   * `len(l)`.
   *
   * @returns The operation, for `yield*`; it gives the length.
   */
  *len(): ThreadRoutine<number> {
    return (yield* this.callMethod("__len__")) as number;
  }

  /**
   * `l.reverse()`.
   *
   * @returns The operation, for `yield*`.
   */
  *reverse(): ThreadRoutine<void> {
    yield* this.callMethod("reverse");
  }

  /**
   * `l.sort()` (numbers and strings).
   *
   * @returns The operation, for `yield*`.
   */
  *sort(): ThreadRoutine<void> {
    yield* this.callMethod("sort");
  }

  /**
   * `l[:]`: a local copy.
   *
   * @returns The operation, for `yield*`; it gives an array.
   */
  *copy(): ThreadRoutine<T[]> {
    return (yield* this.callMethod("copy")) as T[];
  }
}

/**
 * A proxy to a `Namespace` in the manager (`manager.Namespace()`):
 * attributes by name, each read or write a round trip.
 *
 * @example An attribute
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const ns = yield* manager.namespace();
 *   yield* ns.set("x", 10);
 *   sys.print(yield* ns.get("x"));
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "10");
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  /**
   * `ns.name`.
   *
   * @param name The attribute.
   * @returns The operation, for `yield*`; it gives its value.
   * @throws {AttributeError} If there is no such attribute.
   */
  *get(name: string): ThreadRoutine<unknown> {
    return yield* this.callMethod("__getattribute__", [name]);
  }

  /**
   * `ns.name = value`.
   *
   * @param name The attribute.
   * @param value Its value.
   * @returns The operation, for `yield*`.
   */
  *set(name: string, value: unknown): ThreadRoutine<void> {
    yield* this.callMethod("__setattr__", [name, value]);
  }

  /**
   * `del ns.name`.
   *
   * @param name The attribute.
   * @returns The operation, for `yield*`.
   * @throws {AttributeError} If there is no such attribute.
   */
  *delete(name: string): ThreadRoutine<void> {
    yield* this.callMethod("__delattr__", [name]);
  }
}

/**
 * A proxy to a lock in the manager (`manager.Lock()`, CPython's
 * `AcquirerProxy`): acquiring it blocks the server thread that serves this
 * connection, and so the caller, until it is free.
 *
 * @example Acquiring without blocking
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const l = yield* manager.lock();
 *   sys.print(yield* l.acquire(), yield* l.acquire(false));
 *   yield* l.release();
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "true false");
 * ```
 */
export class AcquirerProxy extends BaseProxy {
  /**
   * Acquires the lock.
   *
   * @param block Whether to wait (default true).
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`; it gives whether it was acquired.
   */
  *acquire(block = true, timeout?: number): ThreadRoutine<boolean> {
    return (yield* this.callMethod("acquire", [block, timeout])) as boolean;
  }

  /**
   * Releases the lock.
   *
   * @returns The operation, for `yield*`.
   * @throws {ValueError} If it was not held.
   */
  *release(): ThreadRoutine<void> {
    yield* this.callMethod("release");
  }
}

/**
 * A proxy to a `queue.Queue` in the manager (`manager.Queue()`): each put
 * and get is a round trip; a get on an empty queue blocks the server thread
 * serving this connection.
 *
 * @typeParam T Its items.
 *
 * @example Put and get
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const q = yield* manager.queue<string>();
 *   yield* q.put("x");
 *   sys.print(yield* q.qsize(), yield* q.get());
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "1 x");
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /**
   * Puts an item.
   *
   * @param item The item.
   * @param block Whether to wait for room (default true).
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`.
   * @throws {Full} If there was no room in time.
   */
  *put(item: T, block = true, timeout?: number): ThreadRoutine<void> {
    yield* this.callMethod("put", [item, block, timeout]);
  }

  /**
   * Takes an item.
   *
   * @param block Whether to wait (default true).
   * @param timeout The longest wait, in nanoseconds.
   * @returns The operation, for `yield*`; it gives the item.
   * @throws {Empty} If none came in time.
   */
  *get(block = true, timeout?: number): ThreadRoutine<T> {
    return (yield* this.callMethod("get", [block, timeout])) as T;
  }

  /**
   * The number of items.
   *
   * @returns The operation, for `yield*`; it gives the count.
   */
  *qsize(): ThreadRoutine<number> {
    return (yield* this.callMethod("qsize")) as number;
  }

  /**
   * Whether it is empty.
   *
   * @returns The operation, for `yield*`; it gives the answer.
   */
  *empty(): ThreadRoutine<boolean> {
    return (yield* this.callMethod("empty")) as boolean;
  }

  /**
   * Whether it is full.
   *
   * @returns The operation, for `yield*`; it gives the answer.
   */
  *full(): ThreadRoutine<boolean> {
    return (yield* this.callMethod("full")) as boolean;
  }
}

/**
 * A proxy to a value in the manager (`manager.Value()`): unlike a shared
 * `Value`, it lives in the server and each access is a round trip.
 *
 * @typeParam T The value's type.
 *
 * @example Read-modify-write in two round trips
 * ```ts
 * import assert from "node:assert/strict";
 * import { Simulation } from "@iosim/iosim/kernel";
 * import { Host } from "@iosim/iosim/os";
 * import { Manager } from "@iosim/iosim/mp";
 * const sim = new Simulation();
 * new Host(sim).spawn("main", function* (sys) {
 *   const manager = yield* Manager(sys);
 *   const v = yield* manager.value("i", 1);
 *   yield* v.set((yield* v.get()) + 1);
 *   sys.print(yield* v.str());
 *   yield* manager.shutdown();
 * });
 * sim.run();
 * assert.equal(sim.output[0]!.text, "Value('i', 2)");
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /**
   * Reads the value.
   *
   * @returns The operation, for `yield*`; it gives the value.
   */
  *get(): ThreadRoutine<T> {
    return (yield* this.callMethod("get")) as T;
  }

  /**
   * Writes the value.
   *
   * @param value The new value.
   * @returns The operation, for `yield*`.
   */
  *set(value: T): ThreadRoutine<void> {
    yield* this.callMethod("set", [value]);
  }
}
