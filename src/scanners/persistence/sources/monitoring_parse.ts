/**
 * Parsers of the monitoring agents' configuration, as the agents read it: Net-SNMP's snmpd.conf and
 * snmptrapd.conf (read_config.c: one directive a line, tokens matched without regard to case, `[type]` context
 * switches, quoted words with `\` escapes, includeFile/includeDir/includeSearch), Zabbix agent and agent 2
 * (`Key=value` lines, case-sensitive keys, `Include=`), the Zabbix AllowKey/DenyKey rules as the agent
 * evaluates them for `system.run`, and NRPE's nrpe.cfg (nrpe.c's read_config_file: `name=value` split at the
 * first `=`, `command[NAME]=…`, `$ARGn$` macros). Each is a pure function of the text, linear in its length,
 * that never throws on malformed input.
 */

/** C's isspace: blank, tab, newline, vertical tab, form feed, carriage return. */
function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/** Calls `each` with every line of `text` (without its newline) and its 1-based number, without splitting the text. */
function eachLine(text: string, each: (line: string, n: number) => boolean | void): void {
  let n = 0;
  for (let from = 0; from <= text.length;) {
    const nl = text.indexOf("\n", from);
    const end = nl < 0 ? text.length : nl;
    if (each(text.slice(from, end), ++n) === false || nl < 0) return;
    from = nl + 1;
  }
}

/** Index of the first non-blank character at or after `i`, or -1 at the end or at a `#` (skip_white_const). */
function skipWhite(s: string, i: number): number {
  while (i < s.length && isSpace(s[i])) i++;
  return i >= s.length || s[i] === "#" ? -1 : i;
}

/**
 * Net-SNMP's copy_nword: the word at `i` (quoted with `"` or `'`, or up to a blank; `\` makes the next
 * character literal) and where the next word starts (-1 at the end of the line or at a `#`).
 */
function copyWord(s: string, i: number): { word: string; next: number } {
  const parts: string[] = [];
  let from = i;
  const quote = s[i] === '"' || s[i] === "'" ? s[i] : "";
  if (quote) from = ++i;
  const done = (ch: string) => quote ? ch === quote : isSpace(ch);
  while (i < s.length && !done(s[i])) {
    if (s[i] === "\\" && i + 1 < s.length) {
      parts.push(s.slice(from, i));
      from = i + 1;
      i += 2;
    } else i++;
  }
  parts.push(s.slice(from, i));
  if (quote && i < s.length) i++;
  return { word: parts.join(""), next: skipWhite(s, i) };
}

/** A word back in a form a shell reads as one word (single-quoted when it holds blanks or quotes). */
function shellWord(word: string): string {
  return /[\s'"]/.test(word) ? `'${word.replaceAll("'", "'\\''")}'` : word;
}

/** One directive of a Net-SNMP configuration file: its token (lower case), the rest of its line, its context. */
export interface SnmpLine {
  line: number;
  /** The configuration type the line applies to (`snmpd`, `snmp`, `snmptrapd`). */
  context: string;
  token: string;
  value: string;
}

/**
 * The directives of a Net-SNMP configuration file read as configuration type `context` (`snmpd` for
 * snmpd.conf, `snmp` for snmp.conf…), as read_config() reads it: a line whose first word is `#` or that is
 * blank is skipped; `[type]` alone switches the context for the rest of the file, `[type] token …` for that
 * line only (types the daemon has no handlers for, those not in `known`, are errors: the line is skipped and
 * the context kept); a token with nothing after it is skipped. Include lines (`includefile`, `includedir`,
 * `includesearch`) are returned with the context they read their files in; behind a `[type]` prefix they are
 * unknown tokens and left out.
 */
export function parseSnmpConf(text: string, context: string, known: readonly string[]): SnmpLine[] {
  const out: SnmpLine[] = [];
  let current = context;
  eachLine(text, (raw, n) => {
    const start = skipWhite(raw, 0);
    if (start < 0) return;
    let { word, next } = copyWord(raw, start);
    let ctx = current;
    let prefixed = false;
    if (word.startsWith("[")) {
      if (word.length < 2 || !word.endsWith("]")) return;
      const type = word.slice(1, -1);
      if (!known.includes(type)) return;
      if (next < 0) {
        current = type;
        return;
      }
      ({ word, next } = copyWord(raw, next));
      ctx = type;
      prefixed = true;
    }
    if (next < 0) return;
    const token = word.toLowerCase();
    if (prefixed && token.startsWith("include")) return;
    out.push({ line: n, context: ctx, token, value: raw.slice(next).trimEnd() });
  });
  return out;
}

/** What a Net-SNMP directive makes its daemon run or load. */
export type SnmpHook =
  | { type: "command"; name: string; command: string }
  | { type: "module"; name: string; path: string }
  | { type: "perl"; code: string }
  | { type: "perl_file"; path: string }
  | { type: "user"; user: string };

/** Tokens of the extend module (agent/extend.c) and of ucd-snmp/extensible: NAME PROG ARGS. */
const EXTEND_TOKENS = new Set([
  "extend",
  "extend-sh",
  "extendfix",
  "exec",
  "sh",
  "execfix",
  "exec2",
  "sh2",
  "execfix2",
]);

/**
 * `[-cacheTime T] [-execType T] [MIBOID] NAME PROG ARGS` (extend.c's extend_parse_config; the relocatable
 * `exec MIBNUM NAME …` of ucd-snmp/extensible too): the name and the command, PROG unquoted and ARGS as written.
 */
function extendHook(value: string): SnmpHook | undefined {
  let w = copyWord(value, 0);
  for (const option of ["-cacheTime", "-execType"]) {
    if (w.word !== option) continue;
    if (w.next < 0) return undefined;
    w = copyWord(value, w.next);
    if (w.next < 0) return undefined;
    w = copyWord(value, w.next);
  }
  if (w.word.startsWith(".") || /^[0-9]/.test(w.word)) {
    if (w.next < 0) return undefined;
    w = copyWord(value, w.next);
  }
  const name = w.word;
  if (w.next < 0) return undefined;
  const prog = copyWord(value, w.next);
  const args = prog.next < 0 ? "" : value.slice(prog.next);
  return { type: "command", name, command: `${shellWord(prog.word)}${args ? ` ${args}` : ""}` };
}

/**
 * `pass [-p PRIORITY] MIBOID PROG` and `pass_persist …` (ucd-snmp/pass.c): the command is the rest of the line
 * up to a `#` or `;`.
 */
function passHook(value: string): SnmpHook | undefined {
  let i = 0;
  while (value[i] === "-") {
    if (value[i + 1] !== "p") return undefined;
    i += 2;
    while (isSpace(value[i])) i++;
    if (!/[0-9]/.test(value[i] ?? "")) return undefined;
    while (i < value.length && /[0-9A-Za-z]/.test(value[i])) i++;
    while (isSpace(value[i])) i++;
  }
  if (value[i] === ".") i++;
  if (!/[0-9]/.test(value[i] ?? "")) return undefined;
  const oidStart = i;
  while (i < value.length && /[0-9.]/.test(value[i])) i++;
  let end = i;
  while (end < value.length && value[end] !== "#" && value[end] !== ";") end++;
  const command = value.slice(i, end).trim();
  return command ? { type: "command", name: value.slice(oidStart, i), command } : undefined;
}

/** `dlmod NAME [PATH]` (ucd-snmp/dlmod.c): cut at `#`, `;` or a line end, split on blanks; PATH defaults to NAME. */
function dlmodHook(value: string): SnmpHook | undefined {
  const cut = value.search(/[#;\r\n]/);
  const words = (cut < 0 ? value : value.slice(0, cut)).split(/[ \t]+/).filter((w) => w !== "");
  return words.length > 0 ? { type: "module", name: words[0], path: words[1] ?? words[0] } : undefined;
}

/**
 * What a directive of snmpd (context `snmpd`) or snmptrapd (`snmptrapd`) runs or loads: extend/exec/sh and their
 * fix commands, procfix, pass and pass_persist programs, dlmod objects, embedded Perl (`perl`, `perlInitFile`),
 * snmptrapd's `traphandle` programs, and snmpd's `agentuser`; undefined for anything else.
 */
export function snmpHook(daemon: "snmpd" | "snmptrapd", l: SnmpLine): SnmpHook | undefined {
  if (l.context !== daemon) return undefined;
  if (l.token === "perl") return { type: "perl", code: l.value };
  if (l.token === "perlinitfile") return { type: "perl_file", path: copyWord(l.value, 0).word };
  if (daemon === "snmptrapd") {
    if (l.token !== "traphandle") return undefined;
    let w = copyWord(l.value, 0);
    if (w.word.startsWith("-F")) { // -F FORMAT, then the OID
      const format = w.next < 0 ? undefined : copyWord(l.value, w.next);
      if (format === undefined || format.next < 0) return undefined;
      w = copyWord(l.value, format.next);
    }
    if (w.next < 0) return undefined;
    return { type: "command", name: w.word, command: l.value.slice(w.next) };
  }
  if (EXTEND_TOKENS.has(l.token)) return extendHook(l.value);
  if (l.token === "procfix") {
    const w = copyWord(l.value, 0);
    return w.next < 0 ? undefined : { type: "command", name: w.word, command: l.value.slice(w.next) };
  }
  if (l.token === "pass" || l.token === "pass_persist") return passHook(l.value);
  if (l.token === "dlmod") return dlmodHook(l.value);
  if (l.token === "agentuser") return { type: "user", user: l.value };
  return undefined;
}

/** One `Key=value` line of a Zabbix agent configuration. */
export interface ZabbixLine {
  line: number;
  key: string;
  value: string;
}

/**
 * The parameters of a Zabbix agent (or agent 2) configuration file: each line trimmed, blank lines and lines
 * starting with `#` skipped, the rest split at the first `=` (key and value trimmed; keys are case-sensitive).
 * Lines without `=` (which stop the agent from starting) are left out.
 */
export function parseZabbixConf(text: string): ZabbixLine[] {
  const out: ZabbixLine[] = [];
  eachLine(text, (raw, n) => {
    const line = raw.trim();
    const eq = line.startsWith("#") ? -1 : line.indexOf("=");
    if (eq > 0) out.push({ line: n, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  });
  return out;
}

/**
 * A `UserParameter=KEY,COMMAND` value: the key, the shell command (run through `sh -c`), and whether the key is
 * flexible (`key[*]`: the request's parameters replace `$1`…`$9` in the command); undefined without a comma.
 */
export function zabbixUserParameter(
  value: string,
): { key: string; command: string; flexible: boolean } | undefined {
  const comma = value.indexOf(",");
  if (comma <= 0) return undefined;
  const key = value.slice(0, comma).trim();
  const command = value.slice(comma + 1).trim();
  return command ? { key, command, flexible: key.endsWith("[*]") } : undefined;
}

/** The positional parameters (`$1`…`$9`) a flexible UserParameter's command uses. */
export function zabbixPositionals(command: string): number[] {
  return [...new Set([...command.matchAll(/\$([1-9])/g)].map((m) => Number(m[1])))].sort();
}

/** An AllowKey or DenyKey rule (EnableRemoteCommands=1/0 is AllowKey/DenyKey=system.run[*] where it stands). */
export interface KeyRule {
  line: number;
  allow: boolean;
  pattern: string;
  /** The configuration file of the rule, for the metadata. */
  path?: string;
  /** The line as written (`AllowKey=…`, `EnableRemoteCommands=1`), for the metadata. */
  setting?: string;
}

/** A key pattern split as the agent splits it: key wildcard, parameter wildcards (undefined: no brackets). */
interface ParsedRule {
  key: string;
  params?: string[];
  empty: boolean;
}

/** Collapses runs of `*` (zbx_wildcard_minimize). */
function minimize(s: string): string {
  return s.replace(/\*{2,}/g, "*");
}

/**
 * The parameters of a key (`a,"b,c",[d,e]`) as zbx_get_param reads them: comma-separated, blanks before a
 * parameter skipped, a quoted one unquoted (`\"` kept as `"`), an array kept whole.
 */
export function zabbixKeyParams(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (s[i] === " ") i++;
    let value = "";
    if (s[i] === '"') {
      const parts: string[] = [];
      let from = ++i;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && s[i + 1] === '"') {
          parts.push(s.slice(from, i));
          from = i + 1;
          i += 2;
        } else i++;
      }
      parts.push(s.slice(from, i));
      value = parts.join("");
      while (i < s.length && s[i] !== ",") i++;
    } else if (s[i] === "[") {
      const from = i;
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === "[") depth++;
        else if (s[i] === "]" && --depth === 0) break;
      }
      value = s.slice(from, i + 1);
      while (i < s.length && s[i] !== ",") i++;
    } else {
      const from = i;
      while (i < s.length && s[i] !== ",") i++;
      value = s.slice(from, i);
    }
    out.push(value);
    if (i >= s.length) return out;
    i++; // the comma
  }
}

/** zbx_parse_key_access_rule: the key (key characters and `*`), then nothing or `[params]`. */
function parseRule(pattern: string): ParsedRule | undefined {
  const m = /^[A-Za-z0-9._*-]+/.exec(pattern);
  if (!m) return undefined;
  const key = minimize(m[0]);
  const rest = pattern.slice(m[0].length);
  if (rest === "") return { key, empty: false };
  if (!rest.startsWith("[") || !rest.endsWith("]") || rest.length < 2) return undefined;
  const inner = rest.slice(1, -1);
  if (inner === "") return { key, params: [], empty: true };
  const params = zabbixKeyParams(inner).map(minimize);
  while (params.length > 1 && params[params.length - 1] === "*" && params[params.length - 2] === "*") {
    params.pop();
  }
  return { key, params, empty: false };
}

/** zbx_wildcard_match with `*` only (the agent's rule wildcards), linear in the subject for each star. */
function wildcardMatch(subject: string, pattern: string): boolean {
  let s = 0, p = 0, star = -1, mark = 0;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === subject[s]) {
      s++;
      p++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = s;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** What the agent's key rules make of `system.run` (remote commands). */
export interface SystemRunAccess {
  /** The first rule that lets the server run a command of its choosing, when one does. */
  open?: KeyRule;
  /** The rule that denies every command before any allows one, when one does. */
  closedBy?: KeyRule;
  /** Commands rules allow by their exact text (`AllowKey=system.run[/usr/bin/uptime]`), before any denial of all. */
  fixed: { rule: KeyRule; command: string }[];
}

/**
 * Evaluates AllowKey/DenyKey rules in the order the agent checks them (the first that matches decides; a rule
 * identical to an earlier one is dropped; nothing after a match-all `*` rule counts; `system.run` is denied by
 * default) for the request an attacker at the server would send: `system.run[<any command>]`. A rule whose
 * command parameter holds a `*` matches a command of the attacker's choosing (`/usr/bin/x *` matches
 * `/usr/bin/x ; id`), so it opens `system.run`, and a deny rule short of all commands does not close it.
 */
export function systemRunAccess(rules: readonly KeyRule[]): SystemRunAccess {
  const out: SystemRunAccess = { fixed: [] };
  const seen = new Set<string>();
  for (const rule of rules) {
    const p = parseRule(rule.pattern);
    if (!p) continue;
    const id = JSON.stringify([p.key, p.params, p.empty]);
    if (seen.has(id)) continue;
    seen.add(id);
    if (p.key === "*" && p.params === undefined) {
      if (rule.allow) out.open = rule;
      else out.closedBy = rule;
      break;
    }
    if (p.params === undefined || p.empty || !wildcardMatch("system.run", p.key)) continue;
    const command = p.params[0];
    if (command.includes("*")) {
      if (rule.allow) {
        out.open = rule;
        break;
      }
      if (command === "*" && p.params.length === 1) {
        out.closedBy = rule;
        break;
      }
    } else if (rule.allow && command.trim() !== "") out.fixed.push({ rule, command });
  }
  return out;
}

/** One `name=value` line of nrpe.cfg. */
export interface NrpeLine {
  line: number;
  name: string;
  value: string;
}

/**
 * The settings of an nrpe.cfg file as nrpe's read_config_file reads them: each line trimmed, `#` and blank lines
 * skipped, the name up to the first `=` (untrimmed: `dont_blame_nrpe = 1` sets nothing) and the value after it.
 * A line without a value (or a `command[` line without a name) makes nrpe stop reading the file: `stopped` says
 * on which line.
 */
export function parseNrpeConf(text: string): { lines: NrpeLine[]; stopped?: number } {
  const out: NrpeLine[] = [];
  let stopped: number | undefined;
  eachLine(text, (raw, n) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    let i = 0;
    while (line[i] === "=") i++; // strtok skips leading delimiters
    const eq = line.indexOf("=", i);
    const name = line.slice(i, eq < 0 ? line.length : eq);
    const value = eq < 0 ? "" : line.slice(eq + 1);
    if (value === "" || nrpeCommandName(name) === "") {
      stopped = n;
      return false;
    }
    out.push({ line: n, name, value });
  });
  return stopped === undefined ? { lines: out } : { lines: out, stopped };
}

/** The command a `command[NAME]` setting defines ("" when malformed), or undefined for other settings. */
export function nrpeCommandName(name: string): string | undefined {
  if (NRPE_EARLIER.has(name) || !name.includes("command[")) return undefined;
  let i = name.indexOf("[");
  if (i === 0) i = name.indexOf("[", name.search(/[^[]/));
  let from = i + 1;
  while (name[from] === "]") from++;
  const end = name.indexOf("]", from);
  return from >= name.length || i < 0 ? "" : name.slice(from, end < 0 ? name.length : end);
}

/** Settings nrpe tests before `command[` (a name equal to one of them is that setting). */
const NRPE_EARLIER = new Set([
  "include_dir",
  "include",
  "include_file",
  "max_commands",
  "server_port",
  "address_family",
  "command_prefix",
  "server_address",
  "allowed_hosts",
]);

/** C's atoi: blanks skipped, an optional sign, the digits that follow; 0 when none. */
export function atoi(value: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(value.slice(0, 64));
  return m ? Number.parseInt(m[1], 10) : 0;
}

/**
 * The argument macros a command uses, as nrpe's process_macros expands them: the text split at `$`, every
 * second piece a macro, `ARGn` (n from 1 to 16, as atoi reads it) the request's n-th argument.
 */
export function nrpeArgMacros(command: string): number[] {
  const out = new Set<number>();
  const pieces = command.split("$");
  for (let i = 1; i < pieces.length; i += 2) {
    if (!pieces[i].startsWith("ARG")) continue;
    const n = atoi(pieces[i].slice(3));
    if (n >= 1 && n <= 16) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}
