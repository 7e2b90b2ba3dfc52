/**
 * sshd's configuration as sshd reads it: `sshd_config` with its `Include` files expanded in place (globs
 * sorted, relative paths under /etc/ssh, at most 16 levels deep, loops refused) and every line tagged with
 * the `Match` block it sits in. Keywords are case-insensitive, `Keyword=value` and quoted arguments are
 * accepted, a `#` word ends the line, and the first value of a keyword wins — outside Match blocks for the
 * global setting, and per connection inside the Match blocks that apply to it.
 *
 * ```ts
 * const cfg = loadSshdConfig(host);
 * if (cfg.ok) globalValue(cfg.value, "permitrootlogin")?.args[0]; // "prohibit-password"
 * ```
 */
import type { ScanContext } from "../../core/context.ts";
import type { Host, ReadFailure } from "../../host/host.ts";
import { globMatcher } from "../../host/glob.ts";

/** The main configuration file. */
export const SSHD_CONFIG = "/etc/ssh/sshd_config";

/** The Match block a line belongs to. */
export interface MatchBlock {
  /** The criteria as written after `Match` ("User backup Address 10.0.0.0/8"). */
  criteria: string;
  path: string;
  line: number;
}

/** One configuration line: lower-case keyword, its arguments, where it is, and its Match block if any. */
export interface SshdLine {
  keyword: string;
  args: string[];
  path: string;
  line: number;
  match?: MatchBlock;
}

/** The expanded configuration. */
export interface SshdConfig {
  lines: SshdLine[];
  /** Every file read, in order. */
  files: string[];
  /** Things sshd would refuse or that could not be read, for collection warnings. */
  problems: string[];
}

/** The outcome of loading: the config, or why the main file could not be read. */
export type SshdLoad =
  | { ok: true; value: SshdConfig }
  | { ok: false; reason: ReadFailure; message: string };

const MAX_DEPTH = 16;
/** Old keyword spellings sshd still accepts, mapped to the current name. */
const ALIASES: Record<string, string> = {
  challengeresponseauthentication: "kbdinteractiveauthentication",
  skeyauthentication: "kbdinteractiveauthentication",
  dsaauthentication: "pubkeyauthentication",
  pubkeyacceptedkeytypes: "pubkeyacceptedalgorithms",
  hostbasedacceptedkeytypes: "hostbasedacceptedalgorithms",
};
const MAX_FILE_BYTES = 1 << 20;
const MAX_GLOB_MATCHES = 512;
const MAX_LINES = 100_000;

/**
 * Splits the arguments of a line as OpenSSH's argv_split does: blanks separate words, single or double quotes
 * group them, a backslash escapes a quote, a blank or a backslash, and a word starting with `#` ends the line.
 * undefined when a quote is not closed (sshd refuses such a line).
 */
export function splitArgs(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (i >= text.length || text[i] === "#") break;
    let word = "";
    let quote = "";
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\\" && i + 1 < text.length && `"'\\ \t`.includes(text[i + 1])) {
        word += text[++i];
      } else if (quote !== "") {
        if (c === quote) quote = "";
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === " " || c === "\t") {
        break;
      } else {
        word += c;
      }
    }
    if (quote !== "") return undefined;
    out.push(word);
  }
  return out;
}

/**
 * Splits one line into its keyword (lower case) and arguments; undefined for blank and comment lines, an
 * error message for a line sshd would reject.
 */
export function parseSshdLine(
  raw: string,
): { keyword: string; args: string[] } | { error: string } | undefined {
  // sshd ends the keyword at a blank, a carriage return or `=` (`PermitRootLogin\ryes` is `PermitRootLogin yes`
  // to it) and splits the arguments at blanks only; trailing blanks, `\r` and `\f` are dropped. No `$` anchor:
  // with a `\r` inside, `.*$` failed and the overlapping blank runs were retried in cubic time (an 8 KB line
  // took longer than the scan's budget).
  let end = raw.length;
  while (end > 0 && " \t\r\n\f".includes(raw[end - 1])) end--;
  const line = raw.slice(0, end);
  const m = line.match(/^[ \t]*([^ \t\r="]*)[ \t\r]*=?[ \t]*([^\n]*)/);
  if (!m || m[1] === "" || m[1].startsWith("#")) {
    return line.trim() === "" || line.trim().startsWith("#") || !m ? undefined : { error: "no keyword" };
  }
  const args = splitArgs(m[2]);
  if (args === undefined) return { error: `unbalanced quotes after ${m[1]}` };
  if (args.length === 0) return { error: `no argument after keyword "${m[1]}"` };
  const keyword = m[1].toLowerCase();
  return { keyword: ALIASES[keyword] ?? keyword, args };
}

/** Expands an absolute glob pattern on the host, sorted as glob(3) sorts; literal paths are returned as is. */
export function expandGlob(host: Host, pattern: string, problems: string[]): string[] {
  const comps = pattern.split("/").filter((c) => c !== "");
  let paths = [""];
  for (const comp of comps) {
    if (!/[*?[]/.test(comp)) {
      paths = paths.map((p) => `${p}/${comp}`);
      continue;
    }
    const matches = globMatcher(comp, { path: true, explicitDot: true });
    const next: string[] = [];
    for (const dir of paths) {
      const r = host.readDir(dir === "" ? "/" : dir, 10_000);
      if (!r.ok) continue;
      if (r.truncated) problems.push(`${dir}: more than 10000 entries; Include ${pattern} may be incomplete`);
      for (const e of r.value) if (matches(e.name)) next.push(`${dir}/${e.name}`);
    }
    paths = next.sort();
    if (paths.length > MAX_GLOB_MATCHES) {
      problems.push(`Include ${pattern}: more than ${MAX_GLOB_MATCHES} matches; the rest were not read`);
      paths = paths.slice(0, MAX_GLOB_MATCHES);
    }
  }
  return paths.map((p) => p === "" ? "/" : p);
}

/** Reads the configuration, following Include lines. */
export function loadSshdConfig(host: Host, main = SSHD_CONFIG): SshdLoad {
  const out: SshdConfig = { lines: [], files: [], problems: [] };
  // Each file is read once per Match block it is included under: including it again there adds only lines
  // already read (sshd keeps the first value), and a file that includes the next one three times would
  // otherwise be read 3^16 times (a minute and a gigabyte, from 41 files of 60 bytes).
  const read = new Set<string>();
  const first = host.readText(main, MAX_FILE_BYTES);
  if (!first.ok) return { ok: false, reason: first.reason, message: first.message };
  const visit = (
    path: string,
    text: string,
    truncated: boolean,
    match: MatchBlock | undefined,
    stack: string[],
  ) => {
    out.files.push(path);
    if (truncated) out.problems.push(`${path} larger than ${MAX_FILE_BYTES} bytes: the rest was not read`);
    let current = match;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (out.lines.length >= MAX_LINES) {
        out.problems.push(`more than ${MAX_LINES} configuration lines: the rest were not read`);
        return;
      }
      const parsed = parseSshdLine(lines[i]);
      if (parsed === undefined) continue;
      if ("error" in parsed) {
        out.problems.push(`${path}:${i + 1}: ${parsed.error} (sshd refuses to start with this line)`);
        continue;
      }
      if (parsed.keyword === "match") {
        const criteria = parsed.args.join(" ");
        current = criteria.toLowerCase() === "all" ? undefined : { criteria, path, line: i + 1 };
        continue;
      }
      if (parsed.keyword === "include") {
        for (const arg of parsed.args) {
          const pattern = arg.startsWith("/") ? arg : `/etc/ssh/${arg}`;
          for (const file of expandGlob(host, pattern, out.problems)) {
            if (stack.includes(file) || stack.length >= MAX_DEPTH) {
              out.problems.push(
                `${path}:${i + 1}: Include ${file} ${
                  stack.includes(file) ? "loops back" : "is nested too deep"
                }`,
              );
              continue;
            }
            const key = `${file}\0${current ? `${current.path}:${current.line}` : ""}`;
            if (read.has(key)) continue;
            read.add(key);
            const r = host.readText(file, MAX_FILE_BYTES);
            if (!r.ok) {
              if (r.reason !== "missing") {
                out.problems.push(`${path}:${i + 1}: Include ${file}: ${r.message}`);
              }
              continue;
            }
            // A Match block opened inside an included file ends with that file (sshd restores the state).
            visit(file, r.value, r.truncated, current, [...stack, file]);
          }
        }
        continue;
      }
      out.lines.push({
        keyword: parsed.keyword,
        args: parsed.args,
        path,
        line: i + 1,
        ...(current ? { match: current } : {}),
      });
    }
  };
  visit(main, first.value, first.truncated, undefined, [main]);
  return { ok: true, value: out };
}

/** The global value of a keyword: its first line outside any Match block. */
export function globalValue(cfg: SshdConfig, keyword: string): SshdLine | undefined {
  return cfg.lines.find((l) => l.keyword === keyword && l.match === undefined);
}

/** The first line of a keyword inside each Match block that sets it, in file order. */
export function matchValues(cfg: SshdConfig, keyword: string): SshdLine[] {
  const seen = new Set<MatchBlock>();
  const out: SshdLine[] = [];
  for (const l of cfg.lines) {
    if (l.keyword !== keyword || l.match === undefined || seen.has(l.match)) continue;
    seen.add(l.match);
    out.push(l);
  }
  return out;
}

/** Where a line is, for findings ("/etc/ssh/sshd_config:12", with " (Match User x)" inside a block). */
export function lineWhere(l: SshdLine): string {
  return `${l.path}:${l.line}${l.match ? ` (Match ${l.match.criteria})` : ""}`;
}

/** The scan's sshd configuration, read at most once per scan (the auth and accounts scanners share it). */
export function sharedSshdConfig(ctx: ScanContext): SshdLoad {
  return ctx.shared.memo("ssh.sshd_config", () => loadSshdConfig(ctx.host));
}
