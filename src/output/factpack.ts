/** `--format factpack`: the upstream FactPack v3 (findings with category, risk, baseline status; correlations). */
import { sha256Hex } from "../core/hash.ts";
import { jsonText } from "./json.ts";
import type { Catalogue } from "../core/catalogue.ts";
import type { Finding } from "../core/finding.ts";
import type { Report } from "../core/report.ts";
import { type Severity, severityRank } from "../core/severity.ts";

/** A FactPack correlation. */
export interface Correlation {
  id: string;
  title: string;
  rationale: string;
  related_finding_ids: string[];
  risk_score_delta: number;
  tags: string[];
  severity: Severity;
}

function maxSeverity(fs: Finding[]): Severity {
  return fs.reduce<Severity>((m, f) => (severityRank(f.severity) > severityRank(m) ? f.severity : m), "info");
}

function group(findings: Finding[], key: (f: Finding) => string | undefined): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = key(f);
    if (k === undefined || k === "") continue;
    out.set(k, [...(out.get(k) ?? []), f]);
  }
  return out;
}

/**
 * Correlations: several checks on one file, several indicators on one executable (IOC, sockets, trace
 * lineage), and findings that rules tagged `correlate:<name>`. Only groups of two or more distinct checks count.
 */
export function correlate(findings: Finding[]): Correlation[] {
  const out: Correlation[] = [];
  const add = (
    kind: string,
    subject: string,
    fs: Finding[],
    title: string,
    rationale: string,
    tags: string[],
  ) => {
    const checks = new Set(fs.map((f) => f.check_id));
    if (checks.size < 2) return;
    const ids = [...new Set(fs.map((f) => f.id))].sort();
    out.push({
      id: `corr.${kind}:${subject}`,
      title,
      rationale,
      related_finding_ids: ids,
      risk_score_delta: Math.min(20, 5 * (checks.size - 1)),
      tags,
      severity: maxSeverity(fs),
    });
  };
  for (const [path, fs] of group(findings, (f) => f.location?.path)) {
    add("path", path, fs, `Several findings on ${path}`, "Independent checks flagged the same file.", [
      "file",
    ]);
  }
  const exeOf = (f: Finding) => (typeof f.metadata.exe === "string" ? f.metadata.exe : undefined);
  for (const [exe, fs] of group(findings, exeOf)) {
    add(
      "process",
      exe,
      fs,
      `Several indicators for ${exe}`,
      "Process, socket and trace findings point at the same executable (lineage from trace events included).",
      ["process"],
    );
  }
  const tagged = group(
    findings.flatMap((f) =>
      f.tags.filter((t) => t.startsWith("correlate:")).map((t) => ({ ...f, tags: [t] }))
    ),
    (f) => f.tags[0],
  );
  for (const [tag, fs] of tagged) {
    add(
      "rule",
      tag.slice("correlate:".length),
      fs,
      `Rule correlation ${tag.slice(10)}`,
      "Findings tagged by the same rule.",
      [
        "rule",
      ],
    );
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function baselineV3(f: Finding): "new" | "existing" | "unknown" {
  if (f.baseline_status === "new") return "new";
  if (f.baseline_status === "existing" || f.baseline_status === "changed") return "existing";
  return "unknown";
}

/** Builds the FactPack object for a report. */
export function toFactPack(report: Report, catalogue: Catalogue): Record<string, unknown> {
  const findings = report.results.flatMap((r) => r.findings);
  const correlations = correlate(findings);
  const refs = new Map<string, string[]>();
  for (const c of correlations) {
    for (const id of c.related_finding_ids) refs.set(id, [...(refs.get(id) ?? []), c.id]);
  }
  const scanId = sha256Hex(
    `${report.meta.hostname}\0${report.summary.started_at}\0${findings.map((f) => f.id).join("\0")}`,
  ).slice(0, 32);
  return {
    fact_pack_version: "3",
    source_schema: "2",
    generated_at: report.summary.finished_at,
    host_id: report.meta.hostname,
    scan_id: scanId,
    finding_count: findings.length,
    correlation_count: correlations.length,
    findings: findings.map((f) => ({
      id: f.id,
      title: f.title,
      severity: f.severity,
      risk_score: f.risk_score,
      description: f.description,
      category: catalogue.get(f.check_id)?.category ?? "other",
      tags: [...f.tags, ...f.mitre.map((m) => `mitre:${m}`)],
      correlation_refs: refs.get(f.id) ?? [],
      baseline_status: baselineV3(f),
      severity_source: f.severity_source === "rule_engine" ? "rule_engine" : "raw",
      allowlist_reason: typeof f.metadata.allowlist_reason === "string" ? f.metadata.allowlist_reason : null,
      metadata: { ...f.metadata, check_id: f.check_id, scanner: f.scanner },
    })),
    correlations,
  };
}

/** Renders the FactPack, ending in a newline. */
export function renderFactPack(report: Report, catalogue: Catalogue, pretty: boolean): string {
  return jsonText(toFactPack(report, catalogue), pretty);
}
