/**
 * The self-contained HTML report: inline CSS and JS (pinned by a CSP hash), no external assets, inline SVG charts,
 * a filterable, sortable findings table with per-finding details, scanner statuses, trace, baseline and
 * compliance sections. Every host-derived string is escaped; the page also works without JavaScript.
 */
import { base64Of, sha256Bytes } from "../core/hash.ts";
import type { Catalogue } from "../core/catalogue.ts";
import type { Finding } from "../core/finding.ts";
import type { Report } from "../core/report.ts";
import { SEVERITIES, type Severity, severityRank } from "../core/severity.ts";
import { showInvisible } from "./visible.ts";

/** Escapes text for HTML element content and double-quoted attributes; lone surrogates become U+FFFD. */
export function esc(value: unknown): string {
  return showInvisible(String(value ?? "").toWellFormed())
    .replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** Badge colour of each severity (shared with the fleet page). */
export const COLORS: Record<Severity, string> = {
  info: "#6b7280",
  low: "#2563eb",
  medium: "#d97706",
  high: "#dc2626",
  critical: "#7f1d1d",
  error: "#7c3aed",
};

/** The page style (shared with the fleet page). */
export const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#f7f7f8}
header{background:#111827;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:20px}
main{padding:16px 24px;max-width:1400px}section{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eee;vertical-align:top}
th{cursor:pointer;user-select:none;background:#f3f4f6}th[aria-sort]::after{content:" ↕";color:#9ca3af}
.sev{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.kv td:first-child{color:#555;width:220px}.charts{display:flex;gap:24px;flex-wrap:wrap}.risk{font-size:32px;font-weight:600}
code,pre{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}details summary{cursor:pointer}
.controls{display:flex;gap:8px;margin:0 0 8px}.controls input{flex:1;padding:4px}.muted{color:#6b7280}tr[hidden]{display:none}
`;

const SCRIPT = `
(function(){
window.addEventListener("error",function(e){document.body.dataset.jsError=String(e.message)});
var q=document.getElementById("q"),sev=document.getElementById("sev"),sc=document.getElementById("scanner");
var rows=Array.prototype.slice.call(document.querySelectorAll("#findings > tbody > tr"));
function apply(){var t=q.value.toLowerCase(),s=sev.value,n=sc.value,v=0;
rows.forEach(function(r){var ok=(!t||r.textContent.toLowerCase().indexOf(t)>=0)&&(!s||r.dataset.rank>=s)&&(!n||r.dataset.scanner===n);
r.hidden=!ok;if(ok)v++});document.getElementById("count").textContent=v+" of "+rows.length;document.body.dataset.visibleRows=String(v)}
[q,sev,sc].forEach(function(el){el.addEventListener("input",apply)});
var tbody=document.querySelector("#findings tbody");
Array.prototype.forEach.call(document.querySelectorAll("#findings > thead th"),function(th,i){th.addEventListener("click",function(){
var dir=th.dataset.dir==="asc"?"desc":"asc";th.dataset.dir=dir;var num=th.dataset.type==="num";
rows.sort(function(a,b){var x=a.children[i].dataset.v||a.children[i].textContent,y=b.children[i].dataset.v||b.children[i].textContent;
var c=num?(Number(x)-Number(y)):x.localeCompare(y);return dir==="asc"?c:-c});rows.forEach(function(r){tbody.appendChild(r)})})});
var m=/^#q=(.*)$/.exec(location.hash);if(m){q.value=decodeURIComponent(m[1])}
apply();document.body.dataset.ready="1"})();
`;

/** An inline SVG bar chart: one bar per (label, value, colour) (shared with the fleet page). */
export function bars(title: string, data: [string, number, string][]): string {
  const max = Math.max(1, ...data.map(([, n]) => n));
  const h = 22 * data.length + 10;
  const rows = data.map(([label, n, color], i) => {
    const w = Math.round((n / max) * 220);
    return `<text x="0" y="${22 * i + 18}" font-size="12">${esc(label)}</text>` +
      `<rect x="110" y="${22 * i + 6}" width="${w}" height="14" fill="${color}"></rect>` +
      `<text x="${116 + w}" y="${22 * i + 18}" font-size="12">${n}</text>`;
  }).join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${
    esc(title)
  }" width="380" height="${h}" xmlns="http://www.w3.org/2000/svg">${rows}</svg></figure>`;
}

function kvTable(obj: Record<string, unknown>): string {
  const rows = Object.entries(obj).map(([k, v]) =>
    `<tr><td>${esc(k)}</td><td><code>${esc(typeof v === "string" ? v : JSON.stringify(v))}</code></td></tr>`
  );
  return `<table class="kv">${rows.join("")}</table>`;
}

function findingRow(f: Finding, catalogue: Catalogue): string {
  const check = catalogue.get(f.check_id);
  const details = [
    `<p>${esc(f.description)}</p>`,
    check ? `<p><b>Remediation:</b> ${esc(check.remediation)}</p>` : "",
    f.mitre.length ? `<p><b>MITRE ATT&amp;CK:</b> ${f.mitre.map(esc).join(", ")}</p>` : "",
    f.location?.path ? `<p><b>Path:</b> <code>${esc(f.location.path)}</code></p>` : "",
    `<p><b>Id:</b> <code>${esc(f.id)}</code></p>`,
    Object.keys(f.metadata).length ? kvTable(f.metadata) : "",
  ].join("");
  return `<tr data-rank="${severityRank(f.severity)}" data-scanner="${esc(f.scanner)}">` +
    `<td data-v="${severityRank(f.severity)}"><span class="sev" style="background:${
      COLORS[f.severity]
    }">${f.severity}</span></td>` +
    `<td data-v="${f.risk_score}">${f.risk_score}</td><td>${esc(f.scanner)}</td><td><code>${
      esc(f.check_id)
    }</code></td>` +
    `<td><details><summary>${esc(f.title)}</summary>${details}</details></td><td>${
      esc(f.baseline_status ?? "")
    }</td></tr>`;
}

interface Gap {
  standard: string;
  control_id: string;
  title: string;
  severity: string;
  requirement: string;
  remediation: string;
  evidence: string[];
}

function complianceSection(ext: Record<string, unknown>): string {
  const summary = ext.compliance_summary as Record<string, Record<string, unknown>> | undefined;
  if (!summary) return "";
  const cols = ["total_controls", "passed", "failed", "not_applicable", "not_checked", "score"];
  const rows = Object.entries(summary).map(([id, s]) =>
    `<tr><td>${esc(s.name ?? id)} ${esc(s.version ?? "")}</td>${
      cols.map((c) => `<td>${esc(s[c])}</td>`).join("")
    }</tr>`
  );
  const gaps = (ext.compliance_gaps as Gap[] | undefined) ?? [];
  const gapRows = gaps.map((g) =>
    `<tr><td>${esc(g.standard)}</td><td>${esc(g.control_id)}</td><td>${esc(g.title)}<br><span class="muted">${
      esc(g.requirement)
    }</span></td><td>${esc(g.severity)}</td><td>${esc(g.remediation)}</td><td>${g.evidence.length}</td></tr>`
  );
  return `<section id="compliance"><h2>Compliance</h2><table><thead><tr><th>Standard</th>${
    cols.map((c) => `<th>${esc(c.replace("_", " "))}</th>`).join("")
  }</tr></thead><tbody>${rows.join("")}</tbody></table>${
    gaps.length
      ? `<h3>Failed controls</h3><table id="gaps"><thead><tr><th>Standard</th><th>Control</th><th>Requirement</th><th>Severity</th><th>Remediation</th><th>Evidence</th></tr></thead><tbody>${
        gapRows.join("")
      }</tbody></table>`
      : ""
  }</section>`;
}

/** Renders the HTML report. */
export function renderHtml(report: Report, catalogue: Catalogue): string {
  const findings = report.results.flatMap((r) => r.findings)
    .sort((a, b) => b.risk_score - a.risk_score || severityRank(b.severity) - severityRank(a.severity));
  const counts = SEVERITIES.map((s) =>
    [s, findings.filter((f) => f.severity === s).length, COLORS[s]] as [string, number, string]
  );
  const byScanner = report.results.map((r) =>
    [r.scanner, r.finding_count, "#374151"] as [string, number, string]
  );
  const scriptHash = base64Of(sha256Bytes(SCRIPT));
  const ext = report.summary_extension as Record<string, unknown>;
  const risk = report.summary_extension.host_risk;
  const known = new Set([
    "total_risk_score",
    "emitted_risk_score",
    "host_risk",
    "baseline",
    "taxonomies",
    "compliance",
    "compliance_summary",
    "compliance_gaps",
  ]);
  const extras = Object.entries(ext).filter(([k]) => !known.has(k));
  const baseline = ext.baseline as {
    counts?: Record<string, number>;
    resolved?: { id: string; title: string; severity: string }[];
  } | undefined;
  const trace = (report.meta as Record<string, unknown>).trace;
  const m = report.meta;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sys-scan report: ${esc(m.hostname)}</title><style>${CSS}</style></head>
<body><header><h1>sys-scan report: ${esc(m.hostname)}</h1>
<div>${esc(m.os_pretty ?? m.os_id)} · kernel ${esc(m.kernel)} · ${
    esc(report.summary.started_at || "time not recorded")
  } · sys-scan ${esc(m.tool_version)}</div></header>
<main>
<section id="summary"><h2>Host risk</h2><div class="risk">${risk.score} / 100 <span class="sev" style="background:${
    COLORS[risk.level]
  }">${risk.level}</span></div>
<p class="muted">${findings.length} findings from ${report.results.length} scanners · ${report.collection_warnings.length} warnings · ${report.scanner_errors.length} scanner errors</p>
<div class="charts">${bars("Findings by severity", counts)}${
    bars("Findings by scanner", byScanner)
  }</div></section>
<section><h2>Findings</h2><div class="controls"><input id="q" type="search" placeholder="Filter findings…" aria-label="Filter findings">
<select id="sev" aria-label="Minimum severity"><option value="">any severity</option>${
    SEVERITIES.map((s) => `<option value="${severityRank(s)}">${s}+</option>`).join("")
  }</select>
<select id="scanner" aria-label="Scanner"><option value="">all scanners</option>${
    report.results.map((r) => `<option value="${esc(r.scanner)}">${esc(r.scanner)}</option>`).join("")
  }</select><span id="count" class="muted"></span></div>
<table id="findings"><thead><tr><th data-type="num" aria-sort="none">Severity</th><th data-type="num" aria-sort="none">Risk</th><th aria-sort="none">Scanner</th><th aria-sort="none">Check</th><th aria-sort="none">Title</th><th aria-sort="none">Baseline</th></tr></thead>
<tbody>${findings.map((f) => findingRow(f, catalogue)).join("\n")}</tbody></table></section>
<section id="scanners"><h2>Scanners</h2><table><thead><tr><th>Scanner</th><th>Status</th><th>Reason</th><th>Findings</th><th>Passed checks</th><th>Time (ms)</th></tr></thead><tbody>${
    report.results.map((r) =>
      `<tr><td>${esc(r.scanner)}</td><td>${esc(r.status)}</td><td>${
        esc(r.reason ?? "")
      }</td><td>${r.finding_count}</td><td>${r.checks_passed}</td><td>${r.elapsed_ms}</td></tr>`
    ).join("")
  }</tbody></table>
${
    report.scanner_errors.length
      ? `<h2>Scanner errors</h2>${
        kvTable(Object.fromEntries(report.scanner_errors.map((e) => [e.scanner, e.message])))
      }`
      : ""
  }
${
    report.collection_warnings.length
      ? `<details><summary>${report.collection_warnings.length} collection warnings</summary><table>${
        report.collection_warnings.map((w) =>
          `<tr><td>${esc(w.scanner)}</td><td>${esc(w.code)}</td><td><code>${
            esc(w.detail ?? "")
          }</code></td></tr>`
        ).join("")
      }</table></details>`
      : ""
  }</section>
${
    baseline
      ? `<section id="baseline"><h2>Baseline</h2>${kvTable(baseline.counts ?? {})}${
        (baseline.resolved ?? []).length
          ? `<h3>Resolved since the baseline</h3><ul>${
            (baseline.resolved ?? []).map((r) =>
              `<li><code>${esc(r.id)}</code> ${esc(r.title)} (${esc(r.severity)})</li>`
            ).join("")
          }</ul>`
          : ""
      }</section>`
      : ""
  }
${complianceSection(ext)}
${trace ? `<section id="trace"><h2>Trace</h2>${kvTable(trace as Record<string, unknown>)}</section>` : ""}
${
    extras.map(([k, v]) =>
      `<section><h2>${esc(k)}</h2><pre>${esc(JSON.stringify(v, null, 2))}</pre></section>`
    ).join("\n")
  }
<section><h2>Scan details</h2>${
    kvTable({
      scan_root: m.scan_root,
      cmdline: m.cmdline ?? "",
      capabilities: m.capabilities,
      provenance: m.provenance,
    })
  }</section>
</main><script>${SCRIPT}</script></body></html>
`;
}
