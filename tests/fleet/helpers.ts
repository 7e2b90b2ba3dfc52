/**
 * Fleet test helpers: real reports made by scanning committed fixture hosts (so the fleet reads metadata
 * exactly as the scanners write it), variations of them for many hosts, their NDJSON form written by the real
 * NDJSON stream, and running `sys-scan fleet` in-process with a fixed clock.
 */
import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import { fleetCommand } from "../../src/cli/commands/fleet.ts";
import type { Report } from "../../src/core/report.ts";
import type { FleetReport } from "../../src/fleet/model.ts";
import { NdjsonStream } from "../../src/output/ndjson.ts";
import { fixtureRoot, makeTree } from "../helpers.ts";
import { CLEAN } from "../scanners/accounts_fixtures.ts";

/** Fixture hosts scanned for the fleet tests, and the flags each needs. */
const SOURCES: Record<string, string[]> = {
  "net-mixed": [],
  "modules-clean": [],
  "modules-anomalous": [],
  "proc-compromised": [],
  "persist-debian-stock": ["--hardening", "--persistence-inventory"],
};

const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)]);

const cache = new Map<string, Report>();

/**
 * Scans `root` with the real CLI (in-process) and returns the JSON report, named `hostname` (fixture roots
 * mostly have no /etc/hostname; the environment override is not used, as other test files share the process).
 */
export async function scanRoot(root: string, flags: string[], hostname: string): Promise<Report> {
  const out = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    // scanCommand, not run(): run() installs the CLI's network seccomp filter on every thread of this process,
    // and every test file sharing the process (and every program it starts) would lose inet sockets.
    const r = await scanCommand(["--root", root, ...flags, "--output", out]);
    const code = r.ok ? r.value : r.error.exit;
    assert.ok(code === 0 || code === 1, `scan of ${root} exited ${code}`);
    const report = JSON.parse(Deno.readTextFileSync(out)) as Report;
    report.meta.hostname = hostname;
    return report;
  } finally {
    Deno.removeSync(out);
  }
}

/** The real report of one fixture source (scanned once per test process). */
export async function fixtureReport(name: string): Promise<Report> {
  const hit = cache.get(name);
  if (hit) return structuredClone(hit);
  let report: Report;
  if (name === "setid") {
    // A host with two set-uid programs: one a package would own, one planted in /opt.
    using t = makeTree({
      "usr/bin/passwd": { content: ELF, mode: 0o4755 },
      "opt/tool/helper": { content: ELF, mode: 0o4755 },
      "etc/hostname": "setid-host\n",
    });
    report = await scanRoot(t.path, ["--enable", "suid_sgid", "--include-passed"], name);
  } else if (name === "accounts") {
    // The accounts scanner's test host with a second uid-0 account and a system account given a shell.
    using t = makeTree({
      ...CLEAN,
      "etc/passwd": `${
        CLEAN["etc/passwd"]
      }toor:x:0:0::/root:/bin/bash\nnews:x:9:9:news:/var/spool/news:/bin/sh\n`,
    });
    report = await scanRoot(t.path, ["--enable", "accounts", "--accounts-inventory"], name);
  } else {
    report = await scanRoot(fixtureRoot(name), SOURCES[name], name);
  }
  cache.set(name, report);
  return structuredClone(report);
}

/** One report holding the findings of every fixture source: a host with something of every kind. */
export async function richReport(): Promise<Report> {
  const base = await fixtureReport("net-mixed");
  for (const name of [...Object.keys(SOURCES).filter((n) => n !== "net-mixed"), "setid", "accounts"]) {
    const r = await fixtureReport(name);
    base.results.push(...r.results.filter((x) => x.findings.length > 0));
  }
  return base;
}

/** A finding in the shape the scanners write, for adding to a varied report. */
export function finding(
  checkId: string,
  subject: string,
  metadata: Record<string, unknown> = {},
  risk = 50,
): Report["results"][number]["findings"][number] {
  return {
    id: subject ? `${checkId}:${subject}` : checkId,
    check_id: checkId,
    scanner: checkId.split(".")[0],
    title: checkId,
    description: "",
    severity: risk >= 70 ? "high" : "medium",
    base_severity_score: 50,
    risk_score: risk,
    metadata: metadata as Report["results"][number]["findings"][number]["metadata"],
    mitre: [],
    tags: [],
  };
}

/** A copy of `report` as another host at another time, with findings added or removed. */
export function vary(
  report: Report,
  o: {
    host: string;
    at: string;
    risk?: number;
    add?: Report["results"][number]["findings"];
    drop?: (f: Report["results"][number]["findings"][number]) => boolean;
  },
): Report {
  const r = structuredClone(report);
  r.meta.hostname = o.host;
  r.summary.started_at = o.at;
  if (o.drop) { for (const res of r.results) res.findings = res.findings.filter((f) => !o.drop!(f)); }
  if (o.add?.length) {
    r.results.push({
      ...r.results[0],
      scanner: "fleet_test",
      findings: o.add,
      finding_count: o.add.length,
    });
  }
  if (o.risk !== undefined) {
    r.summary_extension.host_risk.score = o.risk;
    r.summary_extension.host_risk.level = o.risk >= 90
      ? "critical"
      : o.risk >= 70
      ? "high"
      : o.risk >= 50
      ? "medium"
      : o.risk >= 30
      ? "low"
      : "info";
  }
  return r;
}

/** The report as the NDJSON stream writes it (meta, findings, scanner records, warnings, summaries). */
export async function toNdjson(report: Report): Promise<string> {
  let text = "";
  const s = new NdjsonStream({ write: (t) => void (text += t) });
  await s.meta(report.meta);
  for (const r of report.results) for (const f of r.findings) await s.finding(f);
  await s.finish(report, false);
  return text;
}

/** Writes `report` as `dir/name` (JSON unless the name ends in .ndjson) and returns the path. */
export async function writeReport(dir: string, name: string, report: Report): Promise<string> {
  const path = `${dir}/${name}`;
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, name.endsWith(".ndjson") ? await toNdjson(report) : JSON.stringify(report));
  return path;
}

/** The clock the fleet tests run with. */
export const NOW = new Date("2026-06-01T12:00:00Z");

/** Runs `sys-scan fleet` in-process; returns the exit code, the warnings and the JSON report (when written). */
export async function fleet(
  args: string[],
  now = NOW,
): Promise<{ code: number; error?: string; warnings: string[]; report?: FleetReport; text?: string }> {
  const warnings: string[] = [];
  const out = args.includes("--output") ? undefined : Deno.makeTempFileSync();
  try {
    const r = await fleetCommand([...args, ...(out ? ["--output", out] : [])], {
      now: () => now,
      stderr: (l) => warnings.push(l),
    });
    if (!r.ok) return { code: r.error.exit, error: r.error.message, warnings };
    const text = out ? Deno.readTextFileSync(out) : undefined;
    const isJson = !args.includes("--format") || args[args.indexOf("--format") + 1] === "json";
    return { code: r.value, warnings, text, report: text && isJson ? JSON.parse(text) : undefined };
  } finally {
    if (out) Deno.removeSync(out);
  }
}

/** The stacked item list of one kind, as `value → host names`. */
export function stack(r: FleetReport, kind: string): Map<string, string[]> {
  const s = r.stacking.find((x) => x.kind === kind);
  assert.ok(s, `no stacking of ${kind}`);
  return new Map(s.items.map((i) => [i.value, i.hosts]));
}
