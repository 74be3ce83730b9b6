/**
 * The trace: structured records of what happened, and a digest over them.
 *
 * @module
 */

/** A value a trace record may carry. */
export type TraceValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly TraceValue[]
  | { readonly [key: string]: TraceValue };

/** The fields of a trace record. */
export type TraceData = { readonly [key: string]: TraceValue };

/** One thing that happened. */
export interface TraceRecord {
  /** The virtual time, in nanoseconds. */
  readonly t: number;
  /** The id of the task it concerns, or -1. */
  readonly task: number;
  /** What kind of record this is, such as `"spawn"` or `"print"`. */
  readonly kind: string;
  /** The record's fields. */
  readonly data: TraceData | undefined;
}

/** How much the trace keeps. */
export interface TraceOptions {
  /** Keep records in memory (the digest is kept either way). Default `true`. */
  readonly record?: boolean;
  /** Keep only these kinds (the digest still covers every record). */
  readonly kinds?: readonly string[];
  /** Keep one record in `sample` (default 1: all). */
  readonly sample?: number;
  /** Keep at most this many records; later ones only count (default 1,000,000). */
  readonly limit?: number;
}

/** Which records {@linkcode Trace.records} returns. */
export interface TraceFilter {
  /** One kind or several. */
  readonly kind?: string | readonly string[];
  /** The task id. */
  readonly task?: number;
  /** From this time, inclusive. */
  readonly from?: number;
  /** Up to this time, exclusive. */
  readonly to?: number;
}

/** Something that tells the time. */
export interface Clock {
  /** The current virtual time. */
  readonly now: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * The simulation's trace. Every record emitted while the trace is enabled
 * goes into a running 64-bit digest (two 32-bit multiply-xorshift lanes over
 * the record's time, task, kind and fields), so two runs can be compared
 * without keeping their records; records are also kept in memory unless
 * `record` is off, optionally filtered by kind or sampled.
 *
 * Emitters check {@linkcode Trace.enabled} first, so a disabled trace costs
 * one branch and builds no fields.
 *
 * @example Recording and digesting
 * ```ts
 * import assert from "node:assert/strict";
 * const trace = new Trace({ now: 5 });
 * trace.emit("print", 1, { text: "hi" });
 * assert.equal(trace.records().length, 1);
 * assert.equal(trace.records()[0]!.t, 5);
 * assert.match(trace.digest(), /^[0-9a-f]{16}$/);
 * ```
 */
export class Trace {
  /** Whether records are being emitted at all. */
  readonly enabled: boolean;
  readonly #clock: Clock;
  readonly #keep: boolean;
  readonly #kinds: ReadonlySet<string> | null;
  readonly #sample: number;
  readonly #limit: number;
  readonly #records: TraceRecord[] = [];
  #seen = 0;
  #dropped = 0;
  #h1 = 0x811c9dc5;
  #h2 = 0x9747b28c;

  /**
   * Makes a trace.
   *
   * @param clock Where record times come from (the simulation).
   * @param options What to keep; `false` disables the trace.
   * @throws {RangeError} If `sample` or `limit` is not a positive integer.
   */
  constructor(clock: Clock, options: TraceOptions | boolean = true) {
    this.#clock = clock;
    this.enabled = options !== false;
    const o: TraceOptions = typeof options === "object" ? options : {};
    this.#keep = this.enabled && o.record !== false;
    this.#kinds = o.kinds ? new Set(o.kinds) : null;
    this.#sample = o.sample ?? 1;
    this.#limit = o.limit ?? 1_000_000;
    if (!Number.isSafeInteger(this.#sample) || this.#sample < 1) {
      throw new RangeError(`Invalid trace sample "${o.sample}": it must be a positive integer`);
    }
    if (!Number.isSafeInteger(this.#limit) || this.#limit < 0) {
      throw new RangeError(`Invalid trace limit "${o.limit}": it must be a non-negative integer`);
    }
  }

  /** How many records have been emitted (kept or not). */
  get count(): number {
    return this.#seen;
  }

  /** How many records were not kept because the limit was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Emits a record at the current virtual time. Call only when
   * {@linkcode Trace.enabled} is true.
   *
   * @param kind What happened.
   * @param task The task it concerns, or -1.
   * @param data The record's fields.
   */
  emit(kind: string, task: number, data?: TraceData): void {
    if (!this.enabled) return;
    const t = this.#clock.now;
    this.#num(t);
    this.#num(task);
    this.#str(kind);
    this.#value(data);
    const n = this.#seen++;
    if (!this.#keep || n % this.#sample !== 0) return;
    if (this.#kinds !== null && !this.#kinds.has(kind)) return;
    if (this.#records.length >= this.#limit) {
      this.#dropped++;
      return;
    }
    this.#records.push({ t, task, kind, data });
  }

  /**
   * The kept records, optionally filtered.
   *
   * @param filter Which records to return.
   * @returns The records, in the order they were emitted.
   */
  records(filter?: TraceFilter): TraceRecord[] {
    if (filter === undefined) return this.#records.slice();
    const kinds = filter.kind === undefined
      ? null
      : new Set(typeof filter.kind === "string" ? [filter.kind] : filter.kind);
    const from = filter.from ?? -Infinity, to = filter.to ?? Infinity;
    return this.#records.filter((r) =>
      (kinds === null || kinds.has(r.kind)) &&
      (filter.task === undefined || r.task === filter.task) &&
      r.t >= from && r.t < to
    );
  }

  /**
   * The digest of every record emitted so far: 16 hexadecimal digits. The
   * same seed gives the same digest; a disabled trace's digest never changes.
   *
   * @returns The digest.
   */
  digest(): string {
    const a = (this.#h1 ^ this.#seen) >>> 0, b = this.#h2 >>> 0;
    return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
  }

  #word(w: number): void {
    let h1 = Math.imul(this.#h1 ^ w, 0x01000193);
    h1 ^= h1 >>> 15;
    this.#h1 = h1;
    let h2 = Math.imul(this.#h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 13;
    this.#h2 = Math.imul(h2, 0x85ebca6b);
  }

  #num(x: number): void {
    if ((x | 0) === x) {
      this.#word(1);
      this.#word(x);
    } else {
      f64[0] = x;
      this.#word(2);
      this.#word(u32[0]!);
      this.#word(u32[1]!);
    }
  }

  #str(s: string): void {
    this.#word(3);
    this.#word(s.length);
    for (let i = 0; i < s.length; i++) this.#word(s.charCodeAt(i));
  }

  #value(v: unknown): void {
    switch (typeof v) {
      case "number":
        return this.#num(v);
      case "string":
        return this.#str(v);
      case "boolean":
        return this.#word(v ? 5 : 4);
      case "undefined":
        return this.#word(6);
      case "object":
        if (v === null) return this.#word(7);
        if (Array.isArray(v)) {
          this.#word(8);
          this.#word(v.length);
          for (const item of v) this.#value(item);
          return;
        }
        this.#word(9);
        for (const key in v) {
          this.#str(key);
          this.#value((v as Record<string, unknown>)[key]);
        }
        return;
      default:
        return this.#str(String(v));
    }
  }
}
