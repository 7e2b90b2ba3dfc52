/** `--sarif`: SARIF 2.1.0 with rules from the check catalogue, valid levels, locations and fingerprints. */
import type { Catalogue, Check } from "../core/catalogue.ts";
import type { Finding } from "../core/finding.ts";
import type { Report } from "../core/report.ts";
import type { Severity } from "../core/severity.ts";
import type { SarifRelationship, SarifTaxonomies } from "../core/taxonomy.ts";

/** The SARIF schema URI written into every log. */
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** Maps a severity to a SARIF level: critical/high/error → error, medium → warning, low/info → note. */
export function sarifLevel(s: Severity): "error" | "warning" | "note" {
  return s === "critical" || s === "high" || s === "error" ? "error" : s === "medium" ? "warning" : "note";
}

const SECURITY_SEVERITY: Record<Severity, string> = {
  info: "0.0",
  low: "3.0",
  medium: "5.0",
  high: "7.5",
  critical: "9.5",
  error: "8.0",
};

/** A `file://` URI for an absolute path, every segment percent-encoded (lone surrogates become U+FFFD). */
export function fileUri(path: string): string {
  return "file://" + path.split("/").map((seg) => encodeURIComponent(seg.toWellFormed())).join("/");
}

function rule(check: Check) {
  return {
    id: check.id,
    name: check.id.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(""),
    shortDescription: { text: check.title },
    fullDescription: { text: check.rationale },
    help: { text: check.remediation },
    defaultConfiguration: { level: sarifLevel(check.severity) },
    properties: {
      tags: ["security", check.category, ...check.mitre],
      "security-severity": SECURITY_SEVERITY[check.severity],
      scanner: check.scanner,
      confidence: check.confidence,
    },
  };
}

function location(f: Finding) {
  const path = f.location?.path;
  if (path && path.startsWith("/")) {
    return { physicalLocation: { artifactLocation: { uri: fileUri(path) } } };
  }
  const subject = f.id.startsWith(f.check_id + ":") ? f.id.slice(f.check_id.length + 1) : f.check_id;
  return { logicalLocations: [{ name: subject || f.check_id, kind: "resource", fullyQualifiedName: f.id }] };
}

/**
 * Builds the SARIF log object for a report; with `taxonomies`, the rules also carry their MITRE ATT&CK and
 * compliance relationships (`addSarifTaxonomies`).
 */
export function toSarif(
  report: Report,
  catalogue: Catalogue,
  taxonomies?: SarifTaxonomies,
): Record<string, unknown> {
  const used = new Set(report.results.flatMap((r) => r.findings.map((f) => f.check_id)));
  const checks = catalogue.all().filter((c) =>
    used.has(c.id) || report.results.some((r) => r.scanner === c.scanner)
  );
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const results = report.results.flatMap((r) =>
    r.findings.map((f) => ({
      ruleId: f.check_id,
      ...(index.has(f.check_id) ? { ruleIndex: index.get(f.check_id) } : {}),
      level: sarifLevel(f.severity),
      message: { text: f.description ? `${f.title}: ${f.description}` : f.title },
      locations: [location(f)],
      partialFingerprints: { "sysScanFindingId/v1": f.id },
      properties: {
        severity: f.severity,
        risk_score: f.risk_score,
        base_severity_score: f.base_severity_score,
        scanner: f.scanner,
        mitre: f.mitre,
        tags: f.tags,
        metadata: f.metadata,
      },
    }))
  );
  const notifications = [
    ...report.scanner_errors.map((e) => ({
      level: "error",
      message: { text: `${e.scanner}: ${e.message}` },
    })),
    ...report.results.filter((r) => r.status !== "ok").map((r) => ({
      level: r.status === "skipped" ? "note" : "warning",
      message: { text: `${r.scanner} ${r.status}${r.reason ? `: ${r.reason}` : ""}` },
    })),
  ];
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "sys-scan",
          version: report.meta.tool_version,
          semanticVersion: report.meta.tool_version,
          rules: checks.map(rule),
        },
      },
      invocations: [{
        executionSuccessful: report.scanner_errors.length === 0,
        ...(report.summary.started_at ? { startTimeUtc: report.summary.started_at } : {}),
        ...(report.summary.finished_at ? { endTimeUtc: report.summary.finished_at } : {}),
        toolExecutionNotifications: notifications,
      }],
      results,
      properties: { hostname: report.meta.hostname, summary: report.summary },
    }],
  };
  if (taxonomies) addSarifTaxonomies(log, taxonomies);
  return log;
}

/** The parts of a SARIF log that taxonomies touch. */
export interface SarifLogLike {
  runs: {
    tool: {
      driver: {
        rules?: { id: string; relationships?: SarifRelationship[] }[];
        supportedTaxonomies?: unknown;
      };
    };
    taxonomies?: unknown;
  }[];
}

/**
 * Adds `run.taxonomies`, `tool.driver.supportedTaxonomies` and per-rule `relationships` (MITRE ATT&CK, PCI DSS,
 * HIPAA, NIST CSF, CIS) to a SARIF log whose rules are check ids. Changes the log in place.
 */
export function addSarifTaxonomies(log: SarifLogLike, index: SarifTaxonomies): void {
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    const parts = index.sarif(rules.map((r) => r.id));
    if (parts.taxonomies.length === 0) continue;
    run.taxonomies = parts.taxonomies;
    run.tool.driver.supportedTaxonomies = parts.supportedTaxonomies;
    for (const rule of rules) {
      const rel = parts.relationships(rule.id);
      if (rel.length > 0) rule.relationships = rel;
    }
  }
}
