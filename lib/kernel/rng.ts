/**
 * The simulation's seeded pseudo-random generator.
 *
 * @module
 */

/**
 * Checks a seed: a safe integer from 0 to 2^53 - 1.
 *
 * @example Accepting and rejecting seeds
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkSeed(42), 42);
 * assert.throws(() => checkSeed(-1), RangeError);
 * ```
 *
 * @param seed The seed to check.
 * @param name The argument's name, for the error message.
 * @returns The seed.
 * @throws {TypeError} If `seed` is not a number.
 * @throws {RangeError} If `seed` is not an integer from 0 to 2^53 - 1.
 */
export function checkSeed(seed: unknown, name = "seed"): number {
  if (typeof seed !== "number") {
    throw new TypeError(`Invalid ${name} "${String(seed)}": it must be a number`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Invalid ${name} "${seed}": it must be an integer from 0 to 2^53 - 1`);
  }
  return seed;
}

/** SplitMix32's finaliser: a good 32-bit mix of one word. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashString(text: string, h: number): number {
  for (let i = 0; i < text.length; i++) h = mix32(h ^ text.charCodeAt(i));
  return h;
}

/**
 * A seeded generator: xoshiro128** (Blackman and Vigna, 2018) with its state
 * filled from the seed by the SplitMix32 mixer. It is fast on 32-bit
 * integer arithmetic, which is what JavaScript engines do best, and passes
 * BigCrush. `fork(label)` makes an independent stream for a subsystem from
 * the seed and the label alone, so draws added in one subsystem never shift
 * another's.
 *
 * @example Same seed, same draws
 * ```ts
 * import assert from "node:assert/strict";
 * const a = new Rng(7), b = new Rng(7);
 * assert.equal(a.random(), b.random());
 * assert.equal(a.fork("net").int(1, 6), b.fork("net").int(1, 6));
 * ```
 */
export class Rng {
  /** The seed the generator was made from. */
  readonly seed: number;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  readonly #origin: number;
  #spare = NaN;

  /**
   * Makes a generator.
   *
   * @param seed An integer from 0 to 2^53 - 1.
   * @throws {TypeError} If `seed` is not a number.
   * @throws {RangeError} If `seed` is not an integer in range.
   */
  constructor(seed: number) {
    this.seed = checkSeed(seed);
    const lo = seed >>> 0, hi = Math.floor(seed / 0x100000000) >>> 0;
    this.#origin = mix32(mix32(lo) ^ hi);
    this.#s0 = mix32(this.#origin);
    this.#s1 = mix32(this.#s0);
    this.#s2 = mix32(this.#s1);
    this.#s3 = mix32(this.#s2);
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** @ignore Sets the raw state (for testing against the reference). */
  _setState(s0: number, s1: number, s2: number, s3: number): void {
    this.#s0 = s0 | 0;
    this.#s1 = s1 | 0;
    this.#s2 = s2 | 0;
    this.#s3 = s3 | 0;
  }

  /**
   * Makes an independent generator for a subsystem, from this generator's
   * seed and `label` (not from its current state).
   *
   * @param label The subsystem's name, such as `"net"`.
   * @returns A new generator.
   * @throws {TypeError} If `label` is not a string.
   */
  fork(label: string): Rng {
    if (typeof label !== "string") {
      throw new TypeError(`Invalid fork label "${String(label)}": it must be a string`);
    }
    const h = hashString(label, this.#origin);
    // 53 bits from two mixed words, so forks of forks stay distinct.
    return new Rng((mix32(h) & 0x1fffff) * 0x100000000 + mix32(h ^ 0x5bd1e995));
  }

  /**
   * The next 32 random bits.
   *
   * @returns An integer from 0 to 2^32 - 1.
   */
  nextUint32(): number {
    const s1 = this.#s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return r;
  }

  /**
   * A uniform draw from [0, 1) with 53 bits of precision.
   *
   * @returns The draw.
   */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A uniform draw from [min, max).
   *
   * @param min The lower bound.
   * @param max The upper bound.
   * @returns The draw.
   * @throws {RangeError} If a bound is not finite or `max < min`.
   */
  uniform(min: number, max: number): number {
    if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
      throw new RangeError(`Invalid uniform bounds "${min}", "${max}": need finite min <= max`);
    }
    return min + (max - min) * this.random();
  }

  /**
   * A uniform integer from `min` to `max`, both included, without bias.
   *
   * @param min The smallest value.
   * @param max The largest value.
   * @returns The draw.
   * @throws {RangeError} If the bounds are not safe integers with `min <= max`.
   */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(
        `Invalid integer bounds "${min}", "${max}": need integers with min <= max`,
      );
    }
    const span = max - min + 1;
    if (span <= 0x100000000) {
      // Rejection sampling keeps every value equally likely.
      const limit = 0x100000000 - (0x100000000 % span);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return min + (x % span);
    }
    return min + Math.floor(this.random() * span);
  }

  /**
   * An exponential draw (the gap between Poisson arrivals).
   *
   * @param mean The mean of the distribution.
   * @returns The draw, at least 0.
   * @throws {RangeError} If `mean` is not a positive finite number.
   */
  exponential(mean: number): number {
    if (!(mean > 0) || !Number.isFinite(mean)) {
      throw new RangeError(`Invalid exponential mean "${mean}": it must be positive and finite`);
    }
    return -mean * Math.log(1 - this.random());
  }

  /**
   * A normal draw (Box-Muller; the spare draw is kept for the next call).
   *
   * @param mean The mean.
   * @param sd The standard deviation.
   * @returns The draw.
   * @throws {RangeError} If `mean` is not finite or `sd` is negative or not finite.
   */
  normal(mean = 0, sd = 1): number {
    if (!Number.isFinite(mean) || !(sd >= 0) || !Number.isFinite(sd)) {
      throw new RangeError(
        `Invalid normal parameters "${mean}", "${sd}": need a finite mean and sd >= 0`,
      );
    }
    let z = this.#spare;
    if (Number.isNaN(z)) {
      const u = 1 - this.random(), v = this.random();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      this.#spare = r * Math.sin(2 * Math.PI * v);
    } else this.#spare = NaN;
    return mean + sd * z;
  }

  /**
   * True with probability `p`.
   *
   * @param p The probability, from 0 to 1.
   * @returns The draw.
   * @throws {RangeError} If `p` is outside [0, 1].
   */
  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`Invalid probability "${p}": it must be from 0 to 1`);
    }
    return this.random() < p;
  }

  /**
   * One element of `items`, uniformly.
   *
   * @typeParam T The element type.
   * @param items A non-empty array.
   * @returns The chosen element.
   * @throws {RangeError} If `items` is empty.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty array");
    return items[this.int(0, items.length - 1)]!;
  }

  /**
   * Shuffles `items` in place (Fisher-Yates).
   *
   * @typeParam T The element type.
   * @param items The array.
   * @returns The same array.
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** @ignore */
  [Symbol.for("Deno.customInspect")](): string {
    return `Rng { xoshiro128**, seed: ${this.seed} }`;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
