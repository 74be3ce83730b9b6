/**
 * Sweep points: the cross product of swept parameters and seeds, in a fixed
 * order, and deterministic shards of it.
 *
 * @module
 */

/** One run to do. */
export interface Point {
  /** Its position in the full sweep. */
  readonly index: number;
  /** The seed. */
  readonly seed: number;
  /** The parameters given (fixed and swept). */
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Every combination of the swept values (first parameter slowest), each
 * with every seed, with the fixed parameters added.
 *
 * @param fixed Parameters given once.
 * @param sweeps Swept parameters and their values, in command-line order.
 * @param seeds The seeds.
 * @returns The points, indexed in order.
 */
export function crossProduct(
  fixed: Readonly<Record<string, unknown>>,
  sweeps: readonly (readonly [string, readonly unknown[]])[],
  seeds: readonly number[],
): Point[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of sweeps) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const out: Point[] = [];
  for (const c of combos) {
    for (const seed of seeds) out.push({ index: out.length, seed, params: { ...fixed, ...c } });
  }
  return out;
}

/**
 * The points of shard `i` of `n` (1-based): every n-th point, so shards are
 * disjoint, cover the sweep, and can be merged back by index.
 *
 * @param points All points.
 * @param shard `[i, n]`.
 * @returns The shard's points.
 */
export function shardOf(points: readonly Point[], shard: readonly [number, number]): Point[] {
  const [i, n] = shard;
  return points.filter((p) => p.index % n === i - 1);
}

/**
 * Parses `--seeds`: a count (`3` is 1..3) or a range (`5..9`).
 *
 * @param text The option's value.
 * @returns The seeds, or null if the text is malformed.
 */
export function parseSeeds(text: string): number[] | null {
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) {
    const a = Number(range[1]), b = Number(range[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a || b - a >= 1_000_000) {
      return null;
    }
    return Array.from({ length: b - a + 1 }, (_, k) => a + k);
  }
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 1_000_000) return null;
    return Array.from({ length: n }, (_, k) => k + 1);
  }
  return null;
}
