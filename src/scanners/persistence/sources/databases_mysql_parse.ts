/**
 * Pure parsers for the MySQL/MariaDB part of the database family (sources/databases_mysql.ts): option files as
 * mysys my_default.c reads them (checked against my_print_defaults 10.11), option names as my_getopt matches them
 * (checked against mariadbd 10.11), and the SQL mysqld runs itself (init_file, init_connect). Linear in their
 * input, like sources/databases_parse.ts, whose character buffer and line reader they share.
 */
import { chars, textLines } from "./databases_parse.ts";

/** One item of a MySQL/MariaDB option file, in file order: an option of a group, or an include directive. */
export type MyCnfItem =
  | MyCnfOption
  | { kind: "include" | "includedir"; path: string; line: number };

/** An option of a group in a MySQL/MariaDB option file (no value for a bare `name`). */
export interface MyCnfOption {
  kind: "option";
  group: string;
  name: string;
  value?: string;
  line: number;
}

/** A MySQL/MariaDB option file: its items in order, and the lines mysqld would reject. */
export interface MyCnf {
  items: MyCnfItem[];
  errors: number[];
}

/** The blanks my_default.c skips (isspace in the C locale). */
const MY_BLANK = new Set([" ", "\t", "\r", "\f", "\v", "\n"]);

/** `s` without blanks at its end (a loop: `/[ \t]+$/` retries every run of blanks from each of its characters). */
function trimBlanksEnd(s: string): string {
  let end = s.length;
  while (end > 0 && MY_BLANK.has(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A value with an end comment removed (`#` outside quotes), as my_default.c's remove_end_comment does. */
function myEndComment(s: string): string {
  let quote = "";
  let escape = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if ((ch === "'" || ch === '"') && !escape) {
      if (quote === "") quote = ch;
      else if (quote === ch) quote = "";
    }
    if (quote === "" && ch === "#") return s.slice(0, i);
    escape = quote !== "" && ch === "\\" && !escape;
  }
  return s;
}

/** A value with surrounding blanks and one pair of matching quotes removed, its backslash escapes decoded. */
function myValue(raw: string): string {
  let v = raw.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) v = v.slice(1, -1);
  const esc: Record<string, string> = {
    n: "\n",
    t: "\t",
    r: "\r",
    b: "\b",
    s: " ",
    '"': '"',
    "'": "'",
    "\\": "\\",
  };
  if (!v.includes("\\")) return v;
  const out = chars;
  out.reset();
  for (let i = 0; i < v.length; i++) {
    const e = v[i] === "\\" ? esc[v[i + 1]] : undefined;
    if (e === undefined) out.code(v.charCodeAt(i)); // an unknown escape keeps its backslash
    else {
      out.add(e);
      i++;
    }
  }
  return out.take();
}

/**
 * The items of a my.cnf-style file: `[group]` lines (group names compared case-insensitively, so lower-cased),
 * `name[=value]` options (a `#` outside quotes ends the value; quotes around it removed; `\n`, `\t`, `\s`…
 * decoded), whole-line `#` and `;` comments, and `!include FILE` / `!includedir DIR` anywhere (a group's options
 * do not carry into the included file). An option before any group or a broken group line is an error. Only
 * options `keep` takes are returned (a megabyte of options nobody asks about is not held in memory).
 */
export function parseMyCnf(text: string, keep: (group: string, name: string) => boolean = () => true): MyCnf {
  const items: MyCnfItem[] = [];
  const errors: number[] = [];
  let group: string | undefined;
  for (const [raw, n] of textLines(text)) {
    let from = 0;
    while (from < raw.length && MY_BLANK.has(raw[from])) from++;
    const line = from === 0 ? raw : raw.slice(from);
    if (line === "" || line[0] === "#" || line[0] === ";") continue;
    if (line[0] === "!") {
      // The keyword is case-sensitive and needs a blank after it; a `#` after the path is part of the path.
      const m = /^!(includedir|include)(?:[ \t]+(.*))?$/.exec(trimBlanksEnd(line));
      const path = m?.[2]?.trim();
      if (m && path) items.push({ kind: m[1] as "include" | "includedir", path, line: n });
      else if (m) errors.push(n);
      continue;
    }
    if (line[0] === "[") {
      const end = line.indexOf("]");
      if (end < 0) {
        errors.push(n);
        group = undefined;
        continue;
      }
      group = trimBlanksEnd(line.slice(1, end)).toLowerCase();
      continue;
    }
    if (group === undefined) {
      errors.push(n);
      continue;
    }
    const body = myEndComment(line);
    const eq = body.indexOf("=");
    const name = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (name === "" || !keep(group, name)) continue;
    const item: MyCnfOption = { kind: "option", group, name, line: n };
    if (eq >= 0) item.value = myValue(body.slice(eq + 1));
    items.push(item);
  }
  return { items, errors };
}

/**
 * An option name as mysqld matches it: case and `-`/`_` ignored, `loose-` and `maximum-` prefixes dropped;
 * the canonical name of one of `wanted` (`name` or `name` shortened to no less than `min` characters, as
 * my_getopt accepts a unique prefix), or undefined.
 */
export function myOption(name: string, wanted: readonly { name: string; min: number }[]): string | undefined {
  let n = name.toLowerCase().replaceAll("_", "-");
  for (;;) {
    const m = /^(?:loose|maximum)-(.+)$/.exec(n);
    if (!m) break;
    n = m[1];
  }
  const exact = wanted.find((w) => w.name === n);
  if (exact) return exact.name;
  return wanted.find((w) => n.length >= w.min && w.name.startsWith(n))?.name;
}

/** Groups mysqld (mariadbd) reads. */
export const MY_SERVER_GROUP =
  /^(?:mysqld|server|mariadb|mariadbd|galera|client-server|(?:mysqld|mariadb|mariadbd)-\d+\.\d+)$/;
/** Groups mysqld_safe reads for its own options (names compared exactly, case aside). */
export const MY_SAFE_GROUPS: ReadonlySet<string> = new Set([
  "mysqld_safe",
  "safe_mysqld",
  "mariadb_safe",
  "mariadbd-safe",
]);
/** Server options the database family reads, with the shortest prefix mysqld takes (measured on MariaDB 10.11). */
export const MY_SERVER_OPTIONS: readonly { name: string; min: number }[] = [
  { name: "plugin-load", min: 11 },
  { name: "plugin-load-add", min: 12 },
  { name: "plugin-dir", min: 8 },
  { name: "init-file", min: 6 },
  { name: "init-connect", min: 6 },
  { name: "init-slave", min: 6 },
  { name: "wsrep-notify-cmd", min: 12 },
];
/** mysqld_safe's own options the family reads (a shell `case` on each: exact names, `-` or `_`). */
export const MY_SAFE_OPTIONS: ReadonlySet<string> = new Set([
  "ledir",
  "mysqld",
  "malloc-lib",
  "crash-script",
]);

/** The canonical name of a server option (`server`) or a mysqld_safe one (`safe`) the family reads, or undefined. */
export function myRelevant(
  group: string,
  name: string,
): { canonical: string; role: "server" | "safe" } | undefined {
  if (MY_SERVER_GROUP.test(group)) {
    const canonical = myOption(name, MY_SERVER_OPTIONS);
    return canonical ? { canonical, role: "server" } : undefined;
  }
  // In the server's groups mysqld itself would meet mysqld_safe's options and refuse to start.
  const plain = name.toLowerCase().replaceAll("_", "-");
  return MY_SAFE_GROUPS.has(group) && MY_SAFE_OPTIONS.has(plain)
    ? { canonical: plain, role: "safe" }
    : undefined;
}

/** The plugin libraries of a `plugin-load(-add)` value: `;`-separated `name=library` or `library` items. */
export function myPluginLibraries(value: string): string[] {
  return value.split(";").map((item) => {
    const eq = item.indexOf("=");
    return (eq < 0 ? item : item.slice(eq + 1)).trim();
  }).filter((lib) => lib !== "");
}

/** An SQL statement of an init_file (or an init_connect value) that runs commands, loads code or writes files. */
export interface SqlHit {
  line: number;
  what: "udf_create" | "plugin_install" | "file_write" | "exec_udf";
  statement: string;
}

/** The statements of a SQL script, `;`-separated outside quotes, with `--`, `#` and `/* … *\/` comments removed. */
function sqlStatements(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const cur = chars;
  cur.reset();
  let start = 0;
  let line = 1;
  let i = 0;
  const flush = () => {
    const t = cur.take().trim();
    if (t !== "") out.push({ line: start || line, text: t });
    start = 0;
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\n") line++;
    if (ch === "'" || ch === '"' || ch === "`") {
      if (start === 0) start = line;
      let j = i + 1;
      while (j < text.length && text[j] !== ch) {
        if (text[j] === "\\" && ch !== "`") j++;
        j++;
      }
      for (let k = i; k <= j && k < text.length; k++) {
        if (text[k] === "\n") line++;
        cur.code(text.charCodeAt(k));
      }
      i = j + 1;
    } else if (ch === "#" || (ch === "-" && text[i + 1] === "-" && /[\s]|^$/.test(text[i + 2] ?? ""))) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*" && text[i + 2] !== "!") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === "\n") line++;
      cur.code(32);
      i = stop;
    } else if (ch === ";") {
      flush();
      i++;
    } else {
      if (start === 0 && !/\s/.test(ch)) start = line;
      cur.code(text.charCodeAt(i++));
    }
  }
  flush();
  return out;
}

/**
 * The statements of SQL run by mysqld itself (an init_file at every start, init_connect at every connection) that
 * create a UDF or install a plugin from a shared object, call the classic command-running UDFs (lib_mysqludf_sys'
 * sys_exec, sys_eval…), or write a file (`INTO OUTFILE`/`DUMPFILE`).
 */
export function sqlExecHits(text: string): SqlHit[] {
  const hits: SqlHit[] = [];
  for (const s of sqlStatements(text)) {
    const u = s.text.toUpperCase();
    let what: SqlHit["what"] | undefined;
    if (/\bCREATE\b/.test(u) && /\bFUNCTION\b/.test(u) && /\bSONAME\b/.test(u)) what = "udf_create";
    else if (/\bINSTALL\s+(?:PLUGIN|SONAME)\b/.test(u)) what = "plugin_install";
    else if (/\b(?:SYS_EXEC|SYS_EVAL|SYS_BINEVAL|DO_SYSTEM)\s*\(/.test(u)) what = "exec_udf";
    else if (/\bINTO\s+(?:OUT|DUMP)FILE\b/.test(u)) what = "file_write";
    if (what) hits.push({ line: s.line, what, statement: s.text.slice(0, 300) });
  }
  return hits;
}
