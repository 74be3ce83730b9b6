/** Helpers shared by the benchmarks: wall time, heap size, BENCH lines. */

declare const gc: (() => void) | undefined;

/** Collects garbage when the runtime exposes `gc` (`--v8-flags=--expose-gc`). */
export function collect(): void {
  if (typeof gc === "function") {
    gc();
    gc();
  }
}

/** The JS heap in use, after a collection. */
export function heapUsed(): number {
  collect();
  return Deno.memoryUsage().heapUsed;
}

/** Wall-clock milliseconds. */
export function wallMs(): number {
  return performance.now();
}

/** Formats one `BENCH name k=v ...` line. */
export function benchLine(name: string, fields: Record<string, number | string>): string {
  const parts = Object.entries(fields).map(([k, v]) =>
    `${k}=${typeof v === "number" ? round(v) : v}`
  );
  return `BENCH ${name} ${parts.join(" ")}`;
}

function round(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  return x.toFixed(abs >= 100 ? 0 : abs >= 1 ? 2 : 3);
}

/** A benchmark: a name and a function that prints its BENCH lines. */
export interface Bench {
  /** The BENCH name, e.g. `kernel.timeout`. */
  readonly name: string;
  /** Runs it and returns the lines to print. */
  run(): string[] | Promise<string[]>;
}
