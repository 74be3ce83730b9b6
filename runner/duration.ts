/**
 * Durations on the command line: `2s`, `500ms`, `10us`, `250ns`, or bare
 * nanoseconds.
 *
 * @module
 */

const UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };

/**
 * Parses a duration into nanoseconds.
 *
 * @param text The text.
 * @returns Nanoseconds, or null when malformed.
 */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?$/.exec(text.trim());
  if (m === null) return null;
  const v = Number(m[1]) * UNITS[m[2] ?? "ns"]!;
  return Number.isFinite(v) ? Math.round(v) : null;
}
