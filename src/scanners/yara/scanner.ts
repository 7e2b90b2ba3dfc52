/**
 * yara: real YARA rules (the host's native libyara) over the places attackers drop payloads, with the shared
 * bounded walker, a per-file size cap, a file cap and the scanner's time budget (also libyara's timeout).
 * The rules are compiled once. Each walked file is opened by the Host's safe open (never a FIFO, device or
 * final symlink, and only while it is the walked inode), read whole into one reused buffer and scanned in
 * memory, so a file that grows or shrinks meanwhile only changes what was read. One finding per (rule, file)
 * with the rule's name, tags and meta.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { parseSeverity } from "../../core/severity.ts";
import type { Config } from "../../core/config.ts";
import { walk, type WalkEntry } from "../../host/walker.ts";
import {
  ERROR_SCAN_TIMEOUT,
  type Libyara,
  loadLibyara,
  type RuleMatch,
  type ScanResult,
  type YaraScanner,
} from "./engine.ts";
import { checkRuleFiles, compileRuleSet, readRuleFiles, type RuleSet } from "./rule_files.ts";
import { rulesPath, YARA_INFO, YARA_MATCH } from "../info/yara.ts";

/** Share of the scanner budget spent scanning before stopping to report. */
const BUDGET_SHARE = 0.8;
/** Matches kept at most (a rule that matches everything should not flood the report). */
const MAX_MATCHES = 1000;
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

/** What scanning one walked file gave. */
export type FileScan =
  /** `shrank`: the file ended before the size it had when opened (what was read was scanned). */
  | { kind: "scanned"; result: ScanResult; size: number; sha256: string; shrank: boolean }
  /** Over the cap: its size when opened, or what it grew to while read. */
  | { kind: "too_large"; size: number }
  /** Not the regular file the walk listed any more: a symlink, a special file or another file now. */
  | { kind: "changed"; message: string }
  | { kind: "missing" }
  | { kind: "unreadable"; message: string };

let nodeCrypto: Promise<typeof import("node:crypto")> | undefined;

/**
 * The SHA-256 of what a rule matched in. node:crypto is loaded on the first match, not with this module:
 * importing it costs tens of milliseconds of a scan worker's start, and most scans match nothing.
 */
async function sha256Of(bytes: Uint8Array): Promise<string> {
  nodeCrypto ??= import("node:crypto");
  return (await nodeCrypto).createHash("sha256").update(bytes).digest("hex");
}

/**
 * Opens a walked file (never a final symlink; only while it is the walked inode; FIFOs and devices are refused
 * without being opened), reads it whole into `buffer` (at least `maxBytes` + 1 long, reused from file to
 * file), scans it with a timeout, and hashes what was scanned when a rule matched.
 */
export async function scanWalkedFile(
  ctx: Pick<ScanContext, "host">,
  e: WalkEntry,
  scanner: YaraScanner,
  maxBytes: number,
  timeoutSeconds: number,
  buffer: Uint8Array<ArrayBuffer>,
): Promise<FileScan> {
  const opened = ctx.host.open(e.path, { follow: false, expect: { dev: e.dev, ino: e.ino } });
  if (!opened.ok) {
    if (opened.reason === "missing") return { kind: "missing" };
    if (opened.reason === "changed" || opened.reason === "link" || opened.reason === "not_file") {
      return { kind: "changed", message: opened.message };
    }
    return { kind: "unreadable", message: opened.message };
  }
  using file = opened.file;
  // Nothing is read of a file already over the cap (a sparse terabyte included).
  if (file.stat.size > maxBytes) return { kind: "too_large", size: file.stat.size };
  if (buffer.length <= maxBytes) throw new Error("the read buffer must hold maxBytes + 1 bytes");
  // Up to one byte past the cap, which tells a file that grew past it while read.
  let used = 0;
  try {
    while (used <= maxBytes) {
      const n = file.read(buffer.subarray(used, maxBytes + 1));
      if (n === 0) break;
      used += n;
    }
  } catch (err) {
    return { kind: "unreadable", message: `${e.path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (used > maxBytes) return { kind: "too_large", size: used };
  const bytes = buffer.subarray(0, used);
  const result = scanner.scan(bytes, timeoutSeconds);
  const sha256 = result.matches.length > 0 ? await sha256Of(bytes) : "";
  return { kind: "scanned", result, size: used, sha256, shrank: used < file.stat.size };
}

/** Counts of files not scanned for one reason, with the first example, reported once at the end. */
class Tally {
  count = 0;
  example = "";
  add(example: string): void {
    if (this.count++ === 0) this.example = example;
  }
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
  let scanned = 0;
  let matches = 0;
  const tooLarge = new Tally();
  const changed = new Tally();
  const shrank = new Tally();
  const unreadable = new Tally();
  const failed = new Tally();
  const tooMany = new Tally();
  for await (
    const e of walk(ctx, { roots, prune, maxMillis: Math.max(1000, deadline - performance.now()) })
  ) {
    if (e.kind !== "file") continue;
    if (e.size > maxBytes) {
      tooLarge.add(`${e.path} (${e.size} bytes)`);
      continue;
    }
    if (scanned >= maxFiles) {
      ctx.warn("truncated", `stopped after ${maxFiles} files (--yara-max-files)`);
      break;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      ctx.warn(
        "truncated",
        `stopped after ${scanned} files to stay within the ${ctx.budgetSeconds}s scanner budget`,
      );
      break;
    }
    await ctx.checkpoint();
    buffer ??= new Uint8Array(maxBytes + 1);
    const t = await scanWalkedFile(ctx, e, scanner, maxBytes, left / 1000, buffer);
    if (t.kind === "too_large") tooLarge.add(`${e.path} (${t.size} bytes when read)`);
    if (t.kind === "changed") changed.add(t.message);
    if (t.kind === "unreadable") unreadable.add(t.message);
    if (t.kind !== "scanned") continue;
    scanned++;
    if (t.shrank) shrank.add(`${e.path} (${t.size} bytes read)`);
    const result = t.result;
    if (!result.ok && result.code === ERROR_SCAN_TIMEOUT) {
      ctx.warn(
        "truncated",
        `libyara's timeout passed while scanning ${e.path}; stopped after ${scanned} files to stay within the ${ctx.budgetSeconds}s scanner budget`,
      );
      break;
    }
    if (!result.ok) failed.add(`${e.path}: ${result.error}`);
    else if (result.tooManyMatches) tooMany.add(e.path);
    const found = result.matches;
    if (found.length === 0) continue;
    const drafts = found.slice(0, Math.max(0, MAX_MATCHES - matches)).map((m) =>
      draftFor(m, set, e.path, t.size, t.sha256)
    );
    matches += found.length;
    yield* drafts;
    if (matches > MAX_MATCHES) {
      ctx.warn("truncated", `more than ${MAX_MATCHES} matches; the rest are not listed`);
      break;
    }
  }
  if (tooLarge.count > 0) {
    ctx.warn(
      "truncated",
      `${tooLarge.count} file(s) over --yara-max-file-size ${ctx.config.yaraMaxFileSize} MiB not scanned, e.g. ${tooLarge.example}`,
    );
  }
  if (changed.count > 0) {
    ctx.warn(
      "file_changed",
      `${changed.count} file(s) replaced (by a symlink, a special or another file) between the walk and the read, not scanned, e.g. ${changed.example}`,
    );
  }
  if (shrank.count > 0) {
    ctx.warn(
      "file_changed",
      `${shrank.count} file(s) shrank while read; what was read was scanned, e.g. ${shrank.example}`,
    );
  }
  if (unreadable.count > 0) {
    ctx.warn("file_unreadable", `${unreadable.count} file(s) could not be read, e.g. ${unreadable.example}`);
  }
  if (failed.count > 0) {
    ctx.warn("yara_engine_error", `libyara could not scan ${failed.count} file(s), e.g. ${failed.example}`);
  }
  if (tooMany.count > 0) {
    ctx.warn(
      "yara_too_many_matches",
      `a string matched more often than libyara records in ${tooMany.count} file(s); rules using it may be missed, e.g. ${tooMany.example}`,
    );
  }
  if (scanner.callbackErrors > 0) {
    ctx.warn(
      "yara_engine_error",
      `${scanner.callbackErrors} match(es) could not be read: ${scanner.firstCallbackError}`,
    );
  }
  ctx.setMeta("yara", {
    engine: `${loaded.lib.path} (YARA ${loaded.lib.layout.releases} layout)`,
    rule_files: set.files,
    rules: set.rules.rules.length,
    roots: [...roots],
    files_scanned: scanned,
    matches: Math.min(matches, MAX_MATCHES),
  });
}

/** The yara scanner. */
export const yara: Scanner = { ...YARA_INFO, run };
