/**
 * suid_sgid: every set-user-id and set-group-id file on the host, with owner, mode, size, SHA-256 and owning
 * package; expected ones (stock distribution paths owned by a package, or listed by the user) pass, the rest
 * are rated by where they live and what the program can do.
 */
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft, Metadata } from "../core/finding.ts";
import type { Severity } from "../core/severity.ts";
import type { Scanner } from "../core/scanner.ts";
import { dpkgOwners, mergeDpkgScans, type PackageOwners, scanDpkgLists } from "../host/dpkg_db.ts";
import type { ReadOutcome } from "../host/host.ts";
import { digestEntry } from "../host/entry_io.ts";
import { loadRpmOwners } from "../host/rpm_db.ts";
import type { WalkEntry } from "../host/walker.ts";
import { readTrustedInput } from "../host/trusted_files.ts";
import { LocationJudge, pathLocation, worldWritableAncestor, writerText } from "../host/location.ts";
import { entryTimes, type IdNames, isSetidProgram, loadIdNames, octalMode } from "./fs_common.ts";
import { censusCuts, fsCensus, reportCensusWarnings, stockSetidOwners, SUID_SGID } from "./fs_census.ts";
import { EXPECTED_SETID_PATHS, isShellEscapeProgram } from "./suid_expected.ts";
import { SUID_SGID_INFO } from "./info/suid_sgid.ts";

/** Files larger than this are hashed over their first bytes only (`sha256_truncated`). */
export const HASH_CAP = 64 << 20;
const MAX_EXPECTED_FILE = 1 << 20;

/** Parses an expected-paths file: one absolute path per line, `#` comments and blank lines ignored. */
export function parseExpectedFile(text: string): { paths: string[]; bad: string[] } {
  const paths: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("/")) paths.push(line);
    else bad.push(line);
  }
  return { paths, bad };
}

function userExpected(ctx: ScanContext): Set<string> {
  const out = new Set(ctx.config.suidExpected.filter((p) => p.startsWith("/")));
  for (const p of ctx.config.suidExpected) {
    if (!p.startsWith("/")) {
      ctx.warn("suid_expected_invalid", `--suid-expected entry "${p}" is not an absolute path`);
    }
  }
  const file = ctx.config.suidExpectedFile;
  if (file === undefined) return out;
  const read = readTrustedInput("--suid-expected-file", file, MAX_EXPECTED_FILE);
  if (!read.ok) {
    ctx.warn("suid_expected_file_unreadable", `${read.message}; its paths are not treated as expected`);
    return out;
  }
  const text = read.text;
  const parsed = parseExpectedFile(text);
  for (const p of parsed.paths) out.add(p);
  if (parsed.bad.length > 0) {
    ctx.warn(
      "suid_expected_invalid",
      `--suid-expected-file ${file}: ${parsed.bad.length} line(s) are not absolute paths (e.g. "${
        parsed.bad[0]
      }")`,
    );
  }
  return out;
}

function bits(e: WalkEntry): string {
  const out: string[] = [];
  if ((e.mode & 0o4000) !== 0) out.push("setuid");
  if ((e.mode & 0o2000) !== 0) out.push("setgid");
  return out.join(",");
}

interface Rating {
  check: string;
  severity?: Severity;
  reason: string;
  passed?: boolean;
}

/** Who other than root can replace a set-id file or a directory above it, in words; undefined when no one. */
function userWriter(judge: LocationJudge, names: IdNames, path: string): string | undefined {
  const loc = judge.userWritable(path);
  return loc && writerText(loc, names);
}

/** Decides which check a set-id file falls under and how severe it is. */
function rate(
  e: WalkEntry,
  pkg: string | null,
  dbAvailable: boolean,
  userListed: boolean,
  wwAncestor: string | undefined,
  writer: string | undefined,
): Rating {
  const setuidRoot = (e.mode & 0o4000) !== 0 && e.uid === 0;
  const loc = pathLocation(e.path);
  if (loc !== undefined) return { check: "suid.file.writable_location", reason: `in a ${loc} directory` };
  if (wwAncestor !== undefined) {
    return { check: "suid.file.writable_location", reason: `directory ${wwAncestor} is world-writable` };
  }
  if ((e.mode & 0o002) !== 0) {
    return { check: "suid.file.writable_location", reason: "the file is world-writable" };
  }
  if (writer !== undefined) return { check: "suid.file.writable_location", reason: writer };
  if (userListed) return { check: "suid.file.unexpected", passed: true, reason: "listed by --suid-expected" };
  if (isShellEscapeProgram(e.name)) {
    return {
      check: "suid.file.shell_escape",
      severity: setuidRoot ? "critical" : "high",
      reason: setuidRoot ? "setuid-root shell-escape program" : "set-id shell-escape program",
    };
  }
  if (EXPECTED_SETID_PATHS.has(e.path)) {
    if (!dbAvailable) {
      return { check: "suid.file.unexpected", passed: true, reason: "stock path (no package database)" };
    }
    if (pkg !== null) {
      return { check: "suid.file.unexpected", passed: true, reason: `stock path, package ${pkg}` };
    }
    return { check: "suid.file.unpackaged", reason: "stock path but no package owns this file" };
  }
  if (dbAvailable && pkg === null) {
    return { check: "suid.file.unpackaged", reason: "no package owns this file" };
  }
  if (pkg !== null) {
    return {
      check: "suid.file.unexpected",
      severity: "low",
      reason: `installed by package ${pkg}, not on the stock list`,
    };
  }
  return { check: "suid.file.unexpected", reason: "not on the stock list (no package database to check)" };
}

/**
 * dpkg owners of the found set-id files: the stock ones were looked up while the census walked; only
 * files off the stock list cost a second pass over the lists.
 */
async function dpkgSetidOwners(
  ctx: ScanContext,
  paths: ReadonlySet<string>,
): Promise<ReadOutcome<PackageOwners> & { problems?: string[] }> {
  const stock = await stockSetidOwners(ctx);
  if (!stock.ok) return stock;
  const missing = [...paths].filter((p) => stock.value.sought?.has(p) === false);
  let scan = stock.value;
  if (missing.length > 0) {
    const more = await scanDpkgLists(ctx.host, new Set(missing));
    if (!more.ok) return more;
    scan = mergeDpkgScans(scan, more.value);
  }
  return dpkgOwners(ctx.host, scan);
}

async function loadOwners(ctx: ScanContext, paths: ReadonlySet<string>): Promise<PackageOwners | undefined> {
  const loaders = [
    ["dpkg", () => dpkgSetidOwners(ctx, paths)],
    ["rpm", () => Promise.resolve(loadRpmOwners(ctx.host))],
  ] as const;
  for (const [name, load] of loaders) {
    const r = await load();
    if (!r.ok) {
      if (r.reason !== "missing") ctx.warn("package_db_unreadable", r.message);
      continue;
    }
    if (r.truncated) {
      ctx.warn("truncated", `${name} database larger than the read caps; some owners may be missing`);
    }
    for (const p of r.problems?.slice(0, 5) ?? []) ctx.warn("package_db_unreadable", p);
    return r.value;
  }
  return undefined;
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const expected = userExpected(ctx);
  const census = await fsCensus(ctx);
  reportCensusWarnings(ctx, census, [SUID_SGID]);
  yield* censusCuts(census, [SUID_SGID], "suid.census.incomplete", "set-id files");
  const found = new Map<string, WalkEntry>();
  for (const e of census.entries) {
    if (e.kind === "file" && isSetidProgram(e.mode) && census.wants(SUID_SGID, e.path)) found.set(e.path, e);
  }
  const owners = await loadOwners(ctx, new Set(found.keys()));
  if (owners === undefined) {
    ctx.warn(
      "no_package_db",
      "no dpkg or rpm (sqlite) database: stock SUID/SGID paths are accepted without checking their owner",
    );
  }
  const names = loadIdNames(ctx.host);
  const judge = new LocationJudge(ctx.host);
  for (const e of found.values()) {
    const pkg = owners?.ownerOf(e.path) ?? null;
    const recorded = owners?.digestOf(e.path);
    const algorithms = recorded && recorded.algorithm !== "sha256"
      ? ["sha256", recorded.algorithm]
      : ["sha256"];
    const hash = digestEntry(ctx.host, e, HASH_CAP, algorithms);
    if (!hash.ok) ctx.warn("hash_failed", hash.message);
    const digestOk = recorded === undefined || !hash.ok || hash.truncated
      ? null
      : hash.value[recorded.algorithm] === recorded.hex.toLowerCase();
    const rated = rate(
      e,
      pkg,
      owners !== undefined,
      expected.has(e.path),
      worldWritableAncestor(ctx.host, e.path),
      userWriter(judge, names, e.path),
    );
    const r: Rating = digestOk === false && rated.check !== "suid.file.writable_location"
      ? {
        check: "suid.file.modified",
        reason: `content differs from the ${recorded!.algorithm} package ${pkg} recorded`,
      }
      : rated;
    const metadata: Metadata = {
      path: e.path,
      bits: bits(e),
      setuid: (e.mode & 0o4000) !== 0,
      setgid: (e.mode & 0o2000) !== 0,
      mode: octalMode(e.mode),
      uid: e.uid,
      owner: names.user(e.uid),
      gid: e.gid,
      group: names.group(e.gid),
      size: e.size,
      nlink: e.nlink,
      ...entryTimes(e),
      sha256: hash.ok ? hash.value.sha256 : null,
      sha256_truncated: hash.ok && hash.truncated,
      package: pkg,
      package_digest_ok: digestOk,
      expected: r.passed === true,
      reason: r.reason,
    };
    yield {
      check_id: r.check,
      subject: e.path,
      passed: r.passed,
      severity: r.severity,
      description: `${e.path} is ${bits(e)} (mode ${octalMode(e.mode)}, owner ${
        names.user(e.uid) ?? e.uid
      }): ${r.reason}.`,
      metadata,
      location: { path: e.path },
    };
    await ctx.checkpoint();
  }
}

/** The suid_sgid scanner. */
export const suidSgid: Scanner = { ...SUID_SGID_INFO, run };
