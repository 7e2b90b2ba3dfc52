/**
 * sshd's command line, which overrides its configuration files: each `-o Keyword=value` is read before the
 * files and, as sshd keeps the first value of a keyword, wins over them; `-f path` names another configuration
 * file. The options come from the environment files the distributions' units expand into ExecStart=
 * (Debian and Ubuntu: `SSHD_OPTS` of /etc/default/ssh; RHEL and Fedora: `OPTIONS` of /etc/sysconfig/sshd;
 * openSUSE: `SSHD_OPTS` of /etc/sysconfig/ssh) and, on the live host, from the running listener's
 * /proc/<pid>/cmdline (./sshd_process.ts).
 *
 * sshd (OpenSSH 9.2, verified with `sshd -T`) parses its arguments with getopt: `-oKey=value`, `-o Key=value`,
 * `-o "Key value"` and `-Do Key=value` are the same option; `-o Key value` gives `-o` the keyword alone and
 * sshd stops ("no argument after keyword"); an argument that is no option ("Extra argument") or an unknown
 * option makes it stop too, as do `-o Match …` and `-o Include …`. Repeated `-o` of a keyword: the first wins;
 * repeated `-f`: the last.
 */
import { parseEnvFile } from "../persistence/env_files.ts";
import type { Host } from "../../host/host.ts";
import { parseSshdLine } from "./sshd_line.ts";
import { sshdListeners } from "./sshd_process.ts";

/** Where a command line was read. */
export interface CommandLineSource {
  /** For messages: "SSHD_OPTS in /etc/default/ssh:3", "the running sshd (pid 612)". */
  label: string;
  /** The environment file, or /proc/<pid>/cmdline. */
  path: string;
  /** The line of the assignment in the environment file; 0 for a process. */
  line: number;
  /** True for the running sshd's own command line. */
  live: boolean;
}

/** One `-o` option that sshd applies. */
export interface CommandLineOption {
  keyword: string;
  args: string[];
  /** The option as given ("-o PermitRootLogin=yes"). */
  text: string;
  source: CommandLineSource;
  /** For an option of the running sshd: the environment file that gives it too, if one does. */
  alsoIn?: string;
}

/** What sshd's command lines change. */
export interface SshdCommandLine {
  /** Every option, in the order sshd applies them (the running sshd's first, then the environment files'). */
  options: CommandLineOption[];
  /** The configuration file named by `-f`, if any (relative paths are taken from /, sshd's working directory). */
  configFile?: { path: string; source: CommandLineSource };
  /** What sshd would refuse, and what differs between the running sshd and its environment files. */
  problems: string[];
}

/** The environment files of sshd's units and the variable each unit expands into sshd's command line. */
export const SSHD_ENV_FILES: readonly { path: string; variable: string }[] = [
  { path: "/etc/default/ssh", variable: "SSHD_OPTS" },
  { path: "/etc/sysconfig/sshd", variable: "OPTIONS" },
  { path: "/etc/sysconfig/ssh", variable: "SSHD_OPTS" },
];

/** As much as sshd_config is read: padding before the assignment must not push it out of reach. */
const ENV_FILE_BYTES = 1 << 20;
/** sshd's getopt string (9.2's, with -G of later versions). */
const WITH_ARGUMENT = "CEbcfghkopu";
const FLAGS = "46DGQRTdeiqrtV";
const BLANKS = " \t\r\n";

/**
 * Splits a variable's value into words as systemd does for `$VAR` in ExecStart= (extract_first_word with
 * EXTRACT_UNQUOTE|EXTRACT_RELAX): blanks separate words, single and double quotes group (and are removed,
 * anywhere in a word), a backslash takes the next character as is, an unclosed quote runs to the end. Linear.
 */
export function splitUnitWords(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (true) {
    while (i < value.length && BLANKS.includes(value[i])) i++;
    if (i >= value.length) break;
    const parts: string[] = [];
    let quote = "";
    for (; i < value.length; i++) {
      const c = value[i];
      if (c === "\\") {
        if (i + 1 < value.length) parts.push(value[++i]);
      } else if (quote !== "") {
        if (c === quote) quote = "";
        else parts.push(c);
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (BLANKS.includes(c)) {
        break;
      } else {
        parts.push(c);
      }
    }
    out.push(parts.join(""));
  }
  return out;
}

/** A word that getopt would take as options of sshd (`-D`, `-oX`, `-4D`), for reading a process title. */
function isOptionWord(w: string): boolean {
  return w.length >= 2 && w[0] === "-" && (WITH_ARGUMENT.includes(w[1]) || FLAGS.includes(w[1]));
}

/** sshd's arguments parsed: its `-o` options, its `-f` file, and what would make it stop. */
export interface ParsedArgs {
  options: { keyword: string; args: string[]; text: string }[];
  configFile?: string;
  problems: string[];
}

/**
 * Parses sshd's arguments (without argv[0]) as its getopt loop does, up to the first thing that makes sshd stop
 * (it exits there: one problem, and the options before it kept). `title`: the words come from the listener's
 * process title, which joined the arguments with blanks; there an argument that holds blanks (`-o "Key value"`)
 * is split, so the words after an option's argument that are no sshd option are joined back to it (sshd runs,
 * so they were part of it). Linear; never throws.
 */
export function parseSshdArgs(words: readonly string[], title = false): ParsedArgs {
  const out: ParsedArgs = { options: [], problems: [] };
  const refuses = (what: string) => out.problems.push(`${what} (sshd refuses to start with it)`);
  let i = 0;
  for (; i < words.length && out.problems.length === 0; i++) {
    const w = words[i];
    if (w === "--") {
      i++;
      break;
    }
    if (w.length < 2 || w[0] !== "-") break;
    for (let j = 1; j < w.length; j++) {
      const c = w[j];
      if (FLAGS.includes(c)) continue;
      if (!WITH_ARGUMENT.includes(c)) {
        refuses(`unknown option -${c}`);
        break;
      }
      const attached = j + 1 < w.length;
      let arg = attached ? w.slice(j + 1) : words[++i];
      if (arg === undefined) {
        refuses(`option -${c} without its argument`);
        break;
      }
      while (title && i + 1 < words.length && !isOptionWord(words[i + 1])) arg += ` ${words[++i]}`;
      if (c === "f") out.configFile = arg;
      if (c === "o") option(out, arg, attached ? `-o${arg}` : `-o ${arg}`, refuses);
      break;
    }
  }
  if (out.problems.length === 0 && i < words.length) refuses(`extra argument "${words[i]}"`);
  return out;
}

/**
 * Reads one `-o` argument as sshd does (the configuration line parser, without Match and Include); `text` is the
 * option as given.
 */
function option(out: ParsedArgs, arg: string, text: string, refuses: (what: string) => void): void {
  const parsed = parseSshdLine(arg);
  if (parsed === undefined) return;
  if ("error" in parsed) {
    refuses(`${text}: ${parsed.error}`);
  } else if (parsed.keyword === "match" || parsed.keyword === "include") {
    refuses(
      `${text}: ${parsed.keyword === "match" ? "Match" : "Include"} is not allowed on the command line`,
    );
  } else {
    out.options.push({ ...parsed, text });
  }
}

/**
 * The value a variable has at the end of an environment file (the last assignment wins, for a shell and for
 * systemd), and the line that sets it. The file is read by the shared parser (parseEnvFile); where that parser
 * and systemd's EnvironmentFile= disagree in a way that could hide options, the line is read as systemd reads
 * it and `unusual` says why: an assignment after a comment line that ends with `\` (neither sh nor systemd 254
 * and later continue a comment), one with blanks around `=` (systemd accepts them), and a quoted value that
 * goes on over the next lines (sh and systemd read them into the value). Linear in the file.
 */
export function lastAssignment(
  text: string,
  variable: string,
): { line: number; value: string; unusual?: string } | undefined {
  let last: { line: number; value: string; unusual?: string } | undefined;
  // systemd's reading: blanks around `=` allowed (the shared parser's `systemd` mode), each flagged.
  for (const a of parseEnvFile(text, { systemd: true }).assignments) {
    if (a.name === variable) last = { line: a.line, value: a.value };
  }
  const lines = text.split("\n");
  if (last && /^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*[ \t]+=/.test(lines[last.line - 1])) {
    last.unusual = "with blanks around '='";
  }
  // The shared parser (like systemd 252) continues a comment that ends with `\` onto the next line; sh and
  // systemd 254 and later do not, so an assignment there counts, flagged.
  for (let i = last?.line ?? 0; i < lines.length; i++) {
    const previous = i > 0 ? lines[i - 1].replace(/\r$/, "") : "";
    if (!previous.endsWith("\\") || !previous.trimStart().startsWith("#")) continue;
    let t = lines[i].trimStart();
    if (t.startsWith("export") && /^[ \t]/.test(t.slice(6))) t = t.slice(6).trimStart();
    if (!t.startsWith(variable)) continue;
    const rest = t.slice(variable.length).trimStart();
    if (!rest.startsWith("=")) continue;
    last = {
      line: i + 1,
      value: parseEnvFile(`${variable}=${rest.slice(1).trimStart()}`).assignments[0]?.value ?? "",
      unusual: "after a comment line that ends with a backslash",
    };
  }
  if (last === undefined) return undefined;
  const q = last.value[0];
  if ((q === '"' || q === "'") && last.value.split(q).length % 2 === 0) {
    // The quote opened on the assignment's line closes on a later one: the lines between are in the value.
    const more: string[] = [];
    for (let k = last.line; k < lines.length; k++) {
      more.push(lines[k].replace(/\r$/, ""));
      if (lines[k].includes(q)) break;
    }
    const joined = [last.value.slice(1), ...more].join("\n");
    const close = joined.indexOf(q);
    last.value = close < 0 ? joined : joined.slice(0, close) + joined.slice(close + 1);
    last.unusual ??= "with a quoted value that goes on over the next lines";
  }
  return last;
}

/** The options of the environment files (a file that is missing gives none). */
function envFileArgs(host: Host, problems: string[]): { source: CommandLineSource; parsed: ParsedArgs }[] {
  const out: { source: CommandLineSource; parsed: ParsedArgs }[] = [];
  for (const { path, variable } of SSHD_ENV_FILES) {
    const r = host.readText(path, ENV_FILE_BYTES);
    if (!r.ok) {
      if (r.reason !== "missing") {
        problems.push(`${path}: ${r.message}: sshd's command-line options not read`);
      }
      continue;
    }
    if (r.truncated) problems.push(`${path} larger than ${ENV_FILE_BYTES} bytes: the rest was not read`);
    const a = lastAssignment(r.value, variable);
    if (a === undefined) continue;
    const source = { label: `${variable} in ${path}:${a.line}`, path, line: a.line, live: false };
    if (a.unusual) problems.push(`${source.label}: set on a line ${a.unusual}; read as systemd reads it`);
    const parsed = parseSshdArgs(splitUnitWords(a.value));
    if (parsed.options.length > 0 || parsed.configFile !== undefined || parsed.problems.length > 0) {
      out.push({ source, parsed });
    }
  }
  return out;
}

const absolute = (p: string) => p.startsWith("/") || p.toLowerCase() === "none" ? p : `/${p}`;
const sameArgs = (a: string[], b: string[]) => a.length === b.length && a.every((x, k) => x === b[k]);

/**
 * sshd's command-line options: those of the environment files and, with `processes` (the live host), those of
 * the running listener. Never throws.
 */
export function sshdCommandLine(host: Host, processes: boolean): SshdCommandLine {
  const out: SshdCommandLine = { options: [], problems: [] };
  const found = processes ? sshdListeners(host) : { listeners: [], problems: [] };
  out.problems.push(...found.problems);
  const live = found.listeners[0];
  if (live) {
    const source = {
      label: `the running sshd (pid ${live.pid})`,
      path: `/proc/${live.pid}/cmdline`,
      line: 0,
      live: true,
    };
    const parsed = parseSshdArgs(live.words, live.title);
    out.options.push(...parsed.options.map((o) => ({ ...o, source })));
    // sshd runs: what it "would refuse" is a misreading of its title, not worth a warning.
    if (parsed.configFile !== undefined) out.configFile = { path: absolute(parsed.configFile), source };
  }
  const runningOptions = new Map<string, CommandLineOption>();
  for (const o of out.options) if (!runningOptions.has(o.keyword)) runningOptions.set(o.keyword, o);
  for (const { source, parsed } of envFileArgs(host, out.problems)) {
    out.problems.push(...parsed.problems.map((p) => `${source.label}: ${p}`));
    for (const o of parsed.options) {
      const running = live ? runningOptions.get(o.keyword) : undefined;
      if (running && sameArgs(running.args, o.args)) {
        running.alsoIn ??= source.label;
        continue;
      }
      if (running) {
        out.problems.push(
          `${source.label}: ${o.text} differs from ${running.text} of ${running.source.label}: sshd ` +
            `changes to it when it restarts`,
        );
      } else if (live) {
        out.problems.push(
          `${source.label}: ${o.text} is not on the command line of the running sshd (pid ${live.pid}): ` +
            `it applies when sshd restarts`,
        );
      }
      out.options.push({ ...o, source });
    }
    if (parsed.configFile === undefined) continue;
    const path = absolute(parsed.configFile);
    if (out.configFile === undefined) {
      if (live) {
        out.problems.push(
          `${source.label}: -f ${parsed.configFile} is not on the command line of the running sshd ` +
            `(pid ${live.pid}), which reads its default file: ${path} is read here, as sshd reads it when it restarts`,
        );
      }
      out.configFile = { path, source };
    } else if (out.configFile.path !== path) {
      out.problems.push(
        `${source.label}: -f ${parsed.configFile} differs from -f ${out.configFile.path} of ` +
          `${out.configFile.source.label}, which is the one read here`,
      );
    }
  }
  return out;
}
