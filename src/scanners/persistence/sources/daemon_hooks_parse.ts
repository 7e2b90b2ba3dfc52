/**
 * Parsers of the configuration files through which daemons run programs as root: rsyslog's omprog actions (and
 * the legacy `^program` action), syslog-ng's `program()` destinations, auditd's plugin files and acpid's event
 * files. Each is a pure function of the text, linear in its length, that never throws on malformed input.
 */

import { lineIndex } from "../../../host/line_index.ts";

/** A program a configuration line makes its daemon run, with the line it is on (1-based). */
export interface ProgramLine {
  line: number;
  command: string;
}

/**
 * `text` with its comments blanked (same length, newlines kept, so offsets and lines stay): `#` to the end of
 * the line and, when `block`, `/* … *\/`, neither inside a quoted string. A `/*` opens a comment only where a
 * statement could start (at a line's start or after blanks, `;`, `)` or `}`) and not on a legacy `$` directive
 * line, so `$IncludeConfig /etc/rsyslog.d/*.conf` is not read as a comment hiding the rest of the file.
 */
function blankComments(text: string, block: boolean): string {
  const out = text.split("");
  let quote = "";
  let lineStart = 0;
  let directive: boolean | undefined; // whether the current line is a `$` directive, once asked
  const newLine = (at: number) => {
    lineStart = at + 1;
    directive = undefined;
  };
  const opensComment = (i: number): boolean => {
    if (i !== lineStart && !/[\s;)}]/.test(text[i - 1])) return false;
    if (directive === undefined) {
      let j = lineStart;
      while (j < i && (text[j] === " " || text[j] === "\t")) j++;
      directive = text[j] === "$";
    }
    return !directive;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") newLine(i);
    if (quote) {
      if (ch === "\\" && text[i + 1] !== "\n") i++;
      else if (ch === quote || ch === "\n") quote = "";
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#") {
      for (; i + 1 < text.length && text[i + 1] !== "\n"; i++) out[i] = " ";
      out[i] = " ";
    } else if (block && ch === "/" && text[i + 1] === "*" && opensComment(i)) {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) {
        if (text[i] === "\n") newLine(i);
        else out[i] = " ";
      }
      i--;
    }
  }
  return out.join("");
}

/** The end (exclusive) of a parenthesised list opened at `open`, quotes respected; the text's end if unclosed. */
function closingParen(text: string, open: number): number {
  let quote = "";
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ")") return i + 1;
  }
  return text.length;
}

/** The value of `name="…"` (or `'…'`) among RainerScript parameters, names compared without case. */
function param(params: string, name: string): { value: string; at: number } | undefined {
  const re = new RegExp(`(?:^|[\\s(,])${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i");
  const m = re.exec(params);
  return m ? { value: m[1] ?? m[2], at: m.index } : undefined;
}

/** What an rsyslog configuration file runs and includes. */
export interface RsyslogConf {
  programs: ProgramLine[];
  /** Paths or globs of `$IncludeConfig` and `include(file=…)`. */
  includes: string[];
}

/**
 * Parses an rsyslog configuration file: `action(type="omprog" binary="…")` (RainerScript, across lines),
 * `$ActionOMProgBinary` (legacy omprog) and the legacy `selector ^program;template` action, and the files it
 * includes.
 */
export function parseRsyslogConf(text: string): RsyslogConf {
  const clean = blankComments(text, true);
  const line = lineIndex(clean);
  const programs: ProgramLine[] = [];
  const includes: string[] = [];
  const callRe = /\b(action|include)\s*\(/gi;
  for (let m = callRe.exec(clean); m; m = callRe.exec(clean)) {
    const open = m.index + m[0].length - 1;
    const end = closingParen(clean, open);
    const params = clean.slice(open, end);
    callRe.lastIndex = end;
    if (m[1].toLowerCase() === "include") {
      const file = param(params, "file");
      if (file) includes.push(file.value);
      continue;
    }
    const type = param(params, "type");
    const binary = param(params, "binary");
    if (type?.value.trim().toLowerCase() === "omprog" && binary && binary.value.trim() !== "") {
      programs.push({ line: line(open + binary.at + 1), command: binary.value.trim() });
    }
  }
  clean.split("\n").forEach((raw, i) => {
    const l = raw.trim();
    // The binary is the first word (rsyslog ignores what follows a carriage return or other blank, with a
    // warning): `(\S.*)$` missed a line with a `\r` inside.
    const legacy = /^\$ActionOMProgBinary\s+(\S+)/i.exec(l);
    if (legacy) programs.push({ line: i + 1, command: legacy[1] });
    const inc = /^\$IncludeConfig\s+(\S+)/i.exec(l);
    if (inc) includes.push(inc[1]);
    const caret = /^[^\s$][^\s]*\s+\^([^;\s]+)/.exec(l);
    if (caret) programs.push({ line: i + 1, command: caret[1] });
  });
  programs.sort((a, b) => a.line - b.line);
  return { programs, includes };
}

/** What a syslog-ng configuration file runs (`program("…")` destinations) and includes (`@include "…"`). */
export function parseSyslogNgConf(text: string): RsyslogConf {
  const clean = blankComments(text, false);
  const line = lineIndex(clean);
  const programs: ProgramLine[] = [];
  for (const m of clean.matchAll(/\bprogram\s*\(\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')/g)) {
    const command = (m[1] ?? m[2]).replace(/\\(.)/g, "$1").trim();
    if (command !== "") programs.push({ line: line(m.index), command });
  }
  const includes = [...clean.matchAll(/^[ \t]*@include[ \t]+"([^"\n]+)"/gm)].map((m) => m[1]);
  return { programs, includes };
}

/** An auditd plugin file: whether auditd starts it, and the program with its arguments. */
export interface AuditPlugin {
  active: boolean;
  /** `path` and `args` joined; undefined for a built-in plugin or a file without `path`. */
  command?: string;
  line: number;
}

/**
 * Parses an auditd (or audispd) plugin file of `key = value` lines: `active = yes` starts the program `path`
 * with `args`; `builtin_*` paths are auditd's own code.
 */
export function parseAuditPlugin(text: string): AuditPlugin {
  const keys = new Map<string, { value: string; line: number }>();
  text.split("\n").forEach((raw, i) => {
    const l = raw.replace(/\r$/, "").trim();
    if (l === "" || l.startsWith("#")) return;
    const eq = l.indexOf("=");
    if (eq < 0) return;
    const key = l.slice(0, eq).trim().toLowerCase();
    if (!keys.has(key)) keys.set(key, { value: l.slice(eq + 1).trim(), line: i + 1 });
  });
  const active = keys.get("active")?.value.toLowerCase() === "yes";
  const path = keys.get("path");
  if (!path || path.value === "" || path.value.startsWith("builtin_")) {
    return { active, line: path?.line ?? 0 };
  }
  const args = keys.get("args")?.value ?? "";
  return { active, command: args === "" ? path.value : `${path.value} ${args}`, line: path.line };
}

/** The `action=` commands of an acpid event file (acpid runs each through `sh -c` as root). */
export function parseAcpiEvent(text: string): ProgramLine[] {
  const out: ProgramLine[] = [];
  text.split("\n").forEach((raw, i) => {
    const m = /^\s*action\s*=(.*)/i.exec(raw);
    const command = m?.[1].trim();
    if (command) out.push({ line: i + 1, command });
  });
  return out;
}
