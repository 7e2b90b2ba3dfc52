/**
 * Where a file seen by a process in another mount namespace really is, and whose root counts as root there.
 *
 * Two ways a namespace could launder a location, both closed here:
 * - The ids root is mapped to in the process's user namespace count as root only when that namespace was made
 *   by root (a rootful container with id mapping). Any user can `unshare -Urm`: root inside then maps to that
 *   user, and counting it as root would call every file the user owns "system".
 * - A path is judged twice: by its name inside the namespace (under /proc/<pid>/root), and by where its mount
 *   comes from (the mount's device and root in /proc/<pid>/mountinfo, found among the scanner's own mounts and
 *   confirmed by device and inode), and the worse location wins. A /tmp file bind-mounted on /usr/local/lib
 *   inside the namespace is the /tmp file.
 */
import type { ScanContext } from "../../core/context.ts";
import type { Location, LocationKind, RootIds } from "../../host/location.ts";
import { ROOT_IDS } from "../../host/location.ts";
import { type MountEntry, parseMountinfo } from "../../host/mountinfo.ts";
import { mappedRootId } from "../../host/proc_stat.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { userNsOwner } from "../../host/userns.ts";
import type { OriginLocation } from "./common.ts";

/** Bytes of a mountinfo read (a host with tens of thousands of mounts stays under it). */
const MOUNTINFO_BYTES = 16 << 20;

const WORST_FIRST: readonly LocationKind[] = ["world_writable", "temp", "home", "user_writable", "system"];

/** The worse of two judged locations (the first when they tie). */
export function worseLocation(a: Location, b: Location): Location {
  return WORST_FIRST.indexOf(b.kind) < WORST_FIRST.indexOf(a.kind) ? b : a;
}

/** The mount a path lies on: the longest mount point above it, the last mounted when several share one. */
function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    const on = mp === "/" || path === mp || path.startsWith(mp + "/");
    if (on && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  return best;
}

const join = (a: string, b: string) => (a.endsWith("/") ? a.slice(0, -1) : a) + (b === "" ? "" : b);

/** Per-scan view of other mount namespaces: root ids by pid, mount tables by namespace. */
export class NamespacePaths {
  readonly #rootIds = new Map<number, RootIds>();
  readonly #mounts = new Map<string, MountEntry[] | null>();
  #own: MountEntry[] | null | undefined;

  constructor(readonly ctx: ScanContext) {}

  /**
   * The ids counted as root for files of `p` seen under `prefix`: root alone, plus the ids root is mapped to in
   * its user namespace when root made that namespace (see the module comment).
   */
  rootIds(p: ProcessInfo, prefix: string): RootIds {
    if (prefix === "") return ROOT_IDS;
    const cached = this.#rootIds.get(p.pid);
    if (cached) return cached;
    let ids = ROOT_IDS;
    if (userNsOwner(p.pid) === 0) {
      const mapped = (file: string) => {
        const r = this.ctx.host.readText(`/proc/${p.pid}/${file}`, 64 << 10);
        const id = r.ok ? mappedRootId(r.value) : undefined;
        return id === undefined || id === 0 ? [0] : [0, id];
      };
      ids = { uids: mapped("uid_map"), gids: mapped("gid_map") };
    }
    this.#rootIds.set(p.pid, ids);
    return ids;
  }

  #table(key: string, path: string): MountEntry[] | null {
    if (!this.#mounts.has(key)) {
      const r = this.ctx.host.readText(path, MOUNTINFO_BYTES);
      this.#mounts.set(key, r.ok ? parseMountinfo(r.value).mounts : null);
    }
    return this.#mounts.get(key)!;
  }

  /**
   * Where `path`, as `p` sees it, is on the scanner's own mounts: the source of the mount it lies on, mapped
   * through a mount of the same device whose root holds it, and confirmed to be the same file (device and
   * inode). Undefined when the file is gone or its filesystem is not mounted where the scanner can see it.
   */
  origin(p: ProcessInfo, path: string, prefix: string): string | undefined {
    if (prefix === "") return undefined;
    const theirs = this.#table(p.namespaces.mnt ?? `pid:${p.pid}`, `/proc/${p.pid}/mountinfo`);
    this.#own ??= this.#table("self", "/proc/self/mountinfo");
    if (theirs === null || this.#own === null) return undefined;
    const m = mountOf(theirs, path);
    if (m?.root === undefined || m.device === undefined) return undefined;
    const inFs = join(m.root, m.mountpoint === "/" ? path : path.slice(m.mountpoint.length));
    const seen = this.ctx.host.stat(prefix + path);
    if (!seen.ok) return undefined;
    for (const h of this.#own) {
      if (h.device !== m.device || h.root === undefined) continue;
      if (!(h.root === "/" || inFs === h.root || inFs.startsWith(h.root + "/"))) continue;
      const candidate = join(h.mountpoint, h.root === "/" ? inFs : inFs.slice(h.root.length)) || "/";
      const st = this.ctx.host.stat(candidate);
      if (st.ok && st.value.dev === seen.value.dev && st.value.ino === seen.value.ino) return candidate;
    }
    return undefined;
  }
}

/** What judging a process's file needs: the location judge and the namespace view of the scan. */
export interface NsJudgeEnv {
  judge: { judge(path: string, prefix?: string, rootIds?: RootIds): Location };
  ns: NamespacePaths;
}

/**
 * Judges a file of `p` (seen under `prefix`): by its name inside the process's namespace and, for another
 * mount namespace, by where its mount comes from; the worse wins. `origin` is set when the latter decided.
 */
export function judgeProcessFile(
  env: NsJudgeEnv,
  p: ProcessInfo,
  path: string,
  prefix: string,
): OriginLocation {
  const rootIds = env.ns.rootIds(p, prefix);
  const inside = env.judge.judge(path, prefix, rootIds);
  const origin = env.ns.origin(p, path, prefix);
  if (origin === undefined) return inside;
  const there = env.judge.judge(origin, "", rootIds);
  if (worseLocation(inside, there) === inside) return inside;
  return origin === path ? there : { ...there, origin };
}
