/**
 * Aliases and functions in shell start-up files that shadow sensitive commands (credential theft, hiding), and
 * the commands a shell runs on events (PROMPT_COMMAND, traps, zsh hooks) that record what is typed. The lines of
 * these files are judged for payloads by `shell.ts`; this file judges what the definitions do.
 */
import type { Account } from "../accounts.ts";
import { entryDigest, pathRisk } from "../assess.ts";
import type { Collector } from "../collect.ts";
import { PROGRAM_DIRS } from "../../../host/location.ts";
import { parseShellDefinitions, type ShellDefinition, type ShellHook } from "./shell_defs_parse.ts";
import { lexShell, type SimpleCommand, simpleCommandsOf } from "./shell_lex.ts";
import { shellStartupFiles } from "./shell.ts";

/** Commands whose shadowing steals credentials or hides an intruder. */
export const WATCHED_COMMANDS = new Set([
  "sudo",
  "su",
  "ssh",
  "scp",
  "passwd",
  "doas",
  "pkexec",
  "ls",
  "ps",
  "netstat",
  "ss",
  "lsof",
  "top",
  "who",
  "w",
  "last",
  "find",
  "kill",
  "cd",
]);
/** The ones that ask for a password: a definition that never runs the real program is a fake prompt. */
export const CREDENTIAL_COMMANDS = new Set(["sudo", "su", "ssh", "scp", "passwd", "doas", "pkexec"]);

const WRAPPERS = new Set([
  "command",
  "builtin",
  "exec",
  "env",
  "nice",
  "nohup",
  "time",
  "then",
  "do",
  "else",
  "!",
]);
const NETWORK_TOOLS = new Set(["curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "openssl", "ftp"]);
const FILTERS = new Set(["sed", "awk", "gawk", "mawk", "perl"]);
const HARMLESS_TARGETS = /^(?:\/dev\/null|\/dev\/stdout|\/dev\/stderr|\/dev\/tty|\/dev\/fd\/\d+|&?\d+|-)$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function basename(w: string): string {
  return w.slice(w.lastIndexOf("/") + 1).replace(/^\\/, "");
}

/** The command word of a simple command (assignments and wrappers skipped), or undefined. */
function commandWord(cmd: SimpleCommand, skipSudo: boolean): string | undefined {
  for (const w of cmd.words) {
    if (ASSIGNMENT.test(w.text) || WRAPPERS.has(w.text) || (skipSudo && basename(w.text) === "sudo")) {
      continue;
    }
    if (w.text.startsWith("-")) continue;
    return w.text;
  }
  return undefined;
}

/** What a piece of shell does that matters here. */
export interface Behaviour {
  /** Prompts without echo (`read -s`, `stty -echo`). */
  silentInput: string[];
  /** Files it writes (redirections, tee), as written. */
  writes: string[];
  /** How it sends data over the network. */
  sends: string[];
  /** How it filters output. */
  hides: string[];
  commands: SimpleCommand[];
}

/** Reads a piece of shell (an alias value, a function body, a hook's command). */
export function behaviour(code: string): Behaviour {
  const commands = simpleCommandsOf(lexShell(code));
  const b: Behaviour = { silentInput: [], writes: [], sends: [], hides: [], commands };
  for (const cmd of commands) {
    const word = commandWord(cmd, false);
    const name = word === undefined ? "" : basename(word);
    const args = cmd.words.map((w) => w.text);
    if (name === "read" && args.some((a) => /^-[a-zA-Z]*s/.test(a))) b.silentInput.push("read -s");
    if (name === "stty" && args.includes("-echo")) b.silentInput.push("stty -echo");
    if (name === "tee") {
      b.writes.push(...args.slice(1).filter((a) => !a.startsWith("-") && !HARMLESS_TARGETS.test(a)));
    }
    if (NETWORK_TOOLS.has(name)) b.sends.push(name);
    if (name === "logger" && args.some((a) => /^-n|^--server/.test(a))) {
      b.sends.push("logger to a remote server");
    }
    for (const w of args) if (/\/dev\/(?:tcp|udp)\//.test(w)) b.sends.push(w);
    for (const r of cmd.redirects) {
      if (/\/dev\/(?:tcp|udp)\//.test(r.target)) b.sends.push(r.target);
      else if (r.op !== ">&" && !HARMLESS_TARGETS.test(r.target)) b.writes.push(r.target || "(a file)");
    }
    if (/^(?:ssh|scp|sftp)$/.test(name)) {
      // ssh runs these options' values as local commands (LocalCommand after connecting, ProxyCommand to connect).
      for (const a of args) {
        const o = /^(?:-o)?(?:LocalCommand|ProxyCommand|KnownHostsCommand)\s*=\s*([\s\S]+)$/i.exec(a);
        if (!o) continue;
        const inner = behaviour(o[1]);
        b.silentInput.push(...inner.silentInput);
        b.writes.push(...inner.writes);
        b.sends.push(...inner.sends);
      }
    }
    if (
      cmd.piped && /^(?:e|f)?grep$/.test(name) && args.some((a) => /^-[a-zA-Z]*v|^--invert-match$/.test(a))
    ) {
      b.hides.push(args.slice(0, 4).join(" "));
    } else if (cmd.piped && FILTERS.has(name)) b.hides.push(name);
  }
  return b;
}

/** True when some simple command runs the real `name` (bare, or from a system program directory). */
function runsReal(commands: SimpleCommand[], name: string): boolean {
  return commands.some((cmd) => {
    const w = commandWord(cmd, name !== "sudo");
    if (w === undefined || basename(w) !== name) return false;
    const slash = w.lastIndexOf("/");
    return slash < 0 || [...PROGRAM_DIRS, "/usr/local/bin", "/usr/local/sbin"].includes(w.slice(0, slash));
  });
}

/**
 * Why a definition of a watched command is suspicious, or [] when it only adds options or wraps the real one.
 * For the password-asking commands: a silent prompt, any file it writes, anything it sends, or never running the
 * real program; for the others (ls, ps, cd…): filtering the output or sending anything over the network.
 */
export function judgeDefinition(def: ShellDefinition): string[] {
  const b = behaviour(def.body);
  const reasons = [
    ...[...new Set(b.sends)].map((x) => `sends data (${x})`),
    ...[...new Set(b.hides)].map((x) => `filters its output (${x})`),
  ];
  if (CREDENTIAL_COMMANDS.has(def.name)) {
    reasons.push(...[...new Set(b.silentInput)].map((x) => `prompts without echo (${x})`));
    reasons.push(...[...new Set(b.writes)].map((x) => `writes to ${x}`));
    if (!runsReal(b.commands, def.name)) reasons.push(`never runs the real ${def.name}`);
  }
  return reasons;
}

const COMMAND_SOURCES = /\$\{?BASH_COMMAND\b|\bhistory\b|\bfc\s+-\S*l|\$\{?READLINE_LINE\b/;

/**
 * Why an event hook records what is typed, or []: it must take the command line ($BASH_COMMAND, history, fc,
 * a zsh hook's arguments) and send it over the network or write it where others can read or the owner does not
 * look (a temporary, hidden, world-writable or other account's place: `pathRisk`). Writing to the account's own
 * files or to syslog (audit setups, "eternal history") is not reported.
 */
export function judgeHook(c: Collector, h: ShellHook, runAs: Account): string[] {
  const takesInput = COMMAND_SOURCES.test(h.command) ||
    (h.kind === "zsh_hook" && /\$\{?[1-3]\b/.test(h.command));
  if (!takesInput) return [];
  const b = behaviour(h.command);
  const risky = b.writes.filter((t) => t.startsWith("/") && pathRisk(c.ctx.host, t, runAs, c.accounts));
  return [...new Set(b.sends)].map((x) => `sends it (${x})`).concat(
    [...new Set(risky)].map((t) => `writes it to ${t}`),
  );
}

/** Definitions and hooks of every start-up file `shell.ts` reads. */
export function shellDefinitionSources(c: Collector): void {
  for (const f of shellStartupFiles(c)) {
    const file = c.read(f.path);
    if (!file) continue;
    const parsed = parseShellDefinitions(file.text);
    const watched = parsed.definitions.filter((d) => WATCHED_COMMANDS.has(d.name));
    if (watched.length > 0) {
      c.point({
        kind: "shell_definition",
        path: f.path,
        entries: [],
        meta: {
          technique: "T1546.004",
          run_as: f.runAs.name,
          definitions: watched.slice(0, 50).map((d) => `${d.kind} ${d.name} (line ${d.line})`),
        },
      });
    }
    for (const d of watched) {
      const reasons = judgeDefinition(d);
      if (reasons.length === 0) continue;
      c.finding({
        check_id: "persistence.shell.shadowed_command",
        subject: `${f.path}:${entryDigest(`${d.kind} ${d.name} ${d.body}`)}`,
        description: `${f.path}:${d.line}: ${d.kind} ${d.name} (read by ${f.runAs.name}'s shells) ${
          reasons.join("; ")
        }: ${d.body.slice(0, 300)}`,
        metadata: {
          path: f.path,
          line: d.line,
          definition: d.kind,
          name: d.name,
          command: d.body.slice(0, 1000),
          reasons,
          run_as: f.runAs.name,
        },
        location: { path: f.path },
      });
    }
    if (parsed.hooks.length > 0) {
      c.point({
        kind: "shell_hook",
        path: f.path,
        entries: [],
        meta: {
          technique: "T1546.004",
          run_as: f.runAs.name,
          hooks: parsed.hooks.slice(0, 50).map((h) =>
            `${h.kind}${h.on ? ` ${h.on}` : ""}: ${h.command.slice(0, 200)}`
          ),
        },
      });
    }
    for (const h of parsed.hooks) {
      const reasons = judgeHook(c, h, f.runAs);
      if (reasons.length === 0) continue;
      c.finding({
        check_id: "persistence.shell.command_capture",
        subject: `${f.path}:${entryDigest(`${h.kind} ${h.on} ${h.command}`)}`,
        description: `${f.path}:${h.line}: ${h.kind.replace("_", " ")}${h.on ? ` ${h.on}` : ""} takes the ` +
          `command line and ${reasons.join("; ")}: ${h.command.slice(0, 300)}`,
        metadata: {
          path: f.path,
          line: h.line,
          hook: h.kind,
          on: h.on,
          command: h.command.slice(0, 1000),
          reasons,
          run_as: f.runAs.name,
        },
        location: { path: f.path },
      });
    }
  }
}
