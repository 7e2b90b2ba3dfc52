/**
 * What a shell start-up file defines that runs later: aliases and functions (which can shadow `sudo`, `ls`…),
 * PROMPT_COMMAND (run before every prompt), traps (`trap CMD DEBUG` runs before every command) and zsh hook
 * functions (precmd, preexec…). Built on the lexer in `shell_lex.ts`.
 */
import { lexShell, type Token } from "./shell_lex.ts";
import { RESERVED_BEFORE_COMMAND } from "../shell_words.ts";

/** An alias or a function. */
export interface ShellDefinition {
  kind: "alias" | "function";
  name: string;
  line: number;
  /** The alias's value, or the function's body (the source between its braces or parentheses). */
  body: string;
}

/** A command the shell runs on an event. */
export interface ShellHook {
  kind: "prompt_command" | "trap" | "zsh_hook";
  /** The signals of a trap (`DEBUG`, `EXIT`…) or the zsh hook (`preexec`…); "" for PROMPT_COMMAND. */
  on: string;
  line: number;
  command: string;
}

/** Everything found in one file. */
export interface ShellDefinitions {
  definitions: ShellDefinition[];
  hooks: ShellHook[];
}

/** zsh's hook functions: defined under these names, they run on the event. */
export const ZSH_HOOKS = new Set(["precmd", "preexec", "chpwd", "periodic", "zshexit", "zshaddhistory"]);

const DECLARERS = new Set(["export", "declare", "typeset", "local", "readonly"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_.:+@-]*$/;

/** Strips the `\`, `command` and `builtin` that make a word run the builtin rather than an alias. */
function bare(word: string): string {
  return word.replace(/^\\/, "");
}

/** The index after the matching close of the group opened at `open` (a `{` word or a `(` operator). */
function matchClose(tokens: readonly Token[], open: number): number {
  const isBrace = tokens[open].type === "word";
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (isBrace ? t.type === "word" && t.text === "{" && !t.quoted : t.type === "op" && t.text === "(") {
      depth++;
    } else if (
      isBrace ? t.type === "word" && t.text === "}" && !t.quoted : t.type === "op" && t.text === ")"
    ) {
      if (--depth === 0) return i + 1;
    }
  }
  return tokens.length;
}

/** Parses a start-up file's text. Never throws. */
export function parseShellDefinitions(text: string): ShellDefinitions {
  const tokens = lexShell(text);
  const out: ShellDefinitions = { definitions: [], hooks: [] };
  const hookRefs: { on: string; fn: string; line: number }[] = [];
  const words = (from: number) => {
    const ws: Token[] = [];
    for (let k = from; k < tokens.length && tokens[k].type !== "op"; k++) {
      if (tokens[k].type === "word") ws.push(tokens[k]);
    }
    return ws;
  };
  const assignment = (w: Token, at: number) => {
    const m = /^PROMPT_COMMAND\+?=([\s\S]*)$/.exec(w.text);
    if (!m) return;
    const next = tokens[at + 1];
    if (m[1] === "" && next?.type === "op" && next.text === "(" && next.start === w.end) {
      const end = matchClose(tokens, at + 1);
      for (const x of tokens.slice(at + 2, end - 1)) {
        if (x.type === "word") {
          out.hooks.push({ kind: "prompt_command", on: "", line: x.line, command: x.text });
        }
      }
      return;
    }
    if (m[1] !== "") out.hooks.push({ kind: "prompt_command", on: "", line: w.line, command: m[1] });
  };
  let atStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== "word") {
      atStart = t.type === "op";
      continue;
    }
    if (!atStart) continue;
    atStart = RESERVED_BEFORE_COMMAND.has(t.text) && !t.quoted;
    if (atStart) continue;
    let w = bare(t.text);
    let at = i;
    if ((w === "command" || w === "builtin") && tokens[i + 1]?.type === "word") {
      w = bare(tokens[i + 1].text);
      at = i + 1;
    }
    if (w === "alias") {
      for (const a of words(at + 1)) {
        const eq = a.text.indexOf("=");
        if (eq > 0 && NAME.test(a.text.slice(0, eq))) {
          out.definitions.push({
            kind: "alias",
            name: a.text.slice(0, eq),
            line: a.line,
            body: a.text.slice(eq + 1),
          });
        }
      }
      continue;
    }
    if (w === "trap") {
      const args = words(at + 1).map((x) => x.text);
      if (args[0] === "--") args.shift();
      // `trap -p` and `trap -l` list; `trap - SIG` and `trap '' SIG` reset or ignore.
      if (args.length >= 2 && args[0] !== "-" && args[0] !== "" && !/^-[lp]+$/.test(args[0])) {
        out.hooks.push({ kind: "trap", on: args.slice(1).join(" "), line: t.line, command: args[0] });
      }
      continue;
    }
    if (w === "add-zsh-hook") {
      const args = words(at + 1).map((x) => x.text).filter((x) => !x.startsWith("-"));
      if (args.length >= 2) hookRefs.push({ on: args[0], fn: args[1], line: t.line });
      continue;
    }
    const zshArray = /^(precmd|preexec|chpwd|periodic|zshexit|zshaddhistory)_functions\+?=/.exec(w);
    if (zshArray && tokens[at + 1]?.type === "op" && tokens[at + 1].text === "(") {
      const end = matchClose(tokens, at + 1);
      for (const x of tokens.slice(at + 2, end - 1)) {
        if (x.type === "word") hookRefs.push({ on: zshArray[1], fn: x.text, line: x.line });
      }
      i = end - 1;
      continue;
    }
    if (DECLARERS.has(w)) {
      for (let k = at + 1; k < tokens.length && tokens[k].type !== "op"; k++) {
        if (tokens[k].type === "word") assignment(tokens[k], k);
      }
      continue;
    }
    if (/^PROMPT_COMMAND\+?=/.test(t.text)) {
      assignment(t, i);
      atStart = true;
      continue;
    }
    // Functions: `name () body`, `function name [()] body`.
    let name: string | undefined;
    let bodyAt = -1;
    if (w === "function" && tokens[at + 1]?.type === "word") {
      name = tokens[at + 1].text;
      bodyAt = at + 2;
      if (tokens[bodyAt]?.text === "(" && tokens[bodyAt + 1]?.text === ")") bodyAt += 2;
    } else if (tokens[at + 1]?.type === "op" && tokens[at + 1].text === "(" && tokens[at + 2]?.text === ")") {
      name = t.text;
      bodyAt = at + 3;
    }
    if (name === undefined || !NAME.test(name)) continue;
    while (tokens[bodyAt]?.type === "op" && tokens[bodyAt].text === "\n") bodyAt++;
    const open = tokens[bodyAt];
    if (
      !open || !((open.type === "word" && open.text === "{") || (open.type === "op" && open.text === "("))
    ) continue;
    const end = matchClose(tokens, bodyAt);
    const last = tokens[end - 1];
    const closed = end - 1 > bodyAt && (last.text === "}" || last.text === ")");
    const body = text.slice(open.end, closed ? last.start : (last?.end ?? open.end)).trim();
    out.definitions.push({ kind: "function", name, line: t.line, body });
    if (ZSH_HOOKS.has(name)) out.hooks.push({ kind: "zsh_hook", on: name, line: t.line, command: body });
    i = end - 1;
    atStart = true;
  }
  for (const r of hookRefs) {
    const fn = out.definitions.find((d) => d.kind === "function" && d.name === r.fn);
    out.hooks.push({ kind: "zsh_hook", on: r.on, line: r.line, command: fn?.body ?? r.fn });
  }
  return out;
}
