/** `--canonical`: RFC 8785 (JCS) serialisation with findings and warnings in a total order. */
import type { Finding } from "../core/finding.ts";
import { jcs } from "../core/jcs.ts";
import type { Report } from "../core/report.ts";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order of findings: id, then check id, then the JCS text of the whole finding. */
export function compareFindings(a: Finding, b: Finding): number {
  return cmp(a.id, b.id) || cmp(a.check_id, b.check_id) || cmp(jcs(a), jcs(b));
}

/** A copy of the report with every list whose order is not meaningful put in a total order. */
export function canonicalOrder(report: Report): Report {
  const scannerIndex = new Map(report.results.map((r, i) => [r.scanner, i]));
  return {
    ...report,
    results: report.results.map((r) => ({ ...r, findings: [...r.findings].sort(compareFindings) })),
    collection_warnings: [...report.collection_warnings].sort((a, b) =>
      (scannerIndex.get(a.scanner) ?? 1e9) - (scannerIndex.get(b.scanner) ?? 1e9) ||
      cmp(a.scanner, b.scanner) ||
      cmp(a.code, b.code) || cmp(a.detail ?? "", b.detail ?? "")
    ),
  };
}

/** Renders the report canonically, ending in a newline. */
export function renderCanonical(report: Report): string {
  return jcs(canonicalOrder(report)) + "\n";
}
