/**
 * The dpkg database read directly (/var/lib/dpkg/info/*.list): which package owns a path, without running
 * dpkg once per file. Works under `--root`. Merged-/usr aliases (/bin → usr/bin, …) are honoured when the
 * host has them.
 */
import type { Host, ReadOutcome } from "./host.ts";

/** The dpkg info directory. */
export const DPKG_INFO = "/var/lib/dpkg/info";

/** A path → owning package lookup. */
export interface PackageOwners {
  /** Number of packages read. */
  readonly packages: number;
  /** The package that installed `path` ("name" or "name:arch"), or undefined. */
  ownerOf(path: string): string | undefined;
}

const MAX_LIST_BYTES = 64 << 20;
const MAX_PACKAGES = 50_000;
const MERGED_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** Parses one `<package>.list` file's text into its absolute paths (blank and relative lines dropped). */
export function parseDpkgList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("/") && line !== "/.") {
      out.push(line.length > 1 && line.endsWith("/") ? line.slice(0, -1) : line);
    }
  }
  return out;
}

/** The top-level directories that are symlinks into /usr on this host (merged-/usr). */
export function mergedUsrDirs(host: Host): Set<string> {
  const out = new Set<string>();
  for (const dir of MERGED_DIRS) {
    const link = host.readLink(dir);
    if (link.ok && (link.value === `usr${dir}` || link.value === `/usr${dir}`)) out.add(dir);
  }
  return out;
}

/** The other name of a path on a merged-/usr host (/usr/bin/x ↔ /bin/x), or undefined. */
export function aliasOf(path: string, merged: ReadonlySet<string>): string | undefined {
  for (const dir of merged) {
    if (path.startsWith(`/usr${dir}/`)) return path.slice(4);
    if (path.startsWith(`${dir}/`)) return `/usr${path}`;
  }
  return undefined;
}

/**
 * Loads the dpkg file lists. "missing" when the host has no dpkg database; unreadable or oversized lists
 * are reported in `problems` and skipped; `truncated` when a list or the package count was capped.
 */
export function loadDpkgOwners(host: Host): ReadOutcome<PackageOwners> & { problems?: string[] } {
  const dir = host.readDir(DPKG_INFO, MAX_PACKAGES * 20);
  if (!dir.ok) return dir;
  const lists = dir.value.filter((e) => e.name.endsWith(".list") && !e.isDirectory).map((e) => e.name).sort();
  const owners = new Map<string, string>();
  const problems: string[] = [];
  let truncated = dir.truncated || lists.length > MAX_PACKAGES;
  let packages = 0;
  for (const name of lists.slice(0, MAX_PACKAGES)) {
    const r = host.readText(`${DPKG_INFO}/${name}`, MAX_LIST_BYTES);
    if (!r.ok) {
      problems.push(`${DPKG_INFO}/${name}: ${r.message}`);
      continue;
    }
    if (r.truncated) truncated = true;
    packages++;
    const pkg = name.slice(0, -".list".length);
    for (const path of parseDpkgList(r.value)) {
      if (!owners.has(path)) owners.set(path, pkg);
    }
  }
  if (packages === 0) {
    return { ok: false, reason: "missing", message: `no package file lists in ${DPKG_INFO}` };
  }
  const merged = mergedUsrDirs(host);
  const ownerOf = (path: string): string | undefined => {
    const direct = owners.get(path);
    if (direct !== undefined) return direct;
    const alias = aliasOf(path, merged);
    return alias === undefined ? undefined : owners.get(alias);
  };
  return { ok: true, value: { packages, ownerOf }, truncated, problems };
}
