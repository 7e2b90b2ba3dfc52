/**
 * The shared bounded filesystem walker. Every file scanner walks the host through it: depth, entry and time
 * limits, one filesystem unless told otherwise, pseudo and network filesystems skipped, symlinks never followed,
 * FIFOs, sockets and devices never opened, and every limit hit reported as a warning.
 */
import type { Host } from "./host.ts";
import { devString, isRemoteFsType, isSkippedFsType, mountpointsByParent } from "./mountinfo.ts";
import { type FileKind, fromFileInfo, liveFsTypes } from "./open.ts";

/** The file type of a walked entry (from lstat: a symlink is a symlink, never its target). */
export type EntryKind = FileKind;

/** One walked entry with its lstat information. */
export interface WalkEntry {
  /** Absolute host path (as a scanner reports it; under `--root` relative to the root). */
  readonly path: string;
  /** The path to open on this system (under `--root` it lies inside the root). */
  readonly realPath: string;
  /** The last path component (for a walk root: its own name). */
  readonly name: string;
  /** 0 for a walk root, 1 for its entries, … */
  readonly depth: number;
  readonly kind: EntryKind;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly nlink: number;
  /** Modification time in ms since the epoch (null when the filesystem has none). */
  readonly mtime: number | null;
  /** Inode change time in ms since the epoch: when the mode (e.g. the set-id bit) or owner last changed. */
  readonly ctime: number | null;
}

/** Limits of one walk. Hitting any of them is a `truncated` warning. */
export interface WalkLimits {
  /** Directories deeper than this below a root are not entered. */
  maxDepth: number;
  /** Total entries examined (lstat'd) over all roots. */
  maxEntries: number;
  /** Entries read from one directory. */
  maxDirEntries: number;
  /** Wall-clock budget of the whole walk in milliseconds. */
  maxMillis: number;
}

/**
 * Defaults: generous enough for a whole root filesystem, small enough to bound a hostile tree. The depth is far
 * past any real tree (a set-uid copy planted 70 directories down was below the old 64 and went unseen) and
 * within what PATH_MAX lets a program reach by name.
 */
export const DEFAULT_WALK_LIMITS: WalkLimits = {
  maxDepth: 512,
  maxEntries: 2_000_000,
  maxDirEntries: 200_000,
  maxMillis: 120_000,
};

/** What a walk needs from its caller; a ScanContext fits. */
export interface WalkContext {
  readonly host: Host;
  warn(code: string, detail?: string): void;
  checkpoint(): Promise<void>;
}

/**
 * A bound that left part of a walk unexamined: a directory not entered for its depth (`depth`) or read only in
 * part (`dir_entries`), or the whole walk stopped (`entries`, `time`).
 */
export type WalkCutKind = "depth" | "dir_entries" | "entries" | "time";

/** One cut: its kind, the directory where it happened (the first, for depth and size), and what was said. */
export interface WalkCut {
  readonly kind: WalkCutKind;
  readonly path: string;
  readonly detail: string;
}

/** Options of one walk. */
export interface WalkOptions extends Partial<WalkLimits> {
  /**
   * Told of each cut instead of a `truncated` warning, for callers for which an unexamined part is a finding
   * (an intruder can build a tree past a bound to hide a file in it).
   */
  readonly onCut?: (cut: WalkCut) => void;
  /** Absolute host paths to walk; a symlinked root (e.g. /bin on merged-/usr) is resolved inside the scan root. */
  readonly roots: readonly string[];
  /** Stay on each root's filesystem (default true). When false, other local filesystems are entered. */
  readonly oneFilesystem?: boolean;
  /** Host paths for which this returns true are neither yielded nor entered (roots themselves excepted). */
  readonly prune?: (path: string) => boolean;
  /** Filesystem types not entered when crossing into them (in addition to pseudo and network ones). */
  readonly skipFsTypes?: ReadonlySet<string>;
  /** "major:minor" → filesystem type; read from the live /proc/self/mountinfo when absent. */
  readonly fsTypes?: ReadonlyMap<string, string>;
}

function toEntry(
  path: string,
  realPath: string,
  name: string,
  depth: number,
  info: Deno.FileInfo,
): WalkEntry {
  const st = fromFileInfo(info);
  return {
    path,
    realPath,
    name,
    depth,
    kind: st.kind,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    nlink: st.nlink,
    mtime: info.mtime?.getTime() ?? null,
    ctime: info.ctime?.getTime() ?? null,
  };
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** The message of a thrown value. */
export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Per-walk counters of things reported once at the end. */
class Tally {
  depthCut = 0;
  depthExample = "";
  dirCut = 0;
  dirExample = "";
  vanished = 0;
  denied = 0;
}

const MAX_DENIED_WARNINGS = 50;

/**
 * Walks the roots depth-first in name order and yields every entry (roots included). A directory reached
 * twice (a root inside another root, a bind-mount loop) is yielded and entered once. Never follows a
 * symlink, never opens anything but directories, never enters a pseudo or network filesystem, and stays on
 * each root's filesystem unless `oneFilesystem` is false. Unreadable directories, vanished entries, names
 * that are not valid UTF-8 and every limit hit become warnings on `ctx`.
 */
export async function* walk(ctx: WalkContext, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const limits: WalkLimits = {
    maxDepth: opts.maxDepth ?? DEFAULT_WALK_LIMITS.maxDepth,
    maxEntries: opts.maxEntries ?? DEFAULT_WALK_LIMITS.maxEntries,
    maxDirEntries: opts.maxDirEntries ?? DEFAULT_WALK_LIMITS.maxDirEntries,
    maxMillis: opts.maxMillis ?? DEFAULT_WALK_LIMITS.maxMillis,
  };
  const oneFs = opts.oneFilesystem ?? true;
  const fsTypes = opts.fsTypes ?? liveFsTypes();
  const prefix = ctx.host.isLive ? "" : ctx.host.root;
  const toHost = (real: string) => real.slice(prefix.length) || "/";
  const skippedDev = new Map<string, boolean>();
  const isSkippedDev = (dev: number, crossing: boolean): boolean => {
    const key = `${dev}:${crossing}`;
    let v = skippedDev.get(key);
    if (v === undefined) {
      const t = fsTypes.get(devString(dev));
      v = t !== undefined &&
        ((isSkippedFsType(t) && !(ctx.host.allowRemote && isRemoteFsType(t))) ||
          (crossing && opts.skipFsTypes?.has(t) === true));
      skippedDev.set(key, v);
    }
    return v;
  };
  const visited = new Set<string>();
  const tally = new Tally();
  const started = performance.now();
  let entries = 0;
  let stopped = false;

  const denied = (path: string, e: unknown) => {
    tally.denied++;
    if (tally.denied <= MAX_DENIED_WARNINGS) ctx.warn("perm_denied", `${path}: ${errMessage(e)}`);
  };

  const cut = (kind: WalkCutKind, path: string, detail: string) =>
    opts.onCut ? opts.onCut({ kind, path, detail }) : ctx.warn("truncated", detail);
  const remotePoints = ctx.host.remoteMountpoints();
  const remoteAt = mountpointsByParent(remotePoints);
  for (const root of opts.roots) {
    if (stopped) break;
    const real = ctx.host.resolve(root);
    if (remotePoints.some((p) => real === p || real.startsWith(p + "/"))) {
      ctx.warn("walk_skipped_fs", `${root}: on a remote or FUSE filesystem, not walked`);
      continue;
    }
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(real);
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) denied(root, e);
      else if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) {
        ctx.warn("walk_error", `${root}: ${errMessage(e)}`);
      }
      continue;
    }
    const rootPath = toHost(real);
    if (isSkippedDev(st.dev ?? 0, false)) {
      ctx.warn(
        "walk_skipped_fs",
        `${root}: on a ${fsTypes.get(devString(st.dev ?? 0))} filesystem, not walked`,
      );
      continue;
    }
    const stack: { entry: WalkEntry; enter: boolean }[] = [
      { entry: toEntry(rootPath, real, rootPath.slice(rootPath.lastIndexOf("/") + 1), 0, st), enter: true },
    ];
    while (stack.length > 0) {
      const { entry: dir, enter } = stack.pop()!;
      if (dir.kind !== "dir" || !enter) {
        yield dir;
        continue;
      }
      const key = `${dir.dev}:${dir.ino}`;
      if (visited.has(key)) continue;
      visited.add(key);
      yield dir;
      if (dir.depth >= limits.maxDepth) {
        if (tally.depthCut++ === 0) tally.depthExample = dir.path;
        continue;
      }
      const listed = ctx.host.readDir(dir.path, limits.maxDirEntries, {
        follow: false,
        expect: { dev: dir.dev, ino: dir.ino },
      });
      if (!listed.ok) {
        if (listed.reason === "denied") denied(dir.path, listed.message);
        else if (listed.reason === "remote") ctx.warn("walk_skipped_fs", listed.message);
        else if (listed.reason === "error") ctx.warn("walk_error", `${dir.path}: ${listed.message}`);
        else tally.vanished++;
        continue;
      }
      if (listed.truncated && tally.dirCut++ === 0) tally.dirExample = dir.path;
      const names = listed.value.map((e) => e.name);
      names.sort();
      const remoteHere = remoteAt.get(dir.realPath);
      const children: { entry: WalkEntry; enter: boolean }[] = [];
      for (const name of names) {
        if (++entries > limits.maxEntries) {
          cut("entries", dir.path, `walk stopped after ${limits.maxEntries} entries (at ${dir.path})`);
          stopped = true;
          break;
        }
        if ((entries & 0xff) === 0) {
          await ctx.checkpoint();
          if (performance.now() - started > limits.maxMillis) {
            cut("time", dir.path, `walk stopped after ${limits.maxMillis} ms (at ${dir.path})`);
            stopped = true;
            break;
          }
        }
        const path = join(dir.path, name);
        if (opts.prune?.(path)) continue;
        const realPath = join(dir.realPath, name);
        if (remoteHere?.has(name)) {
          ctx.warn("walk_skipped_fs", `${path}: a remote or FUSE filesystem, not walked`);
          continue;
        }
        let cst: Deno.FileInfo;
        try {
          cst = Deno.lstatSync(realPath);
        } catch (e) {
          if (e instanceof Deno.errors.NotFound && name.includes("\uFFFD")) {
            ctx.warn("name_not_utf8", `${path}: name is not valid UTF-8 and cannot be examined`);
          } else if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
            tally.vanished++;
          } else if (e instanceof Deno.errors.PermissionDenied) denied(path, e);
          else ctx.warn("walk_error", `${path}: ${errMessage(e)}`);
          continue;
        }
        const child = toEntry(path, realPath, name, dir.depth + 1, cst);
        const crosses = child.kind === "dir" && child.dev !== dir.dev;
        children.push({ entry: child, enter: !crosses || (!oneFs && !isSkippedDev(child.dev, true)) });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      if (stopped) break;
    }
  }
  if (tally.depthCut > 0) {
    cut(
      "depth",
      tally.depthExample,
      `${tally.depthCut} director${
        tally.depthCut === 1 ? "y" : "ies"
      } deeper than ${limits.maxDepth} not entered (e.g. ${tally.depthExample})`,
    );
  }
  if (tally.dirCut > 0) {
    cut(
      "dir_entries",
      tally.dirExample,
      `${tally.dirCut} director${
        tally.dirCut === 1 ? "y" : "ies"
      } with more than ${limits.maxDirEntries} entries read partly (e.g. ${tally.dirExample})`,
    );
  }
  if (tally.denied > MAX_DENIED_WARNINGS) {
    ctx.warn("perm_denied", `${tally.denied - MAX_DENIED_WARNINGS} more unreadable entries`);
  }
  if (tally.vanished > 0) ctx.warn("vanished", `${tally.vanished} entries vanished while the walk read them`);
}
