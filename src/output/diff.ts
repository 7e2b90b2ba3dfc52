/** Report diff: added, removed and changed findings between two reports (ours or upstream v2), as JSON or Markdown. */
import { z } from "zod";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { SeveritySchema } from "../core/schemas.ts";
import { type Severity, severityRank } from "../core/severity.ts";
import { showInvisible } from "./visible.ts";

const LooseFinding = z.looseObject({
  id: z.string(),
  title: z.string().optional(),
  severity: z.string(),
  risk_score: z.number().optional(),
  base_severity_score: z.union([z.number(), z.string()]).optional(),
});

/** The part of a report the diff reads; our reports and upstream v2 reports both fit it. */
export const DiffableReportSchema = z.looseObject({
  meta: z.looseObject({ hostname: z.string().optional(), tool_version: z.string().optional() }).optional(),
  results: z.array(z.looseObject({ scanner: z.string(), findings: z.array(LooseFinding) })),
});

/** One side's view of a finding. */
export interface DiffFinding {
  scanner: string;
  id: string;
  title: string;
  severity: string;
  risk_score: number | null;
}

/** A finding present in both reports whose severity or risk moved. */
export interface ChangedFinding {
  scanner: string;
  id: string;
  title: string;
  severity: { old: string; new: string };
  risk_score: { old: number | null; new: number | null };
}

/** The diff of two reports. */
export interface ReportDiff {
  old: { hostname: string | null; tool_version: string | null; findings: number };
  new: { hostname: string | null; tool_version: string | null; findings: number };
  added: DiffFinding[];
  removed: DiffFinding[];
  changed: ChangedFinding[];
}

function flatten(report: z.infer<typeof DiffableReportSchema>): Map<string, DiffFinding> {
  const out = new Map<string, DiffFinding>();
  for (const r of report.results) {
    for (const f of r.findings) {
      const key = `${r.scanner}\u0000${f.id}`;
      if (out.has(key)) continue;
      out.set(key, {
        scanner: r.scanner,
        id: f.id,
        title: f.title ?? "",
        severity: f.severity,
        risk_score: typeof f.risk_score === "number" ? f.risk_score : null,
      });
    }
  }
  return out;
}

function rank(s: string): number {
  const parsed = SeveritySchema.safeParse(s);
  return parsed.success ? severityRank(parsed.data as Severity) : -1;
}

const byScannerId = (a: { scanner: string; id: string }, b: { scanner: string; id: string }) =>
  a.scanner < b.scanner ? -1 : a.scanner > b.scanner ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Validates a parsed JSON document as a report the diff can read. */
export function parseDiffable(value: unknown, name: string): Result<z.infer<typeof DiffableReportSchema>> {
  const r = DiffableReportSchema.safeParse(value);
  if (r.success) return ok(r.data);
  const issue = r.error.issues[0];
  return fail(
    ExitCode.Usage,
    `${name} is not a sys-scan report: ${issue.path.join(".") || "(top level)"}: ${issue.message}`,
  );
}

/** Diffs two reports. */
export function diffReports(
  oldReport: z.infer<typeof DiffableReportSchema>,
  newReport: z.infer<typeof DiffableReportSchema>,
): ReportDiff {
  const a = flatten(oldReport);
  const b = flatten(newReport);
  const added = [...b].filter(([k]) => !a.has(k)).map(([, f]) => f).sort(byScannerId);
  const removed = [...a].filter(([k]) => !b.has(k)).map(([, f]) => f).sort(byScannerId);
  const changed: ChangedFinding[] = [];
  for (const [k, nf] of b) {
    const of = a.get(k);
    if (!of) continue;
    const riskMoved = of.risk_score !== null && nf.risk_score !== null && of.risk_score !== nf.risk_score;
    if (of.severity !== nf.severity || riskMoved) {
      changed.push({
        scanner: nf.scanner,
        id: nf.id,
        title: nf.title,
        severity: { old: of.severity, new: nf.severity },
        risk_score: { old: of.risk_score, new: nf.risk_score },
      });
    }
  }
  changed.sort(byScannerId);
  const side = (r: z.infer<typeof DiffableReportSchema>, n: number) => ({
    hostname: r.meta?.hostname ?? null,
    tool_version: r.meta?.tool_version ?? null,
    findings: n,
  });
  return { old: side(oldReport, a.size), new: side(newReport, b.size), added, removed, changed };
}

function cell(s: string): string {
  return showInvisible(s, true).replaceAll("|", "\\|").replaceAll("`", "'");
}

/** Markdown rendering of a diff. */
export function diffMarkdown(d: ReportDiff): string {
  const lines = [
    "# sys-scan report diff",
    "",
    `Old: ${cell(d.old.hostname ?? "?")} (${d.old.findings} findings) · New: ${
      cell(d.new.hostname ?? "?")
    } (${d.new.findings} findings)`,
    "",
    `**${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed**`,
  ];
  const table = (title: string, rows: DiffFinding[]) => {
    lines.push("", `## ${title} (${rows.length})`, "");
    if (rows.length === 0) return lines.push("None.");
    lines.push("| Severity | Scanner | Finding | Title |", "|---|---|---|---|");
    for (const f of [...rows].sort((x, y) => rank(y.severity) - rank(x.severity) || byScannerId(x, y))) {
      lines.push(`| ${cell(f.severity)} | ${cell(f.scanner)} | \`${cell(f.id)}\` | ${cell(f.title)} |`);
    }
  };
  table("Added", d.added);
  table("Removed", d.removed);
  lines.push("", `## Changed (${d.changed.length})`, "");
  if (d.changed.length === 0) lines.push("None.");
  else {
    lines.push("| Finding | Severity | Risk |", "|---|---|---|");
    for (const c of d.changed) {
      const risk = c.risk_score.old === c.risk_score.new
        ? `${c.risk_score.new ?? "-"}`
        : `${c.risk_score.old ?? "-"} → ${c.risk_score.new ?? "-"}`;
      const sev = c.severity.old === c.severity.new
        ? c.severity.new
        : `${c.severity.old} → ${c.severity.new}`;
      lines.push(`| \`${cell(c.id)}\` | ${cell(sev)} | ${risk} |`);
    }
  }
  return lines.join("\n") + "\n";
}
