/**
 * The matcher rules, risk factors and compliance references share: compiles conditions and name patterns into
 * predicates (regexes compiled once, at load).
 */
import type { Condition, LeafCondition } from "./condition.ts";
import type { Finding } from "./finding.ts";
import { parseSeverity, severityRank } from "./severity.ts";
import { globMatcher } from "../host/glob.ts";

/** A compiled condition. */
export type Predicate = (f: Finding) => boolean;

/** Longest part of a value a string operator looks at (keeps hostile input from making matching slow). */
export const MAX_MATCH_INPUT = 64 << 10;

/**
 * The value of a field on a finding: a string, number, boolean, string list, or undefined when absent.
 * `metadata.<key>` reads a metadata value; a metadata `null` counts as absent.
 */
export function fieldValue(f: Finding, field: string): unknown {
  switch (field) {
    case "id":
    case "check_id":
    case "scanner":
    case "title":
    case "description":
    case "severity":
      return f[field];
    case "tags":
      return f.tags;
    case "mitre":
      return f.mitre;
    case "location.path":
      return f.location?.path;
    case "location.pid":
      return f.location?.pid;
  }
  const key = field.slice("metadata.".length);
  const v = Object.hasOwn(f.metadata, key) ? f.metadata[key] : undefined;
  return v === null ? undefined : v;
}

function text(v: unknown, fold: boolean): string {
  const s = String(v).slice(0, MAX_MATCH_INPUT);
  return fold ? s.toLowerCase() : s;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function severityNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const s = parseSeverity(v);
  return s === undefined ? undefined : severityRank(s);
}

function scalarTest(c: LeafCondition): (v: unknown) => boolean {
  const fold = c.ignore_case === true;
  const value = c.value;
  switch (c.op) {
    case "equals": {
      const want = typeof value === "string" ? text(value, fold) : value;
      return (v) =>
        typeof want === "string" ? text(v, fold) === want : v === want || String(v) === String(want);
    }
    case "in": {
      const set = new Set((value as unknown[]).map((x) => text(x, fold)));
      return (v) => set.has(text(v, fold));
    }
    case "contains": {
      const want = text(value, fold);
      return (v) => text(v, fold).includes(want);
    }
    case "starts_with": {
      const want = text(value, fold);
      return (v) => text(v, fold).startsWith(want);
    }
    case "ends_with": {
      const want = text(value, fold);
      return (v) => text(v, fold).endsWith(want);
    }
    case "regex": {
      const re = new RegExp(String(value), fold ? "i" : "");
      return (v) => re.test(String(v).slice(0, MAX_MATCH_INPUT));
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const bySeverity = c.field === "severity";
      const num = bySeverity ? severityNumber : toNumber;
      const want = num(value);
      if (want === undefined) return () => false;
      const cmp = c.op;
      return (v) => {
        const n = num(v);
        if (n === undefined) return false;
        return cmp === "gt" ? n > want : cmp === "gte" ? n >= want : cmp === "lt" ? n < want : n <= want;
      };
    }
    case "exists":
      return () => true;
  }
}

function compileLeaf(c: LeafCondition): Predicate {
  const field = c.field;
  if (c.op === "exists") return (f) => fieldValue(f, field) !== undefined;
  const test = scalarTest(c);
  return (f) => {
    const v = fieldValue(f, field);
    if (v === undefined) return false;
    return Array.isArray(v) ? v.some(test) : test(v);
  };
}

/**
 * Compiles a condition. A leaf on an absent field is false (so `not` of it is true); on a list field (tags,
 * mitre, list metadata) a leaf holds when it holds for any element.
 */
export function compileCondition(c: Condition): Predicate {
  if ("all" in c) {
    const parts = c.all.map(compileCondition);
    return (f) => parts.every((p) => p(f));
  }
  if ("any" in c) {
    const parts = c.any.map(compileCondition);
    return (f) => parts.some((p) => p(f));
  }
  if ("not" in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  return compileLeaf(c);
}

/** True when a name pattern is a glob (holds `*` or `?`); any other pattern is an exact name. */
export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

/**
 * Compiles name patterns into a name test; undefined matches everything. A pattern holding `*` (any run of
 * characters, none too) or `?` (exactly one) is a glob (see `globMatcher`: every other character, regex
 * syntax included, stands for itself, and matching takes linear time whatever the pattern); any other is an
 * exact name.
 */
export function compilePatterns(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (patterns === undefined) return () => true;
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map((p) => globMatcher(p));
  return (name) => exact.has(name) || globs.some((g) => g(name));
}
