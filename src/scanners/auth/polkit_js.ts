/**
 * polkit's JavaScript rules judged as text, never run: the functions polkit.addRule and addAdminRule are given
 * (written in place, or named and defined elsewhere in the rules: all rules files share one global scope), the
 * places a rule hands back YES (returned directly, through a ternary or &&, through a variable, or through a
 * helper function), and who each of them is restricted to by the `if` around it, a guard before it that
 * returns for everyone else, or the condition of its ternary. Who a condition lets through is read by
 * polkit_subject.ts (the tests) and polkit_cond.ts (how they combine), where YES is handed back by
 * polkit_yes.ts, and what the files define by polkit_scope.ts.
 * Every function here takes time linear in its input.
 */
import { escapeRegExp } from "../../host/regex.ts";
import {
  functionScopes,
  isIdentChar,
  type JsLex,
  lexJs,
  skipWs,
  skipWsBack,
  statementEnds,
} from "./polkit_lex.ts";
import { type Flow, IDENT, returnedNames, yesSites } from "./polkit_yes.ts";
import { anyIn, lowerBound, QUIET, RuleScope, type RuleVerdict } from "./polkit_scope.ts";

export { RuleScope, type RuleVerdict } from "./polkit_scope.ts";
import { evalCond, type Resolver, unionWho, unresolvedTests, type Who } from "./polkit_cond.ts";
import { BROAD_GROUPS, findSubjectTests, subjectTampered, userAliases } from "./polkit_subject.ts";

/** At most this many characters of rule bodies are judged per file (nested calls repeat what they hold). */
const MAX_BODY_CHARS = 4 << 20;
/** At most this many `if` statements of one rule are looked at. */
const MAX_IFS = 2000;

/** The names the rule function gives its two parameters (action, subject by convention, but any will do). */
export function paramNames(body: string): { action: string; subject: string } {
  const m = body.match(/^\(\s*(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*)?\(\s*([\w$]*)\s*(?:,\s*([\w$]*))?/);
  const arrow = m === null ? body.match(/^\(\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/) : null;
  return { action: m?.[1] || arrow?.[1] || "action", subject: m?.[2] || "subject" };
}

/** `polkit` and the names the file gives it (`var p = polkit; p.addRule(…)`). */
function polkitNames(code: string, lex: JsLex): string[] {
  const out = new Set(["polkit"]);
  const re = new RegExp(`(?<![\\w$.])(${IDENT})\\s*=(?![=>])\\s*polkit(?![\\w$])(?!\\s*[.[(])`, "g");
  for (const m of code.matchAll(re)) if (lex.lit[m.index!] === 0 && out.size < 16) out.add(m[1]);
  return [...out];
}

/**
 * The argument lists of `polkit.addRule(...)` or `polkit.addAdminRule(...)` calls (also spelt `polkit["addRule"]`
 * or through a name given to polkit), brackets included. An unclosed call's body runs to the next call, not to
 * the end of the file: 500 unclosed calls each judged with the rest of the file took seconds.
 */
export function ruleBodies(code: string, call: "addRule" | "addAdminRule"): string[] {
  const out: string[] = [];
  const lex = lexJs(code);
  const who = polkitNames(code, lex).map(escapeRegExp).join("|");
  const re = new RegExp(
    `(?<![\\w$.])(?:${who})\\s*(?:\\.\\s*${call}|\\[\\s*(?:"${call}"|'${call}'|\`${call}\`)\\s*\\])` +
      `\\s*(?:\\.\\s*(call|apply)\\s*)?\\(`,
    "g",
  );
  const calls = [...code.matchAll(re)].filter((m) => lex.lit[m.index!] === 0).slice(0, 500);
  let judged = 0;
  calls.forEach((m, i) => {
    const open = m.index! + m[0].length - 1;
    const end = lex.jump[open] >= 0 ? lex.jump[open] : (calls[i + 1]?.index ?? code.length);
    if (judged + (end - open) > MAX_BODY_CHARS) return;
    judged += end - open;
    out.push(m[1] === undefined ? code.slice(open, end) : passedOn(code, lex, open, end, m[1] === "apply"));
  });
  return out;
}

/**
 * The argument list `addRule.call(this, f)` or `addRule.apply(this, [f])` hands addRule, from the call's
 * brackets [open, end): `(f)`.
 */
function passedOn(code: string, lex: JsLex, open: number, end: number, apply: boolean): string {
  for (let i = open + 1; i < end - 1; i++) {
    if (lex.jump[i] > i && (lex.lit[i] !== 0 || "([{".includes(code[i]))) i = lex.jump[i] - 1;
    else if (code[i] === ",") {
      const a = skipWs(code, i + 1);
      const inner = apply && code[a] === "[" && lex.jump[a] > 0 ? [a + 1, lex.jump[a] - 1] : [i + 1, end - 1];
      return `(${code.slice(inner[0], inner[1])})`;
    }
  }
  return "()";
}

/**
 * Judges one rule function (comments already stripped). A YES is restricted when it sits in the body of an `if`
 * whose condition restricts the subject (isInGroup of a real group, subject.user == "x", a list or regex of
 * names…), in the `else` of one that restricts when false, after a guard that returns for everyone else
 * (`if (subject.user != "x") return;`) in the same block, or behind its own ternary or &&. A YES assigned to a
 * variable is restricted when the assignment or the return of the variable is; a call of a helper function
 * that returns YES is judged as that function is.
 */
function judgeFunction(body: string, scope: RuleScope): RuleVerdict {
  const names = paramNames(body);
  const lex = lexJs(body);
  const aliases = userAliases(body, lex, names.subject);
  // A variable the function declares is read from its own assignments; any other from the global scope.
  const fs = functionScopes(body, lex);
  let own: RuleScope | undefined;
  const resolver: Resolver = {
    values: (n, at) =>
      at !== undefined && fs.isLocal(at, n)
        ? (own ??= new RuleScope([body], { locals: true })).values(n)
        : scope.values(n),
    helper: (n) => scope.resolver.helper(n),
  };
  // A mention of the subject (or an alias) is the rule's own unless a nested function declares the name again.
  const start = ruleBodyStart(body, lex);
  const ruleStart = start < 0 ? -1 : fs.declaredBy(start, names.subject);
  const ownSubject = (at: number, n: string) => {
    const d = fs.declaredBy(at, n);
    return d === ruleStart || d < 0;
  };
  let tests = findSubjectTests(body, lex, names.subject, aliases, resolver, ownSubject);
  if (scope.tampered || subjectTampered(body, lex, names.subject, aliases)) tests = unresolvedTests(tests);
  const sets = yesSites(body, lex, scope.resultAliases);
  const setCount = new Map<string, number>();
  const globalSets = new Map<string, number>();
  for (const s of sets) {
    if (s.assign === undefined) continue;
    setCount.set(s.assign, (setCount.get(s.assign) ?? 0) + 1);
    if (!fs.isLocal(s.at, s.assign)) globalSets.set(s.assign, (globalSets.get(s.assign) ?? 0) + 1);
  }
  const gets = returnedNames(body, lex, new Set([...setCount.keys(), ...scope.yesVars.keys()]), scope.yesFns);
  const got = new Set(gets.map((g) => g.name));
  const whos: Who[] = [];
  // A helper called as fn(action, subject) is judged as a rule; called otherwise, it may return YES to anyone.
  const fnOpen = (g: { name: string; args?: string }): boolean => {
    const v = scope.judgeFunction(g.name.slice(0, -2));
    if (v === undefined || v.unrestrictedYes || g.args !== `${names.action},${names.subject}`) return true;
    whos.push({ users: v.yesUsers, patterns: v.yesPatterns, groups: v.yesGroups, other: false });
    return false;
  };
  // YES assigned to a global variable outside this function.
  const external = (n: string, at: number) =>
    !fs.isLocal(at, n) && (scope.yesVars.get(n) ?? 0) > (globalSets.get(n) ?? 0);
  const externals = new Set(gets.filter((g) => external(g.name, g.at)).map((g) => g.name));
  type Site = Flow & { at: number; kind: "direct" | "set" | "get"; name?: string };
  const sites: Site[] = [
    ...sets.filter((s) => s.assign === undefined || got.has(s.assign))
      .map((s): Site => ({ ...s, kind: s.assign === undefined ? "direct" : "set", name: s.assign })),
    ...gets.filter((g) => g.name.endsWith("()") ? fnOpen(g) : setCount.has(g.name) || externals.has(g.name))
      .map((g): Site => ({ ...g, kind: "get" })),
  ].sort((x, y) => x.at - y.at);
  const at = sites.map((s) => s.at);
  const returns = [...body.matchAll(/\breturn\b/g)].map((m) => m.index!).filter((i) => lex.lit[i] === 0);
  const exits = alwaysReturns(body, lex, returns);
  const sub = escapeRegExp(names.subject);
  const locals = [...body.matchAll(new RegExp(`(?<![\\w$.])${sub}\\s*\\.\\s*(?:local|active)\\b`, "g"))]
    .map((m) => m.index!);
  const ranges: { from: number; to: number; who: Who | null; unresolved: boolean; local: boolean }[] = [];
  const ifs: { kw: number; open: number; close: number; then: number }[] = [];
  for (const m of body.matchAll(/\bif\s*\(/g)) {
    if (lex.lit[m.index!] !== 0) continue;
    if (ifs.length >= MAX_IFS) break;
    const open = m.index! + m[0].length - 1;
    const close = lex.jump[open];
    if (close >= 0) ifs.push({ kw: m.index!, open, close, then: skipWs(body, close) });
  }
  // Where each body (then, else) ends, and the block around each `if` (where a guard's effect ends).
  const ends = statementEnds(body, lex, ifs.flatMap((f) => [f.then, f.kw]));
  const end = (i: number, line: number) => i >= body.length ? -1 : body[i] === "{" ? lex.jump[i] : line + 1;
  const thenEnds = ifs.map((f, k) => end(f.then, ends.line[2 * k]));
  const elses = ifs.map((f, k) => {
    const e = skipWs(body, thenEnds[k]);
    if (thenEnds[k] <= f.then || !body.startsWith("else", e) || isIdentChar(body[e + 4])) return -1;
    const s = skipWs(body, e + 4);
    return body.startsWith("if", s) && !isIdentChar(body[s + 2]) ? -1 : s;
  });
  const elseEnds = elses.some((s) => s >= 0)
    ? statementEnds(body, lex, elses.map((s) => Math.max(s, 0))).line
    : [];
  ifs.forEach(({ open, close, then: i }, k) => {
    const c = evalCond(body, lex, tests, open + 1, close - 1);
    const thenEnd = thenEnds[k];
    if (thenEnd <= i) return;
    ranges.push({
      from: i,
      to: thenEnd,
      who: c.pos,
      unresolved: c.unresolved,
      local: anyIn(locals, open, close),
    });
    const elseEnd = elses[k] < 0 ? -1 : end(elses[k], elseEnds[k]);
    if (elseEnd > elses[k]) {
      ranges.push({ from: elses[k], to: elseEnd, who: c.neg, unresolved: c.unresolved, local: false });
    }
    if (c.neg !== null && !anyIn(at, i, thenEnd) && exits(i)) {
      ranges.push({
        from: thenEnd,
        to: ends.block[2 * k + 1],
        who: c.neg,
        unresolved: c.unresolved,
        local: false,
      });
    }
  });
  const guarded = new Int32Array(sites.length + 1);
  const unresolved = new Int32Array(sites.length + 1);
  let localOnly = false;
  for (const r of ranges) {
    const [lo, hi] = [lowerBound(at, r.from), lowerBound(at, r.to)];
    if (lo >= hi) continue;
    const marks = r.who !== null ? guarded : r.unresolved ? unresolved : undefined;
    if (marks !== undefined) [marks[lo], marks[hi]] = [marks[lo] + 1, marks[hi] - 1];
    if (r.who !== null) whos.push(r.who);
    localOnly ||= r.local;
  }
  let depth = 0;
  let unclear = 0;
  let unrestrictedYes = false;
  let unresolvedUserTest = false;
  const free = new Map<string, { set: boolean; get: boolean }>();
  sites.forEach((s, k) => {
    depth += guarded[k];
    unclear += unresolved[k];
    const c = s.cond === undefined ? undefined : evalCond(body, lex, tests, s.cond.a, s.cond.b);
    const own = c === undefined ? null : s.cond!.negate ? c.neg : c.pos;
    if (own !== null) whos.push(own);
    if (depth > 0 || own !== null) return;
    if (s.kind === "direct") unrestrictedYes = true;
    else {
      const f = free.get(s.name!) ?? { set: false, get: false };
      free.set(s.name!, f);
      f[s.kind] = true;
    }
    if (unclear > 0 || c?.unresolved) unresolvedUserTest = true;
  });
  for (const [name, f] of free) {
    if (f.get && (f.set || name.endsWith("()") || externals.has(name))) unrestrictedYes = true;
  }
  const w = unionWho(whos);
  return {
    unrestrictedYes,
    actionChecked: new RegExp(`\\b${escapeRegExp(names.action)}\\s*\\.\\s*(?:id|lookup)\\b`).test(body),
    localOnly,
    yesUsers: [...new Set(w.users)].sort(),
    yesPatterns: w.patterns,
    yesGroups: [...new Set(w.groups)].sort(),
    unresolvedUserTest: unrestrictedYes && unresolvedUserTest,
  };
}

/**
 * Whether the statement starting at `i` (an `if`'s body) always returns: it is a `return`, or a block with a
 * `return` of its own that starts a statement (not one in a nested block or function, nor the body of an inner
 * `if`, which may not run). `returns` are the indexes of every `return` of the code.
 */
function alwaysReturns(code: string, lex: JsLex, returns: readonly number[]): (i: number) => boolean {
  const blocks = statementEnds(code, lex, returns).block;
  const closers = new Set<number>();
  returns.forEach((r, k) => {
    const p = code[skipWsBack(code, r - 1)];
    if (p === undefined || p === "{" || p === ";" || p === "}") closers.add(blocks[k]);
  });
  return (i) =>
    code[i] === "{"
      ? lex.jump[i] > 0 && closers.has(lex.jump[i] - 1)
      : code.startsWith("return", i) && !isIdentChar(code[i + 6]);
}

/**
 * Where a rule function's body starts (`(function (a, s) {…})`, `((a, s) => {…})`, or an arrow's expression:
 * `((a, s) => …)`), as functionScopes starts it; -1 when the text is no function.
 */
function ruleBodyStart(body: string, lex: JsLex): number {
  let k = /^\(\s*(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*)?/.exec(body)?.[0].length ?? -1;
  if (k < 0) return -1;
  if (body[k] === "(") k = lex.jump[k];
  else while (isIdentChar(body[k])) k++;
  if (k < 0) return -1;
  k = skipWs(body, k);
  if (body.startsWith("=>", k)) return skipWs(body, k + 2);
  return body[k] === "{" ? k : -1;
}

/** `(name)`, `(obj.name)` or `(name.bind(…))`: a rule given by name; the name. */
function ruleReference(body: string): string | undefined {
  if (body.length > 1024) return undefined;
  const m = body.match(
    /^\(\s*((?:[A-Za-z_$][\w$]*\s*\??\.\s*)*[A-Za-z_$][\w$]*)\s*(?:\.\s*bind\s*\([^()]*\)\s*)?,?\s*\)$/,
  );
  return m === null ? undefined : m[1].split(".").pop()!.trim();
}

/** The scope shared by rules files (their text with comments stripped), for judgeRule and broadAdminIdentities. */
export function ruleScope(codes: readonly string[]): RuleScope {
  return new RuleScope(codes, { judge: judgeFunction });
}

/**
 * Judges an addRule call's argument list (comments already stripped), in `scope` (by default the scope of the
 * body alone). A rule given by name (`polkit.addRule(check)`) is judged as every definition of that name in the
 * scope, and is as open as the most open of them.
 */
export function judgeRule(body: string, scope?: RuleScope): RuleVerdict {
  const s = scope ?? new RuleScope([body], { judge: judgeFunction });
  const name = ruleReference(body);
  if (name !== undefined) {
    const v = s.judgeFunction(name);
    if (v !== undefined) return v;
    if (s.definitions(name).length > 0) return { ...QUIET, unrestrictedYes: true, actionChecked: false };
  }
  return judgeFunction(body, s);
}

/**
 * Identities an addAdminRule argument list returns that stand for everyone (unix-user:*, unix-group:users…):
 * from its strings, the variables it names, and (for a rule given by name) the named function's.
 */
export function broadAdminIdentities(body: string, scope?: RuleScope): string[] {
  const name = ruleReference(body);
  const texts = name === undefined || scope === undefined ? [] : scope.definitions(name).map((d) => d.text);
  if (texts.length === 0) texts.push(body);
  const out = new Set<string>();
  const check = (id: string) => {
    const m = id.match(/^unix-(user|group):(.*)$/s);
    if (m !== null && ((m[1] === "user" && m[2] === "*") || (m[1] === "group" && BROAD_GROUPS.has(m[2])))) {
      out.add(`unix-${m[1]}:${m[2]}`);
    }
  };
  for (const text of texts) {
    for (const m of text.matchAll(/["'`]unix-(user|group):([^"'`]*)["'`]/g)) check(`unix-${m[1]}:${m[2]}`);
    if (scope === undefined) continue;
    const seen = new Set<string>();
    for (const m of text.matchAll(new RegExp(`(?<![\\w$.])${IDENT}`, "g"))) {
      if (seen.has(m[0]) || seen.size > 1000) continue;
      seen.add(m[0]);
      for (const v of scope.values(m[0]) ?? []) check(v);
    }
  }
  return [...out];
}
