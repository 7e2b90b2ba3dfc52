/** Host-derived text printed to a terminal: the output layer's one rule for what a person must not be shown raw. */
import { showInvisible } from "../output/visible.ts";

/**
 * Replaces control characters (C0 including tab and newline, DEL, C1), line separators and bidi characters with
 * visible escapes (`\xNN`, `\u{NNNN}`): see src/output/visible.ts.
 */
export function sanitizeText(s: string): string {
  return showInvisible(s, true);
}
