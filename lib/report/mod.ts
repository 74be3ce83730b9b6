/**
 * What people see: aligned tables and units (timelines, traces and HTML
 * reports build on these).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "@iosim/iosim/report";
 * assert.equal(formatBytes(2048), "2 KiB");
 * ```
 *
 * @module
 */

export * from "./units.ts";
export * from "./table.ts";
export * from "./chrome_trace.ts";
export * from "./lanes.ts";
export * from "./html.ts";
export * from "./timeline.ts";
