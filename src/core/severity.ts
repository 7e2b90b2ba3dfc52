/**
 * Severity levels, their order and the upstream-compatible base scores. No zod here (its schema, SeveritySchema,
 * is in schemas.ts): scanners import this module, and the scan worker's isolate then need not load zod.
 */

/** The six severity names, lowest first (`error` is a scanner failure and ranks highest). */
export const SEVERITIES = ["info", "low", "medium", "high", "critical", "error"] as const;

/** A severity name. */
export type Severity = typeof SEVERITIES[number];

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4, error: 5 };

/** Upstream's fixed per-severity score, kept as `base_severity_score` for compatibility. */
export const BASE_SEVERITY_SCORE: Record<Severity, number> = {
  info: 10,
  low: 30,
  medium: 50,
  high: 70,
  critical: 90,
  error: 80,
};

/** Rank of a severity: info 0 … error 5. */
export function severityRank(s: Severity): number {
  return RANK[s];
}

/** True when `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return RANK[a] >= RANK[b];
}

/** Parses a user-supplied severity (case-insensitive, trimmed); undefined when it is not one. */
export function parseSeverity(text: string): Severity | undefined {
  const t = text.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(t) ? t as Severity : undefined;
}

/** The severity band a 0–100 score falls in: ≥90 critical, ≥70 high, ≥50 medium, ≥30 low, else info. */
export function severityForScore(score: number): Severity {
  return score >= 90
    ? "critical"
    : score >= 70
    ? "high"
    : score >= 50
    ? "medium"
    : score >= 30
    ? "low"
    : "info";
}
