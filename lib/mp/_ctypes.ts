/**
 * The C types of shared values and arrays, by array-module typecode.
 *
 * @module
 */

/** A typecode of Python's `array` module, as `Value` and `Array` take them. */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";

/** Typed-array storage of one C type. */
export type Cells =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

const MAKERS: Record<Typecode, (n: number) => Cells> = {
  b: (n) => new Int8Array(n),
  B: (n) => new Uint8Array(n),
  h: (n) => new Int16Array(n),
  H: (n) => new Uint16Array(n),
  i: (n) => new Int32Array(n),
  I: (n) => new Uint32Array(n),
  l: (n) => new BigInt64Array(n),
  L: (n) => new BigUint64Array(n),
  q: (n) => new BigInt64Array(n),
  Q: (n) => new BigUint64Array(n),
  f: (n) => new Float32Array(n),
  d: (n) => new Float64Array(n),
};

/** Checks the options object of a shared value or array. */
export function checkSharedOptions(options: unknown): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid shared memory options "${String(options)}": expected an object`);
  }
}

/** Makes storage for `n` values of `typecode`, checking the typecode. */
export function makeCells(typecode: Typecode, n: number): Cells {
  // Own keys only: "toString" or "constructor" must not reach Object.prototype.
  const make = typeof typecode === "string" && Object.hasOwn(MAKERS, typecode)
    ? MAKERS[typecode]
    : undefined;
  if (make === undefined) {
    throw new TypeError(
      `Invalid typecode "${String(typecode)}": expected one of ${Object.keys(MAKERS).join(" ")}`,
    );
  }
  return make(n);
}

/** Reads cell `i` as a number. */
export function readCell(cells: Cells, i: number): number {
  return Number(cells[i]!);
}

/** Writes `v` to cell `i` with C's conversion (truncation, wrap-around). */
export function writeCell(cells: Cells, i: number, v: number): void {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid value "${String(v)}": expected a number`);
  }
  if (cells instanceof BigInt64Array || cells instanceof BigUint64Array) {
    cells[i] = BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
  } else {
    (cells as Float64Array)[i] = v;
  }
}
