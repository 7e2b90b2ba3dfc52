/**
 * Where redaction hooks into the scan: a last pipeline stage for findings, the live stream's meta and events,
 * and one pass over the final report.
 */
import type { Stage } from "../core/pipeline.ts";
import type { Report } from "../core/report.ts";
import type { LiveSink } from "../core/scan_stages.ts";

/** What the scan's stages use of a redactor: the Redactor of `redact.ts`, or NO_REDACTION. */
export interface ScanRedactor {
  /** True when any redaction is on. */
  readonly active: boolean;
  /** A copy of a value with every string redacted. */
  deep<T>(value: T): T;
  /** What meta.redaction records. */
  describe(): Record<string, unknown>;
}

/** The redactor of a scan without a privacy flag: nothing is redacted. */
export const NO_REDACTION: ScanRedactor = {
  active: false,
  deep: (value) => value,
  describe: () => ({ users: false, cmdline: false, hostname: false }),
};

/** The pipeline stage that redacts each finding as it leaves the pipeline (so streamed NDJSON is covered). */
export function redactionStages(redactor: ScanRedactor): Stage[] {
  return redactor.active ? [(f) => redactor.deep(f)] : [];
}

/**
 * Redacts a whole report (meta, warnings, errors, reasons, summaries; findings are already redacted and tokens
 * are never redacted twice). Numeric uid fields of meta that must stay numbers are dropped or set to -1.
 */
export function redactReport(redactor: ScanRedactor, report: Report): Report {
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

/**
 * A live sink that redacts what it passes on: the preview report (as `redactReport` does) and every event.
 * Findings pass unchanged: the last pipeline stage has already redacted them.
 */
export function redactingSink(sink: LiveSink, redactor: ScanRedactor): LiveSink {
  return {
    start: (preview) => sink.start(redactReport(redactor, preview)),
    finding: (f) => sink.finding(f),
    event: (type, record) => sink.event(type, redactor.deep(record)),
  };
}
