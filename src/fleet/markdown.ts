/**
 * The fleet report as Markdown. Every value that came from a report is written as a code span inside a table
 * cell (so markup, links and HTML in it stay text), with control characters shown as `\xNN` and pipes escaped.
 */
import { showInvisible } from "../output/visible.ts";
import type { FleetReport } from "./model.ts";

/** A hostile string as a Markdown table cell: a code span with a fence longer than any backtick run in it. */
export function mdCode(value: string): string {
  const clean = showInvisible(value.toWellFormed(), true).replaceAll("|", "\\|");
  if (clean === "") return "(empty)";
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") || clean.startsWith(" ") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

function table(head: string[], rows: string[][], empty: string): string[] {
  if (rows.length === 0) return [empty, ""];
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ];
}

const hostList = (hosts: string[], more: number) =>
  hosts.map(mdCode).join(", ") + (more > 0 ? ` and ${more} more` : "");

const signed = (d: number | null) => d === null ? "–" : d > 0 ? `+${d}` : String(d);

/** Renders the fleet report as Markdown. */
export function fleetMarkdown(r: FleetReport): string {
  const c = r.changes;
  const out = [
    `# sys-scan fleet: ${r.host_count} hosts`,
    "",
    `Generated ${r.generated_at} · run ${r.run.run_id} · sys-scan ${mdCode(r.tool_version)}`,
    "",
    `Mean host risk **${r.metric_mean.toFixed(1)}** (standard deviation ${r.metric_std.toFixed(1)}).`,
    "",
    "## Risk distribution",
    "",
    ...table(["Risk", "Hosts"], r.risk_distribution.map((d) => [d.range, String(d.count)]), "No hosts."),
    "## Outliers",
    "",
    ...table(
      ["Host", "Risk", "Level", "z"],
      r.top_outlier_hosts.map((o) => [mdCode(o.host_id), String(o.value), o.level, o.z.toFixed(2)]),
      "No host stands out.",
    ),
    c.previous_run_id === null ? "## Changes" : `## Changes since run ${c.previous_run_id}`,
    "",
  ];
  if (c.previous_run_id === null) out.push("No earlier run in this database.", "");
  else {
    out.push(
      `${c.compared_hosts} hosts compared · ${c.new_host_count} new · ${c.silent_host_count} without a report in the latest run.`,
      "",
    );
    if (c.new_hosts.length) {
      out.push(`New hosts: ${hostList(c.new_hosts, c.new_host_count - c.new_hosts.length)}`, "");
    }
    if (c.silent_hosts.length) {
      out.push(`Silent hosts: ${hostList(c.silent_hosts, c.silent_host_count - c.silent_hosts.length)}`, "");
    }
    const items = (list: FleetReport["changes"]["appeared"]) =>
      list.map((a) => [String(a.host_count), a.kind, mdCode(a.value), hostList(a.hosts, a.more_hosts)]);
    out.push("### Appeared on several hosts at once", "");
    out.push(...table(["Hosts", "Kind", "Item", "Which"], items(c.appeared), "Nothing."));
    out.push("### Gone from several hosts at once", "");
    out.push(...table(["Hosts", "Kind", "Item", "Which"], items(c.disappeared), "Nothing."));
    out.push("### Hosts whose risk moved most", "");
    out.push(
      ...table(
        ["Host", "From", "To", "Change"],
        c.risk_movers.map((m) => [mdCode(m.host), String(m.from), String(m.to), signed(m.delta)]),
        "No host's risk changed.",
      ),
    );
  }
  out.push(
    "## Stacking: least frequent first",
    "",
    `Rare: on at most ${r.rare_threshold.hosts} host(s) (--rare-threshold ${
      mdCode(r.rare_threshold.spec)
    }) and not on every host.`,
    "",
  );
  for (const s of r.stacking) {
    const shown = s.items.length < s.distinct ? `, the ${s.items.length} rarest shown` : "";
    out.push(`### ${s.title} (${s.distinct} distinct, ${s.rare_count} rare${shown})`, "");
    out.push(
      ...table(
        ["Hosts", "Share", "Item", "Rare", "Which hosts"],
        s.items.map((i) => [
          String(i.host_count),
          `${(i.share * 100).toFixed(1)}%`,
          mdCode(i.value),
          i.rare ? "**rare**" : "",
          hostList(i.hosts, i.more_hosts),
        ]),
        "None in the reports.",
      ),
    );
  }
  out.push("## Hosts", "");
  out.push(
    ...table(
      ["Host", "Risk", "Level", "z", "Change", "Findings", "Scanned at", "In latest run"],
      r.hosts.map((h) => [
        mdCode(h.host),
        String(h.risk),
        h.level,
        h.z.toFixed(2),
        signed(h.delta),
        String(h.findings),
        mdCode(h.scanned_at),
        h.reported_in_run ? "yes" : "**no**",
      ]),
      "No hosts.",
    ),
  );
  const run = r.run;
  out.push(
    "## This run",
    "",
    `Run ${run.run_id}: ${run.files} files, ${run.ingested} scans added, ${run.duplicates} duplicates, ${run.conflicts} conflicts, ${run.skipped} skipped, ${run.unverified} not verified.`,
    "",
  );
  if (r.warnings.length) out.push(...table(["Warning"], r.warnings.map((w) => [mdCode(w)]), ""));
  if (run.problems.length) {
    out.push(
      ...table(
        ["Problem", "File", "Reason"],
        run.problems.map((p) => [p.problem, mdCode(p.source), mdCode(p.reason)]),
        "",
      ),
    );
    if (run.problems_not_listed) out.push(`… and ${run.problems_not_listed} more.`, "");
  }
  return out.join("\n");
}
