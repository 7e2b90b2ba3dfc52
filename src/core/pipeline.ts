/**
 * The finding pipeline. Per finding, as the scanners yield drafts: catalogue defaults → rules (severity,
 * MITRE, tags, suppression) → risk score → compliance observer → redaction → min-severity filter. Per report,
 * once every scanner is done: each step adds its keys (suppressions, host risk, taxonomies, controls).
 *
 * Rules, risk and compliance each export a `PipelineStep`; `assemblePipeline` puts them in this order. The
 * steps never import each other: what one needs of another (the suppressed findings, the MITRE ids rules add
 * to a check) reaches it through `ReportInputs`.
 */
import type { Catalogue } from "./catalogue.ts";
import type { CollectionWarning } from "./context.ts";
import { type Finding, type FindingDraft, findingId } from "./finding.ts";
import { type Report, ReportSchema, type ScannerResult } from "./report.ts";
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

/** A finding a suppression took out of the report, with the rule that did and why. */
export interface SuppressedFinding {
  id: string;
  check_id: string;
  scanner: string;
  severity: Severity;
  rule: string;
  reason: string;
}

/** What a step can read when it adds its keys to the report. */
export interface ReportInputs {
  readonly catalogue: Catalogue;
  /** Every scanner's result, with the reported findings. */
  readonly results: readonly ScannerResult[];
  /** The reported findings of every scanner, in report order. */
  readonly findings: readonly Finding[];
  /** Every finding a step suppressed (listed or not in the report), sorted. */
  readonly suppressed: readonly SuppressedFinding[];
  /** MITRE ids the steps add to every finding of a check, beyond the catalogue's own. */
  staticMitre(scanner: string, checkId: string): string[];
}

/** Keys a step adds to the report's `meta` and `summary_extension`. */
export interface ReportAdditions {
  readonly meta?: Record<string, unknown>;
  readonly summary?: Record<string, unknown>;
}

/** One step of the pipeline, as `src/rules`, `src/risk` and `src/compliance` export it. */
export interface PipelineStep {
  /** Problems found while preparing the step (e.g. rule file warnings), for `collection_warnings`. */
  readonly warnings?: readonly CollectionWarning[];
  /** The per-finding stage, once the catalogue is known. */
  stage?(catalogue: Catalogue): Stage;
  /** Findings the stage took out (suppressions), for the steps after it. */
  suppressed?(): readonly SuppressedFinding[];
  /** MITRE ids the step adds to every finding of a check (for taxonomies). */
  staticMitre?(scanner: string, checkId: string): readonly string[];
  /** The keys the step adds to the report, once every scanner is done. */
  report?(inputs: ReportInputs): ReportAdditions;
}

/** The steps of a scan's pipeline, by their place in it. */
export interface PipelineSteps {
  /** Severity overrides, MITRE ids, tags and suppressions (first, so later steps see the rules' severity). */
  readonly rules: PipelineStep;
  /** `risk_score` per finding and the host risk. */
  readonly risk: PipelineStep;
  /** Sees every failure before the min-severity filter; evaluates controls and taxonomies. */
  readonly compliance: PipelineStep;
}

/** The assembled pipeline of one scan. */
export interface Pipeline {
  /**
   * The per-finding stages in order: rules → risk → compliance, then `extra` (tests), then `last` (redaction,
   * so nothing after it sees unredacted values).
   */
  stages(catalogue: Catalogue, extra?: readonly Stage[], last?: readonly Stage[]): Stage[];
  /** MITRE ids the steps add to every finding of a check. */
  staticMitre(scanner: string, checkId: string): string[];
  /** Adds every step's keys and warnings to a built report and validates it again. */
  finish(report: Report, catalogue: Catalogue): Report;
}

/** Puts the steps in pipeline order. */
export function assemblePipeline(parts: PipelineSteps): Pipeline {
  const steps = [parts.rules, parts.risk, parts.compliance];
  const staticMitre = (scanner: string, checkId: string): string[] => {
    const out: string[] = [];
    for (const step of steps) {
      for (const t of step.staticMitre?.(scanner, checkId) ?? []) if (!out.includes(t)) out.push(t);
    }
    return out;
  };
  return {
    stages: (catalogue, extra = [], last = []) => [
      ...steps.flatMap((s) => s.stage ? [s.stage(catalogue)] : []),
      ...extra,
      ...last,
    ],
    staticMitre,
    finish(report, catalogue) {
      const inputs: ReportInputs = {
        catalogue,
        results: report.results,
        findings: report.results.flatMap((r) => r.findings),
        suppressed: steps.flatMap((s) => s.suppressed?.() ?? []),
        staticMitre,
      };
      let meta: Record<string, unknown> = { ...report.meta };
      let summary: Record<string, unknown> = { ...report.summary_extension };
      for (const step of steps) {
        const add = step.report?.(inputs);
        meta = { ...meta, ...add?.meta };
        summary = { ...summary, ...add?.summary };
      }
      const warnings = steps.flatMap((s) => s.warnings ?? []);
      return ReportSchema.parse({
        ...report,
        meta,
        summary_extension: summary,
        collection_warnings: [
          ...warnings.map((w) => ({ scanner: w.scanner, code: w.code, detail: w.detail })),
          ...report.collection_warnings,
        ],
      });
    },
  };
}
