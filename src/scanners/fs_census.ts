/**
 * The filesystem census as the file scanners share it: `world_writable` and `suid_sgid` look at the same
 * trees, so one census walks the roots of every one of them that runs in this scan, once, and each takes
 * the entries inside its own scope. Both are heavy scanners (they take turns with YARA and package
 * verification), so the census workers' memory never adds up with theirs.
 */
import type { Config } from "../core/config.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import { yieldToEventLoop } from "../host/yield.ts";
import { type Census, type CensusScope, MAX_CENSUS_THREADS, runCensus } from "../host/census.ts";
import { type DpkgScan, scanDpkgLists } from "../host/dpkg_db.ts";
import type { ReadOutcome } from "../host/host.ts";
import { DEFAULT_WALK_LIMITS } from "../host/walker.ts";
import { SYSTEM_DIRS, under } from "../host/location.ts";
import { IMAGE_FS_TYPES, IMAGE_STORAGE } from "./fs_common.ts";
import { EXPECTED_SETID_PATHS } from "./suid_expected.ts";
import { WORLD_WRITABLE } from "./world_writable/checks.ts";

/** Name of the suid_sgid scanner (and of its census scope). */
export const SUID_SGID = "suid_sgid";
/** The census scope of world_writable's temp-directory checks. */
export const WW_SCRATCH_SCOPE = "world_writable:scratch";

/**
 * System trees where a writable file is a risk (symlinked ones, e.g. /bin on merged-/usr, are walked once),
 * including local filesystems mounted below them (a separate /var/log or /usr/local); pseudo, network and
 * image filesystems are not entered.
 */
export const DEFAULT_WW_ROOTS = [...SYSTEM_DIRS, "/var", "/root"];
/** Inside the roots but not walked: scratch and session directories, and container and image storage. */
export const DEFAULT_WW_PRUNE = ["/var/tmp", "/var/crash", "/var/lib/php/sessions", ...IMAGE_STORAGE];
/**
 * Looked at for set-id interpreters, file capabilities and set-id hard links only: writable files are
 * normal there. /home only with --fs-hygiene.
 */
export const SCRATCH_ROOTS = ["/tmp", "/var/tmp", "/dev/shm"];
/**
 * suid_sgid's default: the root filesystem and the local filesystems mounted below it (tmpfs /tmp,
 * /run/user, a separate /home), plus /dev/shm under the skipped devtmpfs; container and image storage is
 * left out.
 */
export const DEFAULT_SUID_ROOTS = ["/", "/dev/shm"];

/** Rootless container storage in a home directory: image layers, not this host's files. */
const USER_IMAGE_STORAGE = "/.local/share/containers/storage/";

/** `dirs` without those that contain an explicitly given root (walking a root inside one is a request). */
function activePrune(dirs: readonly string[], roots: readonly string[]): string[] {
  return dirs.filter((d) => !roots.some((r) => under(r, d)));
}

/** world_writable's two scopes: system trees (every check) and temp directories (privilege checks only). */
export function worldWritableScopes(config: Config): CensusScope[] {
  const extra = config.worldWritableDirs;
  const excludes = config.worldWritableExclude;
  const roots = [...DEFAULT_WW_ROOTS, ...extra];
  const scratch = config.fsHygiene ? [...SCRATCH_ROOTS, "/home"] : SCRATCH_ROOTS;
  return [
    {
      name: WORLD_WRITABLE,
      roots,
      pruneDirs: activePrune(DEFAULT_WW_PRUNE, extra),
      pruneSubstrings: [...excludes, USER_IMAGE_STORAGE],
    },
    {
      name: WW_SCRATCH_SCOPE,
      roots: scratch,
      pruneDirs: [...IMAGE_STORAGE],
      pruneSubstrings: [...excludes, USER_IMAGE_STORAGE],
    },
  ];
}

/** suid_sgid's scope: `--suid-dirs` or the whole local filesystem. */
export function suidScope(config: Config): CensusScope {
  const roots = config.suidDirs.length > 0 ? config.suidDirs : DEFAULT_SUID_ROOTS;
  return {
    name: SUID_SGID,
    roots,
    pruneDirs: activePrune(IMAGE_STORAGE, roots),
    pruneSubstrings: [USER_IMAGE_STORAGE],
  };
}

/**
 * The census every file scanner of this scan shares: started by the first one to ask, covering the scopes of
 * all of them (those in `ctx.shared.scanners`, and the asking one), cancelled when the scan is over. Its
 * time limit is most of the asking scanner's budget, so a cut-short walk still reports what it found.
 */
export function fsCensus(ctx: ScanContext): Promise<Census> {
  const users = new Set([...ctx.shared.scanners, ctx.scanner]);
  const scopes = [
    ...(users.has(WORLD_WRITABLE) ? worldWritableScopes(ctx.config) : []),
    ...(users.has(SUID_SGID) ? [suidScope(ctx.config)] : []),
  ];
  const maxMillis = Math.max(1000, Math.min(DEFAULT_WALK_LIMITS.maxMillis, ctx.budgetSeconds * 800));
  const threads = ctx.config.parallelThreads;
  const spec = {
    scopes,
    xattr: users.has(WORLD_WRITABLE),
    skipFsTypes: [...IMAGE_FS_TYPES],
    limits: { maxMillis },
    // --parallel-threads N caps the census's threads too (1: the walk stays on this thread).
    ...(threads > 0 ? { threads: Math.min(threads, MAX_CENSUS_THREADS) } : {}),
  };
  const census = ctx.shared.memo(`fs-census ${JSON.stringify(spec)}`, () => {
    const cancel = new AbortController();
    ctx.shared.onDispose(() => cancel.abort());
    // While this thread walks, the scanner that started the census is the one a blocked walk is blamed on.
    return runCensus(ctx.host, { ...spec, onActive: () => ctx.onActive?.() }, cancel.signal).then((c) => {
      ctx.setMeta("census", {
        backend: c.backend,
        workers: c.workers,
        examined: c.examined,
        kept: c.entries.length,
      });
      return c;
    });
  });
  // suid_sgid looks up the owners of the set-id files found; for the stock ones that pass over dpkg's lists
  // is made now, while the census walks.
  if (users.has(SUID_SGID)) stockSetidOwners(ctx);
  return census;
}

/**
 * The dpkg owners of the stock set-id paths, looked up once per scan in slices that leave the thread to
 * other work in between (the lists are not kept: only the owners found).
 */
export function stockSetidOwners(ctx: ScanContext): Promise<ReadOutcome<DpkgScan>> {
  return ctx.shared.memo(
    "dpkg-stock-setid",
    () => scanDpkgLists(ctx.host, EXPECTED_SETID_PATHS, yieldToEventLoop),
  );
}

/**
 * Copies the census warnings about the scanner's scopes (and those about no place) into its warnings, but for
 * the bounds that left part of the scopes unexamined: those are `censusCuts` findings.
 */
export function reportCensusWarnings(ctx: ScanContext, census: Census, scopes: readonly string[]): void {
  for (const w of census.warningsFor(scopes)) if (w.cut === undefined) ctx.warn(w.code, w.detail);
}

/**
 * One `checkId` finding per bound that left part of the scopes unexamined (a directory too large or too deep,
 * the walk's entry or time budget): what the census did not see is not clean, and an intruder can build such a
 * tree to hide a file in it. `looking` names what was looked for ("set-id files").
 */
export function* censusCuts(
  census: Census,
  scopes: readonly string[],
  checkId: string,
  looking: string,
): Generator<FindingDraft> {
  for (const w of census.warningsFor(scopes)) {
    if (w.cut === undefined) continue;
    yield {
      check_id: checkId,
      subject: `census:${w.cut}${w.path === undefined ? "" : `:${w.path}`}`,
      description: `The filesystem walk was cut short: ${w.detail}; ${looking} there were not examined.`,
      metadata: { cut: w.cut, detail: w.detail, ...(w.path === undefined ? {} : { path: w.path }) },
      ...(w.path === undefined ? {} : { location: { path: w.path } }),
    };
  }
}
