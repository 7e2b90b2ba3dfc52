/**
 * Per-finding risk: risk_score = clamp(round(S[severity] × C[confidence] × B[basis] × A[criticality] × Π(1 + w)
 * over the matching exposure and asset factors), 0, 100), the basis being whether the check is a hardening gap
 * (unless a rule set its severity) or signal. A passed check scores 0. See docs/RISK.md.
 */
import type { Catalogue } from "../core/catalogue.ts";
import type { Finding } from "../core/finding.ts";
import type { Stage } from "../core/pipeline.ts";
import { compileCondition, type Predicate } from "../core/match.ts";
import type { Criticality } from "../core/config.ts";
import type { RiskModel } from "./model.ts";

/** A compiled model, ready to score findings. */
export interface RiskScorer {
  /** The score and the ids of the factors that applied. */
  score(
    f: Finding,
    confidence: "certain" | "heuristic",
    basis?: "signal" | "hardening",
  ): { score: number; factors: string[] };
}

/** Compiles a model for a host of the given criticality. */
export function riskScorer(model: RiskModel, criticality: Criticality): RiskScorer {
  const factors: { id: string; weight: number; test: Predicate }[] = model.factors.map((x) => ({
    id: x.id,
    weight: x.weight,
    test: compileCondition(x.when),
  }));
  const crit = model.criticality[criticality];
  return {
    score(f, confidence, basis = "signal") {
      if (f.metadata.passed === true) return { score: 0, factors: [] };
      let raw = model.severity[f.severity] * model.confidence[confidence] * model.basis[basis] * crit;
      const applied: string[] = [];
      for (const x of factors) {
        if (x.test(f)) {
          raw *= 1 + x.weight;
          applied.push(x.id);
        }
      }
      return { score: Math.max(0, Math.min(100, Math.round(raw))), factors: applied };
    },
  };
}

/**
 * A pipeline stage that sets `risk_score` (after the rules, so a rule's severity counts). The factors that
 * applied are listed in `metadata.risk_factors`.
 */
export function riskStage(scorer: RiskScorer, catalogue: Catalogue): Stage {
  return (f) => {
    const check = catalogue.get(f.check_id);
    // A severity a site rule set says how much the finding matters there: it counts in full.
    const basis = check?.hardening && f.severity_source !== "rule_engine" ? "hardening" : "signal";
    const r = scorer.score(f, check?.confidence ?? "certain", basis);
    return {
      ...f,
      risk_score: r.score,
      ...(r.factors.length > 0 ? { metadata: { ...f.metadata, risk_factors: r.factors } } : {}),
    };
  };
}
