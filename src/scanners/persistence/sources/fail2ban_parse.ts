/**
 * fail2ban's configuration files as its client reads them (fail2ban/client/configparserinc.py on Python's
 * configparser): `[section]` headers, `key = value` or `key: value` (keys lower-cased, sections not), values
 * continued on lines indented deeper than their key (blank lines kept inside, `#`/`;` comment lines left out),
 * `;` after a blank starting a comment (`#` only at a line's start), `[INCLUDES] before/after`, the files of
 * one configuration merged in reading order (a later file's key replaces an earlier one's, whose value stays
 * reachable as `%(known/key)s`), and `[Init?family=inet6]` sections read as conditional keys of `[Init]`; plus the
 * action list of a jail (`action = name[opt="…", opt2=…] other`). Each function is pure, linear in its input,
 * and never throws: what fail2ban would reject is read leniently (a scanner judges what could run).
 */

/** Where a value was written: its file, line (1-based) and the file's place in the scan's reading order. */
export interface Origin {
  file: string;
  line: number;
  rank: number;
}

/** A raw value and where it, and every value it was built from, was written (its own place first). */
export interface IniValue {
  value: string;
  from: Origin[];
}

/** Keys (lower-cased) to values. */
export type IniSection = Map<string, IniValue>;

/** One file, or several merged: its sections in the order first seen, and `[DEFAULT]`. */
export interface IniConfig {
  sections: Map<string, IniSection>;
  defaults: IniSection;
}

/** One parsed file, with the count of lines configparser would reject. */
export interface IniFile extends IniConfig {
  bad: number;
}

/** True for what Python's str.isspace() calls whitespace (its strip() and configparser's indentation use it). */
function isPySpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 ||
    c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python's str.rstrip() (a loop: a regular expression anchored at the end retries every blank run). */
function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Python's str.strip(). */
export function pyStrip(s: string): string {
  let start = 0;
  while (start < s.length && isPySpace(s[start])) start++;
  return pyRstrip(s.slice(start));
}

/** Where an inline `;` comment starts (at the line's start or after a blank), or -1. */
function inlineComment(line: string): number {
  for (let i = line.indexOf(";"); i >= 0; i = line.indexOf(";", i + 1)) {
    if (i === 0 || isPySpace(line[i - 1])) return i;
  }
  return -1;
}

/**
 * Parses one file as configparser does with fail2ban's settings (inline comment prefix `;`, blank lines kept
 * in values, keys lower-cased). Lines ending in `\r\n` or `\r` are lines (Python reads with universal
 * newlines). A line outside any section, or without `=`/`:`, is counted in `bad` and skipped; a key given twice
 * keeps its last value (configparser rejects the file).
 */
export function parseIni(text: string, file: string, rank: number): IniFile {
  const sections = new Map<string, IniSection>();
  const defaults = new Map<string, { parts: string[]; line: number }>();
  const raw = new Map<string, Map<string, { parts: string[]; line: number }>>();
  let cur: Map<string, { parts: string[]; line: number }> | undefined;
  let opt: { parts: string[]; line: number } | undefined;
  let indent = 0;
  let bad = 0;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let comment = inlineComment(line);
    const stripped = pyStrip(line);
    if (stripped.startsWith("#") || stripped.startsWith(";")) comment = 0;
    const value = comment < 0 ? stripped : pyStrip(line.slice(0, comment));
    if (value === "") {
      if (comment < 0 && cur && opt) opt.parts.push("");
      continue;
    }
    let level = 0;
    while (level < line.length && isPySpace(line[level])) level++;
    if (cur && opt && level > indent) {
      opt.parts.push(value);
      continue;
    }
    indent = level;
    const close = value[0] === "[" ? value.lastIndexOf("]") : -1;
    if (close >= 2) {
      const name = value.slice(1, close);
      if (name === "DEFAULT") cur = defaults;
      else {
        cur = raw.get(name);
        if (!cur) raw.set(name, cur = new Map());
      }
      opt = undefined;
      continue;
    }
    const eq = value.search(/[=:]/);
    if (!cur || eq < 0) {
      bad++;
      continue;
    }
    const key = pyRstrip(value.slice(0, eq)).toLowerCase();
    if (key === "") {
      bad++;
      opt = undefined;
      continue;
    }
    opt = { parts: [pyStrip(value.slice(eq + 1))], line: i + 1 };
    cur.set(key, opt);
  }
  const finish = (m: Map<string, { parts: string[]; line: number }>): IniSection => {
    const out: IniSection = new Map();
    for (const [k, v] of m) {
      out.set(k, { value: pyRstrip(v.parts.join("\n")), from: [{ file, line: v.line, rank }] });
    }
    return out;
  };
  for (const [name, m] of raw) sections.set(name, finish(m));
  return { sections, defaults: finish(defaults), bad };
}

/** A section name of a conditional section: `Init?family=inet6` (fail2ban's CONDITIONAL_RE). */
const CONDITIONAL = /^([\p{L}\p{N}_]+)(\?.+)$/u;

/**
 * The files of one configuration merged in reading order, as fail2ban merges them: `[DEFAULT]` keys and each
 * section's keys replaced by later files, the replaced values kept in `KNOWN/<section>`, and a conditional
 * section's keys merged into its base section with the condition appended (`blocktype?family=inet6`).
 */
export function mergeIni(files: readonly IniConfig[]): IniConfig {
  const sections = new Map<string, IniSection>();
  const defaults: IniSection = new Map();
  for (const f of files) {
    for (const [k, v] of f.defaults) defaults.set(k, v);
    for (const [rawName, s] of f.sections) {
      const cond = CONDITIONAL.exec(rawName);
      const name = cond ? cond[1] : rawName;
      const keys = cond ? new Map([...s].map(([k, v]) => [k + cond[2], v])) : s;
      const into = sections.get(name);
      if (!into) {
        sections.set(name, new Map(keys));
        continue;
      }
      let known = sections.get(`KNOWN/${name}`);
      for (const [k, v] of keys) {
        const before = into.get(k);
        if (before) {
          if (!known) sections.set(`KNOWN/${name}`, known = new Map());
          known.set(k, before);
        }
        into.set(k, v);
      }
    }
  }
  return { sections, defaults };
}

/** An action a jail names: the action's file name and the options given in brackets. */
export interface ActionRef {
  name: string;
  /** Option names as written (fail2ban does not lower-case them) to values, quotes removed. */
  options: Map<string, string>;
}

/** Characters of an option name (fail2ban's `[\w\-_\.]`). */
const OPTION_NAME = /[\p{L}\p{N}_.-]/u;

/**
 * A jail's `action` value split as fail2ban splits it (helpers.splitWithOptions and extractOptions): names
 * separated by blanks or lines, each maybe followed by `[key="v", key2='v', key3=v]` groups (several groups,
 * `][`, are one list). Blanks fail2ban does not allow (around `=`, after a closing quote) are allowed here, and
 * an unclosed bracket runs to the end. At most `max` actions are read.
 */
export function parseActionList(text: string, max = 1000): ActionRef[] {
  const out: ActionRef[] = [];
  const n = text.length;
  const missing = new Set<string>(); // quote characters with none left after the last search
  let i = 0;
  const skipSpace = () => {
    while (i < n && isPySpace(text[i])) i++;
  };
  const skipTo = (chars: string) => {
    while (i < n && !chars.includes(text[i])) i++;
  };
  const options = (into: Map<string, string>) => {
    while (i < n && text[i] === "[") {
      i++;
      for (;;) {
        skipSpace();
        if (i >= n) return;
        if (text[i] === "]") {
          i++;
          break;
        }
        const keyStart = i;
        while (i < n && OPTION_NAME.test(text[i])) i++;
        const key = text.slice(keyStart, i);
        skipSpace();
        if (key === "" || text[i] !== "=") {
          skipTo("]");
          i++;
          break;
        }
        i++;
        let value: string | undefined;
        const q = text[i];
        if ((q === '"' || q === "'") && !missing.has(q)) {
          const close = text.indexOf(q, i + 1);
          if (close < 0) missing.add(q);
          else {
            value = text.slice(i + 1, close);
            i = close + 1;
          }
        }
        if (value === undefined) {
          const start = i;
          skipTo(",]");
          value = text.slice(start, i);
        }
        into.set(key, pyStrip(value));
        skipSpace();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          break;
        } else {
          skipTo("]");
          i++;
          break;
        }
      }
      const afterGroup = i;
      skipSpace();
      if (text[i] !== "[") i = afterGroup;
    }
  };
  while (i < n && out.length < max) {
    skipSpace();
    if (i >= n) break;
    const start = i;
    while (i < n && !isPySpace(text[i]) && text[i] !== "[") i++;
    const name = text.slice(start, i);
    if (name === "") {
      while (i < n && !isPySpace(text[i])) i++;
      continue;
    }
    const opts = new Map<string, string>();
    const afterName = i;
    skipSpace();
    if (text[i] === "[") options(opts);
    else i = afterName;
    out.push({ name, options: opts });
  }
  return out;
}
