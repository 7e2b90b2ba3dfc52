/**
 * Where an executable or library lives, judged by permission bits (through ctx.host.stat), not by path
 * prefix: a world-writable file, a world-writable directory without the sticky bit on its path (anyone can
 * swap it), a sticky world-writable directory (a temp directory such as /tmp or /dev/shm), a user's home.
 */
import type { Host } from "../../host/host.ts";
import { pathComponents } from "../../host/host.ts";
import type { PasswdEntry } from "../../host/proc_users.ts";

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

/** Home directories of login users (root and uid ≥ 1000, not nobody), plus /home. */
export function homeDirs(entries: readonly PasswdEntry[]): string[] {
  const homes = new Set<string>(["/home"]);
  for (const e of entries) {
    if (e.uid !== 0 && (e.uid < 1000 || e.uid === 65534)) continue;
    const comps = pathComponents(e.home);
    if (comps.length === 0 || e.home.startsWith("/nonexistent") || e.home.startsWith("/var/")) continue;
    homes.add("/" + comps.join("/"));
  }
  return [...homes].sort();
}

/** Judges paths on one host, caching directory stats for the scan. */
export class LocationJudge {
  readonly #modes = new Map<string, number | null>();

  constructor(readonly host: Host, readonly homes: readonly string[]) {}

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
    const home = this.homes.filter((h) => file === h || file.startsWith(h + "/"))
      .reduce<string | undefined>((a, h) => a === undefined || h.length > a.length ? h : a, undefined);
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
