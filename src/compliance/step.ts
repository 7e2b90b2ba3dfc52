/**
 * The compliance step of the finding pipeline: watches every failure before the min-severity filter, then
 * adds each reported check's taxonomy references and, when asked for, the evaluated controls.
 */
import type { Config } from "../core/config.ts";
import type { PipelineStep } from "../core/pipeline.ts";
import { complianceGaps, evaluateCompliance, FailureObserver } from "./evaluate.ts";
import { STANDARDS } from "./standards/index.ts";
import { TaxonomyIndex } from "./taxonomy.ts";

/** True when the config asks for compliance evaluation. */
export function complianceWanted(c: Config): boolean {
  return c.compliance || c.complianceStandards.length > 0 || c.complianceGaps;
}

/** The compliance step of a scan. */
export function complianceStep(config: Config): PipelineStep {
  const observer = new FailureObserver();
  return {
    stage: () => observer.stage(),
    report({ catalogue, results, findings, suppressed, staticMitre }) {
      const summary: Record<string, unknown> = {
        taxonomies: new TaxonomyIndex(catalogue, STANDARDS, staticMitre).refsFor(
          findings.map((f) => f.check_id),
        ),
      };
      if (complianceWanted(config)) {
        const chosen = config.complianceStandards.length > 0
          ? STANDARDS.filter((s) => config.complianceStandards.includes(s.id))
          : STANDARDS;
        const outcome = evaluateCompliance({
          standards: chosen,
          catalogue,
          results,
          observer,
          suppressed,
          hardening: config.hardening,
        });
        summary.compliance_summary = outcome.summary;
        summary.compliance = outcome.controls;
        if (config.complianceGaps) summary.compliance_gaps = complianceGaps(outcome);
      }
      return { summary };
    },
  };
}
