/**
 * yara: real YARA rules (the host's native libyara) over the places attackers drop payloads, with the shared
 * bounded walker, a per-file size cap, a file cap and the scanner's time budget (also libyara's timeout).
 * The rules are compiled once. Each walked file is opened by the Host's safe open (never a FIFO, device or
 * final symlink, and only while it is the walked inode), read whole into one reused buffer and scanned in
 * memory, so a file that grows or shrinks meanwhile only changes what was read (`file_scan.ts`). On a host with
 * more than one core, helper threads scan a share of each batch of walked files with the same rules
 * (`helper_pool.ts`); results are taken in walk order, so the report is the one a single thread gives
 * (`scan_run.ts`). One finding per (rule, file) with the rule's name, tags and meta.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { parseSeverity } from "../../core/severity.ts";
import type { Config } from "../../core/config.ts";
import { walk, type WalkEntry } from "../../host/walker.ts";
import { type Libyara, loadLibyara, type RuleMatch } from "./engine.ts";
import { scanWalkedFile } from "./file_scan.ts";
import { HelperPool, type Indexed } from "./helper_pool.ts";
import { MAX_MATCHES, ScanRun } from "./scan_run.ts";
import { checkRuleFiles, compileRuleSet, readRuleFiles, type RuleSet } from "./rule_files.ts";
import { rulesPath, YARA_INFO, YARA_MATCH } from "../info/yara.ts";

/** Share of the scanner budget spent scanning before stopping to report. */
const BUDGET_SHARE = 0.8;
/** String occurrences kept per matching rule (a rule can match thousands of times in one file). */
export const MAX_STRING_MATCHES = 20;

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

function metaKey(key: string): string {
  return "meta_" + key.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40);
}

function draftFor(m: RuleMatch, set: RuleSet, path: string, size: number, sha256: string): FindingDraft {
  const { name, tags, meta } = m.rule;
  const metadata: Metadata = {
    rule: name,
    tags,
    path,
    size,
    sha256,
    rule_file: set.fileOf.get(name) ?? "",
    strings: m.strings.map((s) => `${s.identifier}@0x${s.offset.toString(16)}`),
  };
  for (const { key, value } of meta) {
    const k = metaKey(key);
    if (!(k in metadata)) metadata[k] = value;
  }
  const sevMeta = meta.find((x) => x.key.toLowerCase() === "severity");
  const severity = sevMeta ? parseSeverity(sevMeta.value) : undefined;
  const description = meta.find((x) => x.key.toLowerCase() === "description")?.value;
  return {
    check_id: YARA_MATCH,
    subject: `${name}:${path}`,
    title: `YARA rule ${name} matched`,
    description: `${path} matches YARA rule ${name}${tags.length ? ` [${tags.join(" ")}]` : ""}` +
      (description ? `: ${description}` : "."),
    ...(severity !== undefined && severity !== "error" ? { severity } : {}),
    metadata,
    location: { path },
    tags: ["yara", ...tags],
  };
}

/**
 * Checks the configured YARA rules without scanning: the errors (with file:line) that would make the scanner
 * skip, for a CLI that wants to refuse bad rule files up front (exit 3) rather than report a skipped scanner.
 * Empty when the rules load or when no rules are configured. Only compiles (Libyara.check: no layout probe,
 * nothing kept): the scan runs in a worker, which compiles the rules again for itself.
 */
// deno-lint-ignore require-await
export async function yaraRuleErrors(c: Config): Promise<string[]> {
  const path = rulesPath(c);
  if (path === undefined) return [];
  const read = readRuleFiles(path, c.rulesInsecureOk);
  if (read.errors.length > 0) return read.errors;
  // Without libyara the rules cannot be checked; the scanner then skips and says what to install.
  return checkRuleFiles(read.files);
}

function loadRules(ctx: ScanContext, lib: Libyara, path: string): RuleSet | undefined {
  const read = readRuleFiles(path, ctx.config.rulesInsecureOk);
  for (const w of read.warnings) ctx.warn("yara_rules_insecure", w);
  if (read.errors.length > 0) {
    ctx.skip(`YARA rules not loaded: ${read.errors.join("; ")}`);
    return undefined;
  }
  const compiled = compileRuleSet(lib, read.files);
  if (!compiled.ok) {
    ctx.skip(`YARA rules not loaded: ${compiled.errors.join("; ")}`);
    return undefined;
  }
  for (const w of compiled.set.warnings) ctx.warn("yara_rule_warning", w);
  return compiled.set;
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

/** A batch has at least this many files to share before helper threads start: a small tree is done first. */
export const HELPER_AFTER_FILES = 24;
/** Helper threads at most (each is an isolate of ~15 MiB). */
const MAX_HELPERS = 3;
/** A batch: at most this many files, this many bytes, this long walking (ms). */
const BATCH_FILES = 512;
const BATCH_BYTES = 128 << 20;
const BATCH_WALK_MS = 50;

/** Helper threads for a scan: --parallel-threads N (0: one per core) less this thread, at most MAX_HELPERS. */
export function yaraHelperCount(parallelThreads: number, cores = navigator.hardwareConcurrency ?? 1): number {
  const threads = parallelThreads > 0 ? parallelThreads : cores;
  return Math.max(0, Math.min(MAX_HELPERS, threads - 1));
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const deadline = performance.now() + ctx.budgetSeconds * 1000 * BUDGET_SHARE;
  const path = rulesPath(ctx.config);
  if (path === undefined) {
    return ctx.skip("no YARA rules: give --yara-rules PATH, or --rules-dir DIR with a yara/ subdirectory");
  }
  const loaded = loadLibyara();
  if (!loaded.ok) return ctx.skip(loaded.reason);
  using set = loadRules(ctx, loaded.lib, path);
  if (!set) return;
  using scanner = set.rules.scanner(MAX_STRING_MATCHES);
  const roots = ctx.config.yaraRoots.length > 0 ? userRoots(ctx) : DEFAULT_YARA_ROOTS;
  const maxBytes = ctx.config.yaraMaxFileSize * (1 << 20);
  const maxFiles = ctx.config.yaraMaxFiles;
  const prune = ctx.config.yaraRoots.length > 0
    ? undefined
    : (p: string) => DEFAULT_PRUNE.some((d) => (p + "/").includes(d));
  // One buffer for every file: its pages cost memory only as far as the largest file read reached.
  let buffer: Uint8Array<ArrayBuffer> | undefined;
  const scan = new ScanRun(ctx, (m, p, size, sha256) => draftFor(m, set, p, size, sha256));
  const helpers = yaraHelperCount(ctx.config.parallelThreads);
  const pool = new HelperPool(ctx, scan, helpers, maxBytes, MAX_STRING_MATCHES);
  const here = ({ i, e }: Indexed) => {
    buffer ??= new Uint8Array(maxBytes + 1);
    const left = Math.max(1, deadline - performance.now());
    const before = scanner.callbackErrors;
    const t = scanWalkedFile(ctx, e, scanner, maxBytes, left / 1000, buffer);
    const count = scanner.callbackErrors - before;
    scan.put(i, e, t, count > 0 ? { count, first: String(scanner.firstCallbackError) } : undefined);
  };
  const walked = walk(ctx, { roots, prune, maxMillis: Math.max(1000, deadline - performance.now()) });
  let next: WalkEntry | undefined;
  let walkDone = false;
  try {
    while (!walkDone) {
      // A batch of walked files, in walk order; a file over the cap is counted in its turn, not scanned.
      const batch: Indexed[] = [];
      let bytes = 0;
      let stop: "files" | "time" | undefined;
      const started = performance.now();
      while (
        batch.length < BATCH_FILES && bytes < BATCH_BYTES && performance.now() - started < BATCH_WALK_MS
      ) {
        if (next === undefined) {
          const r = await walked.next();
          if (r.done) {
            walkDone = true;
            break;
          }
          next = r.value;
        }
        const e = next;
        if (e.kind !== "file") {
          next = undefined;
          continue;
        }
        if (e.size <= maxBytes && scan.scanned + scan.inFlight >= maxFiles) {
          stop = "files"; // decided once what is in flight is taken: a file in it may not count
          break;
        }
        if (e.size <= maxBytes && deadline - performance.now() <= 0) {
          stop = "time";
          break;
        }
        next = undefined;
        await ctx.checkpoint();
        const i = scan.index();
        if (e.size > maxBytes) scan.put(i, e, { kind: "too_large", size: e.size, listed: true });
        else {
          batch.push({ i, e });
          bytes += e.size;
        }
      }
      if (batch.length >= HELPER_AFTER_FILES) pool.start(loaded.lib, set);
      if (await pool.run(batch, here, deadline)) stop = "time";
      yield* scan.take();
      if (scan.stopped) break;
      // A file left unscanned for lack of time holds back the ones after it: the scan stops there.
      if (scan.inFlight > 0) stop = "time";
      if (stop === "files" && scan.scanned >= maxFiles) {
        ctx.warn("truncated", `stopped after ${maxFiles} files (--yara-max-files)`);
        break;
      }
      if (stop === "time") {
        ctx.warn(
          "truncated",
          `stopped after ${scan.scanned} files to stay within the ${ctx.budgetSeconds}s scanner budget`,
        );
        break;
      }
    }
  } finally {
    scan.drop();
    await walked.return(undefined);
    // Rules a helper may still be scanning with are kept until the process exits, never destroyed under it.
    if (!(await pool.end())) set.rules.abandon();
  }
  scan.finish(ctx.config.yaraMaxFileSize);
  ctx.setMeta("yara", {
    engine: `${loaded.lib.path} (YARA ${loaded.lib.layout.releases} layout)`,
    rule_files: set.files,
    rules: set.rules.rules.length,
    roots: [...roots],
    files_scanned: scan.scanned,
    matches: Math.min(scan.matches, MAX_MATCHES),
    threads: 1 + pool.started,
    ...(pool.failure !== undefined ? { helper_failure: pool.failure } : {}),
  });
}

/** The yara scanner. */
export const yara: Scanner = { ...YARA_INFO, run };
