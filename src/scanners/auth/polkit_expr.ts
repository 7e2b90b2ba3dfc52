/**
 * Reading the JavaScript expression around an index of a polkit rule, as the tests of the subject need it:
 * comparison operators before and after, identifier chains (a.b.c), regular expressions (literals and RegExp
 * calls), and comparisons of an index with a number or of a test with true or false. Each reads a bounded
 * stretch at the index it is given (brackets and literals stepped over with the lexer's jumps).
 */
import { isIdentChar, type JsLex, skipWs, skipWsBack, stringAt, wordStart } from "./polkit_lex.ts";

/** A comparison with a number after an index (`>= 0`, `== -1`), at the sticky index. */
const INDEX_COMPARE = /\s*(>=|<=|===|!==|==|!=|>|<)\s*(-\s*)?(\d+)(?![\w$.])/y;
/** `true` or `false` after a comparison, at the sticky index. */
const BOOL = /\s*(true|false)(?![\w$])/y;
/** A RegExp(…) call, at the sticky index. */
const REGEXP_CALL = /(?:new\s+)?RegExp\s*\(/y;

/** The JavaScript comparison operator (==, ===, !=, !==) starting at i. */
export function opAfter(code: string, i: number): string | undefined {
  const c = code[i];
  if ((c !== "=" && c !== "!") || code[i + 1] !== "=") return undefined;
  const op = code[i + 2] === "=" ? `${c}==` : `${c}=`;
  return code[i + op.length] === "=" ? undefined : op;
}

/** The comparison operator ending at k, with its start. */
export function opBefore(code: string, k: number): { op: string; start: number } | undefined {
  if (code[k] !== "=") return undefined;
  if (code[k - 1] === "!") return { op: "!=", start: k - 1 };
  if (code[k - 1] !== "=") return undefined;
  if (code[k - 2] === "=" || code[k - 2] === "!") {
    return /[=!<>]/.test(code[k - 3] ?? "") ? undefined : { op: `${code[k - 2]}==`, start: k - 2 };
  }
  return /[<>]/.test(code[k - 2] ?? "") ? undefined : { op: "==", start: k - 1 };
}

/** An identifier chain (a.b.c) ending at k: its start and last name. */
export function chainBefore(code: string, k: number): { start: number; name: string } | undefined {
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
export function chainAfter(code: string, j: number): { end: number; name: string } | undefined {
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

/** Words that may stand before `(` without being a function called. */
export const KEYWORDS = new Set([
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
export function regexAt(
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
export function regexBefore(code: string, lex: JsLex, k: number) {
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

/** A comparison of a number with an index (`indexOf(…) >= 0`) after `i`: whether it means found, or at 0. */
export function indexCompare(
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
export function boolCompare(
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
