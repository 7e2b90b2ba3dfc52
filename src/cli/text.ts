/** Neutralises control characters (terminal escapes, newlines) in host-derived text printed to a terminal. */

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Replaces C0/C1 control characters and DEL with visible `\xNN` escapes. */
export function sanitizeText(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
