/**
 * Which absolute paths a shell command line executes: the command word of every simple command, and the
 * script an interpreter is given. A deliberately small lexer — it never evaluates anything.
 */
import { escapeRegExp } from "../../host/regex.ts";
import { KERNEL_HELPERS } from "./kernel_helper_table.ts";

/** Shell reserved words after which a command word comes (`if cmd`, `then cmd`, `! cmd`, `time cmd`…). */
export const RESERVED_BEFORE_COMMAND: ReadonlySet<string> = new Set([
  "then",
  "do",
  "else",
  "elif",
  "if",
  "while",
  "until",
  "{",
  "!",
  "time",
]);

/** Words that run the command after them (their own options are skipped), and the reserved words above. */
const WRAPPERS = new Set([
  ...RESERVED_BEFORE_COMMAND,
  "sudo",
  "doas",
  "nohup",
  "exec",
  "env",
  "nice",
  "ionice",
  "setsid",
  "stdbuf",
  "command",
  "builtin",
  "flock",
  "chronic",
  "run-one",
  "chrt",
  "taskset",
]);

/** Wrappers whose first non-option argument is not the command (a duration, a lock file). */
const WRAPPERS_WITH_ARG = new Set(["timeout", "flock"]);

/** A wrapper's argument that is no command: a nice level, a priority, a CPU mask or list, a duration. */
const WRAPPER_ARGUMENT = /^(?:0x[0-9a-f]+|[0-9][0-9,.-]*[smhd]?)$/i;

/** Shells and interpreters: given a script, they run it; given a connection as their input, a command line. */
const SHELL_OR_INTERPRETER =
  /^(?:(?:ba|da|z|k|c|tc|a|fi)?sh|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|node|nodejs|lua[0-9.]*)$/;

/** True for a shell or an interpreter's program name (`bash`, `python3`, `busybox`…). */
export function isShellOrInterpreter(name: string): boolean {
  return SHELL_OR_INTERPRETER.test(name);
}

/** Interpreters whose first non-option argument is the script they run (or the inline code's first word). */
function isInterpreter(name: string): boolean {
  return SHELL_OR_INTERPRETER.test(name) || name === "." || name === "source";
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const REDIRECT = /^(?:\d*[<>]|&>)/;
/**
 * A redirection with its target (`2>&1`, `>/dev/null`, `&>> log`, `< in`), but not `<(` or `>(`. A file
 * descriptor's digits are taken from the start of their run only (`(?<!\d)`): unanchored, `\d*` rescanned a long
 * run of digits from each of its positions (a line of 160,000 digits took 25 s).
 */
const REDIRECTION = /(?:(?<!\d)\d*|&)>>?(?!\()&?\s*[^\s;&|()]+|(?<!\d)\d*<(?![(<])&?\s*[^\s;&|()]+/g;

function basename(word: string): string {
  const i = word.lastIndexOf("/");
  return i >= 0 ? word.slice(i + 1) : word;
}

/** Splits a command line into simple commands (on ; & | && || newlines, subshells and substitutions). */
export function simpleCommands(line: string): string[][] {
  // `${NAME}` and `${NAME:-word}` are words, not brace groups: `${HOME}/.x` must not become a command `/.x`.
  const unquoted = line.replace(/\$\{[^{}]*\}/g, "$V").replace(/["'\\]/g, "").replace(REDIRECTION, " ");
  return unquoted
    .split(/;|&&|\|\||\||&|\n|\$\(|`|\(|\)|\{|\}/)
    .map((seg) => seg.trim().split(/\s+/).filter((w) => w !== ""))
    .filter((words) => words.length > 0);
}

/**
 * The index of the word a simple command runs, from `from` on: past assignments, redirections, options and
 * wrappers with their options and arguments (`nice -n 5`, `timeout 60`, `taskset 0x3`); words.length for none.
 */
function commandIndex(words: readonly string[], from: number): number {
  let i = from;
  let afterWrapper = false;
  while (i < words.length) {
    const w = words[i];
    const name = basename(w);
    if (
      ASSIGNMENT.test(w) || REDIRECT.test(w) || (i > 0 && w.startsWith("-")) ||
      (afterWrapper && WRAPPER_ARGUMENT.test(w))
    ) {
      i++;
      continue;
    }
    if (!WRAPPERS.has(name) && !WRAPPERS_WITH_ARG.has(name)) return i;
    i++;
    if (WRAPPERS_WITH_ARG.has(name)) {
      while (i < words.length && words[i].startsWith("-")) i++;
      i++;
    }
    afterWrapper = true;
  }
  return i;
}

/** The helpers by the name after `kernel/` in their sysctl key (`modprobe`) and by their live files. */
const HELPER_BY_NAME = new Map(KERNEL_HELPERS.map((h) => [h.key.slice(h.key.indexOf("/") + 1), h]));
const HELPER_BY_FILE = new Map(KERNEL_HELPERS.flatMap((h) => h.live.map((f) => [f, h] as const)));
/** A helper's sysctl key being set (`kernel.modprobe=`, `kernel/modprobe =`). */
const HELPER_KEY = new RegExp(
  `\\bkernel[./](${[...HELPER_BY_NAME.keys()].map(escapeRegExp).join("|")})\\s*=`,
  "g",
);
/** A helper's live file, as a whole path. */
const HELPER_FILE = new RegExp(`(${[...HELPER_BY_FILE.keys()].map(escapeRegExp).join("|")})(?![\\w/])`);

/**
 * The absolute path at the start of a helper value (`'|/x %p'`, `"/x"`), past quotes, blanks and a pipe; a
 * core_pattern (`piped`) names a program only after a pipe, otherwise it is a core file's name.
 */
function helperProgram(value: string, piped: boolean): string | undefined {
  let i = 0;
  let pipe = false;
  for (; i < value.length && i < 256 && /[\s"'|]/.test(value[i]); i++) pipe ||= value[i] === "|";
  if (piped && !pipe) return undefined;
  return /^\/[^\s"';|&)]+/.exec(value.slice(i, i + 4096))?.[0];
}

/**
 * The programs a command line makes the kernel run as root later: `sysctl -w kernel.modprobe=/x`,
 * `echo /x > /proc/sys/kernel/modprobe`, `echo '|/x %p' | tee /proc/sys/kernel/core_pattern`,
 * `echo /x > /sys/kernel/uevent_helper` (on an offline image, a script's write is all there is to see).
 */
export function kernelHelperWrites(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(HELPER_KEY)) {
    const p = helperProgram(line.slice(m.index + m[0].length), HELPER_BY_NAME.get(m[1])!.piped);
    if (p) out.push(p);
  }
  if (!HELPER_FILE.test(line)) return out;
  for (const segment of line.split(/;|&&|\|\||\n/)) {
    const target = HELPER_FILE.exec(segment);
    if (!target) continue;
    const plain = segment.replace(/["'\\]/g, " ");
    if (HELPER_BY_FILE.get(target[1])!.piped) {
      for (const m of plain.matchAll(/\|[ \t]*(\/[^\s|>]+)/g)) {
        if (!/^\/(?:proc|sys)\//.test(m[1])) out.push(m[1]);
      }
      continue;
    }
    for (const word of plain.split(/[\s|>]+/)) {
      if (word.startsWith("/") && !word.startsWith("/proc/") && !word.startsWith("/sys/")) out.push(word);
    }
  }
  return out;
}

/**
 * The absolute paths a command line executes, in order, without duplicates, and the programs it installs as the
 * kernel's usermode helpers (see `kernelHelperWrites`).
 */
export function executedPaths(line: string): string[] {
  const out: string[] = [];
  for (const words of simpleCommands(line)) {
    const i = commandIndex(words, 0);
    if (i >= words.length) continue;
    if (words[i].startsWith("/")) out.push(words[i]);
    if (!isInterpreter(basename(words[i]))) continue;
    // The script an interpreter is given, past its own options.
    const script = commandIndex(words, i + 1);
    if (script < words.length && words[script].startsWith("/")) out.push(words[script]);
  }
  out.push(...kernelHelperWrites(line));
  return [...new Set(out)];
}

/**
 * The program name the first simple command of a line runs (`/usr/bin/env -i bash -i` → `bash`, quotes
 * removed), or "" when there is none.
 */
export function commandName(line: string): string {
  const words = simpleCommands(line)[0] ?? [];
  const i = commandIndex(words, 0);
  return i < words.length ? basename(words[i]) : "";
}
