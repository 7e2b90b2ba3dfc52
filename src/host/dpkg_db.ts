/**
 * The dpkg database read directly (/var/lib/dpkg/info/*.list): which package owns a path, without running
 * dpkg once per file. Works under `--root`. Merged-/usr aliases (/bin → usr/bin, …) are honoured when the
 * host has them.
 */
import type { Host, ReadOutcome } from "./host.ts";

/** The dpkg info directory. */
export const DPKG_INFO = "/var/lib/dpkg/info";

/** A file digest a package database recorded ("md5", "sha256", … as node:crypto names them). */
export interface PackageDigest {
  algorithm: string;
  hex: string;
}

/** A path → owning package lookup. */
export interface PackageOwners {
  /** Number of packages read. */
  readonly packages: number;
  /** The package that installed `path` ("name" or "name:arch"), or undefined. */
  ownerOf(path: string): string | undefined;
  /**
   * The digest the package database recorded for `path`, or undefined (not recorded, or the path is
   * diverted so the file on disk may legitimately come from another package).
   */
  digestOf(path: string): PackageDigest | undefined;
  /** Size and mode the database recorded for `path`; only rpm records them (undefined for dpkg). */
  fileInfoOf?(path: string): PackageFileInfo | undefined;
}

/** What an rpm header records about one file besides its digest. */
export interface PackageFileInfo {
  /** Size in bytes. */
  size?: number;
  /** st_mode: file type, set-id bits and permissions. */
  mode?: number;
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

/**
 * The paths of `wanted` that one `<package>.list` text lists (normalised as parseDpkgList does), without
 * splitting the whole list: only lines as long as a wanted path are compared.
 */
export function listedAmong(text: string, wanted: ReadonlySet<string>): string[] {
  const lengths = new Set([...wanted].map((p) => p.length));
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let len = end - start;
    if (len > 1 && text.charCodeAt(end - 1) === 0x2f) len--;
    if (lengths.has(len) && text.charCodeAt(start) === 0x2f) {
      const line = text.slice(start, start + len);
      if (wanted.has(line)) out.push(line);
    }
    start = end + 1;
  }
  return out;
}

/** Parses a `<package>.md5sums` file ("<md5>  <path without leading slash>") into absolute path → md5. */
export function parseMd5sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^([0-9a-f]{32}) [ *]?(.+)$/);
    if (m) out.set("/" + m[2].replace(/^\/+/, ""), m[1]);
  }
  return out;
}

/** Parses /var/lib/dpkg/diversions (groups of three lines: from, to, package) into the diverted paths. */
export function parseDiversions(text: string): Set<string> {
  const lines = text.split("\n");
  const out = new Set<string>();
  for (let i = 0; i + 2 < lines.length; i += 3) {
    if (lines[i].startsWith("/")) out.add(lines[i]);
    if (lines[i + 1].startsWith("/")) out.add(lines[i + 1]);
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

/** What one pass over dpkg's file lists found: the owners of the paths looked for. */
export interface DpkgScan {
  /** Path → package ("name" or "name:arch"), first listing wins. */
  readonly owners: ReadonlyMap<string, string>;
  /** The paths looked for (with their merged-/usr aliases); undefined when every path was kept. */
  readonly sought: ReadonlySet<string> | undefined;
  /** Lists read. */
  readonly packages: number;
  /** Unreadable or oversized lists. */
  readonly problems: readonly string[];
  /** A list or the package count was capped. */
  readonly truncated: boolean;
}

/**
 * One pass over every dpkg file list, keeping the owners of `only` (and their merged-/usr aliases), or of
 * every path without it (a whole-system map is ~100 MB). "missing" when the host has no dpkg database.
 * `pause` is awaited every few dozen files, so the pass can share the thread with other work.
 */
export async function scanDpkgLists(
  host: Host,
  only: ReadonlySet<string> | undefined,
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<ReadOutcome<DpkgScan>> {
  const dir = host.readDir(DPKG_INFO, MAX_PACKAGES * 20);
  if (!dir.ok) return dir;
  const merged = mergedUsrDirs(host);
  const sought = only === undefined
    ? undefined
    : new Set([...only].flatMap((p) => [p, aliasOf(p, merged) ?? p]));
  const names = dir.value.filter((e) => e.name.endsWith(".list") && !e.isDirectory).map((e) => e.name).sort();
  const owners = new Map<string, string>();
  const problems: string[] = [];
  let truncated = dir.truncated || names.length > MAX_PACKAGES;
  let packages = 0;
  for (const [i, name] of names.slice(0, MAX_PACKAGES).entries()) {
    if (i % 32 === 31) await pause();
    const r = host.readText(`${DPKG_INFO}/${name}`, MAX_LIST_BYTES);
    if (!r.ok) {
      problems.push(`${DPKG_INFO}/${name}: ${r.message}`);
      continue;
    }
    if (r.truncated) truncated = true;
    packages++;
    const pkg = name.slice(0, -".list".length);
    for (const path of sought === undefined ? parseDpkgList(r.value) : listedAmong(r.value, sought)) {
      if (!owners.has(path)) owners.set(path, pkg);
    }
  }
  if (packages === 0) {
    return { ok: false, reason: "missing", message: `no package file lists in ${DPKG_INFO}` };
  }
  return { ok: true, value: { owners, sought, packages, problems, truncated }, truncated };
}

/** Two passes as one: the owners both found (for paths the first did not look for, the second's). */
export function mergeDpkgScans(a: DpkgScan, b: DpkgScan): DpkgScan {
  const owners = new Map(a.owners);
  for (const [p, pkg] of b.owners) if (!owners.has(p)) owners.set(p, pkg);
  const sought = a.sought === undefined || b.sought === undefined
    ? undefined
    : new Set([...a.sought, ...b.sought]);
  return {
    owners,
    sought,
    packages: Math.max(a.packages, b.packages),
    problems: [...new Set([...a.problems, ...b.problems])],
    truncated: a.truncated || b.truncated,
  };
}

/** Reads the dpkg file lists once and answers owner and digest lookups; see `scanDpkgLists`. */
export async function loadDpkgOwners(
  host: Host,
  only?: ReadonlySet<string>,
): Promise<ReadOutcome<PackageOwners> & { problems?: string[] }> {
  const scan = await scanDpkgLists(host, only);
  return scan.ok ? dpkgOwners(host, scan.value) : scan;
}

/**
 * Owner and digest lookups over a pass's result (digests come from the owning package's md5sums), with the
 * pass's problems and truncation.
 */
export function dpkgOwners(
  host: Host,
  scan: DpkgScan,
): { ok: true; value: PackageOwners; truncated: boolean; problems: string[] } {
  const merged = mergedUsrDirs(host);
  const owners = scan.owners;
  const withAlias = <T>(map: ReadonlyMap<string, T>, path: string): T | undefined => {
    const direct = map.get(path);
    if (direct !== undefined) return direct;
    const alias = aliasOf(path, merged);
    return alias === undefined ? undefined : map.get(alias);
  };
  const div = host.readText("/var/lib/dpkg/diversions", MAX_LIST_BYTES);
  const diverted = div.ok ? parseDiversions(div.value) : new Set<string>();
  const sums = new Map<string, Map<string, string>>();
  const ownerOf = (path: string) => withAlias(owners, path);
  const digestOf = (path: string): PackageDigest | undefined => {
    const pkg = ownerOf(path);
    const alias = aliasOf(path, merged);
    if (pkg === undefined || diverted.has(path) || (alias !== undefined && diverted.has(alias))) {
      return undefined;
    }
    let table = sums.get(pkg);
    if (table === undefined) {
      const r = host.readText(`${DPKG_INFO}/${pkg}.md5sums`, MAX_LIST_BYTES);
      table = r.ok ? parseMd5sums(r.value) : new Map();
      sums.set(pkg, table);
    }
    const hex = withAlias(table, path);
    return hex === undefined ? undefined : { algorithm: "md5", hex };
  };
  return {
    ok: true,
    value: { packages: scan.packages, ownerOf, digestOf },
    truncated: scan.truncated,
    problems: [...scan.problems],
  };
}
