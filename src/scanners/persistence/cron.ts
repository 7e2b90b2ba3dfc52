/** Parsers for crontab files (system format with a user field, user format without) and /etc/anacrontab. */

/** One scheduled command. */
export interface CronEntry {
  /** 1-based line number. */
  line: number;
  /** The five time fields joined by spaces, or the @keyword. */
  schedule: string;
  /** The account field (system crontabs only). */
  user?: string;
  /** The command with cron's `%` newlines applied (the text after the first `%` is its stdin). */
  command: string;
}

/** A parsed crontab. */
export interface CronTable {
  entries: CronEntry[];
  /** Variable assignments (SHELL, PATH, MAILTO…), last one wins. */
  env: Record<string, string>;
  /** The line of each variable's last assignment. */
  envLines: Record<string, number>;
  /** Lines that are neither comments, assignments nor valid entries. */
  bad: number;
}

const KEYWORDS = new Set([
  "@reboot",
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);
const FIELD = /^[0-9A-Za-z*,/\-~?#LW]+$/;
/** `NAME = value`: the value is the rest of the line (no `$` anchor, which a carriage return inside would fail). */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^\n]*)/;

/** Applies cron's `%` rule: an unescaped `%` becomes a newline, `\%` a literal percent sign. */
export function cronPercent(command: string): string {
  return command.replace(/\\%|%/g, (m) => m === "%" ? "\n" : "%");
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0])) return t.slice(1, -1);
  return t;
}

/**
 * Parses a crontab. `system` selects the /etc/crontab and /etc/cron.d format (a user field after the
 * schedule). Never throws: what it cannot read is counted in `bad`.
 */
export function parseCrontab(text: string, system: boolean): CronTable {
  const entries: CronEntry[] = [];
  const env: Record<string, string> = {};
  const pathVars = new Map<string, string>(); // crontab assignments of a path, written out in later jobs
  const envLines: Record<string, number> = {};
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const words = line.split(/[ \t]+/);
    let schedFields: number;
    if (words[0].startsWith("@")) {
      if (!KEYWORDS.has(words[0].toLowerCase())) {
        bad++;
        continue;
      }
      schedFields = 1;
    } else if (words.length >= 5 && words.slice(0, 5).every((w) => FIELD.test(w))) {
      schedFields = 5;
    } else {
      const m = line.match(ASSIGNMENT);
      if (m) {
        env[m[1]] = unquote(m[2]);
        envLines[m[1]] = i + 1;
        rememberPathVar(pathVars, m[1], env[m[1]]);
      } else bad++;
      continue;
    }
    const needed = schedFields + (system ? 2 : 1);
    if (words.length < needed) {
      bad++;
      continue;
    }
    const rest = line.split(/[ \t]+/, schedFields + (system ? 1 : 0));
    let offset = 0;
    for (const w of rest) offset = line.indexOf(w, offset) + w.length;
    const command = expandPathVars(cronPercent(line.slice(offset).trim()), new Map(pathVars));
    entries.push({
      line: i + 1,
      schedule: words.slice(0, schedFields).join(" "),
      ...(system ? { user: words[schedFields] } : {}),
      command,
    });
  }
  return { entries, env, envLines, bad };
}

/** Parses /etc/anacrontab (`period delay job-id command`); assignments and malformed lines as in crontabs. */
export function parseAnacrontab(text: string): CronTable {
  const entries: CronEntry[] = [];
  const env: Record<string, string> = {};
  const pathVars = new Map<string, string>();
  const envLines: Record<string, number> = {};
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = line.match(/^(\S+)\s+(\d+)\s+(\S+)\s+(.+)$/);
    if (m && (/^\d+$/.test(m[1]) || /^@(?:daily|weekly|monthly|yearly|annually)$/.test(m[1]))) {
      const command = expandPathVars(m[4].trim(), new Map(pathVars));
      entries.push({ line: i + 1, schedule: `${m[1]} ${m[2]}`, command });
      continue;
    }
    const a = line.match(ASSIGNMENT);
    if (a) {
      env[a[1]] = unquote(a[2]);
      envLines[a[1]] = i + 1;
      rememberPathVar(pathVars, a[1], env[a[1]]);
    } else bad++;
  }
  return { entries, env, envLines, bad };
}

/** At most this many path variables of one script are remembered (see `expandPathVars`). */
const MAX_PATH_VARS = 64;
/** Longest path remembered, and most characters one line may grow by when its variables are written out. */
const MAX_PATH_VALUE = 4096;
const MAX_LINE_GROWTH = 64 << 10;
/** `NAME=` (optionally exported, declared, local) where a command may start; the value follows. */
const ASSIGNED =
  /(?:^|[;&|(]\s*)(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w{0,63})=/g;
/** A plain absolute path as an assignment's whole value (optionally quoted), read where the value starts. */
const PATH_VALUE = /(["']?)(\/[\w.\/+@%-]*)\1(?=[\s;&|)]|$)/y;
/** `unset NAME…` where a command may start. */
const UNSET = /(?:^|[;&|(]\s*)unset\s+(?:-v\s+)?([A-Za-z_][\w\s]{0,400})/g;

/**
 * A logical line with the variables earlier assignments in the script set to an absolute path written out
 * (`F=/usr/share/doc/.x; [ -f "$F" ] && . "$F"` runs /usr/share/doc/.x, and is judged as doing so). `vars`
 * carries the assignments from line to line; only plain paths are remembered (no `$`, quotes, `:` lists), and
 * a variable given any other value or unset is forgotten (`H=/var/tmp/x; H="$(command -v x)"` runs no
 * /var/tmp/x). The line grows by at most MAX_LINE_GROWTH characters.
 */
export function expandPathVars(text: string, vars: Map<string, string>): string {
  let budget = MAX_LINE_GROWTH;
  const expand = (part: string) =>
    vars.size === 0 || !part.includes("$") ? part : part.replace(
      /\$(?:\{([A-Za-z_]\w{0,63})\}|([A-Za-z_]\w{0,63}))/g,
      (m, a?: string, b?: string) => {
        const v = vars.get(a ?? b ?? "");
        if (v === undefined || v.length - m.length > budget) return m;
        budget -= v.length - m.length;
        return v;
      },
    );
  const events: { end: number; apply: () => void }[] = [];
  for (const m of text.matchAll(ASSIGNED)) {
    const end = m.index + m[0].length;
    PATH_VALUE.lastIndex = end;
    const p = PATH_VALUE.exec(text);
    events.push({
      end: p ? end + p[0].length : end,
      apply: () => p ? rememberPathVar(vars, m[1], p[2]) : vars.delete(m[1]),
    });
  }
  for (const m of text.matchAll(UNSET)) {
    const names = m[1].split(/\s+/).filter((n) => /^[A-Za-z_]\w*$/.test(n));
    events.push({ end: m.index + m[0].length, apply: () => names.forEach((n) => vars.delete(n)) });
  }
  events.sort((a, b) => a.end - b.end);
  let out = "";
  let last = 0;
  for (const e of events) {
    if (e.end < last) continue;
    out += expand(text.slice(last, e.end));
    last = e.end;
    e.apply();
  }
  return out + expand(text.slice(last));
}

/** Remembers `name` as a path variable when `value` is a plain absolute path (within MAX_PATH_VARS). */
function rememberPathVar(vars: Map<string, string>, name: string, value: string): void {
  if (value.length > MAX_PATH_VALUE || !/^\/[\w.\/+@%-]*$/.test(value)) {
    vars.delete(name);
    return;
  }
  if (vars.size < MAX_PATH_VARS || vars.has(name)) vars.set(name, value);
}

/** How many backslashes end `line` (counted from the end: a `\\+$` regex retries the run from every position). */
function trailingBackslashes(line: string): number {
  let n = 0;
  while (n < line.length && line[line.length - 1 - n] === "\\") n++;
  return n;
}

/**
 * Splits a shell script into logical lines (backslash continuations joined), without blank lines and comments;
 * variables set to a path earlier in the script are written out (see `expandPathVars`).
 */
export function scriptLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const vars = new Map<string, string>();
  const lines = text.split("\n");
  let acc = "";
  let continued = false;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (!continued) start = i + 1;
    // An odd run of trailing backslashes continues the line; the shell removes the backslash and the newline
    // (nothing takes their place), so `/dev/tcp/h/\` + `4444` is `/dev/tcp/h/4444`.
    if (trailingBackslashes(raw) % 2 === 1) {
      acc += raw.slice(0, -1);
      continued = true;
      continue;
    }
    const full = (acc + raw).trim();
    acc = "";
    continued = false;
    if (full === "" || full.startsWith("#")) continue;
    out.push({ line: start, text: expandPathVars(full, vars) });
  }
  const rest = acc.trim();
  if (rest !== "" && !rest.startsWith("#")) out.push({ line: start, text: expandPathVars(rest, vars) });
  return out;
}

/** A pending at(1) job file: who it runs as (from atrun's header) and the commands the user gave. */
export interface AtJob {
  uid?: number;
  gid?: number;
  /** The commands after at's preamble (environment, umask, `cd … || { … }`, the shell here-document). */
  commands: { line: number; text: string }[];
}

/**
 * Parses an at job as at(1) writes it: `# atrun uid=N gid=N`, the saved environment, the `cd DIR || {…}`
 * block, then the user's commands — since at 3.1.14 inside `${SHELL:-/bin/sh} << 'marcinDELIMITER…'`. Without
 * the `cd` block (a hand-written file), every line is a command. Never throws.
 */
export function parseAtJob(text: string): AtJob {
  const header = /^#\s*atrun\s+uid=(\d+)\s+gid=(\d+)/m.exec(text);
  const lines = scriptLines(text);
  let start = 0;
  const cd = lines.findIndex((l) => /^cd\s.*\|\|\s*\{$/.test(l.text));
  if (cd >= 0) {
    const close = lines.findIndex((l, i) => i > cd && l.text === "}");
    start = close >= 0 ? close + 1 : cd + 1;
  }
  let commands = lines.slice(start);
  const wrap = commands[0] &&
    /^\$\{SHELL:-\/bin\/sh\}\s*<<\s*'?(marcinDELIMITER[0-9a-fA-F]+)'?$/.exec(commands[0].text);
  if (wrap) commands = commands.slice(1).filter((l) => l.text !== wrap[1]);
  return {
    ...(header ? { uid: Number(header[1]), gid: Number(header[2]) } : {}),
    commands,
  };
}

/** One incron table entry: a watched path, its event mask and the command `sh -c` runs on each event. */
export interface IncronEntry {
  /** 1-based line number. */
  line: number;
  /** The watched path, its backslash escapes undone. */
  path: string;
  /** The event mask as written (names joined by commas, or a number). */
  mask: string;
  /** The command, with incron's `$@ $# $% $&` left as written. */
  command: string;
}

/** incrond reads a table with `fgets` into a 1000-byte buffer: a longer line is read as several. */
const INCRON_LINE_BYTES = 999;

/**
 * Splits one incron table line into the pieces incrond's `fgets` reads: a line of more than 999 bytes is read as
 * 999-byte lines, each parsed as an entry of its own (a command can hide after padding).
 */
function incronPieces(line: string): string[] {
  if (line.length * 3 <= INCRON_LINE_BYTES) return [line];
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= INCRON_LINE_BYTES) return [line];
  const decoder = new TextDecoder();
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += INCRON_LINE_BYTES) {
    out.push(decoder.decode(bytes.subarray(i, i + INCRON_LINE_BYTES)));
  }
  return out;
}

/**
 * Parses an incron table (a system table in /etc/incron.d or a user's in /var/spool/incron) as incrond 0.5 does:
 * `<path> <mask> <command>`, fields split on spaces and tabs, a backslash escaping a separator or itself in the
 * path, the rest of the line the command. Lines starting with `#` are taken as comments (incrond itself would
 * watch a relative path `#…`, which does not exist). Never throws: a line with fewer than three fields is
 * counted in `bad`.
 */
export function parseIncrontab(text: string): { entries: IncronEntry[]; bad: number } {
  const entries: IncronEntry[] = [];
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    for (const piece of incronPieces(lines[i])) {
      const t = piece.replace(/\r$/, "");
      if (/^[ \t]*(?:#|$)/.test(t)) continue;
      const fields: string[] = [];
      let pos = 0;
      while (fields.length < 2) {
        while (pos < t.length && (t[pos] === " " || t[pos] === "\t")) pos++;
        let field = "";
        while (pos < t.length && t[pos] !== " " && t[pos] !== "\t") {
          if (t[pos] === "\\" && pos + 1 < t.length) pos++;
          field += t[pos++];
        }
        if (field === "") break;
        fields.push(field);
      }
      const command = t.slice(pos).trim();
      if (fields.length < 2 || command === "") {
        bad++;
        continue;
      }
      entries.push({ line: i + 1, path: fields[0], mask: fields[1], command });
    }
  }
  return { entries, bad };
}
