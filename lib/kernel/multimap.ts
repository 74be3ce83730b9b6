/**
 * A map from keys to one or more values that stores a lone value without an
 * array around it. Most keys (a port, a descriptor) hold exactly one value,
 * and at a million keys an array each costs about 60 bytes apiece.
 *
 * Internal: values must not themselves be arrays.
 *
 * @module
 */

/** A map whose entries are one value or an array of two or more. */
export type MultiMap<K, V> = Map<K, V | V[]>;

/** Adds `value` under `key`. */
export function multiAdd<K, V>(map: MultiMap<K, V>, key: K, value: V): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, value);
  else if (Array.isArray(held)) held.push(value);
  else map.set(key, [held, value]);
}

/** Removes `value` from under `key`; returns whether it was there. */
export function multiRemove<K, V>(map: MultiMap<K, V>, key: K, value: V): boolean {
  const held = map.get(key);
  if (held === undefined) return false;
  if (!Array.isArray(held)) {
    if (held !== value) return false;
    map.delete(key);
    return true;
  }
  const i = held.indexOf(value);
  if (i < 0) return false;
  held.splice(i, 1);
  if (held.length === 1) map.set(key, held[0]!);
  return true;
}

const NONE: readonly never[] = [];

/** The values under `key` (an empty list when none), not to be kept or changed. */
export function multiGet<K, V>(map: MultiMap<K, V>, key: K): readonly V[] {
  const held = map.get(key);
  if (held === undefined) return NONE;
  return Array.isArray(held) ? held : [held];
}
