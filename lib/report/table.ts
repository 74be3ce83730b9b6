/**
 * Aligned text tables.
 *
 * @module
 */

import { formatTime } from "../kernel/time.ts";
import { formatBytes, formatCount } from "./units.ts";

/** How a column's values are shown. */
export type ColumnUnit = "ns" | "bytes" | "count" | "text" | "percent" | "ratio";

/** A column of a table. */
export interface Column<R> {
  /** The heading. */
  readonly title: string;
  /** The value of a row. */
  readonly value: (row: R) => number | string | null | undefined;
  /** How to show numbers (default: `"text"`, as given). */
  readonly unit?: ColumnUnit;
}

function show(v: number | string | null | undefined, unit: ColumnUnit): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "string") return v;
  switch (unit) {
    case "ns":
      return formatTime(v);
    case "bytes":
      return formatBytes(v);
    case "count":
      return formatCount(v);
    case "percent":
      return `${Number((v * 100).toFixed(1))}%`;
    case "ratio":
      return `${Number(v.toFixed(2))}×`;
    default:
      return String(v);
  }
}

/**
 * Renders rows as an aligned table: text left-aligned, figures right-aligned
 * with their units.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = formatTable(
 *   [{ model: "epoll", p50: 41_000, mem: 2048 }],
 *   [
 *     { title: "model", value: (r) => r.model },
 *     { title: "p50", value: (r) => r.p50, unit: "ns" },
 *     { title: "memory", value: (r) => r.mem, unit: "bytes" },
 *   ],
 * );
 * assert.equal(text, "model    p50  memory\nepoll  41 µs   2 KiB\n");
 * ```
 *
 * @typeParam R The row type.
 * @param rows The rows.
 * @param columns The columns.
 * @returns The table, one line per row after the heading.
 */
export function formatTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => show(c.value(r), c.unit ?? "text")));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cells.map((row) => row[i]!.length))
  );
  const numeric = columns.map((c) => (c.unit ?? "text") !== "text");
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ").trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join("\n") + "\n";
}
