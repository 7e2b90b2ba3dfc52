/**
 * The tests of the subject in a polkit rule's code, read from the text: subject.user compared with names (or a
 * variable holding them), lists of names (literal or held in a variable) searched for the user, regular
 * expressions and string tests on the name, isInGroup, isInNetGroup, system_unit, and helper functions of the
 * rules called with the user. Each test is resolved to who passes it (polkit_cond.ts, which also evaluates the
 * conditions they make up); a test of subject.user that names no one (`/./.test(user)`, `user == user`,
 * `Boolean(user)`, `list.indexOf(user)` without a comparison, a comparison with something that is not a string,
 * a function the rules do not define) is unresolved, and so is every test of a rule that changes its subject
 * (subjectTampered). The expressions around a test are read by polkit_expr.ts. Every function here takes time
 * linear in its input.
 */
import { escapeRegExp } from "../../host/regex.ts";
import {
  isIdentChar,
  type JsLex,
  lexJs,
  skipWs,
  skipWsBack,
  statementEnds,
  stringAt,
  wordStart,
} from "./polkit_lex.ts";
import {
  boolCompare,
  chainAfter,
  chainBefore,
  indexCompare,
  KEYWORDS,
  opAfter,
  opBefore,
  regexAt,
  regexBefore,
} from "./polkit_expr.ts";
import {
  type Cond,
  evalCond,
  flip,
  MAX_NAMES,
  NONE,
  regexWho,
  type Resolver,
  restrict,
  type SubjectTests,
  unionWho,
  UNRESOLVED,
  type Who,
  who,
} from "./polkit_cond.ts";

/** Groups every user is in, or that stand for everyone. */
export const BROAD_GROUPS = new Set(["users", "everyone", "nogroup", "nobody", "all", "*"]);

/** A string method called on the user (`user.startsWith(`…). */
const METHOD = /\.\s*(match|startsWith|endsWith|includes|indexOf|search)\s*\(/y;

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

/** An assignment operator (=, +=, ||=, >>>=…) at the sticky index. */
const ASSIGN_OP = /\s*(\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])/y;
/** A call that may change the object it is handed first: `Object.defineProperty(subject, …)`. */
const REDEFINE =
  /(?<![\w$])(?:defineProperty|defineProperties|assign|setPrototypeOf|__defineGetter__)\s*\(\s*$/;

/**
 * Whether `code` changes what the tests of the subject read, so that none of them can be trusted: it assigns to
 * the subject or a member of it (`subject = {…}`, `subject.user = "x"`, `subject.isInGroup = …`), hands it to
 * Object.defineProperty, assign or setPrototypeOf, assigns an alias of the user anything but the user
 * (`var u = subject.user; u = "alice"`), or uses `with` (which may put another subject or user in scope).
 */
export function subjectTampered(
  code: string,
  lex: JsLex,
  subject: string,
  aliases: readonly string[],
): boolean {
  for (const m of code.matchAll(/(?<![\w$.])with\s*\(/g)) if (lex.lit[m.index!] === 0) return true;
  const names = [subject, ...aliases].map(escapeRegExp).join("|");
  const userOf = new RegExp(
    `\\s*${
      escapeRegExp(subject)
    }\\s*(?:\\.\\s*user|\\[\\s*(?:"user"|'user'|\`user\`)\\s*\\])(?![\\w$])(?!\\s*[.[(])`,
    "y",
  );
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])(?:${names})(?![\\w$])`, "g"))) {
    const at = m.index!;
    if (lex.lit[at] !== 0) continue;
    if (m[0] === subject && REDEFINE.test(code.slice(Math.max(0, at - 64), at))) return true;
    // The member chain after the name (a few steps: chains of many mentions would cost their square).
    let k = at + m[0].length;
    for (let step = 0; step < 8; step++) {
      const d = skipWs(code, k);
      if (code[d] === "." && isIdentChar(code[skipWs(code, d + 1)])) {
        k = skipWs(code, d + 1);
        while (isIdentChar(code[k])) k++;
      } else if (code[d] === "[" && lex.jump[d] > 0) k = lex.jump[d];
      else break;
    }
    ASSIGN_OP.lastIndex = k;
    const op = ASSIGN_OP.exec(code);
    if (op === null) continue;
    if (m[0] === subject) return true;
    // An alias assigned the user (again) is still the user.
    userOf.lastIndex = ASSIGN_OP.lastIndex;
    if (op[1] !== undefined || k !== at + m[0].length || !userOf.test(code)) return true;
  }
  return false;
}

/**
 * The tests of the subject in `code`: of `subject` (the rule's parameter: its user, isInGroup, isInNetGroup,
 * system_unit) and of `aliases` (names that hold the user, or a helper's parameter). A mention that `own` says is
 * not of the rule's own subject or alias (a nested function's parameter of the same name) is no test: a
 * condition holding it is unresolved.
 */
export function findSubjectTests(
  code: string,
  lex: JsLex,
  subject: string | undefined,
  aliases: readonly string[],
  r: Resolver,
  own: (at: number, name: string) => boolean = () => true,
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
      if (!own(m.index!, m[0].match(/^[\w$]+/)![0])) continue;
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
    if (!own(m.index!, subject!)) cond = UNRESOLVED;
    else if ((m[1] ?? m[2]) === "isInNetGroup") cond = restrict(who({ other: true }));
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
    const c = own(m.index!, subject!) ? restrict(who({ other: true })) : UNRESOLVED;
    add({ start: m.index!, end: str.end, cond: op.startsWith("!") ? flip(c) : c });
  }
  return { byStart, mentions };
}

/** The first parameter of a function definition's text (`(function f(u) …)`, `((u) => …)`, `(u => …)`). */
function firstParam(text: string): string | undefined {
  const m = text.match(/^\(\s*(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*\(\s*|\(\s*)?([A-Za-z_$][\w$]*)/);
  return m?.[1] === "function" || m?.[1] === "async" ? undefined : m?.[1];
}

/**
 * Who a helper of the rules (`function ok(u) { return allowed.indexOf(u) >= 0; }`) lets through when called with
 * the user: each of its returns must restrict its parameter, unless it returns true or false only, when the
 * tests of its parameter anywhere in it are taken. Undefined when it restricts no one.
 */
export function helperWho(text: string, r: Resolver): Who | undefined {
  const p = firstParam(text);
  if (p === undefined) return undefined;
  const lex = lexJs(text);
  const tests = findSubjectTests(text, lex, undefined, [p], r);
  const pos: Who[] = [];
  let flags = false;
  const arrow = /^\(\s*(?:async\s+)?(?:\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>\s*/y;
  const exprs: [number, number][] = [];
  if (arrow.exec(text) !== null && text[arrow.lastIndex] !== "{") {
    exprs.push([arrow.lastIndex, text.length - 1]);
  }
  const returns = [...text.matchAll(/\breturn\b/g)].map((m) => m.index! + 6).filter((i) =>
    lex.lit[i - 6] === 0
  );
  const ends = statementEnds(text, lex, returns).semi;
  returns.forEach((i, k) => exprs.push([i, ends[k]]));
  for (const [a, b] of exprs) {
    const e = text.slice(a, b).trim();
    if (/^(?:false|0|null|undefined|""|''|)$/.test(e)) continue;
    if (/^(?:true|1|!0)$/.test(e)) {
      flags = true;
      continue;
    }
    const c = evalCond(text, lex, tests, a, b);
    if (c.pos === null) return undefined;
    pos.push(c.pos);
  }
  if (flags) {
    const all = [...tests.byStart.values()].map((t) => t.cond.pos).filter((w): w is Who => w !== null);
    if (all.length === 0) return undefined;
    pos.push(...all);
  }
  return pos.length > 0 ? unionWho(pos) : undefined;
}
