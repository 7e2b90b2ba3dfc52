/**
 * How Linux-PAM 1.5.2 (Debian 12) reads the text of one configuration file, modelled byte for byte:
 * `_pam_assemble_line` (libpam/pam_handlers.c) makes lines, `_pam_StrTok` (libpam/pam_misc.c) splits them into
 * words and `_pam_parse_control` (libpam/pam_misc.c) reads a `[value=action …]` control.
 */

/** libpam's line buffer (BUF_SIZE in pam_handlers.c): one fgets reads at most this less one byte. */
export const PAM_LINE_BUFFER = 1024;

/** One line as libpam hands it to the parser, with the physical line it starts on. */
export interface PamLine {
  line: number;
  text: string;
}

/**
 * The lines of a file, and how libpam's reading ends: at the end of the file, `incomplete` when the file ends
 * inside a backslash continuation (libpam then fails the whole file: PAM_ABORT), or `loops` when a
 * continuation fills the buffer to its last byte (libpam then reads nothing, forever). `notes` say where the
 * bytes mislead a reader: NUL bytes (libpam ignores the rest of that line) and lines longer than the buffer
 * (libpam reads their rest as a line of its own).
 */
export interface PamLines {
  lines: PamLine[];
  end: "eof" | "incomplete" | "loops";
  /** The physical line where reading ended. */
  endLine: number;
  notes: string[];
}

const NL = 0x0a, HASH = 0x23, BACKSLASH = 0x5c, NUL = 0;
const blank = (c: number) => c === 0x20 || c === 0x09 || c === NL;
const utf8 = new TextDecoder();

/**
 * libpam 1.5.2's `_pam_assemble_line` over a whole file. Each step is one `fgets` into the rest of a 1024-byte
 * buffer, looked at as a C string (it ends at the first NUL). A piece that is blank or starts with `#` (after
 * spaces, tabs and newlines) is skipped — also in the middle of a continuation, which goes on past it. Else
 * the line ends at its first `#`, with no look for a continuation; without `#`, a backslash that is the last
 * character but spaces, tabs and newlines becomes a space and the next piece is read after it. A piece that
 * did not reach its newline (the buffer was full) leaves the rest of the physical line for the next read.
 */
export function assemblePamLines(bytes: Uint8Array): PamLines {
  const lines: PamLine[] = [];
  const notes: string[] = [];
  const buf = new Uint8Array(PAM_LINE_BUFFER);
  let off = 0;
  let physical = 1;
  for (;;) {
    let p = 0;
    let continued = false;
    let start = 0;
    for (;;) {
      const room = PAM_LINE_BUFFER - p;
      // glibc's fgets with a size of 1 stores an empty string without reading (at the end of the file too),
      // which libpam takes for a blank piece and asks again.
      if (room === 1) return { lines, end: "loops", endLine: physical, notes };
      if (off >= bytes.length) {
        return { lines, end: continued ? "incomplete" : "eof", endLine: physical, notes };
      }
      const nl = bytes.indexOf(NL, off);
      const stop = Math.min(nl < 0 ? bytes.length : nl + 1, off + room - 1);
      const pieceLine = physical;
      buf.set(bytes.subarray(off, stop), p);
      const n = stop - off;
      off = stop;
      if (bytes[stop - 1] === NL) physical++;
      else if (stop < bytes.length) {
        notes.push(`line ${pieceLine}: longer than libpam's ${room - 1}-byte read`);
      }
      let end = p;
      while (end < p + n && buf[end] !== NUL) end++;
      if (end < p + n) notes.push(`line ${pieceLine}: a NUL byte ends the line for libpam`);
      let s = p;
      while (s < end && blank(buf[s])) s++;
      if (s === end || buf[s] === HASH) continue;
      if (start === 0) start = pieceLine;
      const os = s;
      while (s < end && buf[s] !== HASH) s++;
      if (s < end) {
        lines.push({ line: start, text: utf8.decode(buf.subarray(0, s)) });
        break;
      }
      let e = end;
      while (e > os) if (!blank(buf[--e])) break;
      if (buf[e] === BACKSLASH) {
        buf[e] = 0x20;
        p = e + 1;
        continued = true;
        continue;
      }
      lines.push({ line: start, text: utf8.decode(buf.subarray(0, end)) });
      break;
    }
  }
}

/**
 * libpam's `_pam_StrTok(…, " \n\t", …)`: words split at spaces, tabs and newlines (not CRs). A word starting
 * with `[` runs to the first `]` (no nesting; `\]` is a `]`; to the end of the line when there is none) and
 * is given without its brackets; the character after that `]` starts the next word.
 */
export function pamWords(line: string): string[] {
  const out: string[] = [];
  const delim = (c: string) => c === " " || c === "\t" || c === "\n";
  let i = 0;
  for (;;) {
    while (i < line.length && delim(line[i])) i++;
    if (i >= line.length) return out;
    let w = "";
    if (line[i] === "[") {
      for (i++; i < line.length && line[i] !== "]"; i++) {
        if (line[i] === "\\" && line[i + 1] === "]") i++;
        w += line[i];
      }
    } else {
      while (i < line.length && !delim(line[i])) w += line[i++];
    }
    out.push(w);
    i++;
  }
}

/** What a control says to do with one return value. */
export type PamAction = "ignore" | "bad" | "die" | "ok" | "done" | "reset" | number;

/** libpam's return value names (`_pam_token_returns`, pam_tokens.h), in its order; `default` last. */
const RETURNS = [
  "success",
  "open_err",
  "symbol_err",
  "service_err",
  "system_err",
  "buf_err",
  "perm_denied",
  "auth_err",
  "cred_insufficient",
  "authinfo_unavail",
  "user_unknown",
  "maxtries",
  "new_authtok_reqd",
  "acct_expired",
  "session_err",
  "cred_unavail",
  "cred_expired",
  "cred_err",
  "no_module_data",
  "conv_err",
  "authtok_err",
  "authtok_recover_err",
  "authtok_lock_busy",
  "authtok_disable_aging",
  "try_again",
  "ignore",
  "abort",
  "authtok_expired",
  "module_unknown",
  "bad_item",
  "conv_again",
  "incomplete",
  "default",
]; // deno-fmt-ignore
/** libpam's action names (`_pam_token_actions`), in its order. */
const ACTIONS = ["ignore", "ok", "done", "bad", "die", "reset"] as const;

/**
 * libpam's `_pam_parse_control` over a control that is not a keyword (its brackets already taken off by
 * `pamWords`; a bare `success=done` is read the same way). Names match case-sensitively by prefix, in libpam's
 * order; blanks may stand around `=`; nothing need separate two pairs. `default` fills only the values not set
 * yet, so the first one counts. Any error makes every value `bad`, which is what is returned, with the error.
 * Values never set are `bad` too (libpam's caller sets them so): `get(v) ?? get("default") ?? "bad"`.
 */
export function parsePamControl(text: string): { actions: Map<string, PamAction>; error?: string } {
  const actions = new Map<string, PamAction>();
  const space = (c: string | undefined) => c !== undefined && /[ \t\n\v\f\r]/.test(c);
  let i = 0;
  const fail = (error: string) => ({ actions: new Map<string, PamAction>([["default", "bad"]]), error });
  while (i < text.length) {
    while (space(text[i])) i++;
    if (i >= text.length) break;
    const ret = RETURNS.find((r) => text.startsWith(r, i));
    if (ret === undefined || i + ret.length >= text.length) return fail("expecting return value");
    i += ret.length;
    while (space(text[i])) i++;
    if (text[i++] !== "=") return fail("expecting '='");
    while (space(text[i])) i++;
    if (i >= text.length) return fail("expecting action");
    let act: PamAction | undefined = ACTIONS.find((a) => text.startsWith(a, i));
    if (act !== undefined) i += act.length;
    else {
      const digits = text.slice(i).match(/^[0-9]+/)?.[0];
      if (digits === undefined) return fail("expecting jump number");
      i += digits.length;
      act = Number(digits);
      if (act === 0) return fail("expecting non-zero");
    }
    if (ret !== "default") actions.set(ret, act);
    else if (!actions.has("default")) actions.set("default", act);
  }
  return { actions };
}
