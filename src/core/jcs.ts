/** RFC 8785 (JCS) canonical JSON text: the one serialisation hashes, signatures and `--canonical` agree on. */
import * as canonicalizeModule from "canonicalize";

// The package is CommonJS and its .d.ts declares an ES default export; Deno exposes module.exports as `default`.
const canonicalize =
  (canonicalizeModule as unknown as { default: (v: unknown) => string | undefined }).default;

/** RFC 8785 text of any JSON value (no trailing newline). Throws on values JSON cannot represent. */
export function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value has no JSON representation");
  return text;
}
