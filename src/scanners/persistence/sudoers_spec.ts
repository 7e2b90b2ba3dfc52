/**
 * The right-hand side of a sudoers user specification, read as sudo 1.9's lexer reads it:
 * `Runas_Spec? Option_Spec* (Tag_Spec ':')* Cmnd`, comma-separated, and further `: Host_List = …` sections
 * (`bob ALL = /bin/true : ALL = (ALL) NOPASSWD: ALL` is two grants). One left-to-right pass: linear in the text.
 */

/** One command of a user specification, with the runas, tags and host list in effect for it. */
export interface SudoCommand {
  command: string;
  /** The Runas_Spec as written (inside the parentheses), "root" when there is none (runas_default). */
  runas: string;
  /**
   * The user list of the Runas_Spec; undefined without a Runas_Spec (the command runs as runas_default, root).
   * Empty (`()`, `(:staff)`): the command runs as the invoking user.
   */
  runasUsers?: string[];
  nopasswd: boolean;
  /** The host list of the section the command is in. */
  hosts: string[];
}

/** The tags of a Cmnd_Spec (`NOPASSWD:`; sudo allows blanks before the colon). */
export const TAGS: ReadonlySet<string> = new Set([
  "NOPASSWD",
  "PASSWD",
  "NOEXEC",
  "EXEC",
  "SETENV",
  "NOSETENV",
  "LOG_INPUT",
  "NOLOG_INPUT",
  "LOG_OUTPUT",
  "NOLOG_OUTPUT",
  "MAIL",
  "NOMAIL",
  "FOLLOW",
  "NOFOLLOW",
  "INTERCEPT",
  "NOINTERCEPT",
]);
/** Option_Spec names (`CWD=/srv`, `TIMEOUT=5m`…): a value follows the `=`. */
const OPTIONS = new Set([
  "ROLE",
  "TYPE",
  "CWD",
  "CHROOT",
  "NOTBEFORE",
  "NOTAFTER",
  "TIMEOUT",
  "APPARMOR_PROFILE",
  "PRIVS",
  "LIMITPRIVS",
]);
/** Digest_Spec algorithms (`sha256:…` before a command; blanks are allowed around the colon). */
export const DIGESTS: ReadonlySet<string> = new Set(["sha224", "sha256", "sha384", "sha512"]);

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

/** True for the blanks that separate words (a carriage return inside a line counts as one). */
export function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v";
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s[i])) i++;
  return i;
}

/** Splits on commas that are not escaped and not inside parentheses or quotes; items trimmed, empty ones dropped. */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quote = !quote;
    else if (!quote && c === "(") depth++;
    else if (!quote && c === ")") depth = Math.max(0, depth - 1);
    if (c === "," && depth === 0 && !quote) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out.filter((x) => x !== "");
}

/**
 * Where a command ends: at the first `,` or `:` that is not escaped. A word starting with `^` is a regular
 * expression, which runs (blanks, commas and colons included) to a `$` followed by a blank, `,`, `:` or the end.
 */
function commandEnd(s: string, i: number): number {
  let wordStart = true;
  for (let k = i; k < s.length; k++) {
    const c = s[k];
    if (c === "\\") {
      k++;
      wordStart = false;
      continue;
    }
    if (c === "," || c === ":") return k;
    if (wordStart && c === "^") {
      let e = k + 1;
      for (; e < s.length; e++) {
        const n = s[e + 1];
        if (s[e] === "$" && (n === undefined || n === "," || n === ":" || isBlank(n))) break;
      }
      if (e >= s.length) return s.length; // unterminated: sudo rejects the line
      k = e;
      wordStart = false;
      continue;
    }
    wordStart = isBlank(c);
  }
  return s.length;
}

/** The users of a Runas_Spec's inside (`ALL : ALL` → [ALL]; `:staff` and `` → [], the invoking user). */
function runasUsersOf(inner: string): string[] {
  const colon = inner.indexOf(":");
  return splitList(colon < 0 ? inner : inner.slice(0, colon));
}

/**
 * Reads the commands of a user specification's right-hand side (after the first `=`), every section of it.
 * `hosts` is the host list before that `=`. Runas and tags carry from one command to the next within a section
 * and start afresh in the next one. `bad` when sudo would reject part of it (the commands read before that part
 * are kept). Never throws.
 */
export function parseUserSpec(right: string, hosts: string[]): { commands: SudoCommand[]; bad: boolean } {
  const s = right;
  const commands: SudoCommand[] = [];
  let bad = false;
  let i = 0;
  let sectionHosts = hosts;
  for (;;) {
    let runas = "root";
    let runasUsers: string[] | undefined;
    let nopasswd = false;
    let next = false;
    while (!next) {
      i = skipBlanks(s, i);
      if (s[i] === "(") {
        const close = s.indexOf(")", i);
        if (close < 0) return { commands, bad: true };
        runas = s.slice(i + 1, close).trim();
        runasUsers = runasUsersOf(runas);
        i = skipBlanks(s, close + 1);
      }
      for (;;) {
        WORD.lastIndex = i;
        const m = WORD.exec(s);
        if (!m) break;
        const w = m[0];
        let k = skipBlanks(s, i + w.length);
        if (TAGS.has(w) && s[k] === ":") {
          if (w === "NOPASSWD") nopasswd = true;
          if (w === "PASSWD") nopasswd = false;
          i = skipBlanks(s, k + 1);
          continue;
        }
        if (DIGESTS.has(w) && s[k] === ":") {
          k = skipBlanks(s, k + 1);
          while (k < s.length && !isBlank(s[k]) && s[k] !== ",") k++;
          i = skipBlanks(s, k);
          continue;
        }
        if (OPTIONS.has(w) && s[i + w.length] === "=") {
          k = i + w.length + 1;
          if (s[k] === '"') {
            const q = s.indexOf('"', k + 1);
            k = q < 0 ? s.length : q + 1;
          } else while (k < s.length && !isBlank(s[k])) k++;
          i = skipBlanks(s, k);
          continue;
        }
        break;
      }
      const end = commandEnd(s, i);
      const command = s.slice(i, end).trim();
      if (command !== "") commands.push({ command, runas, runasUsers, nopasswd, hosts: sectionHosts });
      else bad = true;
      i = end;
      if (i >= s.length) return { commands, bad };
      if (s[i] === ",") i++;
      else next = true; // a `:` outside parentheses: the next `Host_List = Cmnd_Spec_List`
    }
    const eq = s.indexOf("=", i + 1);
    if (eq < 0) return { commands, bad: true };
    sectionHosts = splitList(s.slice(i + 1, eq));
    if (sectionHosts.length === 0) bad = true;
    i = eq + 1;
  }
}
