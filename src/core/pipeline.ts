/** Turns scanner drafts into report findings: catalogue defaults → stages (rules, risk) → min-severity. */
import type { Catalogue } from "./catalogue.ts";
import { type Finding, type FindingDraft, findingId } from "./finding.ts";
import { atLeast, BASE_SEVERITY_SCORE, type Severity } from "./severity.ts";

/**
 * A stage transforms a finding in place of the pipeline: it returns the (possibly changed) finding, or null
 * to take it out of the report (a suppression; the stage records why).
 */
export type Stage = (finding: Finding) => Finding | null;

/** Where a draft ended up. */
export type Disposition =
  | { kind: "emitted"; finding: Finding }
  | { kind: "passed"; checkId: string; finding?: Finding }
  | { kind: "dropped" };

/** Pipeline settings. */
export interface PipelineOptions {
  catalogue: Catalogue;
  stages: Stage[];
  minSeverity?: Severity;
  includePassed: boolean;
}

/** Builds a Finding from a draft using the catalogue entry of its check. Throws on an unknown check id. */
export function materialize(draft: FindingDraft, scanner: string, catalogue: Catalogue): Finding {
  const check = catalogue.get(draft.check_id);
  if (!check) throw new Error(`scanner ${scanner} emitted unknown check id ${draft.check_id}`);
  if (check.scanner !== scanner) {
    throw new Error(`scanner ${scanner} emitted check ${draft.check_id}, which belongs to ${check.scanner}`);
  }
  const severity: Severity = draft.passed ? "info" : draft.severity ?? check.severity;
  return {
    id: findingId(draft.check_id, draft.subject),
    check_id: draft.check_id,
    scanner,
    title: draft.title ?? check.title,
    description: draft.description ?? check.rationale,
    severity,
    base_severity_score: BASE_SEVERITY_SCORE[severity],
    risk_score: BASE_SEVERITY_SCORE[severity],
    metadata: { ...draft.metadata },
    ...(draft.location ? { location: draft.location } : {}),
    mitre: [...check.mitre],
    tags: [...(draft.tags ?? [])],
    severity_source: "raw",
  };
}

/** Processes one draft. */
export function process(draft: FindingDraft, scanner: string, opts: PipelineOptions): Disposition {
  const base = materialize(draft, scanner, opts.catalogue);
  if (draft.passed) {
    if (!opts.includePassed) return { kind: "passed", checkId: draft.check_id };
    base.metadata.passed = true;
  }
  let f: Finding | null = base;
  for (const stage of opts.stages) {
    f = stage(f);
    if (f === null) return { kind: "dropped" };
  }
  if (draft.passed) return { kind: "passed", checkId: draft.check_id, finding: f };
  if (opts.minSeverity && !atLeast(f.severity, opts.minSeverity)) return { kind: "dropped" };
  return { kind: "emitted", finding: f };
}
