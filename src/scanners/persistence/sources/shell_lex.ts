/**
 * A small lexer for POSIX shell and bash start-up files: words (with their quotes removed and their source span
 * kept), control operators and redirections, with comments, line continuations, `$(…)`, `${…}`, backquotes and
 * here-documents handled well enough to find definitions (aliases, functions, traps, PROMPT_COMMAND) in a file.
 * It never evaluates anything, never throws, and is linear in the input.
 */

/** One token. */
export interface Token {
  /** "word": a shell word; "op": `;` `&` `|` `&&` `||` `(` `)` `;;` or a newline ("\n"); "redir": `>` `>>` `<` … */
  type: "word" | "op" | "redir";
  /** A word with quotes and escapes removed (expansions kept as written); an operator as written. */
  text: string;
  /** Source span [start, end) in the lexed text. */
  start: number;
  end: number;
  /** 1-based line of the token's start. */
  line: number;
  /** True when (part of) the word was quoted. */
  quoted?: boolean;
}

const META = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

/** Skips a `$(...)`, `${...}` or backquoted span starting at `i` (the `$` or backquote); returns the index after it. */
function skipExpansion(s: string, i: number): number {
  if (s[i] === "`") {
    let j = i + 1;
    while (j < s.length && s[j] !== "`") j += s[j] === "\\" ? 2 : 1;
    return Math.min(j + 1, s.length);
  }
  const open = s[i + 1];
  const close = open === "(" ? ")" : "}";
  let depth = 0;
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === "\\") j += 2;
    else if (c === "'" && open === "(") {
      const k = s.indexOf("'", j + 1);
      j = k < 0 ? s.length : k + 1;
    } else if (c === '"') {
      j++;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      j++;
    } else {
      if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
      j++;
    }
  }
  return s.length;
}

/** Lexes a whole file (or a command string). */
export function lexShell(s: string): Token[] {
  const out: Token[] = [];
  const heredocs: { delim: string; strip: boolean }[] = [];
  let i = 0;
  let line = 1;
  const count = (from: number, to: number) => {
    for (let k = from; k < to && k < s.length; k++) if (s[k] === "\n") line++;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && s[i + 1] === "\n") {
      i += 2;
      line++;
      continue;
    }
    if (c === "#") {
      while (i < s.length && s[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      out.push({ type: "op", text: "\n", start: i, end: i + 1, line });
      i++;
      line++;
      // Here-document bodies follow the line that opened them.
      for (const h of heredocs.splice(0)) {
        while (i < s.length) {
          const eol = s.indexOf("\n", i);
          const end = eol < 0 ? s.length : eol;
          const body = s.slice(i, end).replace(/\r$/, "");
          i = eol < 0 ? s.length : eol + 1;
          line++;
          if ((h.strip ? body.replace(/^\t+/, "") : body) === h.delim) break;
        }
      }
      continue;
    }
    const two = s.slice(i, i + 2);
    if (c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
      const op = ["&&", "||", ";;", "|&"].includes(two) ? two : c;
      if (c === "&" && s[i + 1] === ">") {
        const len = s[i + 2] === ">" ? 3 : 2;
        out.push({ type: "redir", text: s.slice(i, i + len), start: i, end: i + len, line });
        i += len;
        continue;
      }
      out.push({ type: "op", text: op, start: i, end: i + op.length, line });
      i += op.length;
      continue;
    }
    if (c === "<" || c === ">") {
      const m = /^(?:<<<|<<-|<<|>>\||>>|>&|<&|<>|>\||>|<)/.exec(s.slice(i, i + 3))!;
      if ((m[0] === "<" || m[0] === ">") && s[i + 1] === "(") {
        // Process substitution: a word.
      } else {
        out.push({ type: "redir", text: m[0], start: i, end: i + m[0].length, line });
        i += m[0].length;
        if (m[0] === "<<" || m[0] === "<<-") {
          const d = /^[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|([^\s;&|<>()]+))/.exec(s.slice(i));
          if (d) heredocs.push({ delim: (d[1] ?? d[2] ?? d[3]).replace(/\\/g, ""), strip: m[0] === "<<-" });
        }
        continue;
      }
    }
    // A word: up to the next unquoted metacharacter.
    const start = i;
    const startLine = line;
    let text = "";
    let quoted = false;
    while (i < s.length && !META.has(s[i]) && s[i] !== "\r") {
      const ch = s[i];
      if (ch === "\\") {
        if (s[i + 1] === "\n") {
          i += 2;
          line++;
          continue;
        }
        text += s[i + 1] ?? "";
        quoted = true;
        i += 2;
      } else if (ch === "'") {
        const k = s.indexOf("'", i + 1);
        const end = k < 0 ? s.length : k;
        text += s.slice(i + 1, end);
        count(i, end);
        quoted = true;
        i = end + 1;
      } else if (ch === "$" && s[i + 1] === "'") {
        let j = i + 2;
        while (j < s.length && s[j] !== "'") j += s[j] === "\\" ? 2 : 1;
        text += s.slice(i + 2, Math.min(j, s.length)).replace(
          /\\(.)/g,
          (_, x: string) => x === "n" ? "\n" : x,
        );
        count(i, j);
        quoted = true;
        i = j + 1;
      } else if (ch === '"') {
        let j = i + 1;
        let part = "";
        while (j < s.length && s[j] !== '"') {
          if (s[j] === "\\" && /["\\$`\n]/.test(s[j + 1] ?? "")) {
            if (s[j + 1] !== "\n") part += s[j + 1];
            j += 2;
          } else if ((s[j] === "$" && (s[j + 1] === "(" || s[j + 1] === "{")) || s[j] === "`") {
            const k = skipExpansion(s, j);
            part += s.slice(j, k);
            j = k;
          } else part += s[j++];
        }
        text += part;
        count(i, j);
        quoted = true;
        i = j + 1;
      } else if ((ch === "$" && (s[i + 1] === "(" || s[i + 1] === "{")) || ch === "`") {
        const k = skipExpansion(s, i);
        text += s.slice(i, k);
        count(i, k);
        i = k;
      } else if ((ch === "<" || ch === ">") && s[i + 1] === "(") {
        const k = skipExpansion(s, i);
        text += s.slice(i, k);
        count(i, k);
        i = k;
      } else {
        text += ch;
        i++;
      }
    }
    if (i === start) {
      i++;
      continue;
    }
    // `2>&1`, `3<file`: digits right before a redirection are its file descriptor, not a word.
    if (!quoted && /^\d+$/.test(text) && (s[i] === "<" || s[i] === ">")) continue;
    out.push({
      type: "word",
      text,
      start,
      end: Math.min(i, s.length),
      line: startLine,
      ...(quoted ? { quoted } : {}),
    });
  }
  return out;
}

/** One simple command: its words (redirections and their targets apart) and how it is connected. */
export interface SimpleCommand {
  words: Token[];
  /** Output redirections of this command with their targets (`>` file, `>>` file, `&>` file). */
  redirects: { op: string; target: string }[];
  /** True when the command reads the previous command's output through a pipe. */
  piped: boolean;
  line: number;
}

/** Splits tokens into simple commands (on ; & && || | newlines and parentheses). */
export function simpleCommandsOf(tokens: readonly Token[]): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let cur: SimpleCommand | undefined;
  let pipedNext = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === "op") {
      if (cur) out.push(cur);
      cur = undefined;
      pipedNext = t.text === "|" || t.text === "|&";
      continue;
    }
    cur ??= { words: [], redirects: [], piped: pipedNext, line: t.line };
    if (t.type === "redir") {
      const target = tokens[i + 1]?.type === "word" ? tokens[++i].text : "";
      if (t.text.includes(">")) cur.redirects.push({ op: t.text, target });
      continue;
    }
    cur.words.push(t);
  }
  if (cur) out.push(cur);
  return out;
}
