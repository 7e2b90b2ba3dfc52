/**
 * The global scope polkit's rules files share, read from their text: the functions they define (a rule may be
 * given by name), the strings and lists of strings their variables hold, the variables and functions that hold
 * YES, and the names of polkit.Result; and the verdict on a rule function that polkit_js.ts computes. Every
 * function here takes time linear in its input.
 */
import {
  type FunctionScopes,
  functionScopes,
  type JsLex,
  lexJs,
  skipWs,
  skipWsBack,
  statementEnds,
  stringAt,
} from "./polkit_lex.ts";
import { IDENT, yesSites } from "./polkit_yes.ts";
import { type Resolver, unionWho, type UserPattern, type Who } from "./polkit_cond.ts";
import { helperWho } from "./polkit_subject.ts";

/**
 * At most this many characters of the functions rules name (and of helpers they call) are judged per scope;
 * a rule named whose definitions are not all judged counts as open.
 */
const MAX_BODY_CHARS = 1 << 20;

/** Judges a rule function's text in a scope (judgeFunction of polkit_js.ts). */
export type Judge = (text: string, scope: RuleScope) => RuleVerdict;

/** The verdict on one addRule function: whether some YES does not depend on the subject, and who gets one. */
export interface RuleVerdict {
  /** Some YES is handed back whoever asks (no test of the subject restricts it). */
  unrestrictedYes: boolean;
  /** The rule looks at the action (action.id, action.lookup): its YES is for some actions only. */
  actionChecked: boolean;
  /** The unrestricted YES holds only for a local or active session (subject.local, subject.active). */
  localOnly: boolean;
  /** Users a YES is granted to by name (`if (subject.user == "x") return YES`, a guard that returns for all others). */
  yesUsers: string[];
  /** Name patterns a YES is granted to (`/^www/.test(subject.user)`, `subject.user.startsWith("svc-")`). */
  yesPatterns: UserPattern[];
  /** Groups a YES is granted to (`subject.isInGroup("www-data")`). */
  yesGroups: string[];
  /**
   * A YES counted as unrestricted sits behind a test of subject.user that names no one (such as `/./.test(…)`
   * or an unknown function): such a test may be always true, so it restricts nothing.
   */
  unresolvedUserTest: boolean;
}

/** The verdict on a rule with no YES. */
export const QUIET: RuleVerdict = {
  unrestrictedYes: false,
  actionChecked: true,
  localOnly: false,
  yesUsers: [],
  yesPatterns: [],
  yesGroups: [],
  unresolvedUserTest: false,
};

/** One verdict for a rule that may be any of several definitions: the worst of them. */
export function mergeVerdicts(vs: readonly RuleVerdict[]): RuleVerdict {
  const open = vs.filter((v) => v.unrestrictedYes);
  const w = unionWho(
    vs.map((v) => ({ users: v.yesUsers, patterns: v.yesPatterns, groups: v.yesGroups, other: false })),
  );
  return {
    unrestrictedYes: open.length > 0,
    actionChecked: (open.length > 0 ? open : vs).every((v) => v.actionChecked),
    localOnly: open.length > 0 && open.every((v) => v.localOnly),
    yesUsers: [...new Set(w.users)].sort(),
    yesPatterns: w.patterns,
    yesGroups: [...new Set(w.groups)].sort(),
    unresolvedUserTest: open.some((v) => v.unresolvedUserTest),
  };
}

/** The index of the first of the sorted `xs` at or after `x`. */
export function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether some of the sorted `xs` lies in [a, b). */
export function anyIn(xs: readonly number[], a: number, b: number): boolean {
  const k = lowerBound(xs, a);
  return k < xs.length && xs[k] < b;
}

/** A function definition of the rules: its text, as `(function …)` or `((a, s) => …)`. */
export interface Definition {
  /** Which definition of the scope it is (judgements of it are remembered by this). */
  key: number;
  /** Its source text in parentheses, as an addRule argument list would hold it. */
  text: string;
}

/** What a variable of the rules is assigned: strings, other variables, or something else. */
interface Held {
  names: Set<string>;
  refs: Set<string>;
  /** Variables assigned whole to this one (`var b = a`): a list changed through b is a's too. */
  same: Set<string>;
  opaque: boolean;
  /** Changed in place (push, splice, an index set…): so is every variable it is the same list as. */
  mutated: boolean;
}

const FUNCTION_DECL = new RegExp(`(?<![\\w$.])function\\s*\\*?\\s*(${IDENT})\\s*\\(`, "g");
const ASSIGN = new RegExp(`(?<![\\w$.])(${IDENT})\\s*(=(?![=>])|:(?!:))\\s*`, "g");
const MEMBER_SET = new RegExp(`[.]\\s*(${IDENT})\\s*=(?![=>])\\s*`, "g");
const PUSH = new RegExp(`(?<![\\w$.])(${IDENT})\\s*\\.\\s*(?:push|unshift)\\s*\\(`, "g");
const INDEX_SET = new RegExp(`(?<![\\w$.])(${IDENT})\\s*\\[`, "g");
/**
 * A variable changed other than by `=`, push or an index set, so that what it holds is not known: a compound
 * assignment (`ok += subject.user`), ++ or --, a method that changes a list or set in place (splice, fill, add,
 * set…), or handed to a call that may change it (`Object.assign(ok, …)`, `[].push.apply(ok, …)`).
 */
const CHANGED = new RegExp(
  `(?<![\\w$.])(${IDENT})\\s*(?:(?:\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?|[-+*/%&|^])=|\\+\\+|--)` +
    `|(?:\\+\\+|--)\\s*(${IDENT})` +
    `|(?<![\\w$.])(${IDENT})\\s*\\.\\s*(?:splice|fill|copyWithin|add|set)\\s*\\(` +
    `|(?:\\bassign|\\bdefineProperty|\\bdefineProperties|\\bcall|\\bapply|\\bset)\\s*\\(\\s*(${IDENT})(?![\\w$])`,
  "g",
);
/** Code that changes JavaScript's own objects or polkit's Subject, which the tests of a rule rely on. */
const TAMPER = new RegExp(
  `(?<![\\w$])(?:prototype|__proto__|defineProperty|defineProperties|setPrototypeOf|__defineGetter__|Reflect)(?![\\w$])` +
    `|(?<![\\w$.])(?:Subject|Array|Set|String|RegExp|Object|Boolean|Function)\\s*=(?![=>])` +
    `|(?<![\\w$.])function\\s*(?:Subject|Array|Set|String|RegExp|Object|Boolean)(?![\\w$])`,
  "g",
);
/** Sticky patterns read at one index (kept here: building them at every call costs more than using them). */
const FUNCTION_AT = /function\s*\*?\s*[\w$]*\s*\(/y;
const ARROW_PARAM_AT = new RegExp(`${IDENT}\\s*=>`, "y");
const IDENT_AT = new RegExp(`${IDENT}(?![\\w$])`, "y");
const RESULT_AT = /polkit\s*(?:\.\s*Result|\[\s*(?:"Result"|'Result'|`Result`)\s*\])(?![\w$])/y;
const LIST_AT = /(?:new\s+)?(Array(?:\s*\.\s*of)?|Set)\s*\(/y;
/** After a value, a character that continues the expression (so the value is not what is assigned). */
const CONTINUES = /[+\-*/%.[(?|&<>=!^~`]/;

/**
 * The end of a function (`function …(…) {…}`, `(…) => {…}`) starting at v; for an arrow whose body is an
 * expression (`(…) => …`, `x => …`), where that expression starts (its end is its statement's); undefined when
 * there is no function at v.
 */
function functionEnd(code: string, lex: JsLex, v: number): { end: number } | { expr: number } | undefined {
  const body = (k: number) => {
    const b = skipWs(code, k);
    return code[b] === "{" ? (lex.jump[b] > 0 ? { end: lex.jump[b] } : undefined) : { expr: b };
  };
  const f = FUNCTION_AT;
  f.lastIndex = v;
  if (f.exec(code) !== null) {
    const c = lex.jump[f.lastIndex - 1];
    const b = c < 0 ? -1 : skipWs(code, c);
    return b >= 0 && code[b] === "{" && lex.jump[b] > 0 ? { end: lex.jump[b] } : undefined;
  }
  if (code[v] === "(") {
    const c = lex.jump[v];
    const k = c < 0 ? -1 : skipWs(code, c);
    return k >= 0 && code.startsWith("=>", k) ? body(k + 2) : undefined;
  }
  const a = ARROW_PARAM_AT;
  a.lastIndex = v;
  return a.exec(code) !== null ? body(a.lastIndex) : undefined;
}

/**
 * The global scope all rules files share, as far as the judgements need it: the functions they define (a rule
 * may be given by name), the strings and lists of strings their variables hold (a rule may test the user
 * against one), the variables and functions that hold YES, and the names of polkit.Result. Judged functions are
 * remembered, and at most MAX_BODY_CHARS of them are judged.
 */
export class RuleScope {
  /** Global names a YES is assigned to in the rules (`var r = polkit.Result.YES`), with how many times. */
  readonly yesVars: Map<string, number> = new Map();
  /** Functions of the rules whose definition holds a YES (`function ok() { return polkit.Result.YES; }`). */
  readonly yesFns: Set<string> = new Set();
  /** Names that hold polkit.Result (`var R = polkit.Result`). */
  readonly resultAliases: Set<string> = new Set();
  /**
   * The rules change JavaScript's own objects or polkit's Subject (a prototype, defineProperty, `Subject = …`):
   * what a test of the subject does is then not what it says, and no test restricts.
   */
  tampered = false;
  /** This scope's answers to polkit_subject.ts: what variables hold, who helpers let through. */
  readonly resolver: Resolver;
  readonly #defs = new Map<string, Definition[]>();
  readonly #held = new Map<string, Held>();
  readonly #verdicts = new Map<number, RuleVerdict>();
  readonly #helpers = new Map<number, Who | undefined>();
  readonly #values = new Map<string, string[] | undefined>();
  readonly #definitions = new Map<string, Definition[]>();
  #budget = MAX_BODY_CHARS;
  #keys = 0;
  #depth = 0;

  readonly #judge?: Judge;

  /**
   * The global scope of `codes` (rules files with comments stripped), whose definitions `judge` judges: what
   * functions declare for themselves (their parameters, var, let, const) is left out. With `locals`, the scope
   * of one function's code instead: everything it assigns counts, and only what variables hold is read.
   */
  constructor(codes: readonly string[], opts: { judge?: Judge; locals?: boolean } = {}) {
    const locals = opts.locals ?? false;
    this.#judge = opts.judge;
    this.resolver = { values: (n) => this.values(n), helper: (n) => this.#helper(n) };
    let kept = 0;
    const read = codes.map((code) => {
      const lex = lexJs(code);
      for (const m of this.tampered ? [] : code.matchAll(TAMPER)) {
        if (lex.lit[m.index!] !== 0) continue;
        this.tampered = true;
        break;
      }
      const fs = locals ? undefined : functionScopes(code, lex);
      const spans = this.#read(code, lex, fs);
      // The second pass needs every file's aliases of polkit.Result; up to 8 MiB of lexes are kept for it.
      kept += code.length;
      return { spans, lex: kept <= 8 << 20 ? lex : undefined, fs: kept <= 8 << 20 ? fs : undefined };
    });
    codes.forEach((code, i) => {
      if (locals) return;
      const { spans } = read[i];
      const lex = read[i].lex ?? lexJs(code);
      const fs = read[i].fs ?? functionScopes(code, lex);
      const sites = yesSites(code, lex, this.resultAliases);
      for (const s of sites) {
        if (s.assign === undefined || fs.isLocal(s.at, s.assign)) continue;
        this.yesVars.set(s.assign, (this.yesVars.get(s.assign) ?? 0) + 1);
      }
      const at = sites.map((s) => s.at);
      for (const d of spans) if (anyIn(at, d.start, d.end)) this.yesFns.add(d.name);
    });
    // A list changed through one name is changed for every name it was assigned to whole.
    const work = [...this.#held].filter(([, h]) => h.mutated).map(([n]) => n);
    for (let n = work.pop(); n !== undefined; n = work.pop()) {
      for (const r of this.#held.get(n)!.same) {
        const h = this.#hold(r);
        if (h.mutated && h.opaque) continue;
        [h.opaque, h.mutated] = [true, true];
        work.push(r);
      }
    }
  }

  #hold(name: string): Held {
    const h = this.#held.get(name) ??
      {
        names: new Set<string>(),
        refs: new Set<string>(),
        same: new Set<string>(),
        opaque: false,
        mutated: false,
      };
    this.#held.set(name, h);
    return h;
  }

  /** Adds the items of the list code[a, b) to h; false when one is not a string or a variable. */
  #items(code: string, lex: JsLex, a: number, b: number, h: Held): boolean {
    let from = a;
    for (let i = a; i <= b; i++) {
      if (i < b && lex.jump[i] > i && (lex.lit[i] !== 0 || "([{".includes(code[i]))) i = lex.jump[i] - 1;
      else if (i === b || code[i] === ",") {
        const s = skipWs(code, from);
        const e = skipWsBack(code, i - 1) + 1;
        from = i + 1;
        if (s < e && !this.#value(code, lex, h, s, e)) return false;
      }
    }
    return true;
  }

  /** Adds the value at code[s, e) (a string or a variable) to h; false when it is something else. */
  #value(code: string, lex: JsLex, h: Held, s: number, e: number): boolean {
    const str = stringAt(code, lex, s);
    if (str !== undefined && str.end === e) {
      if (h.names.size < 1000) h.names.add(str.value);
      return true;
    }
    const id = IDENT_AT;
    id.lastIndex = s;
    if (id.exec(code) === null || id.lastIndex !== e) return false;
    if (h.refs.size < 100) h.refs.add(code.slice(s, e));
    return true;
  }

  /** What `name = …` assigns at v. */
  #assign(code: string, lex: JsLex, name: string, v: number): void {
    const h = this.#hold(name);
    const ended = (e: number) => e > 0 && !CONTINUES.test(code[skipWs(code, e)] ?? ";");
    const result = RESULT_AT;
    result.lastIndex = v;
    if (result.exec(code) !== null && ended(result.lastIndex)) this.resultAliases.add(name);
    const list = LIST_AT;
    list.lastIndex = v;
    const made = list.exec(code);
    const str = stringAt(code, lex, v);
    IDENT_AT.lastIndex = v;
    const idEnd = IDENT_AT.exec(code) === null ? -1 : IDENT_AT.lastIndex;
    if (str !== undefined) {
      if (ended(str.end) && h.names.size < 1000) h.names.add(str.value);
      else h.opaque = true;
    } else if (code[v] === "[") {
      if (!ended(lex.jump[v]) || !this.#items(code, lex, v + 1, lex.jump[v] - 1, h)) h.opaque = true;
    } else if (made !== null) {
      const p = list.lastIndex - 1;
      const close = lex.jump[p];
      let [a, b] = [p + 1, close - 1];
      if (made[1] === "Set") {
        const s = skipWs(code, p + 1);
        const e = code[s] === "[" ? lex.jump[s] : -1;
        [a, b] = e > 0 && skipWs(code, e) === close - 1 ? [s + 1, e - 1] : [-1, -1];
      }
      if (close < 0 || a < 0 || !ended(close) || !this.#items(code, lex, a, b, h)) h.opaque = true;
    } else if (idEnd > 0 && ended(idEnd) && code.slice(v, idEnd) !== "polkit") {
      if (h.refs.size < 100) h.refs.add(code.slice(v, idEnd));
      if (h.same.size < 100) h.same.add(code.slice(v, idEnd));
    } else h.opaque = true;
  }

  /** First pass over one file: function definitions and what variables hold. */
  #read(code: string, lex: JsLex, fs?: FunctionScopes): { name: string; start: number; end: number }[] {
    const local = (m: RegExpMatchArray) => lex.lit[m.index!] !== 0 || fs?.isLocal(m.index!, m[1]) === true;
    const spans: { name: string; start: number; end: number }[] = [];
    const arrows: { name: string; start: number; expr: number }[] = [];
    /** Records a function; false when there is none at `start`. */
    const define = (name: string, start: number, at = start) => {
      const f = functionEnd(code, lex, at);
      if (f === undefined) return false;
      if ("expr" in f) arrows.push({ name, start, expr: f.expr });
      else spans.push({ name, start, end: f.end });
      return true;
    };
    const valueAt = (m: RegExpMatchArray) => {
      let v = m.index! + m[0].length;
      if (/^async(?![\w$])/.test(code.slice(v, v + 6))) v = skipWs(code, v + 5);
      return v;
    };
    for (const m of code.matchAll(FUNCTION_DECL)) if (lex.lit[m.index!] === 0) define(m[1], m.index!);
    for (const m of code.matchAll(ASSIGN)) {
      if (lex.lit[m.index!] !== 0) continue;
      const before = code[skipWsBack(code, m.index! - 1)];
      if (m[2] === ":" && before !== "{" && before !== ",") continue;
      const v = valueAt(m);
      if (!define(m[1], v) && !local(m)) this.#assign(code, lex, m[1], v);
    }
    for (const m of code.matchAll(MEMBER_SET)) {
      if (lex.lit[m.index!] !== 0) continue;
      const v = valueAt(m);
      if (!define(m[1], v)) this.#hold(m[1]).opaque = true;
    }
    for (const m of code.matchAll(PUSH)) {
      const p = m.index! + m[0].length - 1;
      if (local(m) || lex.jump[p] < 0) continue;
      const h = this.#hold(m[1]);
      h.mutated = true;
      if (!this.#items(code, lex, p + 1, lex.jump[p] - 1, h)) h.opaque = true;
    }
    for (const m of code.matchAll(INDEX_SET)) {
      const b = lex.jump[m.index! + m[0].length - 1];
      const k = b < 0 ? -1 : skipWs(code, b);
      if (local(m) || k < 0 || code[k] !== "=" || code[k + 1] === "=" || code[k + 1] === ">") {
        continue;
      }
      const h = this.#hold(m[1]);
      h.mutated = true;
      const s = skipWs(code, k + 1);
      const str = stringAt(code, lex, s);
      if (str !== undefined && !CONTINUES.test(code[skipWs(code, str.end)] ?? ";")) h.names.add(str.value);
      else h.opaque = true;
    }
    for (const m of code.matchAll(CHANGED)) {
      const name = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (lex.lit[m.index!] !== 0 || fs?.isLocal(m.index!, name) === true) continue;
      const h = this.#hold(name);
      [h.opaque, h.mutated] = [true, true];
    }
    const ends = statementEnds(code, lex, arrows.map((a) => a.expr)).semi;
    arrows.forEach((a, k) => spans.push({ name: a.name, start: a.start, end: ends[k] }));
    for (const { name, start, end } of spans) {
      const list = this.#defs.get(name) ?? [];
      if (list.length < 16) list.push({ key: this.#keys++, text: `(${code.slice(start, end)})` });
      this.#defs.set(name, list);
    }
    return spans;
  }

  /**
   * The strings a variable holds (a string or a list of them, also through other variables); undefined when
   * unknown, assigned anything else, or reached through more than four variables. Answers are remembered, so
   * variables naming each other cost once each.
   */
  values(name: string): string[] | undefined {
    return this.#valuesOf(name, 0);
  }

  #valuesOf(name: string, depth: number): string[] | undefined {
    if (this.#values.has(name)) return this.#values.get(name);
    const h = this.#held.get(name);
    if (h === undefined || h.opaque || depth > 4) return undefined;
    this.#values.set(name, undefined); // a cycle resolves to nothing
    let out: string[] | undefined = [...h.names];
    for (const r of h.refs) {
      const v = this.#valuesOf(r, depth + 1);
      if (v === undefined) {
        out = undefined;
        break;
      }
      out.push(...v.slice(0, 1000 - out.length));
    }
    this.#values.set(name, out);
    return out;
  }

  /** The definitions of a function (also through `var f = g`), at most 16. */
  definitions(name: string, depth = 0): Definition[] {
    const known = this.#definitions.get(name);
    if (known !== undefined) return known;
    const out = [...(this.#defs.get(name) ?? [])];
    this.#definitions.set(name, out);
    const h = this.#held.get(name);
    for (const r of h === undefined || depth >= 4 ? [] : h.refs) {
      if (out.length >= 16) break;
      out.push(...this.definitions(r, depth + 1).slice(0, 16 - out.length));
    }
    return out;
  }

  /** The verdict on a definition, judged once; undefined when over budget or nested too deep. */
  judge(d: Definition): RuleVerdict | undefined {
    const known = this.#verdicts.get(d.key);
    if (known !== undefined) return known;
    if (this.#judge === undefined || this.#budget < d.text.length || this.#depth > 32) return undefined;
    this.#budget -= d.text.length;
    this.#verdicts.set(d.key, QUIET); // a function calling itself adds nothing to what it returns
    this.#depth++;
    try {
      const v = this.#judge(d.text, this);
      this.#verdicts.set(d.key, v);
      return v;
    } finally {
      this.#depth--;
    }
  }

  /** The merged verdict on every definition of a function; undefined when it has none or one cannot be judged. */
  judgeFunction(name: string): RuleVerdict | undefined {
    const defs = this.definitions(name);
    const vs = defs.map((d) => this.judge(d));
    return defs.length === 0 || vs.some((v) => v === undefined)
      ? undefined
      : mergeVerdicts(vs as RuleVerdict[]);
  }

  #helper(name: string): Who | undefined {
    if (this.tampered) return undefined;
    const defs = this.definitions(name);
    if (defs.length === 0) return undefined;
    const out: Who[] = [];
    const values: Resolver = { values: (n) => this.values(n), helper: () => undefined };
    for (const d of defs) {
      if (!this.#helpers.has(d.key)) {
        if (this.#budget < d.text.length) return undefined;
        this.#budget -= d.text.length;
        this.#helpers.set(d.key, helperWho(d.text, values));
      }
      const w = this.#helpers.get(d.key);
      if (w === undefined) return undefined;
      out.push(w);
    }
    return unionWho(out);
  }
}
