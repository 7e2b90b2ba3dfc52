/**
 * What a polkit rule's condition says about who asks: the restrictions (names, name patterns, groups, others)
 * a test of the subject stands for, and how conditions combined with &&, || and ! combine them, as JavaScript
 * combines them. Which tests a piece of code holds is read by polkit_subject.ts; a condition is evaluated here
 * from them. A test of subject.user that resolves to no one does not restrict (it may always be true): a YES
 * behind it counts as a YES for everyone, flagged as unresolved. Every function here takes time linear in its
 * input.
 */
import { type JsLex, skipWs, skipWsBack } from "./polkit_lex.ts";
import { regexPatterns, type UserPattern } from "./polkit_regex.ts";

export type { UserPattern } from "./polkit_regex.ts";

/** Who passes a test. */
export interface Who {
  users: string[];
  patterns: UserPattern[];
  groups: string[];
  /** Someone known only as a restriction: a netgroup, a systemd unit, a comparison of other subject fields. */
  other: boolean;
}

/** What a condition says about the subject: who passes when it is true (pos) and when it is false (neg). */
export interface Cond {
  pos: Who | null;
  neg: Who | null;
  /** The condition tests subject.user in a way that names no one. */
  unresolved: boolean;
}

/** Names a variable of the rules may hold, and the helpers they define (see RuleScope in polkit_scope.ts). */
export interface Resolver {
  /**
   * Strings the variable `name` (mentioned at index `at` of the code judged) holds: a string, or a list of them;
   * undefined when unknown or assigned anything else.
   */
  values(name: string, at?: number): string[] | undefined;
  /** Who a helper function of the rules lets through when called with the user; undefined when unknown. */
  helper(name: string): Who | undefined;
}

/** The subject tests of one piece of code, by the index each starts at. */
export interface SubjectTests {
  byStart: Map<number, { end: number; cond: Cond }>;
  /** Sorted indexes of every mention of the user, to tell an unresolved test from unrelated code. */
  mentions: number[];
}

/** A condition that says nothing about the subject. */
export const NONE: Cond = { pos: null, neg: null, unresolved: false };
/** A test of subject.user that names no one: it may always be true. */
export const UNRESOLVED: Cond = { pos: null, neg: null, unresolved: true };
/** At most this many names, patterns or groups are kept for one restriction. */
export const MAX_NAMES = 256;

/** A restriction with the given names, patterns, groups or other (the rest empty). */
export function who(over: Partial<Who>): Who {
  return {
    users: over.users ?? [],
    patterns: over.patterns ?? [],
    groups: over.groups ?? [],
    other: !!over.other,
  };
}

/** The condition that lets through `w` when true, or an unresolved one when `w` is undefined. */
export function restrict(w: Who | undefined): Cond {
  return w === undefined ? UNRESOLVED : { pos: w, neg: null, unresolved: false };
}

/** The condition negated (`!c`): who passes when true and when false swap. */
export function flip(c: Cond): Cond {
  return { pos: c.neg, neg: c.pos, unresolved: c.unresolved };
}

/** Everyone either of `ws` lets through. */
export function unionWho(ws: readonly Who[]): Who {
  const out = who({});
  for (const w of ws) {
    out.users.push(...w.users.slice(0, MAX_NAMES - out.users.length));
    out.patterns.push(...w.patterns.slice(0, MAX_NAMES - out.patterns.length));
    out.groups.push(...w.groups.slice(0, MAX_NAMES - out.groups.length));
    out.other ||= w.other;
  }
  return out;
}

/** Of several restrictions that all hold, the most precise (names before patterns, groups, the rest). */
function narrowest(ws: readonly Who[]): Who | null {
  if (ws.length === 0) return null;
  const rank = (w: Who) => w.other ? 3 : w.groups.length > 0 ? 2 : w.patterns.length > 0 ? 1 : 0;
  const best = Math.min(...ws.map(rank));
  return unionWho(ws.filter((w) => rank(w) === best));
}

/** Conditions joined by && (`and`) or ||. */
function combine(cs: readonly Cond[], and: boolean): Cond {
  const all = (f: (c: Cond) => Who | null) =>
    cs.every((c) => f(c) !== null) ? unionWho(cs.map((c) => f(c)!)) : null;
  const any = (f: (c: Cond) => Who | null) => narrowest(cs.map(f).filter((w): w is Who => w !== null));
  return {
    pos: and ? any((c) => c.pos) : all((c) => c.pos),
    neg: and ? all((c) => c.neg) : any((c) => c.neg),
    unresolved: cs.some((c) => c.unresolved),
  };
}

/** Who a regular expression tested on the user lets through (see regexPatterns); undefined for anyone. */
export function regexWho(source: string, flags: string): Who | undefined {
  const pats = regexPatterns(source, flags);
  if (pats === undefined) return undefined;
  return who({
    users: pats.filter((p) => p.exact && !p.fold).map((p) => p.parts[0]),
    patterns: pats.filter((p) => !p.exact || p.fold),
  });
}
/** The same tests, each unresolved: what the code tests can no longer be trusted to mean who passes. */
export function unresolvedTests(tests: SubjectTests): SubjectTests {
  const byStart = new Map([...tests.byStart].map(([k, t]) => [k, { end: t.end, cond: UNRESOLVED }]));
  return { byStart, mentions: tests.mentions };
}

/** Whether the user is mentioned in code[a, b). */
function hasMention(tests: SubjectTests, a: number, b: number): boolean {
  const m = tests.mentions;
  let lo = 0;
  let hi = m.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m[mid] < a) lo = mid + 1;
    else hi = mid;
  }
  return lo < m.length && m[lo] < b;
}

/** A condition that is no test: unresolved when it mentions the user. */
function other(tests: SubjectTests, a: number, b: number): Cond {
  return hasMention(tests, a, b) ? UNRESOLVED : NONE;
}

/**
 * What the condition code[a, b) says about the subject. Split at the top-level || and then && (brackets and
 * literals stepped over), `!` and whole parentheses looked through, and each remaining piece must be exactly one
 * test: anything else there (a ternary, a comma, `| 1`, `>= 0` after a boolean) makes it no restriction.
 */
export function evalCond(
  code: string,
  lex: JsLex,
  tests: SubjectTests,
  a: number,
  b: number,
  depth = 0,
  flat = false,
): Cond {
  a = skipWs(code, a);
  b = skipWsBack(code, b - 1) + 1;
  if (a >= b) return NONE;
  if (depth > 64) return other(tests, a, b);
  if (code[a] === "(" && lex.jump[a] === b) return evalCond(code, lex, tests, a + 1, b - 1, depth + 1);
  if (!flat) {
    const ors: number[] = [];
    const ands: number[] = [];
    for (let i = a; i < b; i++) {
      const j = lex.jump[i];
      if (j > i && (lex.lit[i] !== 0 || "([{".includes(code[i]))) {
        i = j - 1;
        continue;
      }
      const c = code[i];
      const n = code[i + 1];
      if ((c === "|" || c === "&") && n === c) {
        (c === "|" ? ors : ands).push(i);
        i++;
      } else if (
        (c === "?" && n !== ".") || c === "," || (c === "=" && !/[=!<>]/.test(code[i - 1]) && n !== "=")
      ) {
        return other(tests, a, b);
      }
    }
    const cuts = ors.length > 0 ? ors : ands;
    if (cuts.length > 0) {
      const parts: Cond[] = [];
      let from = a;
      for (const cut of [...cuts, b]) {
        parts.push(evalCond(code, lex, tests, from, cut, depth + 1));
        from = cut + 2;
      }
      return combine(parts, ors.length === 0);
    }
  }
  if (code[a] === "!" && code[a + 1] !== "=") {
    return flip(evalCond(code, lex, tests, a + 1, b, depth + 1, true));
  }
  const t = tests.byStart.get(a);
  if (t !== undefined && t.end === b) return t.cond;
  return other(tests, a, b);
}
