/**
 * RFC 8785 (JCS) canonical JSON text: the one serialisation hashes, signatures and `--canonical` agree on.
 *
 * JCS is ECMAScript's JSON serialisation (ES2019 `JSON.stringify` for strings and numbers) with object members
 * sorted by their names as UTF-16 code units, and no whitespace. Written here rather than taken from the
 * `canonicalize` package: that package is CommonJS, and loading Deno's CommonJS layer for it cost every scan
 * about 25 ms and 3.5 MiB at start-up (measured, medians of 7: zod + node:util + node:timers 53 ms / 44.3 MiB,
 * the same plus canonicalize 74 ms / 47.0 MiB). The tests check this against RFC 8785's vectors and against the
 * package on generated values.
 */

/** RFC 8785 text of any JSON value (no trailing newline). Throws on values JSON cannot represent. */
export function jcs(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new Error("value has no JSON representation");
  return text;
}

/** The JCS text of `v`, or undefined for what JSON leaves out (undefined, functions, symbols). */
function serialize(v: unknown): string | undefined {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      if (!Number.isFinite(v)) throw new Error(`${v} has no JSON representation`);
      return JSON.stringify(v); // ECMAScript Number::toString, which RFC 8785 adopts; -0 is "0"
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      throw new Error("a BigInt has no JSON representation");
    case "object": {
      if (v === null) return "null";
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") return serialize(toJSON.call(v));
      if (Array.isArray(v)) return `[${v.map((item) => serialize(item) ?? "null").join(",")}]`;
      const members: string[] = [];
      // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 requires.
      for (const key of Object.keys(v).sort()) {
        const text = serialize((v as Record<string, unknown>)[key]);
        if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${members.join(",")}}`;
    }
    default:
      return undefined;
  }
}
