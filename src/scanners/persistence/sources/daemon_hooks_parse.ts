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
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
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

/**
 * The end (exclusive) of a parenthesised list opened at `open`, quotes respected; the text's end if unclosed.
 * With `nested`, inner parentheses are counted (syslog-ng's `hook-commands(startup("…"))`); RainerScript's
 * parameter lists have none.
 */
function closingParen(text: string, open: number, nested = false): number {
  let quote = "";
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" && nested) depth++;
    else if (ch === ")" && depth-- === 0) return i + 1;
  }
  return text.length;
}

/**
 * The string starting with the quote at `at` (`"`, `'` or a backtick), its backslash escapes undone, and the
 * index after its closing quote; undefined when `at` is not a quote. An unclosed string runs to the line's end.
 */
function quotedAt(text: string, at: number): { value: string; end: number } | undefined {
  const q = text[at];
  if (q !== '"' && q !== "'" && q !== "`") return undefined;
  let value = "";
  let i = at + 1;
  for (; i < text.length && text[i] !== q && text[i] !== "\n"; i++) {
    if (text[i] === "\\" && q !== "'" && i + 1 < text.length && text[i + 1] !== "\n") i++;
    value += text[i];
  }
  return { value, end: i + 1 };
}

/**
 * The value of `name="…"` (or `'…'`, or a backtick string, which rsyslog evaluates) among RainerScript
 * parameters, names compared without case; `backtick` tells a backtick string from a constant.
 */
function param(params: string, name: string): { value: string; at: number; backtick: boolean } | undefined {
  const re = new RegExp(`(?:^|[\\s(,])${name}\\s*=\\s*(?=["'\`])`, "i");
  const m = re.exec(params);
  const q = m ? quotedAt(params, m.index + m[0].length) : undefined;
  return m && q
    ? { value: q.value, at: m.index, backtick: params[m.index + m[0].length] === "`" }
    : undefined;
}

/**
 * What rsyslog makes of a backtick string (it runs nothing else): `echo …` is its words, `cat FILE` is FILE's
 * text, here named by `file`.
 */
function backtick(value: string): { echo?: string; file?: string } {
  const m = /^\s*(echo|cat)\s/.exec(value);
  if (!m) return {};
  const rest = value.slice(m[0].length).trim();
  return m[1] === "echo" ? { echo: rest } : { file: rest };
}

/** `text` with the contents of its quoted strings blanked (same length, quotes and newlines kept). */
function blankStrings(text: string): string {
  const out = text.split("");
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\n" || ch === quote) quote = "";
      else {
        out[i] = " ";
        if (ch === "\\" && text[i + 1] !== "\n" && i + 1 < text.length) out[++i] = " ";
      }
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
  }
  return out.join("");
}

/** rsyslog action types that run a program: omprog, and mmexternal (a message modification program). */
const RSYSLOG_RUNNERS = new Set(["omprog", "mmexternal"]);
/** How deep `include(text="…")` configuration text is itself parsed. */
const MAX_TEXT_DEPTH = 2;

/** What an rsyslog configuration file runs and includes. */
export interface RsyslogConf {
  /** Programs it runs, and modules it loads by path (`module(load="/x.so")`), which run inside rsyslogd. */
  programs: ProgramLine[];
  /** Paths or globs of `$IncludeConfig` and `include(file=…)`, and files a backtick `cat` reads. */
  includes: string[];
}

/**
 * Parses an rsyslog configuration file: `action(type="omprog" binary="…")` and `mmexternal` (RainerScript,
 * across lines), `$ActionOMProgBinary` (legacy omprog), the legacy `^program;template` action wherever an
 * action can stand (after a selector, a property filter, `if … then`, `&`, in a block), modules loaded by path,
 * and the files it includes, `include(text="…")` parsed as configuration and backtick strings evaluated as
 * rsyslog does (`echo`, `cat FILE`).
 */
export function parseRsyslogConf(text: string, depth = 0): RsyslogConf {
  const clean = blankComments(text, true);
  const line = lineIndex(clean);
  const programs: ProgramLine[] = [];
  const includes: string[] = [];
  const callRe = /\b(action|include|module)\s*\(/gi;
  for (let m = callRe.exec(clean); m; m = callRe.exec(clean)) {
    const open = m.index + m[0].length - 1;
    const end = closingParen(clean, open);
    const params = clean.slice(open, end);
    callRe.lastIndex = end;
    const call = m[1].toLowerCase();
    if (call === "include") {
      for (const name of ["file", "text"]) {
        const p = param(params, name);
        if (!p) continue;
        const evaluated = p.backtick ? backtick(p.value) : {};
        if (evaluated.file) includes.push(evaluated.file);
        const value = p.backtick ? evaluated.echo : p.value;
        if (value === undefined || value.trim() === "") continue;
        if (name === "file") includes.push(value.trim());
        else if (depth < MAX_TEXT_DEPTH) {
          const inner = parseRsyslogConf(value, depth + 1);
          const at = line(open + p.at + 1);
          programs.push(...inner.programs.map((q) => ({ line: at, command: q.command })));
          includes.push(...inner.includes);
        }
      }
      continue;
    }
    if (call === "module") {
      const load = param(params, "load");
      const path = load?.backtick ? backtick(load.value).echo : load?.value.trim();
      if (load && path?.includes("/")) programs.push({ line: line(open + load.at + 1), command: path });
      continue;
    }
    const type = param(params, "type");
    const binary = param(params, "binary");
    const command = binary?.backtick ? backtick(binary.value).echo : binary?.value.trim();
    if (type && RSYSLOG_RUNNERS.has(type.value.trim().toLowerCase()) && binary && command) {
      programs.push({ line: line(open + binary.at + 1), command });
    }
  }
  const lines = clean.split("\n");
  lines.forEach((raw, i) => {
    const l = raw.trim();
    // The binary is the first word (rsyslog ignores what follows a carriage return or other blank, with a
    // warning): `(\S.*)$` missed a line with a `\r` inside.
    const legacy = /^\$ActionOMProgBinary\s+(\S+)/i.exec(l);
    if (legacy) programs.push({ line: i + 1, command: legacy[1] });
    const mod = /^\$ModLoad\s+(\S*\/\S*)/i.exec(l);
    if (mod) programs.push({ line: i + 1, command: mod[1] });
    const inc = /^\$IncludeConfig\s+(\S+)/i.exec(l);
    if (inc) includes.push(inc[1]);
  });
  // The legacy program action: `^` where an action starts, outside strings (a selector, a property filter's
  // quoted value, `then`, `&`, `{` or `;` before it); `$` directive lines take other arguments.
  blankStrings(clean).split("\n").forEach((raw, i) => {
    if (/^\s*\$/.test(raw)) return;
    for (const m of raw.matchAll(/(?:^|[\s{&;])\^([^;\s]+)/g)) {
      programs.push({
        line: i + 1,
        command: lines[i].slice(m.index + m[0].length - m[1].length, m.index + m[0].length),
      });
    }
  });
  programs.sort((a, b) => a.line - b.line);
  return { programs, includes };
}

/** A syslog-ng value at `at`: a quoted string (escapes undone), or an unquoted word as the lexer reads one. */
function ngValue(text: string, at: number): string | undefined {
  const q = quotedAt(text, at);
  if (q) return q.value.trim();
  const m = /^[^\s()"';]+/.exec(text.slice(at, at + 4096));
  return m?.[0];
}

/**
 * What a syslog-ng configuration file runs and includes: `program(…)` destinations (quoted or not), the
 * `hook-commands(startup(…) shutdown(…) setup(…) teardown(…))` of any source or destination, the programs
 * `@module confgen … exec(…)` runs to generate configuration when syslog-ng starts, and `@include` files (in
 * double or single quotes: Debian's scl.conf has `@include 'scl/*\/*.conf'`).
 */
export function parseSyslogNgConf(text: string): RsyslogConf {
  const clean = blankComments(text, false);
  const line = lineIndex(clean);
  const programs: ProgramLine[] = [];
  const add = (at: number, command: string | undefined) => {
    if (command) programs.push({ line: line(at), command });
  };
  for (const m of clean.matchAll(/\bprogram\s*\(\s*/g)) add(m.index, ngValue(clean, m.index + m[0].length));
  const hookRe = /\bhook[-_]commands\s*\(/g;
  for (let m = hookRe.exec(clean); m; m = hookRe.exec(clean)) {
    const open = m.index + m[0].length - 1;
    const end = closingParen(clean, open, true);
    const body = clean.slice(open + 1, end - 1);
    for (const h of body.matchAll(/\b(?:startup|shutdown|setup|teardown)\s*\(\s*/g)) {
      add(open + 1 + h.index, ngValue(body, h.index + h[0].length));
    }
    hookRe.lastIndex = end;
  }
  for (const m of clean.matchAll(/^[ \t]*@module[ \t]+confgen\b[^\n]*?\bexec\s*\(\s*/gm)) {
    add(m.index, ngValue(clean, m.index + m[0].length));
  }
  const includes = [...clean.matchAll(/^[ \t]*@include[ \t]+(?:"([^"\n]+)"|'([^'\n]+)')/gm)].map((m) =>
    m[1] ?? m[2]
  );
  programs.sort((a, b) => a.line - b.line);
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

/** What auditd.conf makes auditd run: the `exec` of its `*_action` keys, and where it reads plugins from. */
export interface AuditdConf {
  /** `plugin_dir`, when set (auditd's default is /etc/audit/plugins.d). */
  pluginDir?: string;
  /** `space_left_action = exec /p`, `disk_full_action = exec /p` …: run as root when the event comes. */
  actions: ProgramLine[];
}

/** Parses auditd.conf (`key = value` lines; auditd takes a key's last value). */
export function parseAuditdConf(text: string): AuditdConf {
  const actions = new Map<string, ProgramLine>();
  let pluginDir: string | undefined;
  text.split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (l === "" || l.startsWith("#")) return;
    const eq = l.indexOf("=");
    if (eq < 0) return;
    const key = l.slice(0, eq).trim().toLowerCase();
    const value = l.slice(eq + 1).trim();
    if (key === "plugin_dir") pluginDir = value.replace(/\/+$/, "") || undefined;
    else if (key.endsWith("_action")) {
      const exec = /^exec\s+(\S.*)$/i.exec(value);
      if (exec) actions.set(key, { line: i + 1, command: exec[1].trim() });
      else actions.delete(key);
    }
  });
  return { pluginDir, actions: [...actions.values()].sort((a, b) => a.line - b.line) };
}

/** The longest `qx` command looked for (an unclosed one is cut here, so many cost linear time). */
const MAX_PERL_COMMAND = 4096;

/** Perl's quote-like delimiters and the characters that close them. */
const PERL_CLOSE: Record<string, string> = { "(": ")", "{": "}", "[": "]", "<": ">" };

/**
 * The commands a line of Perl runs through a shell or a program (needrestart's configuration is Perl it
 * evaluates as root): `system(…)`/`exec(…)` with a string first argument, backticks, `qx…`, and the command of
 * a piped `open` (`"| cmd"`, `"cmd |"`, `"-|", "cmd"`). A command built at run time is not resolved.
 */
export function perlCommands(line: string): string[] {
  const out: string[] = [];
  const str = (at: number): string | undefined => {
    const q = quotedAt(line, at);
    return q?.value.trim() || undefined;
  };
  for (const m of line.matchAll(/\b(?:system|exec)\b\s*(?:\(\s*)?(?=["'])/g)) {
    const c = str(m.index + m[0].length);
    if (c) out.push(c);
  }
  for (const m of line.matchAll(/(?:^|[^\\$@%\w])`([^`]*)`/g)) if (m[1].trim()) out.push(m[1].trim());
  for (const m of line.matchAll(/\bqx\s*([^\w\s])/g)) {
    const close = PERL_CLOSE[m[1]] ?? m[1];
    const start = m.index + m[0].length;
    const window = line.slice(start, start + MAX_PERL_COMMAND);
    const end = window.indexOf(close);
    const c = window.slice(0, end < 0 ? window.length : end).trim();
    if (c) out.push(c);
  }
  for (const m of line.matchAll(/\bopen\b[^,;]{0,256},\s*(?=["'])/g)) {
    let at = m.index + m[0].length;
    let mode = quotedAt(line, at);
    if (!mode) continue;
    const bare = mode.value.trim();
    if (bare === "-|" || bare === "|-") {
      at = mode.end + (/^\s*,\s*/.exec(line.slice(mode.end, mode.end + 256))?.[0].length ?? 0);
      mode = quotedAt(line, at);
      if (mode?.value.trim()) out.push(mode.value.trim());
    } else if (bare.startsWith("|")) out.push(bare.slice(1).trim());
    else if (bare.endsWith("|")) out.push(bare.slice(0, -1).trim());
  }
  return out.filter((c) => c !== "");
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
