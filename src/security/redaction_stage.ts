/** Where redaction hooks into the scan: a last pipeline stage for findings, and one pass over the final report. */
import type { Stage } from "../core/pipeline.ts";
import type { Report } from "../core/report.ts";
import type { Redactor } from "./redact.ts";

/** The pipeline stage that redacts each finding as it leaves the pipeline (so streamed NDJSON is covered). */
export function redactionStages(redactor: Redactor): Stage[] {
  return redactor.active ? [(f) => redactor.deep(f)] : [];
}

/**
 * Redacts a whole report (meta, warnings, errors, reasons, summaries; findings are already redacted and tokens
 * are never redacted twice). Numeric uid fields of meta that must stay numbers are dropped or set to -1.
 */
export function redactReport(redactor: Redactor, report: Report): Report {
  if (!redactor.active) return report;
  const out = redactor.deep(report);
  const meta = out.meta as Record<string, unknown>;
  for (const k of ["uid", "euid"]) if (typeof meta[k] === "string") delete meta[k];
  if (typeof (out.meta.capabilities as { euid: unknown }).euid === "string") out.meta.capabilities.euid = -1;
  out.meta.security = {
    ...(out.meta.security as Record<string, unknown> | undefined),
    redaction: redactor.describe(),
  };
  return out;
}
