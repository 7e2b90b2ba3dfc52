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
export type LocationKind = "world_writable" | "temp" | "home" | "system";

/** A judged location. */
export interface Location {
  kind: LocationKind;
  /** What made it so: the world-writable file or directory, or the home directory. */
  because?: string;
  /** Octal mode of `because` when a permission decided. */
  mode?: string;
}

const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

/**
 * Judges paths on one host by permission bits, caching the stats for the scan: a world-writable file, a
 * world-writable directory without the sticky bit on its path (anyone can swap the file), a sticky
 * world-writable directory (a temporary tree such as /tmp or /dev/shm), a user's home (`homeOf`).
 */
export class LocationJudge {
  readonly #modes = new Map<string, number | null>();

  /** `homes` are users' home directories (`homeDirs`); root's home and /home/<name> are always homes. */
  constructor(readonly host: Host, readonly homes: readonly string[] = []) {}

  #mode(path: string): number | null {
    if (!this.#modes.has(path)) {
      const st = this.host.stat(path);
      this.#modes.set(path, st.ok && st.value.mode !== null ? st.value.mode : null);
    }
    return this.#modes.get(path)!;
  }

  /**
   * Judges an absolute path (the file itself may be gone: its directories are still judged). `prefix` is
   * prepended for the stats only: `/proc/<pid>/root` judges a path inside another mount namespace.
   */
  judge(path: string, prefix = ""): Location {
    const comps = pathComponents(path);
    const file = "/" + comps.join("/");
    const fileMode = this.#mode(prefix + file);
    if (fileMode !== null && (fileMode & S_IWOTH) !== 0) {
      return { kind: "world_writable", because: file, mode: octal(fileMode) };
    }
    let temp: Location | undefined;
    for (let i = comps.length - 1; i >= 1; i--) {
      const dir = "/" + comps.slice(0, i).join("/");
      const mode = this.#mode(prefix + dir);
      if (mode === null || (mode & S_IWOTH) === 0) continue;
      if ((mode & S_ISVTX) === 0) return { kind: "world_writable", because: dir, mode: octal(mode) };
      temp ??= { kind: "temp", because: dir, mode: octal(mode) };
    }
    if (temp) return temp;
    const home = homeOf(file, this.homes);
    return home ? { kind: "home", because: home } : { kind: "system" };
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
