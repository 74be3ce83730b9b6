/**
 * Argument checks shared by the multiplexers.
 *
 * @module
 */

/** Checks a list of descriptors. */
export function fdList(call: string, list: readonly number[]): readonly number[] {
  if (!Array.isArray(list)) {
    throw new TypeError(`Invalid descriptor list for ${call}: "${String(list)}" is not an array`);
  }
  for (const fd of list) {
    if (typeof fd !== "number" || !Number.isInteger(fd)) {
      throw new TypeError(`Invalid descriptor "${String(fd)}" for ${call}: expected an integer`);
    }
  }
  return list;
}

/** Checks a timeout in nanoseconds: -1 for none (wait forever). */
export function checkTimeout(call: string, timeout: number | null | undefined): number {
  if (timeout === undefined || timeout === null) return -1;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(`Invalid timeout "${String(timeout)}" for ${call}: expected nanoseconds`);
  }
  if (timeout < 0) return -1;
  if (!Number.isFinite(timeout)) return -1;
  return timeout;
}
