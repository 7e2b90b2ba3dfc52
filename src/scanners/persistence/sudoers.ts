/** A parser for sudoers files: include directives, aliases and user specifications (enough to judge NOPASSWD). */
import { DIGESTS, isBlank, parseUserSpec, splitList, type SudoCommand } from "./sudoers_spec.ts";

/** One command of a user specification (see ./sudoers_spec.ts). */
export type { SudoCommand } from "./sudoers_spec.ts";
/** Alias expansion, memoised and bounded (see ./sudoers_alias.ts). */
export { expandAliases } from "./sudoers_alias.ts";
/** Whether a command amounts to running anything (see ./sudoers_commands.ts). */
export { isUnrestricted } from "./sudoers_commands.ts";

/** `#include`, `@include`, `#includedir` or `@includedir`. */
export interface SudoInclude {
  line: number;
  dir: boolean;
  path: string;
}

/** One user specification (`users hosts = (runas) TAG: cmd, … : hosts = …`). */
export interface SudoRule {
  line: number;
  text: string;
  users: string[];
  /** The host list of the first section (each command carries its own section's). */
  hosts: string[];
  /** The commands of every section. */
  commands: SudoCommand[];
}

/** One alias definition (`Cmnd_Alias NAME = members`), with its kind (Cmd_Alias read as Cmnd_Alias). */
export interface SudoAliasDef {
  line: number;
  kind: string;
  name: string;
  members: string[];
}

/** A parsed sudoers file. */
export interface Sudoers {
  includes: SudoInclude[];
  rules: SudoRule[];
  /** Alias kind (User_Alias, Cmnd_Alias, Runas_Alias, Host_Alias) → name → members (the first definition wins). */
  aliases: Map<string, Map<string, string[]>>;
  /** Every alias definition in file order (redefinitions too), for merging with included files as sudo does. */
  aliasDefs: SudoAliasDef[];
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

const NAME_EQ = /[ \t\r\f\v]*([A-Z][A-Z0-9_]*)[ \t\r\f\v]*=/y;

/** True when the word just before `at` (blanks skipped) is a digest algorithm: `sha256:…` is no separator. */
function afterDigestWord(s: string, at: number): boolean {
  let k = at;
  while (k > 0 && isBlank(s[k - 1])) k--;
  return DIGESTS.has(s.slice(Math.max(0, k - 6), k)) && (k < 7 || !/[A-Za-z0-9_]/.test(s[k - 7]));
}

/**
 * The definitions of an alias line after its kind: `NAME = a, b : NAME2 = c`. A definition ends at a `:` (not
 * escaped, not quoted, not a digest's) followed by `NAME =`, blanks or not around either. Linear: each colon
 * looks ahead only as far as the next colon.
 */
export function aliasDefinitions(body: string): { defs: [string, string[]][]; bad: number } {
  const defs: [string, string[]][] = [];
  let i = 0;
  for (;;) {
    NAME_EQ.lastIndex = i;
    const m = NAME_EQ.exec(body);
    if (!m || m[1] === "ALL") return { defs, bad: 1 };
    const start = NAME_EQ.lastIndex;
    let end = body.length;
    let quote = false;
    for (let k = start; k < body.length; k++) {
      const c = body[k];
      if (c === "\\") k++;
      else if (c === '"') quote = !quote;
      else if (c === ":" && !quote && !afterDigestWord(body, k)) {
        NAME_EQ.lastIndex = k + 1;
        if (NAME_EQ.test(body)) {
          end = k;
          break;
        }
      }
    }
    defs.push([m[1], splitList(body.slice(start, end))]);
    if (end >= body.length) return { defs, bad: 0 };
    i = end + 1;
  }
}

/** Parses one sudoers file. Never throws; unparsable lines are counted in `bad`. */
export function parseSudoers(text: string): Sudoers {
  const result: Sudoers = {
    includes: [],
    rules: [],
    aliases: new Map(),
    aliasDefs: [],
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
      const { defs, bad } = aliasDefinitions(t.slice(kind.length));
      // sudo keeps the first definition of a name and rejects the later ones.
      for (const [name, members] of defs) {
        if (!map.has(name)) map.set(name, members);
        result.aliasDefs.push({ line, kind: key, name, members });
      }
      result.bad += bad;
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
    const hosts = splitList(left[1]);
    const { commands, bad } = parseUserSpec(t.slice(eq + 1), hosts);
    if (bad || commands.length === 0) result.bad++;
    if (commands.length === 0) continue;
    result.rules.push({ line, text: t, users: splitList(left[0]), hosts, commands });
  }
  return result;
}
