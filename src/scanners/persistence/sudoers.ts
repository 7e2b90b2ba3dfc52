/** A parser for sudoers files: include directives, aliases and user specifications (enough to judge NOPASSWD). */

/** `#include`, `@include`, `#includedir` or `@includedir`. */
export interface SudoInclude {
  line: number;
  dir: boolean;
  path: string;
}

/** One command of a user specification, with the tags in effect for it. */
export interface SudoCommand {
  command: string;
  runas: string;
  nopasswd: boolean;
}

/** One user specification (`users hosts = (runas) TAG: cmd, …`). */
export interface SudoRule {
  line: number;
  text: string;
  users: string[];
  hosts: string[];
  commands: SudoCommand[];
}

/** A parsed sudoers file. */
export interface Sudoers {
  includes: SudoInclude[];
  rules: SudoRule[];
  /** Alias kind (User_Alias, Cmnd_Alias, Runas_Alias, Host_Alias) → name → members. */
  aliases: Map<string, Map<string, string[]>>;
  /** `Defaults` lines that turn authentication off (`!authenticate`), by line. */
  noAuthDefaults: { line: number; text: string }[];
  /**
   * `Defaults` lines that let the caller's environment reach root's programs: env_keep of a variable that loads
   * or runs code (`kept`), or `setenv` (every variable given on the command line passes, `kept` empty).
   */
  envDefaults: { line: number; text: string; kept: string[] }[];
  bad: number;
}

/**
 * Variables that make a program load a library or run code of the caller's choosing (sudo deletes them from
 * the environment unless env_keep keeps them).
 */
const CODE_VARIABLES = new Set([
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "LD_AUDIT",
  "BASH_ENV",
  "ENV",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "PERL5LIB",
  "PERL5OPT",
  "PERLLIB",
  "RUBYLIB",
  "RUBYOPT",
  "NODE_OPTIONS",
  "NODE_PATH",
  "GCONV_PATH",
  "PROMPT_COMMAND",
  "SHELLOPTS",
  "PS4",
]);

/** True when an env_keep entry keeps a variable that runs code: by name, or by a wildcard (`LD_*`, `PYTHON*`). */
function keepsCode(entry: string): boolean {
  if (!entry.includes("*")) return CODE_VARIABLES.has(entry);
  const prefix = entry.slice(0, entry.indexOf("*"));
  return [...CODE_VARIABLES].some((v) => v.startsWith(prefix));
}

const TAGS = new Set([
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
const ALIAS_KINDS = new Set(["User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"]);

/** Joins continuation lines and strips comments (a `#` followed by a digit is a uid, not a comment). */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const raw = text.split("\n");
  let acc = "";
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i].replace(/\r$/, "");
    if (acc === "") start = i + 1;
    if (l.endsWith("\\")) {
      acc += l.slice(0, -1) + " ";
      continue;
    }
    out.push({ line: start, text: acc + l });
    acc = "";
  }
  if (acc !== "") out.push({ line: start, text: acc });
  return out;
}

/** One pair of surrounding double quotes removed. */
function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function stripComment(line: string): string {
  const t = line.trim();
  if (/^[#@]include(?:dir)?\s/.test(t)) return t;
  const m = t.match(/(^|[^\\])#(?!\d)/);
  return (m ? t.slice(0, (m.index ?? 0) + m[1].length) : t).trim();
}

/** Splits on commas that are not escaped and not inside parentheses or quotes. */
function splitList(s: string): string[] {
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

function parseCommands(spec: string): SudoCommand[] {
  const out: SudoCommand[] = [];
  let runas = "root";
  let nopasswd = false;
  for (let item of splitList(spec)) {
    const ra = item.match(/^\(([^)]*)\)\s*/);
    if (ra) {
      runas = ra[1].trim() === "" ? "root" : ra[1].trim();
      item = item.slice(ra[0].length);
    }
    for (;;) {
      const tag = item.match(/^([A-Z_]+):\s*/);
      if (tag && TAGS.has(tag[1])) {
        if (tag[1] === "NOPASSWD") nopasswd = true;
        if (tag[1] === "PASSWD") nopasswd = false;
        item = item.slice(tag[0].length);
        continue;
      }
      const opt = item.match(
        /^(?:ROLE|TYPE|CWD|CHROOT|NOTBEFORE|NOTAFTER|TIMEOUT|APPARMOR_PROFILE|PRIVS|LIMITPRIVS)=\S+\s+/,
      );
      if (opt) {
        item = item.slice(opt[0].length);
        continue;
      }
      const digest = item.match(/^sha(?:224|256|384|512):\S+\s+/);
      if (digest) {
        item = item.slice(digest[0].length);
        continue;
      }
      break;
    }
    const command = item.trim();
    if (command !== "") out.push({ command, runas, nopasswd });
  }
  return out;
}

/** Parses one sudoers file. Never throws; unparsable lines are counted in `bad`. */
export function parseSudoers(text: string): Sudoers {
  const result: Sudoers = {
    includes: [],
    rules: [],
    aliases: new Map(),
    noAuthDefaults: [],
    envDefaults: [],
    bad: 0,
  };
  for (const { line, text: rawLine } of logicalLines(text)) {
    const t = stripComment(rawLine);
    if (t === "") continue;
    // The directive by a regex, the path by slice: a `\s+(.+)$` backtracked quadratically on a line with a
    // carriage return in the middle, which is kept as part of the path.
    const inc = t.match(/^[#@](include(?:dir)?)\s+/);
    if (inc) {
      const path = unquote(t.slice(inc[0].length).trim());
      result.includes.push({ line, dir: inc[1] === "includedir", path });
      continue;
    }
    if (/^Defaults\b/.test(t)) {
      const settings = t.replace(/^Defaults\S*/, "");
      if (/(?:^|[\s,])!\s*authenticate\b/.test(settings)) {
        result.noAuthDefaults.push({ line, text: t });
      }
      const kept: string[] = [];
      for (const m of settings.matchAll(/\benv_keep\s*\+?=\s*(?:"([^"]*)"|([^\s,]+))/g)) {
        kept.push(...(m[1] ?? m[2]).split(/\s+/).filter((v) => keepsCode(v.replace(/=.*$/, ""))));
      }
      if (kept.length > 0 || /(?:^|[\s,])setenv\b/.test(settings)) {
        result.envDefaults.push({ line, text: t, kept: kept.map((v) => v.replace(/=.*$/, "")) });
      }
      continue;
    }
    const kind = t.split(/\s+/, 1)[0];
    if (ALIAS_KINDS.has(kind)) {
      const key = kind === "Cmd_Alias" ? "Cmnd_Alias" : kind;
      const map = result.aliases.get(key) ?? new Map<string, string[]>();
      for (const def of t.slice(kind.length).split(/\s:\s/)) {
        // The name by a regex, the members by slice (a `\s*(.*)$` backtracked quadratically on a carriage return
        // in the middle of the line; splitList trims the members).
        const m = def.match(/^\s*([A-Z][A-Z0-9_]*)\s*=/);
        if (m) map.set(m[1], splitList(def.slice(m[0].length)));
        else result.bad++;
      }
      result.aliases.set(key, map);
      continue;
    }
    const eq = t.indexOf("=");
    if (eq < 0) {
      result.bad++;
      continue;
    }
    // Whitespace around commas dropped piece by piece: `/\s*,\s*/g` retried a long run of whitespace from each
    // of its positions (quadratic).
    const left = t.slice(0, eq).split(",").map((p) => p.trim()).join(",").split(/\s+/);
    if (left.length !== 2) {
      result.bad++;
      continue;
    }
    const right = t.slice(eq + 1).split(/\s:\s/)[0];
    const commands = parseCommands(right);
    if (commands.length === 0) {
      result.bad++;
      continue;
    }
    result.rules.push({ line, text: t, users: splitList(left[0]), hosts: splitList(left[1]), commands });
  }
  return result;
}

/** Expands alias names (recursively, bounded) in a list, using the aliases of one kind. */
export function expandAliases(
  items: string[],
  aliases: Map<string, string[]> | undefined,
  depth = 0,
): string[] {
  if (!aliases || depth > 8) return items;
  return items.flatMap((i) => {
    const neg = i.startsWith("!");
    const name = neg ? i.slice(1) : i;
    const members = aliases.get(name);
    return members && !neg ? expandAliases(members, aliases, depth + 1) : [i];
  });
}

/** Programs that hand out a shell whatever their arguments (shells, interpreters, editors, pagers, debuggers). */
const ALWAYS_ESCAPES =
  /^(?:(?:ba|da|z|k|c|tc|a)?sh|fish|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|node|nodejs|vi|vim|vim\.basic|vim\.tiny|nvim|view|ex|ed|nano|emacs|less|more|most|man|gdb|strace|expect|script)$/;
/** Programs that hand out a shell or root writes when their arguments are not pinned. */
const OPEN_ARGS_ESCAPES =
  /^(?:su|sudo|env|docker|podman|find|awk|gawk|mawk|nawk|tar|zip|rsync|git|tee|cp|mv|dd|chmod|chown|install|ln|make|pip[0-9.]*|apt|apt-get|dpkg|rpm|yum|dnf|systemctl|journalctl|crontab|xargs|nmap|scp|ssh)$/;

/**
 * True when a sudo command amounts to running anything as the target user: `ALL`, a shell or interpreter,
 * or a shell-escape-capable program whose arguments are not pinned (no arguments, or a wildcard).
 */
export function isUnrestricted(command: string): boolean {
  const c = command.trim();
  if (c === "ALL") return true;
  if (c.startsWith("!")) return false;
  const [prog, ...args] = c.split(/\s+/);
  const base = prog.slice(prog.lastIndexOf("/") + 1);
  if (ALWAYS_ESCAPES.test(base)) return true;
  return OPEN_ARGS_ESCAPES.test(base) && (args.length === 0 || args.some((a) => a.includes("*")));
}
