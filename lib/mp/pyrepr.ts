/**
 * Python's `repr` of plain values, for printing as a Python program prints.
 *
 * @module
 */

function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === q) out += `\\${q}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + q;
}

function num(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0.0";
  return String(n);
}

/**
 * Formats a value as Python's `repr` would: strings in quotes, `True`,
 * `False`, `None`, lists in brackets, dicts (maps and plain objects) in
 * braces with `key: value`, sets in braces, bytes as `b'...'`. Numbers
 * print as JavaScript prints them (so `1.0` prints `1`).
 *
 * @example A dict and a list, as `print(d)` and `print(l)` show them
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pyRepr(new Map([[1001, 1001], [1002, 1002]])), "{1001: 1001, 1002: 1002}");
 * assert.equal(pyRepr([1, "a", null, true]), "[1, 'a', None, True]");
 * assert.equal(pyRepr({ x: "it's" }), `{'x': "it's"}`);
 * ```
 *
 * @param value The value.
 * @returns Its Python representation.
 */
export function pyRepr(value: unknown): string {
  return repr(value, new Set());
}

function repr(v: unknown, seen: Set<object>): string {
  switch (typeof v) {
    case "string":
      return quote(v);
    case "number":
      return num(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "True" : "False";
    case "undefined":
      return "None";
    case "symbol":
      return v.toString();
    case "function":
      return `<function ${v.name || "<lambda>"}>`;
  }
  if (v === null) return "None";
  const o = v as object;
  if (seen.has(o)) return Array.isArray(o) ? "[...]" : "{...}";
  seen.add(o);
  try {
    if (Array.isArray(o)) return `[${o.map((x) => repr(x, seen)).join(", ")}]`;
    if (o instanceof Map) {
      return `{${[...o].map(([k, x]) => `${repr(k, seen)}: ${repr(x, seen)}`).join(", ")}}`;
    }
    if (o instanceof Set) {
      return o.size === 0 ? "set()" : `{${[...o].map((x) => repr(x, seen)).join(", ")}}`;
    }
    if (o instanceof Uint8Array) {
      let out = "b'";
      for (const b of o) {
        if (b === 0x5c) out += "\\\\";
        else if (b === 0x27) out += "\\'";
        else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
        else out += `\\x${b.toString(16).padStart(2, "0")}`;
      }
      return out + "'";
    }
    if (o instanceof Error) return `${o.name}(${quote(o.message)})`;
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      return `{${Object.entries(o).map(([k, x]) => `${quote(k)}: ${repr(x, seen)}`).join(", ")}}`;
    }
    return `<${o.constructor?.name ?? "object"} object>`;
  } finally {
    seen.delete(o);
  }
}
