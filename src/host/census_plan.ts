/**
 * Census scope planning: resolves the scopes' roots inside the scan root, decides which roots are walked (and
 * warns about the ones that cannot be), whether other users can reach each, and the settings every walker
 * gets. Also the one pair of conversions between host paths (as reports show them) and real paths (to open).
 */
import type { ScopeData, WalkerSettings } from "./census_data.ts";
import type { CensusLimits, CensusSpec, CensusWarning } from "./census_types.ts";
import type { Host } from "./host.ts";
import { errMessage } from "./walker.ts";
import { devString, isRemoteFsType, isSkippedFsType } from "./mountinfo.ts";

/** A filesystem type the census does not enter: pseudo ones, and remote ones unless the Host allows them. */
function skippedType(host: Host, fstype: string): boolean {
  return isSkippedFsType(fstype) && !(host.allowRemote && isRemoteFsType(fstype));
}

/** A walk root as planned: where it is, whether others can reach it, and its identity. */
export interface PlannedRoot {
  hostPath: string;
  real: string;
  reach: boolean;
  /** "dev:ino" of a directory root: walkers that meet it inside another root leave it to its own task. */
  key: string | undefined;
}

function depthOf(path: string): number {
  return path === "/" ? 0 : path.split("/").length - 1;
}

/** The directory above a host path ("/" for "/" and its entries). */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Where the scan root lies on this system: "" on the live host. */
export function prefixOf(host: Host): string {
  return host.isLive ? "" : host.root;
}

/** The real path (to open on this system) of a host path. */
export function toReal(prefix: string, hostPath: string): string {
  return hostPath === "/" && prefix !== "" ? prefix : prefix + hostPath;
}

/** The host path (as reports show it) of a real path. */
export function toHostPath(prefix: string, real: string): string {
  return real.slice(prefix.length) || "/";
}

/** True when other users can search `dir` and every directory above it (lstat inside the root). */
function reachFn(host: Host): (dir: string) => boolean {
  const memo = new Map<string, boolean>();
  const of = (dir: string): boolean => {
    const known = memo.get(dir);
    if (known !== undefined) return known;
    const st = host.lstat(dir);
    const v = st.ok && ((st.value.mode ?? 0) & 0o001) !== 0 && (dir === "/" || of(parentOf(dir)));
    memo.set(dir, v);
    return v;
  };
  return of;
}

/** The scopes with their roots resolved inside the scan root, as host paths. */
export function resolveScopes(host: Host, spec: CensusSpec): Map<string, ScopeData> {
  const prefix = prefixOf(host);
  return new Map(spec.scopes.map((s) => [s.name, {
    roots: s.roots.map((r) => toHostPath(prefix, host.resolve(r))),
    pruneDirs: [...s.pruneDirs],
    pruneSubstrings: [...s.pruneSubstrings],
  }]));
}

/** The walk roots (each once, shallowest first); roots that are absent or on a skipped filesystem are dropped. */
export function planRoots(
  host: Host,
  scopes: ReadonlyMap<string, ScopeData>,
  fsTypes: ReadonlyMap<string, string>,
  warn: (w: CensusWarning) => void,
): PlannedRoot[] {
  const prefix = prefixOf(host);
  const reachOf = reachFn(host);
  const out = new Map<string, PlannedRoot>();
  const roots = new Set([...scopes.values()].flatMap((s) => s.roots));
  for (const root of roots) {
    const real = toReal(prefix, root);
    const remote = host.remoteMountpoints().find((p) => real === p || real.startsWith(p + "/"));
    if (remote !== undefined) {
      warn({
        code: "walk_skipped_fs",
        detail: `${root}: on a remote or FUSE filesystem, not walked`,
        path: root,
      });
      continue;
    }
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(real);
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) {
        warn({ code: "perm_denied", detail: `${root}: ${errMessage(e)}`, path: root });
      } else if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) {
        warn({ code: "walk_error", detail: `${root}: ${errMessage(e)}`, path: root });
      }
      continue;
    }
    const type = fsTypes.get(devString(st.dev ?? 0));
    if (type !== undefined && skippedType(host, type)) {
      warn({ code: "walk_skipped_fs", detail: `${root}: on a ${type} filesystem, not walked`, path: root });
      continue;
    }
    out.set(root, {
      hostPath: root,
      real,
      reach: root === "/" || reachOf(parentOf(root)),
      key: st.isDirectory ? `${st.dev}:${st.ino}` : undefined,
    });
  }
  return [...out.values()].sort((a, b) => depthOf(a.hostPath) - depthOf(b.hostPath));
}

/** What every walker (on this thread or in a worker) is told: limits, skipped devices, roots and scopes. */
export function settingsFor(
  host: Host,
  spec: CensusSpec,
  scopes: ReadonlyMap<string, ScopeData>,
  roots: readonly PlannedRoot[],
  limits: CensusLimits,
  fsTypes: ReadonlyMap<string, string>,
): WalkerSettings {
  const prefix = prefixOf(host);
  const real = (p: string) => toReal(prefix, p);
  const skip = new Set(spec.skipFsTypes);
  const settings: WalkerSettings = {
    maxDepth: limits.maxDepth,
    maxDirEntries: limits.maxDirEntries,
    maxHits: limits.maxHits,
    xattr: spec.xattr,
    skipDevs: [...fsTypes].filter(([, t]) => skippedType(host, t) || skip.has(t)).map(([dev]) => dev),
    remoteMounts: [...host.remoteMountpoints()],
    rootKeys: roots.flatMap((r) => r.key === undefined ? [] : [r.key]),
    scopes: [...scopes.values()].map((s) => ({
      roots: s.roots.map(real),
      pruneDirs: s.pruneDirs.map(real),
      pruneSubstrings: s.pruneSubstrings,
    })),
  };
  return settings;
}
