/**
 * Text from a hostile host shown to a person: characters that change how the rest of a line is displayed
 * without being seen themselves. A file named `a\u202Egnp.sh` displays as `ahs.png`; a control character can
 * move the cursor or end a table cell. Every human-readable format shows them as escapes (`\xNN`, `\u{NNNN}`),
 * and the JSON formats write them as `\uNNNN` escapes (the same string to a parser, not reordered on a terminal).
 * The canonical form (RFC 8785) keeps them raw, as it must.
 */

/**
 * Bidirectional formatting characters: the embeddings and overrides (U+202A–U+202E), the isolates
 * (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
 */
export const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Controls (C0 but tab, newline and carriage return; DEL; C1), line and paragraph separators, bidi characters. */
const SHOWN = String.raw`\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029${
  BIDI.source.slice(1, -1)
}`;
const INVISIBLE = new RegExp(`[${SHOWN}]`, "g");
/** The same, and tab, newline and carriage return. */
const INVISIBLE_AND_BREAKS = new RegExp(`[${SHOWN}\\t\\n\\r]`, "g");

/** How an invisible character is shown: `\xNN` below U+0100, `\u{NNNN}` above. */
export function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/**
 * The text with control, line-separator and bidirectional formatting characters shown as escapes; tabs and
 * newlines are kept unless `breaks` (a table cell, a one-line field).
 */
export function showInvisible(text: string, breaks = false): string {
  return text.replace(breaks ? INVISIBLE_AND_BREAKS : INVISIBLE, escapeChar);
}

/** JSON text with the bidirectional formatting characters (only ever inside strings) written as `\uNNNN`. */
export function jsonEscapeBidi(json: string): string {
  return json.replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
