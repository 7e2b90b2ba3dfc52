/**
 * The fleet page: one self-contained HTML file in the style of the host report — inline CSS and one inline
 * script pinned by its hash in the Content-Security-Policy, no external resources, inline SVG — with the risk
 * summary, the outliers, what changed since the previous run, the stacking tables (rare items first) and every
 * host's risk in a filterable, sortable table. Every string from a report is escaped; it works without script.
 */
import { base64Of, sha256Bytes } from "../core/hash.ts";
import { bars, COLORS, CSS, esc } from "../output/html.ts";
import type { FleetReport } from "./model.ts";

const FLEET_CSS = `
.rare{background:#fef3c7}.badge{display:inline-block;padding:1px 6px;border-radius:3px;font-size:12px;background:#b45309;color:#fff}
.num{text-align:right;font-variant-numeric:tabular-nums}.hostlist{color:#374151}.up{color:#b91c1c}.down{color:#047857}
.warn li{margin:2px 0}h3{font-size:14px;margin:12px 0 6px}
`;

const SCRIPT = `
(function(){
window.addEventListener("error",function(e){document.body.dataset.jsError=String(e.message)});
var q=document.getElementById("q"),rareOnly=document.getElementById("rare-only");
var rows=Array.prototype.slice.call(document.querySelectorAll("#hosts > tbody > tr"));
var items=Array.prototype.slice.call(document.querySelectorAll("table.stack > tbody > tr"));
function apply(){var t=q.value.toLowerCase(),v=0;
rows.forEach(function(r){var ok=!t||r.textContent.toLowerCase().indexOf(t)>=0;r.hidden=!ok;if(ok)v++});
var shown=0;items.forEach(function(r){var ok=!rareOnly.checked||r.dataset.rare==="1";r.hidden=!ok;if(ok)shown++});
document.getElementById("count").textContent=v+" of "+rows.length;document.body.dataset.visibleHosts=String(v);
document.body.dataset.visibleItems=String(shown)}
q.addEventListener("input",apply);rareOnly.addEventListener("change",apply);
var tbody=document.querySelector("#hosts tbody");
Array.prototype.forEach.call(document.querySelectorAll("#hosts > thead th"),function(th,i){th.addEventListener("click",function(){
var dir=th.dataset.dir==="asc"?"desc":"asc";th.dataset.dir=dir;var num=th.dataset.type==="num";
rows.sort(function(a,b){var x=a.children[i].dataset.v||a.children[i].textContent,y=b.children[i].dataset.v||b.children[i].textContent;
var c=num?(Number(x)-Number(y)):x.localeCompare(y);return dir==="asc"?c:-c});rows.forEach(function(r){tbody.appendChild(r)})})});
var m=/^#q=(.*)$/.exec(location.hash);if(m){q.value=decodeURIComponent(m[1])}
if(location.hash==="#rare"){rareOnly.checked=true}
apply();document.body.dataset.ready="1"})();
`;

/** Escapes a value from a report, showing tabs and line breaks as `\xNN` so one value stays one line. */
function val(s: string): string {
  return esc(s.replace(/[\t\n\r]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

function sev(level: keyof typeof COLORS): string {
  return `<span class="sev" style="background:${COLORS[level]}">${esc(level)}</span>`;
}

function hostList(hosts: string[], more: number): string {
  return `<span class="hostlist">${hosts.map(val).join(", ")}${more > 0 ? ` … and ${more} more` : ""}</span>`;
}

function table(id: string, cls: string, head: string[], rows: string[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  return `<table${id ? ` id="${id}"` : ""}${cls ? ` class="${cls}"` : ""}><thead><tr>${
    head.map((h) => `<th>${esc(h)}</th>`).join("")
  }</tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function delta(d: number | null): string {
  if (d === null) return `<td class="num muted" data-v="0">–</td>`;
  const cls = d > 0 ? "up" : d < 0 ? "down" : "muted";
  return `<td class="num ${cls}" data-v="${d}">${d > 0 ? "+" : ""}${d}</td>`;
}

function changesSection(r: FleetReport): string {
  const c = r.changes;
  if (c.previous_run_id === null) {
    return `<section id="changes"><h2>Changes since the previous run</h2><p class="muted">No earlier run in this database: the next run will show what changed.</p></section>`;
  }
  const itemRows = (list: FleetReport["changes"]["appeared"]) =>
    list.map((a) =>
      `<tr><td class="num">${a.host_count}</td><td>${esc(a.kind)}</td><td><code>${
        val(a.value)
      }</code></td><td>${hostList(a.hosts, a.more_hosts)}</td></tr>`
    );
  return `<section id="changes"><h2>Changes since run ${c.previous_run_id}</h2>
<p>${c.compared_hosts} hosts compared · ${c.new_host_count} new hosts · ${c.silent_host_count} hosts without a report in the latest run</p>
${
    c.new_hosts.length
      ? `<p><b>New hosts:</b> ${hostList(c.new_hosts, c.new_host_count - c.new_hosts.length)}</p>`
      : ""
  }
${
    c.silent_hosts.length
      ? `<p><b>Silent hosts:</b> ${hostList(c.silent_hosts, c.silent_host_count - c.silent_hosts.length)}</p>`
      : ""
  }
<h3>Appeared on several hosts at once</h3>${
    table(
      "appeared",
      "",
      ["Hosts", "Kind", "Item", "Which"],
      itemRows(c.appeared),
      "Nothing appeared on several hosts.",
    )
  }
<h3>Gone from several hosts at once</h3>${
    table(
      "disappeared",
      "",
      ["Hosts", "Kind", "Item", "Which"],
      itemRows(c.disappeared),
      "Nothing disappeared.",
    )
  }
<h3>Hosts whose risk moved most</h3>${
    table(
      "movers",
      "",
      ["Host", "From", "To", "Change"],
      c.risk_movers.map((m) =>
        `<tr><td>${val(m.host)}</td><td class="num">${m.from}</td><td class="num">${m.to}</td>${
          delta(m.delta)
        }</tr>`
      ),
      "No host's risk changed.",
    )
  }</section>`;
}

function stackingSection(r: FleetReport): string {
  const parts = r.stacking.map((s) => {
    const rows = s.items.map((i) =>
      `<tr data-rare="${i.rare ? 1 : 0}"${
        i.rare ? ' class="rare"' : ""
      }><td class="num">${i.host_count}</td><td class="num">${(i.share * 100).toFixed(1)}%</td><td><code>${
        val(i.value)
      }</code>${i.rare ? ' <span class="badge">rare</span>' : ""}</td><td>${
        hostList(i.hosts, i.more_hosts)
      }</td></tr>`
    );
    const shown = s.items.length < s.distinct ? ` (the ${s.items.length} rarest shown)` : "";
    return `<h3 id="stack-${esc(s.kind)}">${esc(s.title)}: ${s.distinct} distinct, ${s.rare_count} rare${
      esc(shown)
    }</h3>${table("", "stack", ["Hosts", "Share", "Item", "Which hosts"], rows, "None in the reports.")}`;
  });
  return `<section id="stacking"><h2>Stacking: least frequent first</h2>
<p class="muted">An item is rare when at most ${r.rare_threshold.hosts} host(s) have it (--rare-threshold ${
    esc(r.rare_threshold.spec)
  }) and not every host does.</p>
<div class="controls"><label><input id="rare-only" type="checkbox"> rare items only</label></div>${
    parts.join("\n")
  }</section>`;
}

function ingestSection(r: FleetReport): string {
  const run = r.run;
  const problems = run.problems.map((p) =>
    `<tr><td>${esc(p.problem)}</td><td><code>${val(p.source)}</code></td><td>${val(p.reason)}</td></tr>`
  );
  return `<section id="ingest"><h2>This run</h2>
<p>Run ${run.run_id}: ${run.files} files · ${run.ingested} scans added · ${run.duplicates} duplicates · ${run.conflicts} conflicts · ${run.skipped} skipped · ${run.unverified} not verified</p>
${
    r.warnings.length
      ? `<h3>Warnings</h3><ul class="warn">${r.warnings.map((w) => `<li>${val(w)}</li>`).join("")}</ul>`
      : ""
  }
${
    problems.length
      ? `<details open><summary>${
        problems.length + run.problems_not_listed
      } files not used or duplicated</summary>${
        table("problems", "", ["Problem", "File", "Reason"], problems, "")
      }${
        run.problems_not_listed ? `<p class="muted">… and ${run.problems_not_listed} more</p>` : ""
      }</details>`
      : ""
  }</section>`;
}

/** Renders the fleet page. */
export function renderFleetHtml(r: FleetReport): string {
  const scriptHash = base64Of(sha256Bytes(SCRIPT));
  const outliers = r.top_outlier_hosts.map((o) =>
    `<tr><td>${val(o.host_id)}</td><td class="num">${o.value}</td><td>${sev(o.level)}</td><td class="num">${
      o.z.toFixed(2)
    }</td></tr>`
  );
  const hostRows = r.hosts.map((h) =>
    `<tr><td>${val(h.host)}</td><td class="num" data-v="${h.risk}">${h.risk}</td><td data-v="${h.risk}">${
      sev(h.level)
    }</td><td class="num" data-v="${h.z}">${h.z.toFixed(2)}</td>${
      delta(h.delta)
    }<td class="num" data-v="${h.findings}">${h.findings}</td><td data-v="${h.ts}">${
      val(h.scanned_at)
    }</td><td>${h.reported_in_run ? "yes" : "<b>no</b>"}</td></tr>`
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sys-scan fleet: ${r.host_count} hosts</title><style>${CSS}${FLEET_CSS}</style></head>
<body><header><h1>sys-scan fleet: ${r.host_count} hosts</h1>
<div>${esc(r.generated_at)} · run ${r.run.run_id} · sys-scan ${esc(r.tool_version)}</div></header>
<main>
<section id="summary"><h2>Fleet risk</h2><div class="risk">mean ${
    r.metric_mean.toFixed(1)
  } <span class="muted">± ${r.metric_std.toFixed(1)}</span></div>
<div class="charts">${
    bars("Hosts by risk", r.risk_distribution.map((d) => [d.range, d.count, "#374151"]))
  }</div>
<h3>Outliers (highest standard score)</h3>${
    table(
      "outliers",
      "",
      ["Host", "Risk", "Level", "z"],
      outliers,
      "No host stands out: every host has the same risk.",
    )
  }</section>
${changesSection(r)}
${stackingSection(r)}
<section><h2>Hosts</h2><div class="controls"><input id="q" type="search" placeholder="Filter hosts…" aria-label="Filter hosts"><span id="count" class="muted"></span></div>
<table id="hosts"><thead><tr><th aria-sort="none">Host</th><th data-type="num" aria-sort="none">Risk</th><th data-type="num" aria-sort="none">Level</th><th data-type="num" aria-sort="none">z</th><th data-type="num" aria-sort="none">Change</th><th data-type="num" aria-sort="none">Findings</th><th data-type="num" aria-sort="none">Scanned at</th><th aria-sort="none">In latest run</th></tr></thead>
<tbody>${hostRows.join("\n")}</tbody></table></section>
${ingestSection(r)}
</main><script>${SCRIPT}</script></body></html>
`;
}
