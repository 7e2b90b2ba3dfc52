/**
 * yara: real YARA rules (libyara in WebAssembly) over the places attackers drop payloads, with the shared
 * bounded walker and a per-file size cap. One finding per (rule, file) with the rule's name, tags and meta.
 */
import { createHash } from "node:crypto";
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { parseSeverity } from "../../core/severity.ts";
import type { Config } from "../../core/config.ts";
import { walk } from "../../host/walker.ts";
import type { RuleMatch, YaraEngine } from "./engine.ts";
import { compileRuleSet, readRuleFiles, type RuleSet } from "./rule_files.ts";

const NAME = "yara";
const CHECK = "yara.rule.match";
/** Share of the scanner budget spent scanning before stopping to report. */
const BUDGET_SHARE = 0.8;
/** Matches kept at most (a rule that matches everything should not flood the report). */
const MAX_MATCHES = 1000;

/**
 * Default roots, most likely drop zones first (the file and time caps cut the tail): world-writable temp
 * directories, persistence locations, root's and users' homes, locally installed programs (package-managed
 * system directories are covered by the integrity scanner), and web roots (web shells).
 */
export const DEFAULT_YARA_ROOTS: readonly string[] = [
  "/tmp",
  "/var/tmp",
  "/dev/shm",
  "/etc/cron.d",
  "/etc/cron.hourly",
  "/etc/cron.daily",
  "/etc/cron.weekly",
  "/etc/cron.monthly",
  "/var/spool/cron",
  "/etc/systemd/system",
  "/etc/init.d",
  "/etc/rc.local",
  "/etc/profile.d",
  "/usr/local/bin",
  "/usr/local/sbin",
  "/root",
  "/home",
  "/usr/local/lib",
  "/var/www",
  "/srv",
];

/** Language toolchains and package caches inside homes: hundreds of thousands of vendor files, not drop zones. */
export const DEFAULT_PRUNE: readonly string[] = [
  "/.rustup/toolchains/",
  "/.pyenv/versions/",
  "/.cargo/registry/",
  "/.m2/repository/",
  "/.gradle/caches/",
  "/go/pkg/mod/",
  "/.npm/_cacache/",
  "/.cache/pip/",
  "/.cache/deno/",
];

const checks: CheckInput[] = [{
  id: CHECK,
  scanner: NAME,
  title: "YARA rule matched",
  severity: "medium",
  category: "ioc",
  rationale: "A file matched a YARA rule from the analyst's rule set (malware, tool or web-shell signature).",
  remediation: "Inspect the file (its SHA-256 is in the metadata), find how it arrived, and quarantine it.",
  mitre: ["T1027", "T1105"],
  confidence: "heuristic",
}];

/** Where the rules come from: --yara-rules, else <rules-dir>/yara. */
export function rulesPath(c: Config): string | undefined {
  if (c.yaraRules !== undefined) return c.yaraRules;
  if (c.rulesDir !== undefined) return `${c.rulesDir.replace(/\/+$/, "")}/yara`;
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Runs when --yara-rules is given, or with --rules-enable and a rules directory that has a yara/ folder. */
export function yaraEnabled(c: Config): boolean {
  if (c.yaraRules !== undefined) return true;
  return c.rulesEnable && c.rulesDir !== undefined && isDirectory(rulesPath(c)!);
}

function metaKey(key: string): string {
  return "meta_" + key.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40);
}

function draftFor(m: RuleMatch, set: RuleSet, path: string, size: number, sha256: string): FindingDraft {
  const header = set.headers.get(m.rule);
  const metadata: Metadata = {
    rule: m.rule,
    tags: header?.tags ?? [],
    path,
    size,
    sha256,
    rule_file: header?.file ?? "",
    strings: m.strings.map((s) => `${s.identifier}@0x${s.offset.toString(16)}`),
  };
  for (const { key, value } of m.meta) {
    const k = metaKey(key);
    if (!(k in metadata)) metadata[k] = value;
  }
  const sevMeta = m.meta.find((x) => x.key.toLowerCase() === "severity");
  const severity = sevMeta ? parseSeverity(sevMeta.value) : undefined;
  const description = m.meta.find((x) => x.key.toLowerCase() === "description")?.value;
  return {
    check_id: CHECK,
    subject: `${m.rule}:${path}`,
    title: `YARA rule ${m.rule} matched`,
    description:
      `${path} matches YARA rule ${m.rule}${header?.tags.length ? ` [${header.tags.join(" ")}]` : ""}` +
      (description ? `: ${description}` : "."),
    ...(severity !== undefined && severity !== "error" ? { severity } : {}),
    metadata,
    location: { path },
    tags: ["yara", ...(header?.tags ?? [])],
  };
}

/**
 * Checks the configured YARA rules without scanning: the errors (with file:line) that would make the scanner
 * skip, for a CLI that wants to refuse bad rule files up front (exit 3) rather than report a skipped scanner.
 * Empty when the rules load or when no rules are configured.
 */
export async function yaraRuleErrors(c: Config): Promise<string[]> {
  const path = rulesPath(c);
  if (path === undefined) return [];
  const read = readRuleFiles(path, c.rulesInsecureOk);
  if (read.errors.length > 0) return read.errors;
  const set = compileRuleSet(await loadEngine(), read.files);
  return "errors" in set ? set.errors : [];
}

function loadRules(ctx: ScanContext, engine: YaraEngine, path: string): RuleSet | undefined {
  const read = readRuleFiles(path, ctx.config.rulesInsecureOk);
  for (const w of read.warnings) ctx.warn("yara_rules_insecure", w);
  if (read.errors.length > 0) {
    ctx.skip(`YARA rules not loaded: ${read.errors.join("; ")}`);
    return undefined;
  }
  const set = compileRuleSet(engine, read.files);
  if ("errors" in set) {
    ctx.skip(`YARA rules not loaded: ${set.errors.join("; ")}`);
    return undefined;
  }
  for (const w of set.warnings) ctx.warn("yara_rule_warning", w);
  return set;
}

/** --yara-roots, keeping absolute paths that exist (under --root they are paths inside the root). */
function userRoots(ctx: ScanContext): string[] {
  const out: string[] = [];
  for (const r of ctx.config.yaraRoots) {
    if (!r.startsWith("/")) ctx.warn("yara_root_ignored", `${r}: --yara-roots takes absolute paths`);
    else if (!ctx.host.lstat(r).ok) {
      ctx.warn("yara_root_ignored", `${r}: does not exist under ${ctx.host.root}`);
    } else out.push(r);
  }
  return out;
}

/** Starts the WebAssembly engine, importing it only when YARA runs (it adds ~20–50 ms to every start-up). */
async function loadEngine(): Promise<YaraEngine> {
  const { YaraEngine } = await import("./engine.ts");
  return await YaraEngine.load();
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const deadline = performance.now() + ctx.budgetSeconds * 1000 * BUDGET_SHARE;
  const path = rulesPath(ctx.config);
  if (path === undefined) {
    // Before the engine is loaded: it costs ~25 MB and tens of milliseconds for nothing.
    return ctx.skip("no YARA rules: give --yara-rules PATH, or --rules-dir DIR with a yara/ subdirectory");
  }
  let engine: YaraEngine;
  try {
    engine = await loadEngine();
  } catch (e) {
    return ctx.skip(e instanceof Error ? e.message : String(e));
  }
  const set = loadRules(ctx, engine, path);
  if (!set) return;
  const roots = ctx.config.yaraRoots.length > 0 ? userRoots(ctx) : DEFAULT_YARA_ROOTS;
  const maxBytes = ctx.config.yaraMaxFileSize * (1 << 20);
  const maxFiles = ctx.config.yaraMaxFiles;
  const prune = ctx.config.yaraRoots.length > 0
    ? undefined
    : (p: string) => DEFAULT_PRUNE.some((d) => (p + "/").includes(d));
  let scanned = 0;
  let tooLarge = 0;
  let largeExample = "";
  let unreadable = 0;
  let matches = 0;
  let engineFailures = 0;
  for await (
    const e of walk(ctx, { roots, prune, maxMillis: Math.max(1000, deadline - performance.now()) })
  ) {
    if (e.kind !== "file" || e.size === 0) continue;
    if (e.size > maxBytes) {
      if (tooLarge++ === 0) largeExample = `${e.path} (${e.size} bytes)`;
      continue;
    }
    if (scanned >= maxFiles) {
      ctx.warn("truncated", `stopped after ${maxFiles} files (--yara-max-files)`);
      break;
    }
    if (performance.now() > deadline) {
      ctx.warn(
        "truncated",
        `stopped after ${scanned} files to stay within the ${ctx.budgetSeconds}s scanner budget`,
      );
      break;
    }
    await ctx.checkpoint();
    const r = ctx.host.readBytes(e.path, maxBytes);
    if (!r.ok) {
      if (r.reason !== "missing") unreadable++;
      continue;
    }
    if (r.truncated) {
      if (tooLarge++ === 0) largeExample = `${e.path} (grew past the cap while read)`;
      continue;
    }
    scanned++;
    let result;
    try {
      result = engine.run(r.value, set.source);
      engineFailures = 0;
    } catch (err) {
      ctx.warn("yara_engine_error", `${e.path}: ${err instanceof Error ? err.message : err}`);
      if (++engineFailures >= 3) {
        ctx.warn("truncated", "the YARA engine failed three times in a row; scan stopped");
        break;
      }
      continue;
    }
    if (result.matches.length === 0) continue;
    const sha256 = createHash("sha256").update(r.value).digest("hex");
    for (const m of result.matches) {
      if (set.headers.get(m.rule)?.private) continue;
      if (++matches > MAX_MATCHES) break;
      yield draftFor(m, set, e.path, r.value.length, sha256);
    }
    if (matches > MAX_MATCHES) {
      ctx.warn("truncated", `more than ${MAX_MATCHES} matches; the rest are not listed`);
      break;
    }
  }
  if (tooLarge > 0) {
    ctx.warn(
      "truncated",
      `${tooLarge} file(s) over --yara-max-file-size ${ctx.config.yaraMaxFileSize} MiB not scanned, e.g. ${largeExample}`,
    );
  }
  if (unreadable > 0) ctx.warn("file_unreadable", `${unreadable} file(s) could not be read`);
  ctx.setMeta("yara", {
    rule_files: set.files,
    rules: set.headers.size,
    roots: [...roots],
    files_scanned: scanned,
    matches: Math.min(matches, MAX_MATCHES),
  });
}

/** The yara scanner. */
export const yara: Scanner = {
  name: NAME,
  summary:
    "YARA rules (libyara, WebAssembly) over temp, persistence, home, local-program and web directories.",
  slow: true,
  heavy: true,
  enabledByDefault: yaraEnabled,
  checks,
  run,
};
