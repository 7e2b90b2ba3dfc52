/**
 * integrity: package file verification (native dpkg reader by default, `dpkg --verify` / `rpm -V` on request)
 * and IMA measurement counts. One finding per changed or missing file, ids by path; one summary finding.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { severityRank } from "../../core/severity.ts";
import { CHECK } from "./checks.ts";
import { criticalPackages, isCriticalPackage } from "./critical.ts";
import { type DpkgPackage, isUnpacked } from "./dpkg_md5sums.ts";
import { loadDpkgOwners, type PackageOwners } from "../../host/dpkg_db.ts";
import { loadRpmOwners } from "../../host/rpm_db.ts";
import { hashFile } from "./hash_file.ts";
import { parseImaMeasurements } from "./ima.ts";
import { readDpkgDb } from "./native.ts";
import { verifySelected } from "./native_run.ts";
import { rpmDbDir, rpmPackageNames, runVerify, TOOL_PATHS } from "./pkg_verify.ts";
import { newCounts, type Problem, record, type RunState, type Tool, verifyProblem } from "./problems.ts";
import { samplePackages, sampleSeed } from "./sample.ts";
import { INTEGRITY_INFO } from "../info/integrity.ts";

/** Share of the scanner budget spent verifying before stopping to report what was found. */
const BUDGET_SHARE = 0.8;
const IMA_PATH = "/sys/kernel/security/ima/ascii_runtime_measurements";
const IMA_MAX_LINES = 500_000;

function detectTool(ctx: ScanContext): Tool | undefined {
  if (ctx.host.exists("/var/lib/dpkg/status")) return "dpkg";
  if (rpmDbDir((p) => ctx.host.exists(p)) !== undefined) return "rpm";
  return undefined;
}

function programExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function scanMode(ctx: ScanContext): string {
  if (ctx.config.integrityCriticalOnly) return "critical_only";
  const pct = ctx.config.integritySamplePct;
  return pct > 0 && pct < 100 ? `sample_${pct}pct` : "full";
}

/** Picks the package names to verify from the installed ones, per --integrity-critical-only / --integrity-sample-pct. */
function selectPackages(
  ctx: ScanContext,
  tool: Tool,
  installed: readonly string[],
  meta: Metadata,
): string[] {
  if (ctx.config.integrityCriticalOnly) {
    const have = new Set(installed);
    return criticalPackages(tool).filter((n) => have.has(n));
  }
  const pct = ctx.config.integritySamplePct;
  if (pct > 0 && pct < 100) {
    const seed = sampleSeed(ctx.host);
    meta.sample_seed_source = seed.source;
    if (seed.source === "none") {
      ctx.warn("sample_seed_missing", "no machine-id or hostname: the sample is the same on every such host");
    }
    return samplePackages(installed, pct, seed.value);
  }
  return [...new Set(installed)].sort();
}

/** Native dpkg verification; returns why it could not run, or undefined once it ran. */
async function verifyNative(
  ctx: ScanContext,
  s: RunState,
  meta: Metadata,
  deadline: number,
): Promise<string | undefined> {
  const db = readDpkgDb(ctx.host);
  if ("error" in db) return `cannot read the dpkg database: ${db.error}`;
  for (const w of db.warnings) ctx.warn(w.code, w.detail);
  const unpacked = db.status.packages.filter(isUnpacked);
  const byName = new Map<string, DpkgPackage[]>();
  for (const p of unpacked) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  // Critical packages first, so a run cut short by the time budget has still verified them.
  const names = selectPackages(ctx, "dpkg", [...byName.keys()], meta);
  const ordered = [...names.filter(isCriticalPackage), ...names.filter((n) => !isCriticalPackage(n))];
  const selected = ordered.flatMap((n) => byName.get(n) ?? []);
  s.counts.packages_selected = selected.length;
  await verifySelected(ctx, s, selected, db.diversions, deadline);
  return undefined;
}

/** Path → package from the package database (read directly), to name and rate the files dpkg/rpm report. */
async function packageOwners(ctx: ScanContext, tool: Tool): Promise<PackageOwners | undefined> {
  const r = tool === "dpkg" ? await loadDpkgOwners(ctx.host) : loadRpmOwners(ctx.host);
  if (!r.ok) {
    if (r.reason !== "missing") ctx.warn("package_owners_unreadable", r.message);
    return undefined;
  }
  for (const p of (r.problems ?? []).slice(0, 10)) ctx.warn("package_owners_unreadable", p);
  return r.value;
}

/** Verification through dpkg/rpm; returns why it could not run, or undefined once it ran. */
async function verifyWithTool(
  ctx: ScanContext,
  tool: Tool,
  s: RunState,
  meta: Metadata,
  deadline: number,
): Promise<string | undefined> {
  const program = TOOL_PATHS[tool];
  if (!programExists(program)) {
    return tool === "dpkg"
      ? `${program} is not installed on the scanning machine; run without --integrity-pkg-verify for the native reader`
      : `${program} is not installed on the scanning machine (the native reader supports dpkg databases only)`;
  }
  const root = ctx.host.root;
  const dbPath = tool === "rpm" ? rpmDbDir((p) => ctx.host.exists(p)) : undefined;
  const timeoutMs = Math.max(1000, deadline - performance.now());
  let packages: string[] | "all" = "all";
  const mode = scanMode(ctx);
  if (mode !== "full") {
    let installed: string[];
    if (tool === "dpkg") {
      const db = readDpkgDb(ctx.host);
      installed = "error" in db ? [] : db.status.packages.filter(isUnpacked).map((p) => p.name);
    } else installed = await rpmPackageNames(root, timeoutMs, dbPath);
    packages = selectPackages(ctx, tool, installed, meta);
    s.counts.packages_selected = packages.length;
    if (packages.length === 0) {
      ctx.warn("no_packages", `no installed package matched the ${mode} selection`);
      return undefined;
    }
  }
  const r = await runVerify(tool, packages, root, timeoutMs, dbPath);
  if (r.timedOut) {
    s.complete = false;
    ctx.warn(
      "truncated",
      `${program} did not finish within ${Math.round(timeoutMs / 1000)} s; results are partial`,
    );
  }
  if (r.truncated) ctx.warn("truncated", `${program} output over 16 MiB; results are partial`);
  if (r.parse.unparsed.length > 0) {
    ctx.warn(
      "pkg_verify_unparsed",
      `${r.parse.unparsed.length} unrecognised line(s), e.g. ${JSON.stringify(r.parse.unparsed[0])}`,
    );
  }
  for (const line of r.stderrProblems.slice(0, 20)) ctx.warn("pkg_verify_stderr", line);
  if (r.parse.notInstalled.length > 0) meta.not_installed = r.parse.notInstalled.slice(0, 50);
  meta.exit_code = r.exitCode;
  meta.lines_reported = r.parse.lines.length;
  meta.attribute_only_lines_ignored = r.parse.ignored;
  const allCritical = ctx.config.integrityCriticalOnly;
  const owners = r.parse.lines.length > 0 ? await packageOwners(ctx, tool) : undefined;
  for (const line of r.parse.lines) {
    await ctx.checkpoint();
    const owner = owners?.ownerOf(line.path);
    const pkg = owner === undefined ? undefined : owner.split(":")[0];
    const st = ctx.host.lstat(line.path);
    const p = verifyProblem(
      line,
      tool,
      pkg,
      st.ok ? st.value.mode ?? undefined : undefined,
      allCritical,
      s.counts,
    );
    if (p && !record(ctx, s, p, pkg)) break;
  }
  if (packages !== "all") s.counts.packages_verified = packages.length - r.parse.notInstalled.length;
  return undefined;
}

function imaSummary(ctx: ScanContext, meta: Metadata): FindingDraft | undefined {
  const r = ctx.host.readText(IMA_PATH, 64 << 20);
  if (!r.ok) {
    meta.ima_enabled = false;
    if (r.reason !== "missing") ctx.warn("ima_unreadable", `${IMA_PATH}: ${r.message}`);
    return undefined;
  }
  const c = parseImaMeasurements(r.value, IMA_MAX_LINES);
  if (r.truncated || c.truncated) {
    ctx.warn("truncated", `${IMA_PATH}: only the first ${c.entries} measurements counted`);
  }
  if (c.malformed > 0) ctx.warn("ima_malformed", `${IMA_PATH}: ${c.malformed} malformed line(s)`);
  meta.ima_enabled = true;
  meta.ima_entries = c.entries;
  meta.ima_violations = c.violations;
  return {
    check_id: CHECK.ima,
    subject: "",
    passed: c.violations === 0,
    description: `IMA recorded ${c.violations} violation(s) among ${c.entries} measurements.`,
    metadata: { entries: c.entries, violations: c.violations, files: c.violationFiles },
    location: { path: IMA_PATH },
  };
}

async function rehash(ctx: ScanContext, emitted: Problem[], deadline: number): Promise<void> {
  if (!ctx.config.integrityPkgRehash) return;
  let left = ctx.config.integrityPkgRehashLimit;
  const maxBytes = ctx.config.integrityMaxFileSize * (1 << 20);
  for (const p of emitted) {
    if (left <= 0 || performance.now() > deadline) break;
    if (!p.rehash) continue;
    await ctx.checkpoint();
    left--;
    const diskPath = typeof p.metadata.diverted_to === "string" ? p.metadata.diverted_to : p.path;
    const h = await hashFile(ctx.host, diskPath, "sha256", maxBytes);
    if (h.kind === "ok") p.metadata.sha256 = h.digest;
    else ctx.warn("rehash_failed", `${diskPath}: ${h.kind}`);
  }
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const budgetMs = ctx.budgetSeconds * 1000 * BUDGET_SHARE;
  const deadline = performance.now() + budgetMs;
  const tool = detectTool(ctx);
  const meta: Metadata = { pkg_tool: tool ?? "none", scan_mode: scanMode(ctx) };
  const s: RunState = {
    counts: newCounts(),
    problems: [],
    withProblems: new Map(),
    earlyExit: false,
    complete: true,
  };
  let notVerified: string | undefined;
  if (tool === undefined) {
    notVerified = `no package database (/var/lib/dpkg/status, /var/lib/rpm) under ${ctx.host.root}`;
  } else if (ctx.config.integrityPkgVerify || tool === "rpm") {
    if (tool === "rpm" && !ctx.config.integrityPkgVerify) {
      ctx.warn("native_unsupported", "the native verifier reads dpkg databases only; using rpm -V");
    }
    meta.method = tool === "dpkg" ? "dpkg --verify" : "rpm -V";
    notVerified = await verifyWithTool(ctx, tool, s, meta, deadline);
  } else {
    meta.method = "native";
    notVerified = await verifyNative(ctx, s, meta, deadline);
  }
  const ima = ctx.config.integrityIma ? imaSummary(ctx, meta) : undefined;
  if (notVerified !== undefined) {
    if (!ctx.config.integrityIma) return ctx.skip(notVerified);
    ctx.warn("not_verified", `package files not verified: ${notVerified}`);
  }
  if (!s.complete) {
    ctx.warn(
      "truncated",
      `verification stopped at ${s.counts.packages_verified} of ${s.counts.packages_selected} packages to stay within ` +
        `the ${ctx.budgetSeconds}s scanner budget; raise --scanner-timeout for a full run`,
    );
  }
  if (s.earlyExit) {
    ctx.warn(
      "truncated",
      `verification stopped after ${s.problems.length} mismatches (--integrity-max-mismatches)`,
    );
  }
  const sorted = [...s.problems].sort((a, b) =>
    severityRank(b.severity) - severityRank(a.severity) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
  const limit = ctx.config.integrityPkgLimit;
  const emitted = limit > 0 ? sorted.slice(0, limit) : sorted;
  if (emitted.length < sorted.length) {
    ctx.warn(
      "truncated",
      `${
        sorted.length - emitted.length
      } of ${sorted.length} mismatches not listed (--integrity-pkg-limit ${limit})`,
    );
  }
  await rehash(ctx, emitted, deadline + budgetMs * 0.1);
  for (const p of emitted) {
    yield {
      check_id: p.check,
      subject: p.path,
      severity: p.severity,
      description: p.description,
      metadata: p.metadata,
      location: { path: p.path },
    };
  }
  if (ima) yield ima;
  yield {
    check_id: CHECK.summary,
    subject: "",
    description: notVerified === undefined
      ? `${
        meta.method === "native" ? `${s.counts.files_checked} package files checked` : `${meta.method} run`
      } ` +
        `(${meta.scan_mode}): ` +
        `${s.counts.files_modified} modified, ${s.counts.files_missing} missing, ` +
        `${s.counts.conffiles_modified} conffiles changed.`
      : `Package files not verified (${notVerified}); IMA only.`,
    metadata: {
      ...meta,
      ...s.counts,
      mismatch_count: s.problems.length,
      findings_listed: emitted.length,
      complete: s.complete && !s.earlyExit,
      early_exit: s.earlyExit,
      ...(ctx.config.integrityMaxMismatches > 0
        ? { early_exit_threshold: ctx.config.integrityMaxMismatches }
        : {}),
      mismatches_by_package: [...s.withProblems].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).slice(0, 50)
        .map(([name, n]) => `${name}=${n}`),
    },
  };
}

/** The integrity scanner. */
export const integrity: Scanner = { ...INTEGRITY_INFO, run };
