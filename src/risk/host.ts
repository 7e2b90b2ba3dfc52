/**
 * Host risk: a bounded 0-100 summary where the worst finding dominates and others add with a geometric decay,
 * so many low findings can never outweigh one critical. See docs/RISK.md.
 */
import type { Finding } from "../core/finding.ts";
import { SEVERITIES, type Severity, severityForScore } from "../core/severity.ts";
import type { RiskModel } from "./model.ts";

/** `summary_extension.host_risk`. */
export interface HostRisk {
  score: number;
  level: Severity;
  top: { id: string; check_id: string; severity: Severity; risk_score: number }[];
  distribution: Partial<Record<Severity, number>>;
  counted: number;
  method: string;
}

/**
 * The host score from finding risk scores: with r1 ≥ r2 ≥ … the top `top_n` scores,
 * score = r1 + (100 − r1) × Σ_{k≥2} (r_k / 100) × decay^(k−1). Never above 100, never below r1, and never lower
 * when a finding is added.
 */
export function hostScore(scores: readonly number[], model: RiskModel["host"]): number {
  const sorted = [...scores].filter((s) => s > 0).sort((a, b) => b - a).slice(0, model.top_n);
  if (sorted.length === 0) return 0;
  const r1 = sorted[0];
  let rest = 0;
  let w = 1;
  for (let k = 1; k < sorted.length; k++) {
    w *= model.decay;
    rest += (sorted[k] / 100) * w;
  }
  return Math.min(100, Math.round(r1 + (100 - r1) * Math.min(1, rest)));
}

/** The host risk summary of the reported findings (passed checks left out). */
export function hostRisk(findings: readonly Finding[], model: RiskModel): HostRisk {
  const counted = findings.filter((f) => f.metadata.passed !== true);
  const score = hostScore(counted.map((f) => f.risk_score), model.host);
  const distribution: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const n = counted.filter((f) => f.severity === s).length;
    if (n > 0) distribution[s] = n;
  }
  const top = [...counted]
    .filter((f) => f.risk_score > 0)
    .sort((a, b) => b.risk_score - a.risk_score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, model.host.top_listed)
    .map((f) => ({ id: f.id, check_id: f.check_id, severity: f.severity, risk_score: f.risk_score }));
  return {
    score,
    level: severityForScore(score),
    top,
    distribution,
    counted: counted.length,
    method: `max + decayed rest (decay ${model.host.decay}, top ${model.host.top_n})`,
  };
}
