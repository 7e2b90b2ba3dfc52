/**
 * The tests of the subject in a polkit rule's code, read from the text: subject.user compared with names (or a
 * variable holding them), lists of names (literal or held in a variable) searched for the user, regular
 * expressions and string tests on the name, isInGroup, isInNetGroup, system_unit, and helper functions of the
 * rules called with the user. Each test is resolved to who passes it (polkit_cond.ts, which also evaluates the
 * conditions they make up); a test of subject.user that names no one (`/./.test(user)`, `user == user`,
 * `Boolean(user)`, `list.indexOf(user)` without a comparison, a comparison with something that is not a string,
 * a function the rules do not define) is unresolved. Every function here takes time linear in its input.
 */
import { escapeRegExp } from "../../host/regex.ts";
import { isIdentChar, type JsLex, skipWs, skipWsBack, stringAt, wordStart } from "./polkit_lex.ts";
import {
  type Cond,
  flip,
  MAX_NAMES,
  NONE,
  regexWho,
  type Resolver,
  restrict,
  type SubjectTests,
  UNRESOLVED,
  who,
} from "./polkit_cond.ts";

/** Groups every user is in, or that stand for everyone. */
export const BROAD_GROUPS = new Set(["users", "everyone", "nogroup", "nobody", "all", "*"]);

/** A string method called on the user (`user.startsWith(`…). */
const METHOD = /\.\s*(match|startsWith|endsWith|includes|indexOf|search)\s*\(/y;
const INDEX_COMPARE = /\s*(>=|<=|===|!==|==|!=|>|<)\s*(-\s*)?(\d+)(?![\w$.])/y;
const BOOL = /\s*(true|false)(?![\w$])/y;
const REGEXP_CALL = /(?:new\s+)?RegExp\s*\(/y;

/** The JavaScript comparison operator (==, ===, !=, !==) starting at i. */
function opAfter(code: string, i: number): string | undefined {
  const c = code[i];
  if ((c !== "=" && c !== "!") || code[i + 1] !== "=") return undefined;
  const op = code[i + 2] === "=" ? `${c}==` : `${c}=`;
  return code[i + op.length] === "=" ? undefined : op;
}

/** The comparison operator ending at k, with its start. */
function opBefore(code: string, k: number): { op: string; start: number } | undefined {
  if (code[k] !== "=") return undefined;
  if (code[k - 1] === "!") return { op: "!=", start: k - 1 };
  if (code[k - 1] !== "=") return undefined;
  if (code[k - 2] === "=" || code[k - 2] === "!") {
    return /[=!<>]/.test(code[k - 3] ?? "") ? undefined : { op: `${code[k - 2]}==`, start: k - 2 };
  }
  return /[<>]/.test(code[k - 2] ?? "") ? undefined : { op: "==", start: k - 1 };
}

/** An identifier chain (a.b.c) ending at k: its start and last name. */
function chainBefore(code: string, k: number): { start: number; name: string } | undefined {
  if (!isIdentChar(code[k])) return undefined;
  let start = wordStart(code, k);
  const name = code.slice(start, k + 1);
  for (;;) {
    const d = skipWsBack(code, start - 1);
    if (code[d] !== ".") break;
    const p = skipWsBack(code, d - 1);
    if (!isIdentChar(code[p])) break;
    start = wordStart(code, p);
  }
  return { start, name };
}

/** An identifier chain starting at j: its end and last name. */
function chainAfter(code: string, j: number): { end: number; name: string } | undefined {
  if (!isIdentChar(code[j]) || /[0-9]/.test(code[j])) return undefined;
  let i = j;
  let name = "";
  for (;;) {
    const s = i;
    while (isIdentChar(code[i])) i++;
    name = code.slice(s, i);
    const d = skipWs(code, i);
    const n = skipWs(code, d + 1);
    if (code[d] !== "." || !isIdentChar(code[n])) break;
    i = n;
  }
  return { end: i, name };
}

const KEYWORDS = new Set([
  "if",
  "while",
  "for",
  "switch",
  "return",
  "typeof",
  "catch",
  "with",
  "function",
  "void",
  "delete",
  "in",
  "of",
  "do",
  "else",
  "case",
  "throw",
  "await",
  "yield",
]);

/** The regular expression (literal, or RegExp("…", "flags")) at `i`: source, flags and end. */
function regexAt(
  code: string,
  lex: JsLex,
  i: number,
): { source: string; flags: string; end: number } | undefined {
  if (lex.lit[i] === 2 && lex.open[i] === i) {
    const text = code.slice(i, lex.jump[i]);
    const slash = text.lastIndexOf("/");
    return { source: text.slice(1, slash), flags: text.slice(slash + 1), end: lex.jump[i] };
  }
  const m = REGEXP_CALL;
  m.lastIndex = i;
  if (m.exec(code) === null) return undefined;
  const close = lex.jump[m.lastIndex - 1];
  const src = stringAt(code, lex, skipWs(code, m.lastIndex));
  if (close < 0 || src === undefined) return undefined;
  let k = skipWs(code, src.end);
  let flags = "";
  if (code[k] === ",") {
    const f = stringAt(code, lex, skipWs(code, k + 1));
    if (f === undefined) return undefined;
    flags = f.value;
    k = skipWs(code, f.end);
  }
  return k === close - 1 ? { source: src.value, flags, end: close } : undefined;
}

/** The regular expression whose last character is at k (a literal, or a RegExp(…) call): as regexAt, with its start. */
function regexBefore(code: string, lex: JsLex, k: number) {
  let start = -1;
  if (lex.lit[k] === 2) start = lex.open[k];
  else if (code[k] === ")" && lex.open[k] >= 0) {
    const c = chainBefore(code, skipWsBack(code, lex.open[k] - 1));
    if (c?.name !== "RegExp") return undefined;
    start = c.start;
    const n = skipWsBack(code, start - 1);
    if (code.slice(wordStart(code, n), n + 1) === "new") start = wordStart(code, n);
  }
  const r = start < 0 ? undefined : regexAt(code, lex, start);
  return r !== undefined && r.end === k + 1 ? { ...r, start } : undefined;
}

/** The names of a list's items between a and b (strings, or variables holding them); undefined when any is else. */
function listItems(
  code: string,
  lex: JsLex,
  a: number,
  b: number,
  r: Resolver,
  isUser: (text: string) => boolean,
): string[] | undefined {
  const out: string[] = [];
  let from = a;
  for (let i = a; i <= b; i++) {
    if (i < b && lex.jump[i] > i && (lex.lit[i] !== 0 || "([{".includes(code[i]))) {
      i = lex.jump[i] - 1;
      continue;
    }
    if (i < b && code[i] !== ",") continue;
    const s = skipWs(code, from);
    const e = skipWsBack(code, i - 1) + 1;
    from = i + 1;
    if (s >= e) continue;
    const str = stringAt(code, lex, s);
    const id = chainAfter(code, s);
    const names = str !== undefined && str.end === e
      ? [str.value]
      : id !== undefined && id.end === e && !isUser(code.slice(s, e))
      ? r.values(id.name, s)
      : undefined;
    if (names === undefined) return undefined;
    out.push(...names.slice(0, MAX_NAMES));
  }
  return out.slice(0, MAX_NAMES);
}

/** The list (array literal, Array(…), new Set([…]), a variable) whose last character is at k: its names and start. */
function listBefore(
  code: string,
  lex: JsLex,
  k: number,
  r: Resolver,
  isUser: (text: string) => boolean,
): { start: number; names?: string[] } {
  const o = lex.open[k];
  if (code[k] === "]" && o >= 0) {
    const p = skipWsBack(code, o - 1);
    if (isIdentChar(code[p]) || code[p] === ")" || code[p] === "]") return { start: o };
    return { start: o, names: listItems(code, lex, o + 1, k, r, isUser) };
  }
  if (code[k] === ")" && o >= 0) {
    const c = chainBefore(code, skipWsBack(code, o - 1));
    if (c === undefined || !/^(?:Array|Set|of)$/.test(c.name)) return { start: o };
    let start = c.start;
    const n = skipWsBack(code, start - 1);
    if (code.slice(wordStart(code, n), n + 1) === "new") start = wordStart(code, n);
    const a = skipWs(code, o + 1);
    if (c.name === "Set") {
      const inner = code[a] === "[" ? lex.jump[a] : -1;
      if (inner < 0 || skipWs(code, inner) !== k) return { start };
      return { start, names: listItems(code, lex, a + 1, inner - 1, r, isUser) };
    }
    return { start, names: listItems(code, lex, o + 1, k, r, isUser) };
  }
  const c = chainBefore(code, k);
  if (c === undefined) return { start: k };
  return {
    start: c.start,
    names: isUser(code.slice(c.start, k + 1)) ? undefined : r.values(c.name, c.start),
  };
}

/** A comparison of a number with an index (`indexOf(…) >= 0`) after `i`: whether it means found, or at 0. */
function indexCompare(
  code: string,
  i: number,
): { means: "found" | "missing" | "first"; end: number } | undefined {
  const m = INDEX_COMPARE;
  m.lastIndex = i;
  const x = m.exec(code);
  if (x === null) return undefined;
  const n = (x[2] ? -1 : 1) * Number(x[3]);
  const key = `${x[1] === "===" ? "==" : x[1] === "!==" ? "!=" : x[1]} ${n}`;
  const means: Record<string, "found" | "missing" | "first"> = {
    ">= 0": "found",
    "> -1": "found",
    "!= -1": "found",
    "< 0": "missing",
    "== -1": "missing",
    "<= -1": "missing",
    "== 0": "first",
  };
  return means[key] === undefined ? undefined : { means: means[key], end: m.lastIndex };
}

/** A comparison with true or false around the test [start, end): the test's new bounds and whether it flips. */
function boolCompare(
  code: string,
  start: number,
  end: number,
): { start: number; end: number; flip: boolean } {
  const e = skipWs(code, end);
  const op = opAfter(code, e);
  if (op !== undefined) {
    const w = BOOL;
    w.lastIndex = e + op.length;
    const m = w.exec(code);
    if (m !== null) return { start, end: w.lastIndex, flip: op.startsWith("!") === (m[1] === "true") };
  }
  const b = opBefore(code, skipWsBack(code, start - 1));
  if (b !== undefined) {
    const k = skipWsBack(code, b.start - 1);
    const word = code.slice(wordStart(code, k), k + 1);
    if (word === "true" || word === "false") {
      return { start: wordStart(code, k), end, flip: b.op.startsWith("!") === (word === "true") };
    }
  }
  return { start, end, flip: false };
}

/** A test of the user found at one mention. */
interface Found {
  start: number;
  end: number;
  cond: Cond;
  /** The test is a boolean that may be compared with true or false. */
  bool?: boolean;
}

/** A comparison of the user with a string, a variable (at index `at`) or the user again, by `op` (== or !=…). */
function compare(
  r: Resolver,
  value: { str?: string; name?: string; at?: number; user?: boolean },
  op: string,
): Cond {
  const names = value.str !== undefined
    ? [value.str]
    : value.name !== undefined
    ? r.values(value.name, value.at)
    : undefined;
  const c = value.user || names === undefined ? UNRESOLVED : restrict(who({ users: names }));
  return op[0] === "!" ? flip(c) : c;
}

/** The test the user mention [us, ue) is part of, if any. */
function userTest(
  code: string,
  lex: JsLex,
  us: number,
  ue: number,
  isUser: (text: string) => boolean,
  r: Resolver,
): Found | undefined {
  const e = skipWs(code, ue);
  const op = opAfter(code, e);
  if (op !== undefined) {
    const j = skipWs(code, e + op.length);
    const str = stringAt(code, lex, j);
    if (str !== undefined) return { start: us, end: str.end, cond: compare(r, { str: str.value }, op) };
    const id = chainAfter(code, j);
    if (id !== undefined && !"([".includes(code[skipWs(code, id.end)])) {
      return {
        start: us,
        end: id.end,
        cond: compare(r, { name: id.name, at: j, user: isUser(code.slice(j, id.end)) }, op),
      };
    }
    return undefined;
  }
  if (code[e] === ".") {
    const m = METHOD;
    m.lastIndex = e;
    if (m.exec(code) === null) return undefined;
    const close = lex.jump[m.lastIndex - 1];
    if (close < 0) return undefined;
    const a = skipWs(code, m.lastIndex);
    const method = code.slice(e + 1, m.lastIndex - 1).trim();
    if (method === "match" || method === "search") {
      const re = regexAt(code, lex, a);
      if (re === undefined || skipWs(code, re.end) !== close - 1) {
        return { start: us, end: close, cond: UNRESOLVED };
      }
      const w = regexWho(re.source, re.flags);
      if (method === "match") return { start: us, end: close, cond: restrict(w), bool: true };
      const ix = indexCompare(code, close);
      if (ix === undefined || ix.means === "first") return { start: us, end: close, cond: UNRESOLVED };
      const c = restrict(w);
      return { start: us, end: ix.end, cond: ix.means === "found" ? c : flip(c) };
    }
    const str = stringAt(code, lex, a);
    if (str === undefined || str.value === "" || skipWs(code, str.end) !== close - 1) {
      return { start: us, end: close, cond: UNRESOLVED };
    }
    const pat = (start: boolean, end: boolean): Cond =>
      restrict(who({
        patterns: [{
          parts: [str.value],
          start,
          end,
          exact: false,
          fold: false,
          text: `${method}(${str.value})`,
        }],
      }));
    if (method !== "indexOf") {
      return { start: us, end: close, cond: pat(method === "startsWith", method === "endsWith"), bool: true };
    }
    const ix = indexCompare(code, close);
    if (ix === undefined) return { start: us, end: close, cond: UNRESOLVED };
    const c = pat(ix.means === "first", false);
    return { start: us, end: ix.end, cond: ix.means === "missing" ? flip(c) : c };
  }
  const k = skipWsBack(code, us - 1);
  if (code[k] === "(") {
    const close = lex.jump[k];
    if (close < 0 || skipWs(code, ue) !== close - 1) return undefined;
    const w = skipWsBack(code, k - 1);
    if (!isIdentChar(code[w])) return undefined;
    const ws = wordStart(code, w);
    const word = code.slice(ws, w + 1);
    const d = skipWsBack(code, ws - 1);
    if (code[d] !== ".") {
      if (KEYWORDS.has(word)) return undefined;
      return { start: ws, end: close, cond: restrict(r.helper(word)), bool: true };
    }
    const objEnd = skipWsBack(code, d - 1);
    if (word === "test") {
      const re = regexBefore(code, lex, objEnd);
      if (re === undefined) return undefined;
      return { start: re.start, end: close, cond: restrict(regexWho(re.source, re.flags)), bool: true };
    }
    if (word !== "indexOf" && word !== "includes" && word !== "has") return undefined;
    const list = listBefore(code, lex, objEnd, r, isUser);
    const c = restrict(list.names && list.names.length > 0 ? who({ users: list.names }) : undefined);
    if (word !== "indexOf") return { start: list.start, end: close, cond: c, bool: true };
    const ix = indexCompare(code, close);
    if (ix === undefined || ix.means === "first") return { start: list.start, end: close, cond: UNRESOLVED };
    return { start: list.start, end: ix.end, cond: ix.means === "found" ? c : flip(c) };
  }
  const b = opBefore(code, k);
  if (b === undefined) return undefined;
  const v = skipWsBack(code, b.start - 1);
  if (lex.lit[v] === 1) {
    const str = stringAt(code, lex, lex.open[v]);
    if (str === undefined || str.end !== v + 1) return undefined;
    return { start: lex.open[v], end: ue, cond: compare(r, { str: str.value }, b.op) };
  }
  const id = chainBefore(code, v);
  if (id === undefined) return undefined;
  return {
    start: id.start,
    end: ue,
    cond: compare(r, { name: id.name, at: id.start, user: isUser(code.slice(id.start, v + 1)) }, b.op),
  };
}

/** Variables the rule copies the user name into (`var u = subject.user`), to be read as the user. */
export function userAliases(code: string, lex: JsLex, subject: string): string[] {
  const re = new RegExp(
    `(?<![\\w$.])([A-Za-z_$][\\w$]*)\\s*=(?![=>])\\s*${escapeRegExp(subject)}\\s*` +
      `(?:\\.\\s*user|\\[\\s*(?:"user"|'user'|\`user\`)\\s*\\])(?![\\w$])(?!\\s*[.[(])`,
    "g",
  );
  const out = new Set<string>();
  for (const m of code.matchAll(re)) if (lex.lit[m.index!] === 0 && out.size < 16) out.add(m[1]);
  return [...out];
}

/**
 * The tests of the subject in `code`: of `subject` (the rule's parameter: its user, isInGroup, isInNetGroup,
 * system_unit) and of `aliases` (names that hold the user, or a helper's parameter).
 */
export function findSubjectTests(
  code: string,
  lex: JsLex,
  subject: string | undefined,
  aliases: readonly string[],
  r: Resolver,
): SubjectTests {
  const byStart = new Map<number, { end: number; cond: Cond }>();
  const mentions: number[] = [];
  const add = (f: Found) => {
    let { start, end, cond } = f;
    if (f.bool) {
      const b = boolCompare(code, start, end);
      [start, end, cond] = [b.start, b.end, b.flip ? flip(cond) : cond];
    }
    if (!byStart.has(start)) byStart.set(start, { end, cond });
  };
  const sub = subject === undefined ? undefined : escapeRegExp(subject);
  const userRe = `\\s*(?:\\.\\s*user|\\[\\s*(?:"user"|'user'|\`user\`)\\s*\\])`;
  const names = [...(sub === undefined ? [] : [`${sub}${userRe}`]), ...aliases.map(escapeRegExp)];
  const norm = (t: string) => t.replace(/\s+/g, "").replace(/\[["'`]user["'`]\]$/, ".user");
  const isUser = (t: string) => norm(t) === `${subject}.user` || aliases.includes(norm(t));
  if (names.length > 0) {
    const re = new RegExp(`(?<![\\w$.])(?:${names.join("|")})(?![\\w$])`, "g");
    for (const m of code.matchAll(re)) {
      if (lex.lit[m.index!] !== 0) continue;
      mentions.push(m.index!);
      const f = userTest(code, lex, m.index!, m.index! + m[0].length, isUser, r);
      if (f !== undefined) add(f);
    }
  }
  if (sub === undefined) return { byStart, mentions };
  const group = new RegExp(
    `(?<![\\w$.])${sub}\\s*(?:\\.\\s*(isInGroup|isInNetGroup)|\\[\\s*["'\`](isInGroup|isInNetGroup)["'\`]\\s*\\])\\s*\\(`,
    "g",
  );
  for (const m of code.matchAll(group)) {
    const close = lex.jump[m.index! + m[0].length - 1];
    if (lex.lit[m.index!] !== 0 || close < 0) continue;
    const a = skipWs(code, m.index! + m[0].length);
    const str = stringAt(code, lex, a);
    const id = chainAfter(code, a);
    const names = str !== undefined && skipWs(code, str.end) === close - 1
      ? [str.value]
      : id !== undefined && skipWs(code, id.end) === close - 1
      ? r.values(id.name, a)
      : undefined;
    let cond: Cond;
    if ((m[1] ?? m[2]) === "isInNetGroup") cond = restrict(who({ other: true }));
    else if (names === undefined || names.length === 0) cond = UNRESOLVED;
    else if (names.some((g) => BROAD_GROUPS.has(g))) cond = NONE;
    else cond = restrict(who({ groups: names }));
    add({ start: m.index!, end: close, cond, bool: true });
  }
  const unit = new RegExp(`(?<![\\w$.])${sub}\\s*\\.\\s*system_unit(?![\\w$])`, "g");
  for (const m of code.matchAll(unit)) {
    if (lex.lit[m.index!] !== 0) continue;
    const e = skipWs(code, m.index! + m[0].length);
    const op = opAfter(code, e);
    const str = op === undefined ? undefined : stringAt(code, lex, skipWs(code, e + op.length));
    if (op === undefined || str === undefined) continue;
    const c = restrict(who({ other: true }));
    add({ start: m.index!, end: str.end, cond: op.startsWith("!") ? flip(c) : c });
  }
  return { byStart, mentions };
}
