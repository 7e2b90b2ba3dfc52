/** Assembles the Report from the runner's outcome, host identity, capabilities and provenance. */
import type { Config } from "./config.ts";
import type { Capabilities } from "../host/capabilities.ts";
import type { Identity } from "../host/identity.ts";
import type { CollectionWarning } from "./context.ts";
import type { Finding } from "./finding.ts";
import { type Meta, type Report, ReportSchema } from "./report.ts";
import type { RunOutcome } from "./runner.ts";
import { BASE_SEVERITY_SCORE, SEVERITIES, type Severity, severityForScore } from "./severity.ts";
import { REPORT_FORMAT, SCHEMA_URI } from "./version.ts";
import type { z } from "zod";
import type { ProvenanceSchema } from "./report.ts";

/** Inputs of buildReport. */
export interface BuildInput {
  config: Config;
  identity: Identity;
  caps: Capabilities;
  provenance: z.infer<typeof ProvenanceSchema>;
  outcome: RunOutcome;
  startedAt: number;
  finishedAt: number;
  cmdline: string;
  /** Environment lookup for SYS_SCAN_META_* / SYS_SCAN_CANON_TIME_ZERO. */
  env: (key: string) => string | undefined;
  /** Additive sections for summary_extension (baseline, compliance, …). */
  summaryExtension?: Record<string, unknown>;
  /** Additive keys for meta. */
  meta?: Record<string, unknown>;
  /** Collection warnings found while preparing the scan (e.g. plugin discovery), listed before the scanners'. */
  warnings?: readonly CollectionWarning[];
}

function countBy(findings: Finding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const n = findings.filter((f) => f.severity === s).length;
    if (n > 0) out[s] = n;
  }
  return out;
}

/** True when SYS_SCAN_CANON_TIME_ZERO is present (any value, even empty). */
export function timeZero(env: (key: string) => string | undefined): boolean {
  return env("SYS_SCAN_CANON_TIME_ZERO") !== undefined;
}

/**
 * Zeroes every volatile field (times, durations, timings, rates; the slowest scanner is timing-derived; the
 * scanner's own pids) in place.
 */
export function zeroVolatile(report: Report): void {
  report.meta.normalized_time = true;
  for (const r of report.results) {
    r.start_time = "";
    r.end_time = "";
    r.elapsed_ms = 0;
  }
  report.summary.started_at = "";
  report.summary.finished_at = "";
  report.summary.duration_ms = 0;
  report.summary.findings_per_second = 0;
  report.summary.slowest_scanner = null;
  if (report.meta.timings) { for (const t of report.meta.timings) t.elapsed_ms = 0; }
  // The scanner's own pids and the hidden-pid sweep's duration change from run to run too.
  if (report.meta.scanner_pid !== undefined) report.meta.scanner_pid = 0;
  if (report.meta.scanner_processes !== undefined) report.meta.scanner_processes = [];
  const sweep = report.meta.hidden_pid_sweep;
  if (typeof sweep === "object" && sweep !== null && "elapsed_ms" in sweep) sweep.elapsed_ms = 0;
}

/** Builds and validates the report. */
export function buildReport(input: BuildInput): Report {
  const { config, identity, caps, outcome, env } = input;
  const findings = outcome.results.flatMap((r) => r.findings);
  const below = outcome.results.reduce((n, r) => n + r.findings_below_min_severity, 0);
  const durationMs = Math.max(0, input.finishedAt - input.startedAt);
  const slowest = outcome.results.reduce<{ name: string; elapsed_ms: number } | null>(
    (
      best,
      r,
    ) => (!best || r.elapsed_ms > best.elapsed_ms ? { name: r.scanner, elapsed_ms: r.elapsed_ms } : best),
    null,
  );
  const override = (k: string, v: string) => env(`SYS_SCAN_META_${k}`) || v;
  const meta: Meta = {
    $schema: SCHEMA_URI,
    json_schema_version: "2",
    report_format: REPORT_FORMAT,
    tool_version: input.provenance.tool_version,
    hostname: override("HOSTNAME", identity.hostname),
    kernel: override("KERNEL", identity.kernel),
    arch: override("ARCH", identity.arch),
    os_id: override("OS_ID", identity.os_id),
    ...(override("OS_PRETTY", identity.os_pretty ?? "")
      ? { os_pretty: override("OS_PRETTY", identity.os_pretty ?? "") }
      : {}),
    ...(override("OS_VERSION", identity.os_version ?? "")
      ? { os_version: override("OS_VERSION", identity.os_version ?? "") }
      : {}),
    uid: identity.uid,
    euid: caps.euid,
    ...(override("USER", identity.user ?? "") ? { user: override("USER", identity.user ?? "") } : {}),
    cmdline: override("CMDLINE", input.cmdline),
    scanner_pid: Deno.pid,
    scan_root: config.root,
    effective_config: { ...config },
    capabilities: caps,
    provenance: input.provenance,
    deadline_hit: outcome.deadlineHit,
    cut_short: outcome.cutShort,
    ...(config.timings
      ? { timings: outcome.results.map((r) => ({ scanner: r.scanner, elapsed_ms: r.elapsed_ms })) }
      : {}),
    ...outcome.meta,
    ...input.meta,
  };
  const top = [...findings].sort((a, b) =>
    b.risk_score - a.risk_score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
    .slice(0, 5);
  const hostScore = top.length > 0 ? top[0].risk_score : 0;
  const report: Report = {
    meta,
    summary: {
      started_at: new Date(input.startedAt).toISOString(),
      finished_at: new Date(input.finishedAt).toISOString(),
      duration_ms: durationMs,
      scanner_count: outcome.results.length,
      scanners_with_findings: outcome.results.filter((r) => r.finding_count > 0).length,
      finding_count_total: findings.length + below,
      finding_count_emitted: findings.length,
      findings_per_second: durationMs > 0 ? Math.round(findings.length * 100_000 / durationMs) / 100 : 0,
      severity_counts: countBy(findings),
      severity_counts_emitted: countBy(findings),
      slowest_scanner: slowest,
    },
    results: outcome.results,
    collection_warnings: [...(input.warnings ?? []), ...outcome.warnings].map((
      w,
    ) => (w.detail === undefined ? { scanner: w.scanner, code: w.code } : w)),
    scanner_errors: outcome.errors,
    summary_extension: {
      total_risk_score: findings.reduce((n, f) => n + BASE_SEVERITY_SCORE[f.severity], 0),
      emitted_risk_score: findings.reduce((n, f) => n + BASE_SEVERITY_SCORE[f.severity], 0),
      host_risk: {
        score: hostScore,
        level: severityForScore(hostScore),
        top: top.map((f) => ({ id: f.id, risk_score: f.risk_score })),
      },
      ...input.summaryExtension,
    },
  };
  if (timeZero(env)) zeroVolatile(report);
  return ReportSchema.parse(report);
}
