/**
 * State shared by the greenlet runtime and the hub, kept out of the public
 * exports.
 *
 * @module
 */

import type { GreenletRuntime } from "./greenlet.ts";

/** A greenlet not started yet. */
export const UNSTARTED = 0;
/** A greenlet started and not finished. */
export const ACTIVE = 1;
/** A greenlet that finished. */
export const DEAD = 2;

/** The runtime whose trampoline is running now (greenlet code runs only inside one). */
export const running: { rt: GreenletRuntime<unknown> | null } = { rt: null };

/**
 * Formats any value for an error message, even one whose `toString` throws.
 *
 * @param v The value.
 * @returns Its text.
 */
export function quote(v: unknown): string {
  try {
    return typeof v === "symbol" ? v.toString() : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
