/**
 * Where a file lives, and who can change it: the one location classifier of the project, used by the scanners
 * (ioc, suid_sgid, world_writable, persistence, network) and the trace.
 *
 * Two ways in, one set of lists:
 * - `pathLocation` judges a path by name alone (temporary trees, users' homes), for callers that have no file
 *   to look at (a trace record of a process that is gone, a walked entry already judged by its own mode).
 * - `LocationJudge` judges a path on a host by the permissions of the file and of every directory above it
 *   (lstat through the Host, root-relative), so a world-writable directory that is not named /tmp counts and a
 *   read-only one named /tmp does not.
 */
import { type Host, pathComponents } from "./host.ts";
import type { ProcessInfo } from "./proc_types.ts";
import type { PasswdEntry } from "./proc_users.ts";

/** Temporary trees anyone (or any session) can drop files into. */
export const TEMP_DIRS: readonly string[] = [
  "/tmp",
  "/var/tmp",
  "/dev/shm",
  "/run/shm",
  "/run/user",
  "/var/crash",
  "/dev/mqueue",
];

/** The system trees: what the distribution's packages install (a set-id hard link outside them is odd). */
export const SYSTEM_DIRS: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/opt",
  "/boot",
  "/etc",
];

/**
 * The directories below `SYSTEM_DIRS` where packages put daemons and programs. A program must sit directly in
 * one of them to count as the stock program of its name (a `dhclient` in /opt/x or /etc is not one).
 */
export const PROGRAM_DIRS: readonly string[] = [
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
  "/usr/lib/systemd",
  "/lib/systemd",
  "/usr/libexec",
  "/usr/lib/NetworkManager",
];

/** True when `path` is `dir` or lies below it. */
export function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + "/");
}

/** True when `path` lies strictly below `dir` (is something inside it, not the directory itself). */
export function inside(path: string, dir: string): boolean {
  return dir === "/" ? path.length > 1 && path.startsWith("/") : path.startsWith(dir + "/");
}

/** True when the file `path` sits directly in one of `PROGRAM_DIRS`. */
export function inProgramDir(path: string): boolean {
  const slash = path.lastIndexOf("/");
  return slash > 0 && PROGRAM_DIRS.includes(path.slice(0, slash));
}

/**
 * True when a process is one of `names`, running from a program directory (`PROGRAM_DIRS`), with its executable
 * still on disk: a look-alike in /tmp, a deleted binary or a memfd never counts as expected.
 */
export function isExpectedProgram(p: ProcessInfo, names: ReadonlySet<string>): boolean {
  if (p.exe === null || p.exeDeleted || p.exeMemfd) return false;
  return inProgramDir(p.exe) && names.has(p.exe.slice(p.exe.lastIndexOf("/") + 1));
}

const DEFAULT_HOME = /^(\/root|\/home\/[^/]+)\/./;

/**
 * The home directory `path` lies inside, or undefined: root's home (/root), any directory directly in /home,
 * and any of `homes` (users' homes from the password file). A file directly in /home is not in a home.
 */
export function homeOf(path: string, homes: readonly string[] = []): string | undefined {
  const listed = homes.filter((h) => inside(path, h))
    .reduce<string | undefined>((a, h) => a === undefined || h.length > a.length ? h : a, undefined);
  return listed ?? DEFAULT_HOME.exec(path)?.[1];
}

/** "temp" or "home" when an absolute path lies inside a temporary tree or a user's home, by name alone. */
export function pathLocation(path: string, homes: readonly string[] = []): "temp" | "home" | undefined {
  if (TEMP_DIRS.some((d) => inside(path, d))) return "temp";
  if (homeOf(path, homes) !== undefined) return "home";
  return undefined;
}

/** Home directories of login users (root and uid ≥ 1000, not nobody) from the password file. */
export function homeDirs(entries: readonly PasswdEntry[]): string[] {
  const homes = new Set<string>();
  for (const e of entries) {
    if (e.uid !== 0 && (e.uid < 1000 || e.uid === 65534)) continue;
    const comps = pathComponents(e.home);
    if (comps.length === 0 || e.home.startsWith("/nonexistent") || e.home.startsWith("/var/")) continue;
    homes.add("/" + comps.join("/"));
  }
  return [...homes].sort();
}

/** The parent directories of an absolute path, nearest first ("/a/b/c" → "/a/b", "/a", "/"). */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  let p = path;
  while (p !== "/" && p !== "") {
    p = p.slice(0, p.lastIndexOf("/")) || "/";
    out.push(p);
  }
  return out;
}

/** True when a non-root user can change a directory's entries: world-writable, non-root group-writable or owner. */
export function writableByOthers(mode: number, uid: number, gid: number): boolean {
  return uid !== 0 || (mode & 0o002) !== 0 || ((mode & 0o020) !== 0 && gid !== 0);
}

/** The nearest world-writable ancestor directory of `path` (lstat, inside the root), or undefined. */
export function worldWritableAncestor(host: Host, path: string): string | undefined {
  for (const dir of ancestors(path)) {
    const st = host.lstat(dir);
    if (st.ok && st.value.isDirectory && ((st.value.mode ?? 0) & 0o002) !== 0) return dir;
  }
  return undefined;
}

/** The kind of location, worst first. */
export type LocationKind = "world_writable" | "temp" | "home" | "user_writable" | "system";

/** A judged location. */
export interface Location {
  kind: LocationKind;
  /** What made it so: the world-writable, user-owned or group-writable file or directory, or the home. */
  because?: string;
  /** Octal mode of `because` when a permission decided. */
  mode?: string;
  /** user_writable: the non-root owner of `because`. */
  uid?: number;
  /** user_writable: the non-root group that may write `because`. */
  gid?: number;
}

/** The owners counted as root: uid and gid 0, plus the ids root is mapped to in a process's user namespace. */
export interface RootIds {
  uids: readonly number[];
  gids: readonly number[];
}

/** Root alone. */
export const ROOT_IDS: RootIds = { uids: [0], gids: [0] };

/** Who else can change a path, in words ("/opt/app is owned by uid 33 (www-data)"). */
export function writerText(
  loc: Location,
  names?: { user(uid: number): string | null; group(gid: number): string | null },
): string {
  const name = (n: string | null | undefined) => n ? ` (${n})` : "";
  if (loc.uid !== undefined) return `${loc.because} is owned by uid ${loc.uid}${name(names?.user(loc.uid))}`;
  if (loc.gid !== undefined) {
    return `${loc.because} is writable by group ${loc.gid}${name(names?.group(loc.gid))} (mode ${loc.mode})`;
  }
  return `${loc.because} has mode ${loc.mode}`;
}

const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

interface Owner {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * Judges paths on one host by the owners and permission bits of the file and of every directory above it,
 * caching the stats for the scan. Worst first:
 * - world_writable: the file, or a directory on its path without the sticky bit, is world-writable;
 * - temp: a sticky world-writable directory is on the path (a temporary tree such as /tmp or /dev/shm);
 * - home: the path is in a user's home (`homeOf`);
 * - user_writable: a user other than root can replace it: the file or a directory on its path (up to the
 *   root) is owned by a non-root uid, or is group-writable with a non-root group (for a directory: without the
 *   sticky bit, which keeps group members from replacing entries they do not own);
 * - system: none of these.
 *
 * Each component is lstat'ed through the Host (root-relative); a symlink on the path is judged by what it
 * points to (its own mode bits mean nothing, and only who can write its directory can replace it).
 */
export class LocationJudge {
  readonly #owners = new Map<string, Owner | null>();

  /** `homes` are users' home directories (`homeDirs`); root's home and /home/<name> are always homes. */
  constructor(readonly host: Host, readonly homes: readonly string[] = []) {}

  #owner(path: string): Owner | null {
    if (!this.#owners.has(path)) {
      let st = this.host.lstat(path);
      if (st.ok && st.value.isSymlink) st = this.host.stat(path);
      const v = st.ok ? st.value : undefined;
      this.#owners.set(
        path,
        v && v.mode !== null && v.uid !== null && v.gid !== null
          ? { mode: v.mode, uid: v.uid, gid: v.gid }
          : null,
      );
    }
    return this.#owners.get(path)!;
  }

  /**
   * Judges an absolute path (the file itself may be gone: its directories are still judged). `prefix` is
   * prepended for the stats only: `/proc/<pid>/root` judges a path inside another mount namespace, whose
   * own root ids (`rootIds`) count as root.
   */
  judge(path: string, prefix = "", rootIds: RootIds = ROOT_IDS): Location {
    const comps = pathComponents(path);
    const file = "/" + comps.join("/");
    const fileOwner = this.#owner(prefix + file);
    if (fileOwner !== null && (fileOwner.mode & S_IWOTH) !== 0) {
      return { kind: "world_writable", because: file, mode: octal(fileOwner.mode) };
    }
    let temp: Location | undefined;
    for (let i = comps.length - 1; i >= 1; i--) {
      const dir = "/" + comps.slice(0, i).join("/");
      const mode = this.#owner(prefix + dir)?.mode ?? null;
      if (mode === null || (mode & S_IWOTH) === 0) continue;
      if ((mode & S_ISVTX) === 0) return { kind: "world_writable", because: dir, mode: octal(mode) };
      temp ??= { kind: "temp", because: dir, mode: octal(mode) };
    }
    if (temp) return temp;
    const home = homeOf(file, this.homes);
    if (home) return { kind: "home", because: home };
    return this.userWritable(path, prefix, rootIds) ?? { kind: "system" };
  }

  /**
   * The nearest file or directory on `path` (the file itself first, up to the root) that a user other than
   * root can change (see the class comment), as a user_writable Location; undefined when there is none.
   */
  userWritable(path: string, prefix = "", rootIds: RootIds = ROOT_IDS): Location | undefined {
    const comps = pathComponents(path);
    for (let i = comps.length; i >= 0; i--) {
      const at = "/" + comps.slice(0, i).join("/");
      const o = this.#owner(prefix + (i === 0 ? "/" : at));
      if (o === null) continue;
      const base = { kind: "user_writable" as const, because: at, mode: octal(o.mode) };
      if (!rootIds.uids.includes(o.uid)) return { ...base, uid: o.uid };
      const isDir = i < comps.length;
      const stickyDir = isDir && (o.mode & S_ISVTX) !== 0;
      if ((o.mode & S_IWGRP) !== 0 && !rootIds.gids.includes(o.gid) && !stickyDir) {
        return { ...base, gid: o.gid };
      }
    }
    return undefined;
  }

  /**
   * True when the path and every directory above it are owned by root and not group- or world-writable
   * (`prefix` as for `judge`).
   */
  rootOwned(path: string, prefix = ""): boolean {
    const comps = pathComponents(path);
    for (let i = comps.length; i >= 0; i--) {
      const st = this.host.stat(prefix + "/" + comps.slice(0, i).join("/"));
      if (!st.ok || st.value.uid !== 0 || st.value.mode === null || (st.value.mode & 0o022) !== 0) {
        return false;
      }
    }
    return true;
  }
}

function octal(mode: number): string {
  return "0" + (mode & 0o7777).toString(8);
}
