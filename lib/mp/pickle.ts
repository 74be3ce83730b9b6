/**
 * What crosses a process boundary: messages are pickled (checked, sized as
 * CPython's pickle would size them, and copied), arguments of a forked
 * process are copied as fork copies memory, and shared objects (locks,
 * queues, shared memory, manager proxies) are passed as themselves.
 *
 * @module
 */

import { PicklingError } from "./errors.ts";

/**
 * The key under which a multiprocessing object says how it crosses process
 * boundaries: `"inherit"` objects (queues, locks, shared memory) reach a
 * child only as a `Process` argument, and pickling them fails as in
 * CPython; `"reference"` objects (manager proxies, connections) may also
 * be sent in messages. Either way the object itself is passed, never a
 * copy: it stands for kernel state or shared memory.
 */
export const SHARED: unique symbol = Symbol("iosim.mp.shared");

/** How a shared object crosses a process boundary. */
export type SharePolicy = "inherit" | "reference";

/** A value ready to be sent: a private copy, its pickled size and how many values it holds. */
export interface Pickled {
  /** The copy the receiver gets. */
  readonly value: unknown;
  /** Its size as CPython's pickle (protocol 5) would write it, in bytes. */
  readonly bytes: number;
  /** How many values it holds (itself included). */
  readonly items: number;
}

/** Options for {@linkcode pickle}. */
export interface PickleOptions {
  /**
   * Send functions by reference, as pickle does for module-level functions
   * (the pool sends its task functions so; a forked child has the same
   * code). Default false: a function fails with `PicklingError`.
   */
  readonly functions?: boolean;
}

const FRAME = 9, PROTO_STOP = 3;

function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        n += 2;
        i++;
      } else n += 2;
    }
  }
  return n;
}

function intSize(v: number): number {
  if (v >= 0 && v < 256) return 2;
  if (v >= 0 && v < 65536) return 3;
  if (v >= -0x80000000 && v <= 0x7fffffff) return 5;
  let bytes = 1;
  for (let a = Math.abs(v); a >= 128; a /= 256) bytes++;
  return 2 + bytes;
}

function strSize(len: number): number {
  return (len < 256 ? 2 : 5) + len + 1;
}

function describe(v: unknown): string {
  if (typeof v === "function") return `function "${v.name || "<anonymous>"}"`;
  if (typeof v === "symbol") return `symbol "${v.toString()}"`;
  if (typeof v === "object" && v !== null) return `"${v.constructor?.name ?? "Object"}" object`;
  return `"${String(v)}"`;
}

function isTypedArray(v: object): v is ArrayBufferView & { slice(): ArrayBufferView } {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

const UNCOPYABLE = [WeakMap, WeakSet, WeakRef, Promise] as const;

class Walker {
  bytes = 0;
  items = 0;
  functions = false;
  fork = false;
  /** Whether a walk is under way (a getter that pickles gets a walker of its own). */
  busy = false;
  // The memo (originals to copies), in two short arrays until it grows,
  // then in a map: most messages hold a few objects.
  readonly #keys: object[] = [];
  readonly #vals: unknown[] = [];
  #map: Map<object, unknown> | null = null;
  /** Where the walk is, as path segments: built into text only for an error. */
  readonly #path: string[] = [];

  reset(functions: boolean, fork: boolean): this {
    this.bytes = this.items = 0;
    this.functions = functions;
    this.fork = fork;
    if (this.#keys.length > 0) this.#keys.length = this.#vals.length = 0;
    this.#map = null;
    if (this.#path.length > 0) this.#path.length = 0;
    return this;
  }

  #seen(v: object): unknown {
    if (this.#map !== null) return this.#map.get(v);
    const i = this.#keys.indexOf(v);
    return i < 0 ? undefined : this.#vals[i];
  }

  #remember(v: object, copy: unknown): void {
    if (this.#map !== null) {
      this.#map.set(v, copy);
      return;
    }
    this.#keys.push(v);
    this.#vals.push(copy);
    if (this.#keys.length > 32) {
      this.#map = new Map();
      for (let i = 0; i < this.#keys.length; i++) this.#map.set(this.#keys[i]!, this.#vals[i]);
    }
  }

  #where(): string {
    return "value" + this.#path.join("");
  }

  #fail(what: string): never {
    const path = this.#where();
    throw new PicklingError(what.replace("$PATH", path), path);
  }

  #at(segment: string, v: unknown): unknown {
    this.#path.push(segment);
    const out = this.copy(v);
    this.#path.pop();
    return out;
  }

  copy(v: unknown): unknown {
    this.items++;
    switch (typeof v) {
      case "string":
        this.bytes += strSize(utf8Length(v));
        return v;
      case "number":
        this.bytes += Number.isInteger(v) ? intSize(v) : 9;
        return v;
      case "boolean":
      case "undefined":
        this.bytes += 1;
        return v;
      case "bigint":
        this.bytes += 2 + Math.ceil((v < 0n ? -v : v).toString(16).length / 2) + 1;
        return v;
      case "symbol":
        if (this.fork) return v;
        return this.#fail(
          `Can't pickle ${describe(v)} at $PATH: symbols cannot be sent to another process`,
        );
      case "function":
        if (this.fork || this.functions || (v as unknown as Record<symbol, unknown>)[SHARED]) {
          this.bytes += 12 + (v.name?.length ?? 0);
          return v;
        }
        return this.#fail(
          `Can't pickle ${
            describe(v)
          } at $PATH: functions cannot be sent to another process (pass data, or use a Pool task)`,
        );
    }
    if (v === null) {
      this.bytes += 1;
      return v;
    }
    return this.#object(v as object);
  }

  #object(v: object): unknown {
    const seen = this.#seen(v);
    if (seen !== undefined) {
      this.bytes += 2;
      return seen;
    }
    const policy = (v as Record<symbol, unknown>)[SHARED] as SharePolicy | undefined;
    if (policy !== undefined) {
      if (policy === "inherit" && !this.fork) {
        return this.#fail(
          `${
            v.constructor?.name ?? "Object"
          } objects should only be shared between processes through inheritance (found at $PATH)`,
        );
      }
      this.bytes += 80;
      this.#remember(v, v);
      return v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      this.#remember(v, out);
      this.bytes += v.length === 0 ? 2 : v.length === 1 ? 3 : 4;
      const path = this.#path;
      for (let i = 0; i < v.length; i++) {
        path.push(`[${i}]`);
        out[i] = this.copy(v[i]);
        path.pop();
      }
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return this.#fields(v, proto);
    if (v instanceof Map) {
      const out = new Map();
      this.#remember(v, out);
      this.bytes += v.size === 0 ? 2 : v.size === 1 ? 3 : 4;
      for (const [k, x] of v) {
        const key = this.#at(".keys()", k);
        out.set(key, this.#at(`.get(${String(k)})`, x));
      }
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      this.#remember(v, out);
      this.bytes += 4;
      for (const x of v) out.add(this.#at(".values()", x));
      return out;
    }
    if (v instanceof Date) {
      this.bytes += 35;
      const out = new Date(v.getTime());
      this.#remember(v, out);
      return out;
    }
    if (v instanceof RegExp) {
      this.bytes += 30 + v.source.length;
      const out = new RegExp(v.source, v.flags);
      this.#remember(v, out);
      return out;
    }
    if (v instanceof ArrayBuffer) {
      this.bytes += strSize(v.byteLength);
      const out = v.slice(0);
      this.#remember(v, out);
      return out;
    }
    if (isTypedArray(v)) {
      this.bytes += strSize(v.byteLength) + (v instanceof Uint8Array ? 0 : 30);
      const out = v.slice();
      this.#remember(v, out);
      return out;
    }
    if (v instanceof DataView) {
      this.bytes += strSize(v.byteLength) + 30;
      const out = new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      this.#remember(v, out);
      return out;
    }
    for (const T of UNCOPYABLE) {
      if (v instanceof T) {
        if (this.fork) return v;
        return this.#fail(`Can't pickle ${describe(v)} at $PATH: cannot pickle '${T.name}' object`);
      }
    }
    if (isGenerator(v)) {
      if (this.fork) return v;
      return this.#fail(`Can't pickle ${describe(v)} at $PATH: cannot pickle 'generator' object`);
    }
    if (v instanceof Error) return this.#error(v);
    // An instance of a class: pickled by class reference plus its fields, as
    // pickle does (the receiver, a fork of the sender, has the class).
    this.bytes += 15 + (v.constructor?.name?.length ?? 6);
    return this.#fields(v, proto);
  }

  #fields(v: object, proto: object | null): unknown {
    const out = Object.create(proto) as Record<string, unknown>;
    this.#remember(v, out);
    const keys = Object.keys(v);
    this.bytes += keys.length === 0 ? 2 : keys.length === 1 ? 3 : 4;
    for (const k of keys) {
      this.items++;
      this.bytes += strSize(k.length);
      out[k] = this.#at(`.${k}`, (v as Record<string, unknown>)[k]);
    }
    return out;
  }

  #error(e: Error): unknown {
    const out = Object.create(Object.getPrototypeOf(e)) as Error & Record<string, unknown>;
    this.#remember(e, out);
    this.bytes += 25 + (e.constructor?.name?.length ?? 5) + strSize(utf8Length(e.message));
    const define = (k: string, val: unknown) =>
      Object.defineProperty(out, k, { value: val, writable: true, configurable: true });
    define("message", e.message);
    if (Object.hasOwn(e, "name")) define("name", e.name);
    if (e.stack !== undefined) define("stack", e.stack);
    if (e.cause !== undefined) define("cause", this.#at(".cause", e.cause));
    for (const k of Object.keys(e)) {
      out[k] = this.#at(`.${k}`, (e as unknown as Record<string, unknown>)[k]);
    }
    return out;
  }
}

const shared = new Walker();

/** The shared walker, or a new one if a walk is under way (a getter that pickles). */
function walker(functions: boolean, fork: boolean): Walker {
  return (shared.busy ? new Walker() : shared).reset(functions, fork);
}

/** The pickled size of a short array of numbers, strings, booleans and nulls, or -1. */
function flatArray(a: readonly unknown[]): number {
  let n = a.length === 0 ? 2 : a.length === 1 ? 3 : 4;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v === "number") n += Number.isInteger(v) ? intSize(v) : 9;
    else if (typeof v === "string" && v.length < 64) n += strSize(utf8Length(v));
    else if (typeof v === "boolean" || v === null || v === undefined) n += 1;
    else return -1;
  }
  return n;
}

const GeneratorProto = Object.getPrototypeOf(function* () {}.prototype);

function isGenerator(v: object): boolean {
  return Object.prototype.isPrototypeOf.call(GeneratorProto, v);
}

/**
 * Pickles `value` as a message to another process: checks that it can be
 * sent, computes the size CPython's pickle (protocol 5) would give it, and
 * makes the private copy the receiver gets — so nothing the sender does to
 * its object afterwards shows on the other side. Plain objects, arrays,
 * maps, sets, dates, typed arrays, errors and class instances (by class
 * reference, with their own enumerable fields; JavaScript `#private`
 * fields are not copied) can be sent; cycles and shared references are
 * kept. Functions, symbols, generators, promises and weak collections
 * cannot.
 *
 * @example What can and cannot be sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { PicklingError } from "@iosim/iosim/mp";
 * const msg = { who: "mainprocess", ids: [1, 2] };
 * const p = pickle(msg);
 * assert.deepEqual(p.value, msg);
 * assert.notEqual(p.value, msg);
 * assert.equal(pickle("mainprocess").bytes, 26); // as pickle.dumps gives
 * assert.throws(() => pickle({ f() {} }), PicklingError);
 * ```
 *
 * @param value The message.
 * @param options Whether functions go by reference.
 * @returns The copy, its pickled size and its item count.
 * @throws {PicklingError} For a value that cannot be sent, naming it and where it was found.
 * @throws {TypeError} If `options` is not an object.
 */
export function pickle(value: unknown, options: PickleOptions = {}): Pickled {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid pickle options "${String(options)}": expected an object`);
  }
  // Fast paths for the small messages that dominate queue traffic.
  if (typeof value === "string" && value.length < 64) {
    const n = strSize(utf8Length(value));
    return { value, bytes: n + PROTO_STOP + (n >= 3 ? FRAME : 0), items: 1 };
  }
  if (typeof value === "number" && Number.isInteger(value)) {
    const n = intSize(value);
    return { value, bytes: n + PROTO_STOP + (n >= 3 ? FRAME : 0), items: 1 };
  }
  if (Array.isArray(value) && value.length <= 8) {
    const flat = flatArray(value);
    if (flat >= 0) {
      return { value: value.slice(), bytes: flat + PROTO_STOP + FRAME, items: value.length + 1 };
    }
  }
  const w = walker(options.functions === true, false);
  w.busy = true;
  try {
    const copy = w.copy(value);
    return {
      value: copy,
      bytes: w.bytes + PROTO_STOP + (w.bytes >= 3 ? FRAME : 0),
      items: w.items,
    };
  } finally {
    w.reset(false, false);
    w.busy = false;
  }
}

/**
 * Copies `value` as fork(2) copies a process's memory: data is duplicated
 * (cycles and shared references kept, class instances keep their class),
 * while functions (code), shared multiprocessing objects and what cannot be
 * copied (weak collections, promises) stay themselves. This is how a
 * `Process` target's arguments reach the child.
 *
 * @example A child's copy is its own
 * ```ts
 * import assert from "node:assert/strict";
 * const args = [{ n: 1 }, (x: number) => x + 1];
 * const copy = forkCopy(args) as typeof args;
 * assert.deepEqual(copy[0], { n: 1 });
 * assert.notEqual(copy[0], args[0]);
 * assert.equal(copy[1], args[1]);
 * ```
 *
 * @typeParam T The value's type.
 * @param value What to copy.
 * @returns The copy.
 */
export function forkCopy<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  const w = walker(true, true);
  w.busy = true;
  try {
    return w.copy(value) as T;
  } finally {
    w.reset(false, false);
    w.busy = false;
  }
}
