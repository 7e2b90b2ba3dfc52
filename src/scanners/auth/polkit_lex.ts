/**
 * Reading polkit's JavaScript rules as text, never running them: comments removed, and for every bracket and
 * literal (string, template, regular expression) where it ends, so that the judgements of polkit_subject.ts and
 * polkit_js.ts step over them. Every function here takes time linear in its input.
 */

/**
 * Words after which a `/` starts a regular expression literal rather than a division (JavaScript's grammar: the
 * import-graph test's lexer uses them too).
 */
export const REGEX_AFTER: ReadonlySet<string> = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);

/** Whether `c` can be part of an identifier ([A-Za-z0-9_$], as `[\w$]` in the patterns of these modules). */
export function isIdentChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 48 && k <= 57) || (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 95 || k === 36;
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\n" || c === "\t" || c === "\r" || c === "\f" || c === "\v" || c === "\u00a0";
}

/** The first index at or after `i` that is not whitespace. */
export function skipWs(code: string, i: number): number {
  while (i < code.length && isSpace(code[i])) i++;
  return i;
}

/** The last index at or before `i` that is not whitespace (-1 when there is none). */
export function skipWsBack(code: string, i: number): number {
  while (i >= 0 && isSpace(code[i])) i--;
  return i;
}

/** The start of the identifier whose last character is at `i`. */
export function wordStart(code: string, i: number): number {
  while (i > 0 && isIdentChar(code[i - 1])) i--;
  return i;
}

/** Whether a `/` is a regular expression's start, given the last significant character before it at `last`. */
function slashStartsRegex(src: string, last: number): boolean {
  if (last < 0) return true;
  const c = src[last];
  if (c === ")" || c === "]") return false;
  if (!isIdentChar(c)) return true;
  return REGEX_AFTER.has(src.slice(wordStart(src, last), last + 1));
}

/** Index just past the string or template literal starting at `i` (the end of `src` when it is never closed). */
function stringEnd(src: string, i: number): number {
  const q = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== q) j += src[j] === "\\" ? 2 : 1;
  return Math.min(j + 1, src.length);
}

/**
 * Index just past the regular expression literal (and its flags) starting at `i`; when the line ends first it
 * is no literal, and the result is `~n` for the index n of that line end.
 */
function regexEnd(src: string, i: number): number {
  let inClass = false;
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === "\n" || c === "\r") return ~j;
    if (c === "\\") {
      if (src[j + 1] === "\n" || src[j + 1] === "\r") return ~(j + 1);
      j++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") inClass = true;
    else if (c === "/") {
      let k = j + 1;
      while (k < src.length && /[a-z]/i.test(src[k])) k++;
      return k;
    }
  }
  return ~src.length;
}

/**
 * JavaScript source with comments removed (string, template and regular expression literals kept, so that
 * a regex such as /\/\// or a string "//" is not taken for a comment), so that patterns do not match
 * commented-out code.
 */
export function stripJsComments(src: string): string {
  const parts: string[] = [];
  let from = 0;
  let last = -1;
  // After a `/` that looked like a regex start but met the line's end, the rest of that line is not retried.
  let noRegexBefore = -1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === "`") {
      i = stringEnd(src, i) - 1;
      last = i;
    } else if (c === "/" && src[i + 1] === "/") {
      parts.push(src.slice(from, i), "\n");
      while (i < src.length && src[i] !== "\n") i++;
      from = i + 1;
    } else if (c === "/" && src[i + 1] === "*") {
      parts.push(src.slice(from, i), " ");
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 1;
      from = i + 1;
    } else if (c === "/" && i >= noRegexBefore && slashStartsRegex(src, last)) {
      const end = regexEnd(src, i);
      if (end > 0) i = end - 1;
      else noRegexBefore = ~end;
      last = i;
    } else if (!isSpace(c)) last = i;
  }
  parts.push(src.slice(from));
  return parts.join("");
}

/** Brackets and literals of comment-free JavaScript source. */
export interface JsLex {
  /**
   * For an opening bracket, or the first character of a literal: the index just past its end (-1 for a bracket
   * never closed). -1 elsewhere.
   */
  jump: Int32Array;
  /**
   * For a closing bracket: the index of the bracket it closes; for a character of a literal (delimiters
   * included): the literal's first index. -1 elsewhere.
   */
  open: Int32Array;
  /** 1 inside a string or template literal, 2 inside a regular expression literal, 0 in code. */
  lit: Uint8Array;
}

const [PAREN, BRACE, BRACKET, CLOSE_PAREN, CLOSE_BRACE, CLOSE_BRACKET] = [40, 123, 91, 41, 125, 93];
const [DQUOTE, SQUOTE, BACKTICK, SLASH, SEMI, NEWLINE] = [34, 39, 96, 47, 59, 10];

/** For a closing bracket's code, its opening bracket's; 0 for anything else. */
function opener(k: number): number {
  return k === CLOSE_PAREN ? PAREN : k === CLOSE_BRACE ? BRACE : k === CLOSE_BRACKET ? BRACKET : 0;
}

function isSpaceCode(k: number): boolean {
  return k === 32 || (k >= 9 && k <= 13) || k === 160;
}

/** The last code lexed and its lex: a rules file is lexed for its scope and for each kind of rule call. */
let lastLex: { code: string; lex: JsLex } | undefined;

/**
 * The brackets and literals of `code` (comments already removed), in one pass. A stray closer ends every
 * bracket opened since its own kind, as a parser would give up on them. The last answer is remembered.
 */
export function lexJs(code: string): JsLex {
  if (lastLex !== undefined && lastLex.code.length === code.length && lastLex.code === code) {
    return lastLex.lex;
  }
  const lex = lexCode(code);
  lastLex = { code, lex };
  return lex;
}

function lexCode(code: string): JsLex {
  const n = code.length;
  const jump = new Int32Array(n).fill(-1);
  const open = new Int32Array(n).fill(-1);
  const lit = new Uint8Array(n);
  const stack: number[] = [];
  let last = -1;
  let noRegexBefore = -1;
  for (let i = 0; i < n; i++) {
    const k = code.charCodeAt(i);
    if (
      k === DQUOTE || k === SQUOTE || k === BACKTICK ||
      (k === SLASH && i >= noRegexBefore && slashStartsRegex(code, last))
    ) {
      const end = k === SLASH ? regexEnd(code, i) : stringEnd(code, i);
      if (end < 0) {
        noRegexBefore = ~end;
        last = i;
        continue;
      }
      jump[i] = end;
      open.fill(i, i, end);
      lit.fill(k === SLASH ? 2 : 1, i, end);
      i = end - 1;
      last = i;
    } else if (k === PAREN || k === BRACE || k === BRACKET) {
      stack.push(i);
      last = i;
    } else if (opener(k) !== 0) {
      const want = opener(k);
      while (stack.length > 0 && code.charCodeAt(stack[stack.length - 1]) !== want) stack.pop();
      const o = stack.pop();
      if (o !== undefined) {
        jump[o] = i + 1;
        open[i] = o;
      }
      last = i;
    } else if (!isSpaceCode(k)) last = i;
  }
  return { jump, open, lit };
}

/**
 * For every opening bracket of `code` ((, {, [), the index just past the bracket that closes it, or -1 when it is
 * never closed; for the first character of a string, template or regex literal, the index just past it. One
 * pass, so matching every `if` of a large file stays linear.
 */
export function bracketPairs(code: string): Int32Array {
  return lexJs(code).jump;
}

/** Where the statements and blocks around some indexes end (each array is in the order the indexes were given). */
export interface StatementEnds {
  /** The first `;` at or after the index at its bracket level, else the closer of the bracket around it (or the end). */
  semi: Int32Array;
  /** As `semi`, but a line end at the index's level also ends the statement (for bodies of `if` without braces). */
  line: Int32Array;
  /** The index of the closer of the bracket around the index (the end of `code` at the top level). */
  block: Int32Array;
}

/**
 * Statement and block ends at `positions` of `code`, in one pass from the end that keeps only the brackets it is
 * inside (nothing the size of the code is allocated).
 */
export function statementEnds(code: string, lex: JsLex, positions: readonly number[]): StatementEnds {
  const n = code.length;
  const semi = new Int32Array(positions.length);
  const line = new Int32Array(positions.length);
  const block = new Int32Array(positions.length);
  const order = positions.map((_, k) => k).sort((x, y) => positions[y] - positions[x]);
  // One level per bracket the pass is inside (from the end): its closer, and the nearest ; and line end in it.
  const closes = [n];
  const semis = [-1];
  const lines = [-1];
  let top = 0;
  let q = 0;
  /** Answers the positions at or after `from` (those not answered yet) from the current level. */
  const answer = (from: number) => {
    for (; q < order.length && positions[order[q]] >= from; q++) {
      const k = order[q];
      semi[k] = semis[top] >= 0 ? semis[top] : closes[top];
      line[k] = lines[top] >= 0 ? lines[top] : semi[k];
      block[k] = closes[top];
    }
  };
  answer(n);
  for (let i = n - 1; i >= 0 && q < order.length; i--) {
    const s = lex.lit[i] !== 0 ? lex.open[i] : i;
    if (s === i && lex.lit[i] === 0) {
      const k = code.charCodeAt(i);
      if (opener(k) !== 0 && lex.open[i] >= 0) {
        answer(i);
        top++;
        closes[top] = i;
        semis[top] = -1;
        lines[top] = -1;
        continue;
      }
      if ((k === PAREN || k === BRACE || k === BRACKET) && lex.jump[i] >= 0 && top > 0) top--;
      else if (k === SEMI) semis[top] = lines[top] = i;
      else if (k === NEWLINE) lines[top] = i;
    }
    answer(s);
    i = s;
  }
  answer(0);
  return { semi, line, block };
}

/** The value of a string literal's source text (quotes included): escapes read as JavaScript reads them. */
export function stringValue(text: string): string {
  if (!text.includes("\\")) return text.slice(1, -1);
  return text.slice(1, -1).replace(/\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.))/gs, (_m, x, u, c) => {
    if (x !== undefined || u !== undefined) return String.fromCharCode(parseInt(x ?? u, 16));
    return ({ n: "\n", t: "\t", r: "\r", "0": "\0" } as Record<string, string>)[c] ?? c;
  });
}

/** The string literal (not a template with `${`) starting at `i`, as its value; undefined when there is none. */
export function stringAt(code: string, lex: JsLex, i: number): { value: string; end: number } | undefined {
  if (lex.lit[i] !== 1 || lex.open[i] !== i) return undefined;
  const end = lex.jump[i];
  const text = code.slice(i, end);
  if (text.length < 2 || text[text.length - 1] !== text[0] || (text[0] === "`" && text.includes("${"))) {
    return undefined;
  }
  return { value: stringValue(text), end };
}

/** Which names a position's enclosing functions declare, to tell their variables from the global ones. */
export interface FunctionScopes {
  /**
   * Whether `name` at `pos` is a variable of a function around it (a parameter, or declared in it with var, let,
   * const or function); at most 32 functions out are looked at.
   */
  isLocal(pos: number, name: string): boolean;
  /**
   * The start (its `{`) of the innermost function around `pos` that declares `name` (as isLocal looks), or -1:
   * tells a rule's own parameter from a nested function's of the same name.
   */
  declaredBy(pos: number, name: string): number;
}

/** The leading identifiers of a parameter list's text (`a, b = 1, ...c`; destructured ones are skipped). */
function paramList(text: string): string[] {
  return text.split(",").map((p) => p.trim().replace(/^\.\.\./, "").match(/^[A-Za-z_$][\w$]*/)?.[0])
    .filter((p): p is string => p !== undefined);
}

/** The last code whose function scopes were read, and them. */
let lastScopes: { code: string; lex: JsLex; scopes: FunctionScopes } | undefined;

/** The function bodies of `code` and the names each declares, in one pass (the last answer is remembered). */
export function functionScopes(code: string, lex: JsLex): FunctionScopes {
  const last = lastScopes;
  if (last !== undefined && last.lex === lex && last.code === code) return last.scopes;
  const scopes = readScopes(code, lex);
  lastScopes = { code, lex, scopes };
  return scopes;
}

function readScopes(code: string, lex: JsLex): FunctionScopes {
  const bodies: { start: number; end: number; params: string[] }[] = [];
  for (const m of code.matchAll(/(?<![\w$.])function\s*\*?\s*[\w$]*\s*\(/g)) {
    const p = m.index! + m[0].length - 1;
    const c = lex.jump[p];
    const b = c < 0 ? -1 : skipWs(code, c);
    if (lex.lit[m.index!] !== 0 || b < 0 || code[b] !== "{" || lex.jump[b] < 0) continue;
    bodies.push({ start: b, end: lex.jump[b], params: paramList(code.slice(p + 1, c - 1)) });
  }
  // Arrows: a block body, or an expression body that runs to the end of its statement (or of the brackets
  // around it: past a comma that ends it, which only counts more code as the arrow's).
  const exprs: { start: number; params: string[] }[] = [];
  for (const m of code.matchAll(/=>\s*/g)) {
    const b = m.index! + m[0].length;
    if (lex.lit[m.index!] !== 0 || b >= code.length) continue;
    const k = skipWsBack(code, m.index! - 1);
    const params = code[k] === ")" && lex.open[k] >= 0
      ? paramList(code.slice(lex.open[k] + 1, k))
      : isIdentChar(code[k])
      ? [code.slice(wordStart(code, k), k + 1)]
      : [];
    if (code[b] !== "{") exprs.push({ start: b, params });
    else if (lex.jump[b] >= 0) bodies.push({ start: b, end: lex.jump[b], params });
  }
  const ends = statementEnds(code, lex, exprs.map((e) => e.start)).semi;
  exprs.forEach((e, k) => {
    if (ends[k] > e.start) bodies.push({ start: e.start, end: ends[k], params: e.params });
  });
  bodies.sort((x, y) => x.start - y.start);
  // The innermost body at each index, filled between the starts and ends of bodies (they nest as brackets do).
  const inner = new Int32Array(code.length).fill(-1);
  const parent = new Int32Array(bodies.length).fill(-1);
  const stack: number[] = [];
  let pos = 0;
  for (let next = 0; next < bodies.length || stack.length > 0;) {
    const top = stack.length > 0 ? stack[stack.length - 1] : -1;
    const end = top >= 0 ? bodies[top].end : code.length;
    const start = next < bodies.length ? bodies[next].start : code.length;
    const at = Math.min(start, end);
    inner.fill(top, pos, at);
    pos = at;
    if (top >= 0 && end <= start) stack.pop();
    else {
      parent[next] = top;
      stack.push(next++);
    }
  }
  const declared = bodies.map((b) => new Set(b.params));
  for (const m of code.matchAll(/(?<![\w$.])(?:var|let|const|function\s*\*?)\s+([A-Za-z_$][\w$]*)/g)) {
    const b = lex.lit[m.index!] === 0 ? inner[m.index!] : -1;
    if (b >= 0) declared[b].add(m[1]);
  }
  const declaredBy = (pos: number, name: string) => {
    for (let b = inner[pos] ?? -1, steps = 0; b >= 0 && steps < 32; b = parent[b], steps++) {
      if (declared[b].has(name)) return bodies[b].start;
    }
    return -1;
  };
  return { isLocal: (pos, name) => declaredBy(pos, name) >= 0, declaredBy };
}
