/**
 * systemd unit file syntax: sections, `Key=value` assignments (every assignment kept in order, so list settings
 * accumulate and an empty assignment resets them, as systemd does), continuation lines and comments.
 */
import { readLines, strip } from "./read_line.ts";

/** Section name → key → every assignment in order ("" is a reset). */
export type UnitSections = Map<string, Map<string, string[]>>;

/** One `Key=value` assignment of a unit file, with the section it is in and the line it starts on. */
export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** What a unit file or drop-in says, read as systemd 252's config_parse reads it. */
export interface UnitParse {
  assignments: UnitAssignment[];
  /** Lines systemd ignores with a warning: an assignment outside a section, without `=` or without a key. */
  bad: number;
  /**
   * The line at which systemd stops reading the file (a section header without its `]` or with quotes, a
   * backslash or control characters in it, a line that is not UTF-8): a unit file that stops loads not at all, a
   * drop-in that stops keeps what came before that line. Nothing from it on is in `assignments`.
   */
  stoppedAt?: number;
}

const UTF8_BOM = "\uFEFF";
/**
 * Every assignment of a unit file or drop-in, in order, with its 1-based line, modelling systemd 252's
 * config_parse() (src/shared/conf-parser.c): lines end as read_line() ends them; a line whose first character
 * after spaces and tabs is `#` or `;` is skipped, inside a continuation too; the first line that starts with a
 * UTF-8 byte order mark loses it (pass the file's bytes: a decoder drops a leading BOM and with it what systemd
 * knows); a line ending in an unescaped backslash continues on the next, the backslash becoming a space; a
 * section header is `[` … `]` after stripping spaces and tabs (anything else starting with `[` stops the file);
 * keys and values are stripped of spaces and tabs only. Never throws.
 */
export function unitAssignments(input: string | Uint8Array): UnitParse {
  const assignments: UnitAssignment[] = [];
  let section: string | undefined;
  let bad = 0;
  let bomSeen = false;
  // The lines of a continuation so far, each with its backslash turned into a space: joined once at the end
  // (re-joining the growing line for each piece would be quadratic).
  let continuation: { pieces: string[]; line: number; utf8: boolean } | undefined;
  const lines = readLines(input);
  const parse = (raw: string, line: number, utf8: boolean): boolean => {
    const l = strip(raw);
    if (l === "") return true;
    if (!utf8) return false;
    if (l[0] === "[") {
      if (l[l.length - 1] !== "]" || l.length < 2) return false;
      const name = l.slice(1, -1);
      // string_is_safe(): no control characters, quotes or backslashes.
      for (const c of name) if (c < " " || c === "\x7f" || c === '"' || c === "'" || c === "\\") return false;
      section = name;
      return true;
    }
    const eq = l.indexOf("=");
    if (section === undefined || eq <= 0) bad++;
    else assignments.push({ section, key: strip(l.slice(0, eq)), value: strip(l.slice(eq + 1)), line });
    return true;
  };
  for (let i = 0; i < lines.length; i++) {
    const { text: buf, utf8 } = lines[i];
    if (/^[ \t]*[#;]/.test(buf)) continue; // a comment, even inside a continuation
    let l = buf;
    if (!bomSeen && l.startsWith(UTF8_BOM)) {
      l = l.slice(1);
      bomSeen = true;
    }
    // systemd scans the whole joined line for an unescaped trailing backslash; what was joined so far ends in the
    // space that replaced one, so the scan can start afresh at this line.
    let escaped = false;
    for (let k = 0; k < l.length; k++) escaped = escaped ? false : l[k] === "\\";
    const valid = (continuation?.utf8 ?? true) && utf8;
    if (escaped) {
      continuation ??= { pieces: [], line: i + 1, utf8: true };
      continuation.pieces.push(l.slice(0, -1) + " ");
      continuation.utf8 = valid;
      continue;
    }
    const line = continuation?.line ?? i + 1;
    const p = continuation ? continuation.pieces.join("") + l : l;
    continuation = undefined;
    if (!parse(p, line, valid)) return { assignments, bad, stoppedAt: i + 1 };
  }
  if (continuation && !parse(continuation.pieces.join(""), continuation.line, continuation.utf8)) {
    return { assignments, bad, stoppedAt: lines.length };
  }
  return { assignments, bad };
}

/** Parses a unit file or drop-in. Never throws; lines outside a section or without `=` are counted in `bad`. */
export function parseUnitFile(
  text: string | Uint8Array,
): { sections: UnitSections; bad: number; stoppedAt?: number } {
  const sections: UnitSections = new Map();
  const { assignments, bad, stoppedAt } = unitAssignments(text);
  for (const a of assignments) {
    const keys = sections.get(a.section) ?? new Map<string, string[]>();
    keys.set(a.key, [...(keys.get(a.key) ?? []), a.value]);
    sections.set(a.section, keys);
  }
  return { sections, bad, ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
}

/** Applies a drop-in on top of a unit: assignments are appended, so later ones win and empty ones reset. */
export function mergeSections(base: UnitSections, overlay: UnitSections): UnitSections {
  const out: UnitSections = new Map(
    [...base].map(([s, m]) => [s, new Map([...m].map(([k, v]) => [k, [...v]]))]),
  );
  for (const [section, keys] of overlay) {
    const target = out.get(section) ?? new Map<string, string[]>();
    for (const [key, values] of keys) target.set(key, [...(target.get(key) ?? []), ...values]);
    out.set(section, target);
  }
  return out;
}

/** The effective single value of a key (the last assignment; undefined when unset or reset by an empty one). */
export function lastValue(sections: UnitSections, section: string, key: string): string | undefined {
  const values = sections.get(section)?.get(key);
  if (!values || values.length === 0) return undefined;
  const v = values[values.length - 1];
  return v === "" ? undefined : v;
}

/** True when the key was assigned at all (an empty assignment counts: for some keys it is meaningful). */
export function isAssigned(sections: UnitSections, section: string, key: string): boolean {
  return (sections.get(section)?.get(key)?.length ?? 0) > 0;
}

/** The effective values of a list key: those after the last empty assignment. */
export function listValues(sections: UnitSections, section: string, key: string): string[] {
  const values = sections.get(section)?.get(key) ?? [];
  const reset = values.lastIndexOf("");
  return values.slice(reset + 1);
}

/** Parses a systemd boolean in every spelling systemd accepts; undefined for anything else. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(v)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(v)) return false;
  return undefined;
}

/** An Exec*= line split into its prefixes (`@-:+!`) and the command line proper. */
export function parseExecLine(value: string): { flags: string; command: string } {
  const m = value.match(/^([@\-:+!|]*)\s*(.*)$/s);
  return { flags: m?.[1] ?? "", command: (m?.[2] ?? value).trim() };
}

/** Exec settings that run commands, in the order systemd runs them. */
export const EXEC_KEYS = [
  "ExecCondition",
  "ExecStartPre",
  "ExecStart",
  "ExecStartPost",
  "ExecReload",
  "ExecStop",
  "ExecStopPost",
] as const;
