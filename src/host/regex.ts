/** Building regular expressions from text the host or a user supplied. */

const SYNTAX = /[\\^$.*+?()[\]{}|]/g;

/** `text` with every character that has a meaning in a regular expression escaped, so it matches itself. */
export function escapeRegExp(text: string): string {
  return text.replace(SYNTAX, "\\$&");
}
