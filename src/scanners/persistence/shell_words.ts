/**
 * Which absolute paths a shell command line executes: the command word of every simple command, and the
 * script an interpreter is given. A deliberately small lexer — it never evaluates anything.
 */

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
]);

/** Wrappers whose first non-option argument is not the command (a duration, a lock file). */
const WRAPPERS_WITH_ARG = new Set(["timeout", "flock"]);

/** Interpreters whose first non-option argument is the script they run (or the inline code's first word). */
const INTERPRETER =
  /^(?:(?:ba|da|z|k|c|tc|a)?sh|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|node|nodejs|lua[0-9.]*|\.|source)$/;

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const REDIRECT = /^(?:\d*[<>]|&>)/;
/** A redirection with its target (`2>&1`, `>/dev/null`, `&>> log`, `< in`), but not `<(` or `>(`. */
const REDIRECTION = /(?:\d*|&)>>?(?!\()&?\s*[^\s;&|()]+|\d*<(?![(<])&?\s*[^\s;&|()]+/g;

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

/** The absolute paths a command line executes, in order, without duplicates. */
export function executedPaths(line: string): string[] {
  const out: string[] = [];
  for (const words of simpleCommands(line)) {
    let i = 0;
    let interpreter = false;
    while (i < words.length) {
      const w = words[i];
      const name = basename(w);
      if (ASSIGNMENT.test(w) || REDIRECT.test(w) || (i > 0 && w.startsWith("-"))) {
        i++;
        continue;
      }
      if (WRAPPERS.has(name) || WRAPPERS_WITH_ARG.has(name)) {
        i++;
        if (WRAPPERS_WITH_ARG.has(name)) {
          while (i < words.length && words[i].startsWith("-")) i++;
          i++;
        }
        continue;
      }
      if (w.startsWith("/")) out.push(w);
      if (!interpreter && INTERPRETER.test(name)) {
        interpreter = true;
        i++;
        continue;
      }
      break;
    }
  }
  return [...new Set(out)];
}
