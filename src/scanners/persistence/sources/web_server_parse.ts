/**
 * Parsers of the Apache httpd and nginx configuration grammars, as far as the web-server hooks family needs them:
 * the directives that start programs, load shared objects and include other files. Each follows its server's
 * own reader (httpd 2.4's server/util.c ap_cfg_getline, ap_getword_conf, core.c ap_resolve_env; nginx's
 * src/core/ngx_conf_file.c ngx_conf_read_token), is a pure function of the text, linear in its length, and
 * never throws on malformed input.
 */

/** One Apache directive. */
export interface ApacheDirective {
  /** The line the logical line starts on (1-based). */
  line: number;
  /** The name, lowercased (httpd compares names without case); sections keep their `<`: `<ifmodule`, `</ifmodule`. */
  name: string;
  /** The arguments as ap_getword_conf splits them: quotes removed, `\"` and `\\` undone. */
  args: string[];
  /** The text after the name, for directives that read their own arguments (RAW_ARGS: ExtFilterDefine). */
  rest: string;
  /**
   * The innermost conditional section around it (`<IfModule mod_ssl.c>`, `<IfDefine X>`…), which httpd
   * evaluates when it reads the file and this parser does not: what it holds is treated as active.
   */
  condition?: string;
}

/** Sections httpd evaluates as it reads (or per request, `<If>`): their content may not be in effect. */
const CONDITIONAL = new Set([
  "<ifmodule",
  "<ifdefine",
  "<iffile",
  "<ifversion",
  "<ifdirective",
  "<ifsection",
  "<if",
  "<elseif",
  "<else",
]);

/** Sections nested deeper than this are counted, not kept (httpd sets no bound; real files nest a few deep). */
const MAX_NESTING = 256;

/** apr_isspace: blank, tab, newline, vertical tab, form feed, carriage return. */
function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\v" || ch === "\f";
}

/**
 * httpd's logical lines: a physical line (cut at a NUL byte, as the C string ends there) whose last character
 * before the newline (and an optional carriage return) is `\` is joined to the next, the backslash and newline
 * removed; then blanks are trimmed and blank and `#` lines dropped. Joining happens before comments are seen, so
 * a comment line ending in `\` swallows the next line, as it does in httpd. The last line, without a newline,
 * is never continued.
 */
export function apacheLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let pieces: string[] = [];
  let start = 1;
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl < 0 ? text.length : nl;
    let piece = text.slice(pos, end);
    lineNo++;
    if (pieces.length === 0) start = lineNo;
    const nul = piece.indexOf("\0");
    if (nul >= 0) piece = piece.slice(0, nul);
    const body = nul < 0 && piece.endsWith("\r") ? piece.slice(0, -1) : piece;
    if (nl >= 0 && nul < 0 && body.endsWith("\\")) pieces.push(body.slice(0, -1));
    else {
      pieces.push(piece);
      const joined = pieces.join("").trim();
      pieces = [];
      if (joined !== "" && !joined.startsWith("#")) out.push({ line: start, text: joined });
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  return out;
}

/**
 * ap_resolve_env: every `${NAME}` with a closing brace is replaced by what `resolve` gives (a Define, then the
 * environment), or kept as it is when nothing is known. Linear: the search for a `}` never goes back.
 */
export function resolveApacheVars(line: string, resolve: (name: string) => string | undefined): string {
  if (!line.includes("${")) return line;
  let out = "";
  let from = 0;
  for (;;) {
    const s = line.indexOf("${", from);
    if (s < 0) break;
    const e = line.indexOf("}", s + 2);
    if (e < 0) break; // no `}` after this one: none after any later `${` either
    const value = resolve(line.slice(s + 2, e));
    out += line.slice(from, s) + (value ?? line.slice(s, e + 1));
    from = e + 1;
  }
  return out + line.slice(from);
}

/** How many backslashes end `text` before `at`, back to `from` at most. */
function backslashesBefore(text: string, at: number, from: number): number {
  let k = at;
  while (k > from && text[k - 1] === "\\") k--;
  return at - k;
}

/**
 * Where the quoted word whose body starts at `from` ends: at the first `q` after an even run of backslashes (an
 * odd run's last backslash escapes it), or the end of the text. Found with indexOf, so a long word of escapes
 * costs one step per quote, not per character.
 */
export function quotedEnd(text: string, from: number, q: string): number {
  for (let k = text.indexOf(q, from); k >= 0; k = text.indexOf(q, k + 1)) {
    if (backslashesBefore(text, k, from) % 2 === 0) return k;
  }
  return text.length;
}

/**
 * `raw` with each backslash whose next character `escaped` maps (to a character code; -1 when it is no escape)
 * replaced by that mapping, left to right, the pair consumed whole. One pass into a code buffer: a regular
 * expression replace of half a million escapes made garbage enough to slow the collector down with the size.
 */
function unescape(raw: string, escaped: (code: number) => number): string {
  if (!raw.includes("\\")) return raw;
  const out = new Uint16Array(raw.length);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const to = c === 0x5c && i + 1 < raw.length ? escaped(raw.charCodeAt(i + 1)) : -1;
    if (to >= 0) i++;
    out[o++] = to >= 0 ? to : c;
  }
  const chunks: string[] = [];
  for (let k = 0; k < o; k += 8192) {
    chunks.push(String.fromCharCode(...out.subarray(k, Math.min(o, k + 8192))));
  }
  return chunks.join("");
}

/** The character code of a backslash. */
const BACKSLASH = 0x5c;

/** The next blank (apr_isspace) at or after `from`, or the end of the line. */
const BLANK = /[ \t\n\r\v\f]/g;

/**
 * ap_getword_conf over a whole line: words split at blanks; a word starting with `"` or `'` runs to the same
 * quote (a backslash before the quote or another backslash escapes it; an unclosed one runs to the end); `\\`
 * and, in a quoted word, `\` + the quote are undone. A quote inside a word is an ordinary character.
 */
export function apacheWords(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    const q = line[i];
    const quoted = q === '"' || q === "'";
    const from = quoted ? ++i : i;
    if (quoted) i = quotedEnd(line, from, q);
    else {
      BLANK.lastIndex = from;
      i = BLANK.exec(line)?.index ?? n;
    }
    const raw = line.slice(from, i);
    // substring_conf, left to right: `\\` and (quoted) `\` + the quote give the character after the backslash.
    out.push(
      unescape(raw, (c) => c === BACKSLASH || (quoted && c === q.charCodeAt(0)) ? c : -1),
    );
    if (quoted && i < n) i++; // the closing quote
  }
  return out;
}

/**
 * The directives of an Apache configuration file, in order, each line's `${…}` variables resolved through
 * `resolve` at the moment it is reached (a Define earlier in the file, or in a file included earlier, counts:
 * the caller updates what `resolve` knows between directives). Section openers and closers are directives too.
 */
export function* apacheDirectives(
  text: string,
  resolve: (name: string) => string | undefined,
): Generator<ApacheDirective> {
  // Open sections, each with the innermost conditional one at or above it (kept per level, so a lookup is O(1)).
  const stack: { name: string; condition?: string }[] = [];
  let deeper = 0; // sections opened past MAX_NESTING: counted, not kept
  for (const l of apacheLines(text)) {
    const line = resolveApacheVars(l.text, resolve);
    const words = apacheWords(line);
    if (words.length === 0) continue;
    let name = words[0].toLowerCase();
    const args = words.slice(1);
    BLANK.lastIndex = 0;
    const rest = line.slice(BLANK.exec(line)?.index ?? line.length).trim();
    const condition = stack.at(-1)?.condition;
    if (name.startsWith("</")) {
      const closes = name.replace(/>$/, "").slice(2);
      if (deeper > 0) deeper--;
      else if (stack.at(-1)?.name === closes) stack.pop();
    } else if (name.startsWith("<")) {
      name = name.replace(/>$/, "");
      if (args.length > 0) args[args.length - 1] = args[args.length - 1].replace(/>$/, "");
      const label = () => `${words[0].replace(/>$/, "")}${rest ? ` ${rest.replace(/>$/, "")}` : ""}>`;
      const inner = CONDITIONAL.has(name) ? label().slice(0, 200) : condition;
      if (stack.length < MAX_NESTING) stack.push({ name: name.slice(1), condition: inner });
      else deeper++;
    }
    yield { line: l.line, name, args, rest, ...(condition !== undefined ? { condition } : {}) };
  }
}

/** How httpd's documentation spells the directives this family reads (names are compared without case). */
const SPELLING: Readonly<Record<string, string>> = {
  errorlog: "ErrorLog",
  customlog: "CustomLog",
  transferlog: "TransferLog",
  globallog: "GlobalLog",
  forensiclog: "ForensicLog",
  rewritemap: "RewriteMap",
  sslpassphrasedialog: "SSLPassPhraseDialog",
  sslrandomseed: "SSLRandomSeed",
  authldapbindpassword: "AuthLDAPBindPassword",
  sessioncryptopassphrase: "SessionCryptoPassphrase",
  extfilterdefine: "ExtFilterDefine",
  loadmodule: "LoadModule",
  loadfile: "LoadFile",
};

/** A lowercased directive name as httpd's documentation spells it (`customlog` → `CustomLog`). */
export function apacheSpelling(name: string): string {
  return Object.hasOwn(SPELLING, name) ? SPELLING[name] : name;
}

/** When an Apache hook program runs, and as whom. */
export type ApacheRunner =
  /** Started at start-up by the root parent process (and restarted by it when it dies, for piped logs). */
  | "parent"
  /** Run by a child process, as the server's `User`, when a request or connection needs it. */
  | "child"
  /** Started at start-up as the account the directive names (`RewriteMap … prg:… user:group`). */
  | "named";

/** A program an Apache directive makes the server run. */
export interface ApacheProgram {
  /** The directive, as httpd's documentation spells it. */
  directive: string;
  /** What runs: a program and its arguments, or a shell command when `shell`. */
  command: string;
  /** `|$…`: run through /bin/sh -c; otherwise the words are split and the first is executed directly. */
  shell: boolean;
  runner: ApacheRunner;
  /** The account of a `named` runner. */
  user?: string;
  /** What the program is: "piped log", "RewriteMap prg:"… */
  role: string;
}

/** Logging directives whose target may be `|program` (mod_log_config, core, mod_log_forensic). */
const LOG_DIRECTIVES = new Set(["errorlog", "customlog", "transferlog", "globallog", "forensiclog"]);

/** A piped-log target's program: `|prog`, `||prog` (2.2's spelling, the same in 2.4), `|$cmd` (a shell). */
function pipedProgram(target: string): { command: string; shell: boolean } | undefined {
  if (!target.startsWith("|")) return undefined;
  let p = target.slice(1);
  if (p.startsWith("|")) p = p.slice(1);
  const shell = p.startsWith("$");
  if (shell) p = p.slice(1);
  p = p.trim();
  return p === "" ? undefined : { command: p, shell };
}

/**
 * The program a directive runs, if it runs one: piped logs (ErrorLog, CustomLog, TransferLog, GlobalLog,
 * ForensicLog), `RewriteMap name prg:…`, `SSLPassPhraseDialog exec:…|…`, `SSLRandomSeed startup|connect
 * exec:…`, `AuthLDAPBindPassword exec:…`, `SessionCryptoPassphrase exec:…` and `ExtFilterDefine … cmd=…`.
 * Prefixes are compared as httpd compares them (`prg:` without case, `exec:` with case).
 */
export function apacheProgram(d: ApacheDirective): ApacheProgram | undefined {
  const [a0, a1, a2] = d.args;
  const directive = apacheSpelling(d.name);
  if (LOG_DIRECTIVES.has(d.name)) {
    const p = a0 === undefined ? undefined : pipedProgram(a0);
    return p && { directive, ...p, runner: "parent", role: "piped log" };
  }
  const exec = (v: string | undefined) => v !== undefined && v.length > 5 && v.startsWith("exec:");
  switch (d.name) {
    case "rewritemap": {
      if (a1 === undefined || a1.slice(0, 4).toLowerCase() !== "prg:" || a1.slice(4).trim() === "") return;
      const user = a2?.split(":")[0];
      return {
        directive,
        command: a1.slice(4).trim(),
        shell: false,
        ...(user ? { runner: "named" as const, user } : { runner: "parent" as const }),
        role: "RewriteMap prg: program",
      };
    }
    case "sslpassphrasedialog": {
      if (exec(a0)) {
        return {
          directive,
          command: a0!.slice(5),
          shell: false,
          runner: "parent",
          role: "pass-phrase program",
        };
      }
      // `|program`: mod_ssl takes the rest as it is (no `||` or `|$` forms) and runs it without a shell.
      const piped = a0 !== undefined && a0.length > 1 && a0.startsWith("|") ? a0.slice(1).trim() : "";
      return piped === ""
        ? undefined
        : { directive, command: piped, shell: false, runner: "parent", role: "pass-phrase program" };
    }
    case "sslrandomseed":
      if (!exec(a1) || (a0 !== "startup" && a0 !== "connect")) return undefined;
      return {
        directive,
        command: a1!.slice(5),
        shell: false,
        runner: a0 === "startup" ? "parent" : "child",
        role: `random seed program (${a0})`,
      };
    case "authldapbindpassword":
    case "sessioncryptopassphrase":
      return exec(a0)
        ? {
          directive,
          command: a0!.slice(5),
          shell: false,
          runner: "parent",
          role: "password program",
        }
        : undefined;
    case "extfilterdefine": {
      const m = /(?:^|\s)cmd=/i.exec(d.rest);
      if (!m) return undefined;
      const from = m.index + m[0].length;
      let command: string;
      if (d.rest[from] === '"') {
        let j = from + 1;
        while (j < d.rest.length && d.rest[j] !== '"') j += d.rest[j] === "\\" ? 2 : 1;
        command = d.rest.slice(from + 1, Math.min(j, d.rest.length));
      } else command = d.rest.slice(from).split(/\s/)[0];
      command = command.trim();
      return command === ""
        ? undefined
        : { directive, command, shell: false, runner: "child", role: "external filter" };
    }
  }
  return undefined;
}

/** The shared objects a directive loads into httpd: `LoadModule name file`, `LoadFile file…`. */
export function apacheModules(d: ApacheDirective): string[] {
  if (d.name === "loadmodule") return d.args[1] ? [d.args[1]] : [];
  if (d.name === "loadfile") return d.args.filter((a) => a !== "");
  return [];
}

/** One nginx directive: its words (the name first), the line its name is on, and how deep in blocks it is. */
export interface NginxDirective {
  line: number;
  args: string[];
  /** 0 in the main context, 1 inside `http { }`, `events { }`… */
  depth: number;
}

/** nginx's escapes in a word: `\"`, `\'`, `\\` give the character; `\t`, `\r`, `\n` the control; others stay. */
function nginxUnescape(raw: string): string {
  return unescape(raw, (c) => {
    if (c === 0x22 || c === 0x27 || c === BACKSLASH) return c; // " ' \
    return c === 0x74 ? 0x09 : c === 0x72 ? 0x0d : c === 0x6e ? 0x0a : -1; // t r n
  });
}

/**
 * The directives of an nginx configuration file, in order, as ngx_conf_read_token reads it: words split at blanks, `;`
 * ending a directive and `{` opening a block (`}` closing it), `#` starting a comment only where a word could
 * start (`a#b` is one word), `"…"` and `'…'` words with `\` escaping the next character, a `\` outside quotes
 * escaping the next one too, and `${` inside a word not opening a block. Where nginx would stop with an error the
 * parser keeps going; names keep their case (nginx compares them with case).
 */
export function* nginxDirectives(text: string): Generator<NginxDirective> {
  let args: string[] = [];
  let first = 0;
  let depth = 0;
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === "\n") {
      line++;
      i++;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (ch === ";" || ch === "{") {
      if (args.length > 0) yield { line: first, args, depth };
      args = [];
      if (ch === "{") depth++;
      i++;
      continue;
    }
    if (ch === "}") {
      args = [];
      depth = Math.max(0, depth - 1);
      i++;
      continue;
    }
    if (args.length === 0) first = line;
    if (ch === '"' || ch === "'") {
      // A backslash escapes any character in a quoted word, so a quote ends it after an even run of them.
      const j = quotedEnd(text, i + 1, ch);
      for (let k = text.indexOf("\n", i); k >= 0 && k < j; k = text.indexOf("\n", k + 1)) line++;
      args.push(nginxUnescape(text.slice(i + 1, j)));
      i = j + 1;
      continue;
    }
    let j = i;
    for (; j < n; j++) {
      const c = text[j];
      if (c === "\\" && j + 1 < n) {
        if (text[j + 1] === "\n") line++;
        j++;
        continue;
      }
      if (c === "{" && j > i && text[j - 1] === "$") continue;
      if (c === " " || c === "\t" || c === "\r" || c === "\n" || c === ";" || c === "{") break;
    }
    args.push(nginxUnescape(text.slice(i, j)));
    i = j;
  }
}
