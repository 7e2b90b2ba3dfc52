/** Dynamic-linker hijacking: LD_PRELOAD / LD_LIBRARY_PATH values and /etc/ld.so.preload entries. */
import { pathComponents } from "../../host/host.ts";
import type { Location, LocationJudge } from "../../host/location.ts";

/**
 * The dynamic-linker variables the ioc scanner judges: LD_PRELOAD and LD_AUDIT load libraries into the process
 * (an audit library's constructor runs even when it is not a valid audit interface, measured with glibc 2.36),
 * LD_LIBRARY_PATH puts directories first in the library search.
 */
export const LD_VARS = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT"] as const;
/** One of LD_VARS. */
export type LdVar = (typeof LD_VARS)[number];

/** Directories where root-owned libraries are trusted by `--ioc-env-trust`. */
export const SYSTEM_LIB_DIRS = [
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/usr/lib",
  "/usr/lib32",
  "/usr/lib64",
  "/usr/libx32",
  "/usr/local/lib",
];

/**
 * Splits a variable into its entries the way ld.so does: LD_PRELOAD on spaces and colons (empties dropped),
 * LD_AUDIT on colons (empties dropped), LD_LIBRARY_PATH on colons and semicolons where an empty entry means the
 * current directory (kept as "").
 */
export function ldEntries(name: LdVar, value: string): string[] {
  if (name === "LD_PRELOAD") return value.split(/[ :\t]+/).filter((e) => e !== "");
  if (name === "LD_AUDIT") return value.split(":").filter((e) => e !== "");
  return value.split(/[:;]/);
}

/**
 * Every value of each `LD_*` variable of an environment, in the order the block holds them. A block can hold a
 * name twice (execve passes whatever array it is given), and the readers disagree about which copy counts:
 * glibc's ld.so walks the whole block and keeps the LAST copy of each LD_* variable, while getenv(3) — the
 * program itself, musl's loader, and any tool that parses the block into a map — returns the FIRST. Measured
 * with glibc 2.36 (Debian 12): `LD_PRELOAD=` then `LD_PRELOAD=/x.so` preloads /x.so while getenv returns "".
 */
export function ldOccurrences(entries: readonly (readonly [string, string])[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of entries) {
    if (!name.startsWith("LD_")) continue;
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

/** How one entry was judged. */
export interface EntryJudgement {
  entry: string;
  /** Undefined for entries that are not absolute paths. */
  location: Location | undefined;
  /** Resolved against the process's current directory (an empty LD_LIBRARY_PATH item, or `./x.so`). */
  cwdRelative: boolean;
  /** Inside a system library directory, with the file and all its parents root-owned and not group/world-writable. */
  trusted: boolean;
}

function inSystemLibDir(path: string): boolean {
  return SYSTEM_LIB_DIRS.some((d) => path === d || path.startsWith(d + "/"));
}

/**
 * Judges entries. A bare library name (`libfoo.so`, searched in the linker's path) is neither trusted nor
 * suspicious by location; a relative or empty entry (the current directory) is never trusted.
 */
export function judgeEntries(
  entries: readonly string[],
  judge: LocationJudge,
  prefix = "",
): EntryJudgement[] {
  return entries.map((entry) => {
    if (!entry.startsWith("/")) {
      return { entry, location: undefined, cwdRelative: entry === "" || entry.includes("/"), trusted: false };
    }
    const normal = "/" + pathComponents(entry).join("/");
    const location = judge.judge(normal, prefix);
    const trusted = location.kind === "system" && inSystemLibDir(normal) && judge.rootOwned(normal, prefix);
    return { entry, location, cwdRelative: false, trusted };
  });
}

/** True when an entry sits in a temp, world-writable or home location, or is relative to the current directory. */
export function untrusted(j: EntryJudgement): boolean {
  return j.cwdRelative || (j.location !== undefined && j.location.kind !== "system");
}
