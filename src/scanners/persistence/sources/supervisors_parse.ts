/**
 * Parsers for the process supervisors' configuration, as far as persistence needs it: supervisord's INI files
 * (Python's configparser as supervisor sets it up: `;` and `#` inline comments after a blank, keys lower-cased,
 * values continued on deeper-indented lines; read here with fail2ban's configparser reader), its `%(here)s`
 * expansion and `environment=` lists; and monit's control file (free-format tokens, `#` comments, the commands of
 * `start`/`stop`/`restart program = "…"`, `exec "…"` and `check program … path "…"`, their `as uid`, and
 * `include` globs). Each function is pure, linear in its input, and never throws: what the daemon would reject is
 * read leniently (a scanner judges what could run).
 */
import { parseIni, pyStrip } from "./fail2ban_parse.ts";

/** A value of a supervisord file and the line (1-based) of its key. */
export interface SupervisordValue {
  value: string;
  line: number;
}

/** One supervisord file: its sections (keys lower-cased) and `[DEFAULT]`, with the count of rejected lines. */
export interface SupervisordFile {
  sections: Map<string, Map<string, SupervisordValue>>;
  defaults: Map<string, SupervisordValue>;
  bad: number;
}

/** True for a character Python's str.isspace() accepts. */
const isPySpace = (ch: string) => pyStrip(ch) === "";

/**
 * Cuts each line at its first `#` that follows a blank (supervisor adds `#` to configparser's inline comment
 * prefixes; fail2ban's reader knows only `;`). Full-line comments are left for the reader.
 */
function cutHashComments(text: string): string {
  const t = text.replace(/\r\n?/g, "\n");
  const kept: string[] = [];
  let copied = 0;
  let hash = -2; // the next `#` at or after the line's start, searched again once passed (-1: none left)
  for (let start = 0, end = 0; start <= t.length; start = end + 1) {
    end = t.indexOf("\n", start);
    if (end < 0) end = t.length;
    if (hash !== -1 && hash < start) hash = t.indexOf("#", start);
    for (; hash > start && hash < end; hash = t.indexOf("#", hash + 1)) {
      if (!isPySpace(t[hash - 1])) continue;
      if (pyStrip(t.slice(start, hash)) !== "") {
        kept.push(t.slice(copied, hash));
        copied = end;
      }
      break;
    }
  }
  return copied === 0 ? t : kept.join("") + t.slice(copied);
}

/**
 * supervisor's `%` expansion as far as it is known without the running daemon: `%(here)s` is the directory of the
 * file the value was read from and `%%` is `%`; other names (`%(ENV_X)s`, `%(program_name)s`…) are kept as written.
 */
export function expandHere(value: string, here: string): string {
  return value.replace(/%%|%\(here\)s/g, (m) => m === "%%" ? "%" : here);
}

/** Parses one supervisord file, `%(here)s` expanded to `here` (the file's directory). */
export function parseSupervisordConf(text: string, here: string): SupervisordFile {
  const ini = parseIni(cutHashComments(text), "", 0);
  const convert = (s: Map<string, { value: string; from: { line: number }[] }>) =>
    new Map([...s].map(([k, v]) => [k, { value: expandHere(v.value, here), line: v.from[0]?.line ?? 0 }]));
  return {
    sections: new Map([...ini.sections].map(([name, s]) => [name, convert(s)])),
    defaults: convert(ini.defaults),
    bad: ini.bad,
  };
}

/** A merged value: where it was read. */
export interface SupervisordSetting extends SupervisordValue {
  file: string;
}

/** The files of one supervisord configuration merged as its parser reads them (a later key replaces an earlier). */
export interface SupervisordConfig {
  sections: Map<string, Map<string, SupervisordSetting>>;
  defaults: Map<string, SupervisordSetting>;
}

/** Merges files in reading order (the main file, then each included one), as supervisor's single parser does. */
export function mergeSupervisord(
  files: readonly { path: string; conf: SupervisordFile }[],
): SupervisordConfig {
  const out: SupervisordConfig = { sections: new Map(), defaults: new Map() };
  for (const { path, conf } of files) {
    for (const [k, v] of conf.defaults) out.defaults.set(k, { ...v, file: path });
    for (const [name, s] of conf.sections) {
      let into = out.sections.get(name);
      if (!into) out.sections.set(name, into = new Map());
      for (const [k, v] of s) into.set(k, { ...v, file: path });
    }
  }
  return out;
}

/** A key of a section, or of `[DEFAULT]` (configparser's fallback for every section). */
export function setting(
  conf: SupervisordConfig,
  section: string,
  key: string,
): SupervisordSetting | undefined {
  return conf.sections.get(section)?.get(key) ?? conf.defaults.get(key);
}

/** The section prefixes whose `command` supervisord runs. */
export const PROGRAM_SECTIONS = ["program:", "eventlistener:", "fcgi-program:"] as const;

/** What supervisord's boolean() calls false; anything else starts (an invalid value stops the daemon instead). */
const FALSY = new Set(["no", "false", "off", "0"]);

/** A program supervisord runs. */
export interface SupervisedProgram {
  /** The section name (`program:web`). */
  section: string;
  command?: SupervisordSetting;
  /** `user=` (or `[DEFAULT]`'s). */
  user?: string;
  /** False when `autostart` is false: started only by hand (`supervisorctl start`). */
  autostart: boolean;
  environment?: SupervisordSetting;
}

/** The programs, event listeners and FastCGI programs of a merged configuration, in section order. */
export function supervisedPrograms(conf: SupervisordConfig): SupervisedProgram[] {
  const out: SupervisedProgram[] = [];
  for (const section of conf.sections.keys()) {
    if (!PROGRAM_SECTIONS.some((p) => section.startsWith(p))) continue;
    const autostart = setting(conf, section, "autostart")?.value.toLowerCase();
    const user = setting(conf, section, "user")?.value;
    const environment = setting(conf, section, "environment");
    const command = setting(conf, section, "command");
    out.push({
      section,
      ...(command ? { command } : {}),
      ...(user ? { user } : {}),
      autostart: autostart === undefined || !FALSY.has(autostart),
      ...(environment ? { environment } : {}),
    });
  }
  return out;
}

/**
 * The `KEY=value` pairs of an `environment=` value (supervisor's dict_of_key_value_pairs: shlex words, pairs
 * separated by commas, quotes allowing commas and blanks in a value, adjacent quoted and plain parts joined).
 */
export function environmentPairs(value: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  const n = value.length;
  let i = 0;
  const blank = (ch: string) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r";
  while (i < n) {
    while (i < n && (blank(value[i]) || value[i] === ",")) i++;
    const start = i;
    while (i < n && value[i] !== "=" && value[i] !== "," && !blank(value[i])) i++;
    const name = value.slice(start, i);
    while (i < n && blank(value[i])) i++;
    if (value[i] !== "=" || name === "") {
      if (i === start) i++; // a stray `=`
      continue;
    }
    i++;
    while (i < n && blank(value[i])) i++;
    let v = "";
    let run = i; // the start of the unquoted run being read
    while (i < n && value[i] !== "," && !blank(value[i])) {
      const q = value[i];
      if (q !== '"' && q !== "'") {
        i++;
        continue;
      }
      let close = value.indexOf(q, i + 1);
      if (close < 0) close = n;
      v += value.slice(run, i) + value.slice(i + 1, close);
      i = run = close + 1;
    }
    out.push({ name, value: v + value.slice(run, Math.max(run, Math.min(i, n))) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// monit

/** A program monit runs, with the account `as uid` names. */
export interface MonitCommand {
  line: number;
  /** `start`, `stop`, `restart` (a service's methods), `exec` (an action) or `program` (`check program`'s path). */
  action: "start" | "stop" | "restart" | "exec" | "program";
  command: string;
  /** The `uid` given after the command (a name or a number). */
  uid?: string;
  /** The service entry it belongs to (`check process NAME`). */
  service?: string;
}

/** What one monit control file runs and includes. */
export interface MonitConf {
  commands: MonitCommand[];
  includes: { line: number; pattern: string }[];
  /** Quotes left open (monit rejects the file). */
  bad: number;
}

/** monit's service types (`check TYPE NAME`). */
const CHECK_TYPES = new Set([
  "process",
  "program",
  "file",
  "fifo",
  "filesystem",
  "device",
  "directory",
  "host",
  "network",
  "system",
]);

/** Words that end an unquoted command's arguments (monit's grammar keywords and noise words). */
const STOP_WORDS = new Set([
  "as",
  "uid",
  "gid",
  "with",
  "timeout",
  "if",
  "and",
  "then",
  "else",
  "every",
  "depends",
  "depend",
  "group",
  "mode",
  "check",
  "include",
  "set",
  "start",
  "stop",
  "restart",
  "exec",
  "execute",
  "alert",
  "noalert",
  "not",
  "repeat",
  "for",
  "onreboot",
]);

/** Whitespace of monit's lexer outside strings (it also skips `;`, `,`, `(` and `)` between tokens). */
const MONIT_BLANK = new Set([" ", "\t", "\r", "\n", ";", ",", "(", ")"]);
/** monit's limit on a command's words (ARGMAX: the program and its arguments; it rejects more). */
const MONIT_ARGMAX = 64;
/** Characters that end a bare word (character codes below 128): monit's blanks, quotes and `=`. */
const WORD_END = new Uint8Array(128);
for (const ch of [...MONIT_BLANK, '"', "'", "="]) WORD_END[ch.charCodeAt(0)] = 1;

interface MonitToken {
  kind: "word" | "string" | "eq";
  text: string;
  line: number;
}

/**
 * Parses a monit control file. Keywords are case-insensitive; `#` starts a comment outside quotes; a command is
 * the quoted string after `start`/`stop`/`restart` [`program`] [`=`], `exec`/`execute`, or `path` inside a
 * `check program` entry (in double quotes monit reads it as arguments, and a single-quoted argument may hold a
 * `"`), or a bare absolute path there with the words that follow it on its line; `as uid X` after it names the
 * account.
 */
export function parseMonitrc(text: string): MonitConf {
  const out: MonitConf = { commands: [], includes: [], bad: 0 };
  const n = text.length;
  let i = 0;
  let line = 1;
  let checkType: string | undefined;
  let service: string | undefined;
  /** After `check`: the type, then the name, are the next words. */
  let checkStage = 0;
  /** A command keyword seen: the next quoted string (or bare path) is its command. */
  let pending: { action: MonitCommand["action"]; line: number } | undefined;
  /** The last command, while `as uid X and gid Y` may follow it. */
  let owner: MonitCommand | undefined;
  let ownerSteps = 0;
  let expectUid = false;
  let skipNext = false;
  /** The last command was a bare path: the words after it on its line are its arguments (the text up to `end`). */
  let bare: { cmd: MonitCommand; start: number; end: number; words: number } | undefined;
  const endBare = () => {
    if (bare) bare.cmd.command = text.slice(bare.start, bare.end).replace(/\s+/g, " ").trim();
    bare = undefined;
  };

  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  /** A quoted string from `i` (at the quote): in argument mode a `'…'` part may hold the closing `"`. */
  const quoted = (args: boolean): MonitToken => {
    const q = text[i];
    const startLine = line;
    let j = i + 1;
    let value = "";
    // The next `"` and `'` at or after j, searched again only once j has passed them (-1: there is none).
    let dq = -2;
    let sq = -2;
    for (;;) {
      if (args && q === '"') {
        if (dq !== -1 && dq < j) dq = text.indexOf('"', j);
        if (sq !== -1 && sq < j) sq = text.indexOf("'", j);
        if (sq >= 0 && (dq < 0 || sq < dq)) {
          const close = text.indexOf("'", sq + 1);
          if (close >= 0) {
            value += text.slice(j, close + 1);
            j = close + 1;
            continue;
          }
          sq = -1; // an unbalanced `'`: an ordinary character from here on
        }
        if (dq < 0) break;
        value += text.slice(j, dq);
        advance(dq + 1);
        return { kind: "string", text: value, line: startLine };
      }
      const close = text.indexOf(q, j);
      if (close < 0) break;
      value += text.slice(j, close);
      advance(close + 1);
      return { kind: "string", text: value, line: startLine };
    }
    out.bad++;
    value += text.slice(j);
    advance(n);
    return { kind: "string", text: value, line: startLine };
  };
  const include = () => {
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    const q = text[i];
    let end: number;
    let pattern: string;
    if (q === '"' || q === "'") {
      const close = text.indexOf(q, i + 1);
      const eol = text.indexOf("\n", i + 1);
      end = close < 0 || (eol >= 0 && eol < close) ? -1 : close;
      pattern = end < 0 ? "" : text.slice(i + 1, end);
      if (end < 0) out.bad++;
      else end++;
    } else {
      end = i;
      while (end < n && text[end] !== " " && text[end] !== "\t" && text[end] !== "\r" && text[end] !== "\n") {
        end++;
      }
      pattern = text.slice(i, end);
    }
    if (pattern !== "") out.includes.push({ line, pattern });
    if (end > i) advance(end);
  };
  const record = (action: MonitCommand["action"], command: string, at: number, bareAt?: number) => {
    const c: MonitCommand = {
      line: at,
      action,
      command: command.replace(/\s+/g, " ").trim(),
      ...(service !== undefined ? { service } : {}),
    };
    if (c.command === "") return;
    out.commands.push(c);
    owner = c;
    ownerSteps = 0;
    endBare();
    if (bareAt !== undefined) bare = { cmd: c, start: bareAt, end: i, words: 1 };
  };

  while (i < n) {
    const ch = text[i];
    if (MONIT_BLANK.has(ch)) {
      if (ch === "\n") {
        line++;
        endBare();
      }
      i++;
      continue;
    }
    if (ch === "#") {
      const eol = text.indexOf("\n", i);
      i = eol < 0 ? n : eol;
      continue;
    }
    let tok: MonitToken;
    if (ch === '"' || ch === "'") tok = quoted(pending !== undefined);
    else if (ch === "=") {
      tok = { kind: "eq", text: "=", line };
      i++;
    } else {
      let j = i + 1;
      for (; j < n; j++) {
        const code = text.charCodeAt(j);
        if (code < 128 && WORD_END[code]) break;
      }
      tok = { kind: "word", text: text.slice(i, j), line };
      i = j;
    }
    const word = tok.kind === "word" ? tok.text.toLowerCase() : undefined;

    if (bare && tok.line === bare.cmd.line && (tok.kind !== "word" || !STOP_WORDS.has(word!))) {
      bare.end = i;
      if (++bare.words >= MONIT_ARGMAX) endBare();
      continue;
    }
    endBare();
    if (pending) {
      const p = pending;
      if (tok.kind === "eq" || word === "program") continue;
      pending = undefined;
      if (tok.kind === "string") {
        record(p.action, tok.text, tok.line);
        continue;
      }
      if (tok.kind === "word" && tok.text.startsWith("/")) {
        record(p.action, tok.text, tok.line, i - tok.text.length);
        continue;
      }
    }
    if (owner) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      if (expectUid) {
        expectUid = false;
        owner.uid = tok.text;
        continue;
      }
      if (ownerSteps++ < 12) {
        if (word === "uid") {
          expectUid = true;
          continue;
        }
        if (word === "gid") {
          skipNext = true;
          continue;
        }
        if (word === "as" || word === "and" || word === "with") continue;
      }
      owner = undefined;
    }
    if (checkStage === 1) {
      checkStage = word !== undefined && CHECK_TYPES.has(word) ? 2 : 0;
      if (checkStage === 2) checkType = word;
      if (checkStage === 2) continue;
    } else if (checkStage === 2) {
      checkStage = 0;
      service = tok.text;
      continue;
    }
    if (word === undefined) continue;
    if (word === "include") include();
    else if (word === "check") {
      checkStage = 1;
      checkType = undefined;
      service = undefined;
    } else if (/^(?:start|stop|restart)(?:program)?$/.test(word)) {
      // monit's lexer takes `start{ws}?(program)?…"`: `startprogram "/x"` is a start method too.
      pending = { action: word.replace("program", "") as MonitCommand["action"], line: tok.line };
    } else if (word === "exec" || word === "execute") pending = { action: "exec", line: tok.line };
    else if (word === "path" && checkType === "program") pending = { action: "program", line: tok.line };
  }
  endBare();
  return out;
}
