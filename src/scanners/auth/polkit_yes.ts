/**
 * Where a polkit rule hands back YES: every spelling of polkit.Result.YES (`polkit["Result"]["YES"]`, an alias
 * of polkit.Result, `?.`, a bare YES under `with` or destructuring, the string "yes", `polkit.Result[key]` with a
 * computed key), whether it is returned or assigned (and to what), and the condition of the ternary, && or ||
 * it sits in. Every function here takes time linear in its input.
 */
import { isIdentChar, type JsLex, skipWs, skipWsBack, stringAt, wordStart } from "./polkit_lex.ts";

/** The condition of a ternary or && before a YES is looked for this far back. */
const MAX_COND = 4096;

/** An identifier, as a pattern. */
export const IDENT = "[A-Za-z_$][\\w$]*";

/** A spelling of YES: polkit.Result.YES (however written), NAME.YES, the string "yes", or a bare YES. */
interface YesRef {
  at: number;
  end: number;
  kind: "result" | "alias" | "string" | "bare";
  alias?: string;
}

/** The index of a `?.` or `.` member access ending just before `k` (the `.`), stepping over the `?`. */
function memberDot(code: string, k: number): number {
  const d = skipWsBack(code, k);
  return code[d] === "." ? (code[d - 1] === "?" ? d - 1 : d) : -1;
}

/** The YES spelling whose word YES (or yes) is at p. */
function yesRef(code: string, lex: JsLex, p: number, word: string): YesRef | undefined {
  if (word === "yes") {
    const s = lex.open[p];
    return lex.lit[p] === 1 && s === p - 1 && lex.jump[s] === p + 4
      ? { at: s, end: p + 4, kind: "string" }
      : undefined;
  }
  let end = p + 3;
  let k: number;
  if (lex.lit[p] === 1) {
    const s = lex.open[p];
    const b = skipWsBack(code, s - 1);
    const e = skipWs(code, p + 4);
    if (s !== p - 1 || lex.jump[s] !== p + 4 || code[b] !== "[" || code[e] !== "]") return undefined;
    end = e + 1;
    const d = memberDot(code, b - 1);
    k = skipWsBack(code, (d >= 0 ? d : b) - 1);
  } else if (lex.lit[p] === 0) {
    const d = memberDot(code, p - 1);
    if (d < 0) return { at: p, end, kind: "bare" };
    k = skipWsBack(code, d - 1);
  } else return undefined;
  let seg: number;
  let bracket = false;
  if (code[k] === "]" && lex.open[k] >= 0) {
    seg = lex.open[k];
    const str = stringAt(code, lex, skipWs(code, seg + 1));
    if (str?.value !== "Result" || skipWs(code, str.end) !== k) return undefined;
    bracket = true;
  } else if (isIdentChar(code[k])) seg = wordStart(code, k);
  else return undefined;
  const name = bracket ? "Result" : code.slice(seg, k + 1);
  if (name !== "Result") return { at: seg, end, kind: "alias", alias: name };
  // What Result belongs to: polkit.Result, polkit?.Result, polkit["Result"].
  const d = memberDot(code, seg - 1);
  if (d < 0 && !bracket) return { at: seg, end, kind: "result" };
  const q = skipWsBack(code, (d >= 0 ? d : seg) - 1);
  return { at: isIdentChar(code[q]) ? wordStart(code, q) : seg, end, kind: "result" };
}

const COMPUTED_RESULT = /(?<![\w$.])polkit\s*(?:\.\s*Result|\[\s*(?:"Result"|'Result'|`Result`)\s*\])\s*\[/g;

/** Every spelling of YES in `code`, in order; `polkit.Result[key]` with a key that is not a string may be YES. */
function yesRefs(code: string, lex: JsLex): YesRef[] {
  const out: YesRef[] = [];
  for (const m of code.matchAll(/\bYES\b|\byes\b/g)) {
    const r = yesRef(code, lex, m.index!, m[0]);
    if (r !== undefined) out.push(r);
  }
  for (const m of code.matchAll(COMPUTED_RESULT)) {
    const b = m.index! + m[0].length - 1;
    const key = stringAt(code, lex, skipWs(code, b + 1));
    // A key that is only a string is read as such above ("YES", or another result).
    if (lex.lit[m.index!] !== 0 || lex.jump[b] < 0 || skipWs(code, key?.end ?? b) === lex.jump[b] - 1) {
      continue;
    }
    out.push({ at: m.index!, end: lex.jump[b], kind: "result" });
  }
  return out.sort((x, y) => x.at - y.at);
}

type Lead = "return" | "assign" | "flow" | "compare" | "other";

/** What comes before an expression starting at `at` (parentheses stepped over): return, =>, =, ?, :, &&, ||… */
function leadOf(code: string, at: number): Lead {
  let k = skipWsBack(code, at - 1);
  while (code[k] === "(") k = skipWsBack(code, k - 1);
  const c = code[k];
  const p = code[k - 1] ?? "";
  if (c === "=") return /[=!<>]/.test(p) ? "compare" : /[+\-*/%&|^]/.test(p) ? "other" : "assign";
  if (c === ">") return p === "=" ? "return" : "compare";
  if (c === "<") return "compare";
  if (c === "?" || c === ":" || (c === "&" && p === "&") || (c === "|" && p === "|")) return "flow";
  if (!isIdentChar(c)) return "other";
  const w = code.slice(wordStart(code, k), k + 1);
  return w === "return" ? "return" : w === "case" ? "compare" : "other";
}

/** Where a value at `at` flows: the variable it is assigned to, and the condition of its ternary or && / ||. */
export interface Flow {
  assign?: string;
  cond?: { a: number; b: number; negate: boolean };
}

/**
 * The flow of the expression part at `at`, read from the start of its statement (not before `floor`): in
 * `return c ? YES : NO` the YES holds when c does, in `return c || YES` when c does not, and in
 * `r = c && YES` it is assigned to r.
 */
function flowOf(code: string, lex: JsLex, at: number, floor: number): Flow {
  let s = at - 1;
  while (s >= floor) {
    if (lex.lit[s] !== 0) s = lex.open[s] - 1;
    else if (code[s] === ";" || code[s] === "{" || code[s] === "}") break;
    else s--;
  }
  let e = Math.max(s + 1, floor);
  let assign: string | undefined;
  let toks: { i: number; t: string }[] = [];
  const reset = (to: number) => {
    e = to;
    assign = undefined;
    toks = [];
  };
  for (let i = e; i < at; i++) {
    if (lex.lit[i] !== 0) {
      const j = lex.jump[lex.open[i]];
      i = (j > i ? Math.min(j, at) : at) - 1;
      continue;
    }
    const c = code[i];
    const n = code[i + 1];
    if (c === "(" || c === "[" || c === "{") {
      const j = lex.jump[i];
      if (j > 0 && j <= at) i = j - 1;
      else reset(i + 1);
    } else if (c === ",") reset(i + 1);
    else if (
      c === "r" && code.startsWith("return", i) && !isIdentChar(code[i - 1]) && !isIdentChar(code[i + 6])
    ) {
      reset(i + 6);
      i += 5;
    } else if (c === "=") {
      if (n === ">") reset(i + 2);
      if (n === "=" || n === ">") i += code[i + 2] === "=" ? 2 : 1;
      else if (!/[=!<>]/.test(code[i - 1])) {
        const t = skipWsBack(code, i - 1);
        const name = isIdentChar(code[t]) ? code.slice(wordStart(code, t), t + 1) : undefined;
        const member = name !== undefined && memberDot(code, wordStart(code, t) - 1) >= 0;
        reset(i + 1);
        if (!/[+\-*/%&|^]/.test(code[i - 1]) && !member) assign = name;
      }
    } else if ((c === "&" || c === "|") && n === c) {
      toks.push({ i, t: c + c });
      i++;
    } else if (c === "?" && n === "?") {
      toks.push({ i, t: "||" });
      i++;
    } else if ((c === "?" && n !== ".") || c === ":") toks.push({ i, t: c });
  }
  if (toks.length === 0) return { assign };
  const after = (k: number, stop: (t: string) => boolean) => {
    for (let m = k - 1; m >= 0; m--) if (stop(toks[m].t)) return toks[m].i + toks[m].t.length;
    return e;
  };
  const ternary = (t: string) => t === "?" || t === ":";
  const last = toks.length - 1;
  const t = toks[last];
  if (t.t === "&&") return { assign, cond: { a: after(last, (x) => x !== "&&"), b: t.i, negate: false } };
  if (t.t === "||") return { assign, cond: { a: after(last, ternary), b: t.i, negate: true } };
  if (t.t === "?") return { assign, cond: { a: after(last, ternary), b: t.i, negate: false } };
  let depth = 0;
  for (let m = last - 1; m >= 0; m--) {
    if (toks[m].t === ":") depth++;
    else if (toks[m].t === "?" && depth-- === 0) {
      return { assign, cond: { a: after(m, ternary), b: toks[m].i, negate: true } };
    }
  }
  return { assign };
}

/** A place YES is handed on: its index, its flow. */
export interface YesSite extends Flow {
  at: number;
}

/** The places of `code` a YES is returned or assigned (`aliases`: names that hold polkit.Result). */
export function yesSites(code: string, lex: JsLex, aliases: ReadonlySet<string>): YesSite[] {
  const out: YesSite[] = [];
  const compareAfter = /\s*[=!]=/y;
  let floor = 0;
  for (const r of yesRefs(code, lex)) {
    if (r.at < floor) continue;
    const lead = leadOf(code, r.at);
    compareAfter.lastIndex = r.end;
    if (lead === "compare" || compareAfter.test(code)) continue;
    const ok = r.kind === "result" ||
      (r.kind === "alias"
        ? aliases.has(r.alias!) || lead === "return" || lead === "flow"
        : lead === "return" || lead === "flow" || lead === "assign");
    if (!ok) continue;
    out.push({ at: r.at, ...flowOf(code, lex, r.at, Math.max(floor, r.at - MAX_COND)) });
    floor = r.end;
  }
  return out;
}

/** The places of `code` a variable holding YES (in `vars`) or a call of a function of `fns` is returned. */
export function returnedNames(
  code: string,
  lex: JsLex,
  vars: ReadonlySet<string>,
  fns: ReadonlySet<string>,
): (YesSite & { name: string; args?: string })[] {
  const out: (YesSite & { name: string; args?: string })[] = [];
  if (vars.size === 0 && fns.size === 0) return out;
  let floor = 0;
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])${IDENT}`, "g"))) {
    const at = m.index!;
    const name = m[0];
    if (lex.lit[at] !== 0 || !(vars.has(name) || fns.has(name))) continue;
    const k = skipWs(code, at + name.length);
    const call = code[k] === "(" && fns.has(name) && lex.jump[k] > 0;
    const member = code[k] === "(" || code[k] === "[" || code[k] === ".";
    if (!call && (!vars.has(name) || member || (code[k] === "=" && code[k + 1] !== "="))) continue;
    const lead = leadOf(code, at);
    if (lead !== "return" && lead !== "flow") continue;
    const args = call ? code.slice(k + 1, lex.jump[k] - 1).replace(/\s+/g, "") : undefined;
    out.push({
      at,
      name: call ? `${name}()` : name,
      args,
      ...flowOf(code, lex, at, Math.max(floor, at - MAX_COND)),
    });
    floor = at + name.length;
  }
  return out;
}
