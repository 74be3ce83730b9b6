/**
 * Formatting figures with their units.
 *
 * @module
 */

/**
 * Formats a byte count with binary units: `512 B`, `1.5 KiB`, `8 MiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * assert.equal(formatBytes(8 * 1024 * 1024), "8 MiB");
 * assert.equal(formatBytes(100), "100 B");
 * ```
 *
 * @param bytes The count.
 * @returns The text.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes, i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[i]}`;
}

/**
 * Formats a count compactly: `950`, `12.3k`, `4.5M`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatCount(12_345), "12.3k");
 * assert.equal(formatCount(7), "7");
 * ```
 *
 * @param n The count.
 * @returns The text.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${Number((n / 1e9).toFixed(1))}G`;
  if (abs >= 1e6) return `${Number((n / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${Number((n / 1e3).toFixed(1))}k`;
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
}
