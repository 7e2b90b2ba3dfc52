/**
 * sshd's configuration as sshd reads it: its command-line options first (`-o`, from the environment files of
 * its unit and, on the live host, the running listener: ./sshd_cmdline.ts), then `sshd_config` (or the file
 * `-f` names) with its `Include` files expanded in place (globs sorted, relative paths under /etc/ssh, at most
 * 16 levels deep, loops refused), every line tagged with the `Match` block it sits in. Lines are read as sshd
 * reads them (./sshd_line.ts), and the first value of a keyword wins — the command line's over the files',
 * outside Match blocks for the global setting, and per connection inside the Match blocks that apply to it.
 *
 * ```ts
 * const cfg = loadSshdConfig(host);
 * if (cfg.ok) globalValue(cfg.value, "permitrootlogin")?.args[0]; // "prohibit-password"
 * ```
 */
import type { ScanContext } from "../../core/context.ts";
import type { Host, ReadFailure } from "../../host/host.ts";
import { globMatcher } from "../../host/glob.ts";
import { sshdCommandLine } from "./sshd_cmdline.ts";
import { parseSshdLine, sshdFileLines } from "./sshd_line.ts";

/** The line parser (./sshd_line.ts), re-exported for the modules and tests that read lines through this one. */
export { parseSshdLine, splitArgs } from "./sshd_line.ts";

/** The main configuration file. */
export const SSHD_CONFIG = "/etc/ssh/sshd_config";

/** The Match block a line belongs to. */
export interface MatchBlock {
  /** The criteria as written after `Match` ("User backup Address 10.0.0.0/8"). */
  criteria: string;
  path: string;
  line: number;
}

/** A setting given on sshd's command line rather than in a file. */
export interface CommandLineSetting {
  /** Where the command line was read ("SSHD_OPTS in /etc/default/ssh:3", "the running sshd (pid 612)"). */
  from: string;
  /** The option as given ("-o PermitRootLogin=yes"). */
  option: string;
  /** True when read from the running sshd (its pid changes at each restart). */
  live: boolean;
}

/**
 * One configuration line: lower-case keyword, its arguments, where it is, and its Match block if any. A
 * command-line option has the environment file and line that give it (or /proc/<pid>/cmdline and 0) as
 * `path` and `line`, and `commandLine` set.
 */
export interface SshdLine {
  keyword: string;
  args: string[];
  path: string;
  line: number;
  match?: MatchBlock;
  commandLine?: CommandLineSetting;
}

/** The expanded configuration. */
export interface SshdConfig {
  /** The command-line options, then the lines of the files. */
  lines: SshdLine[];
  /** Every configuration file read, in order (the first is the main file). */
  files: string[];
  /** Things sshd would refuse or that could not be read, for collection warnings. */
  problems: string[];
}

/** The outcome of loading: the config, or why the main file (`path`) could not be read. */
export type SshdLoad =
  | { ok: true; value: SshdConfig }
  | { ok: false; reason: ReadFailure; message: string; path: string };

/** How to load. */
export interface SshdLoadOptions {
  /** The main file when no `-f` names one (SSHD_CONFIG). */
  main?: string;
  /** Read the running sshd's command line from /proc: by default on the live host only. */
  processes?: boolean;
}

const MAX_DEPTH = 16;
/** Bytes of one configuration file read: sshd reads any size, and no real file comes near. */
const MAX_FILE_BYTES = 16 << 20;
const MAX_GLOB_MATCHES = 512;
const MAX_LINES = 100_000;

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

/**
 * Reads the configuration: the command-line options, then the main file (`-f`'s, else `options.main`, else
 * SSHD_CONFIG) following Include lines. A failure when the main file cannot be read (sshd does not start
 * without it; `-f none` reads no file). Never throws.
 */
export function loadSshdConfig(host: Host, options: SshdLoadOptions = {}): SshdLoad {
  const cmd = sshdCommandLine(host, options.processes ?? host.isLive);
  const main = cmd.configFile?.path ?? options.main ?? SSHD_CONFIG;
  const out: SshdConfig = { lines: [], files: [], problems: cmd.problems };
  for (const o of cmd.options.slice(0, MAX_LINES)) {
    const from = o.alsoIn ? `${o.source.label}, as ${o.alsoIn} gives it` : o.source.label;
    out.lines.push({
      keyword: o.keyword,
      args: o.args,
      path: o.source.path,
      line: o.source.line,
      commandLine: { from, option: o.text, live: o.source.live },
    });
  }
  if (main.toLowerCase() === "none") return { ok: true, value: out };
  // Each file is read once per Match block it is included under: including it again there adds only lines
  // already read (sshd keeps the first value), and a file that includes the next one three times would
  // otherwise be read 3^16 times (a minute and a gigabyte, from 41 files of 60 bytes).
  const read = new Set<string>();
  const first = host.readText(main, MAX_FILE_BYTES);
  if (!first.ok) {
    // A file -f names that is missing stops sshd: not the quiet "sshd is not installed".
    const named = cmd.configFile ? ` (the file -f names in ${cmd.configFile.source.label})` : "";
    const reason = first.reason === "missing" && named !== "" ? "error" : first.reason;
    return { ok: false, reason, message: `${first.message}${named}`, path: main };
  }
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
    const { lines, nulLines } = sshdFileLines(text);
    for (const n of nulLines.slice(0, 10)) {
      out.problems.push(
        `${path}:${n}: a NUL byte: sshd ignores the rest of this line and joins the next line to it`,
      );
    }
    for (const { line: lineNo, text: lineText } of lines) {
      if (out.lines.length >= MAX_LINES) {
        out.problems.push(`more than ${MAX_LINES} configuration lines: the rest were not read`);
        return;
      }
      const parsed = parseSshdLine(lineText);
      if (parsed === undefined) continue;
      if ("error" in parsed) {
        out.problems.push(`${path}:${lineNo}: ${parsed.error} (sshd refuses to start with this line)`);
        continue;
      }
      if (parsed.keyword === "match") {
        const criteria = parsed.args.join(" ");
        current = criteria.toLowerCase() === "all" ? undefined : { criteria, path, line: lineNo };
        continue;
      }
      if (parsed.keyword === "include") {
        for (const arg of parsed.args) {
          const pattern = arg.startsWith("/") ? arg : `/etc/ssh/${arg}`;
          for (const file of expandGlob(host, pattern, out.problems)) {
            if (stack.includes(file) || stack.length >= MAX_DEPTH) {
              out.problems.push(
                `${path}:${lineNo}: Include ${file} ${
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
                out.problems.push(`${path}:${lineNo}: Include ${file}: ${r.message}`);
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
        line: lineNo,
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

/**
 * Where a line is, for findings ("/etc/ssh/sshd_config:12", with " (Match User x)" inside a block; for a
 * command-line option, where the command line was read and the option).
 */
export function lineWhere(l: SshdLine): string {
  if (l.commandLine) return `${l.commandLine.from} (${l.commandLine.option} on sshd's command line)`;
  return `${l.path}:${l.line}${l.match ? ` (Match ${l.match.criteria})` : ""}`;
}

/**
 * A stable finding subject for a line: "path:line" for a file line; for a command-line option the
 * environment file's "path:line:keyword", or "sshd-command-line:keyword" for the running sshd (whose pid changes).
 */
export function lineSubject(l: SshdLine): string {
  if (!l.commandLine) return `${l.path}:${l.line}`;
  return l.commandLine.live ? `sshd-command-line:${l.keyword}` : `${l.path}:${l.line}:${l.keyword}`;
}

/** The scan's sshd configuration, read at most once per scan (the auth and accounts scanners share it). */
export function sharedSshdConfig(ctx: ScanContext): SshdLoad {
  return ctx.shared.memo("ssh.sshd_config", () => loadSshdConfig(ctx.host));
}
