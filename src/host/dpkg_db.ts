/**
 * The dpkg database read directly (/var/lib/dpkg/info/*.list): which package owns a path, without running
 * dpkg once per file. Works under `--root`. Merged-/usr aliases (/bin → usr/bin, …) are honoured when the
 * host has them.
 */
import type { Host, ReadOutcome } from "./host.ts";
import { escapeRegExp } from "./regex.ts";

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
 * splitting the whole list; see `listMatcher`.
 */
export function listedAmong(text: string, wanted: ReadonlySet<string>): string[] {
  return listMatcher(wanted)(text);
}

/** A directory tree of the wanted paths' parents, for the line-prefix regex of `listMatcher`. */
interface DirNode {
  /** A wanted path lies directly in this directory: any line in it is a candidate. */
  leaf: boolean;
  kids: Map<string, DirNode>;
}

function dirPattern(n: DirNode): string {
  if (n.leaf) return "";
  return `(?:${[...n.kids].map(([name, kid]) => `${escapeRegExp(name)}/${dirPattern(kid)}`).join("|")})`;
}

/**
 * A finder of the paths of `wanted` in `<package>.list` texts, built once for many lists: a line is `wanted`
 * when it is a wanted path, or one with a trailing "/" (as parseDpkgList normalises it). Every such line starts
 * with its path's parent directory and "/", so one regular expression over the whole text (native code, no
 * split) finds the lines starting with a wanted parent, and only those lines are compared.
 */
export function listMatcher(wanted: ReadonlySet<string>): (text: string) => string[] {
  const root: DirNode = { leaf: false, kids: new Map() };
  for (const p of wanted) {
    if (!p.startsWith("/") || p.includes("\n")) continue; // never a whole line of a list
    let node = root;
    for (const name of p.slice(1, p.lastIndexOf("/") + 1).split("/").slice(0, -1)) {
      let kid = node.kids.get(name);
      if (!kid) node.kids.set(name, kid = { leaf: false, kids: new Map() });
      node = kid;
    }
    node.leaf = true;
  }
  if (!root.leaf && root.kids.size === 0) return () => [];
  const lineStart = new RegExp(`(?:^|\\n)/${dirPattern(root)}`, "g");
  return (text) => {
    const out: string[] = [];
    lineStart.lastIndex = 0;
    for (let m = lineStart.exec(text); m !== null; m = lineStart.exec(text)) {
      const start = text.charCodeAt(m.index) === 0x0a ? m.index + 1 : m.index;
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      let len = end - start;
      if (len > 1 && text.charCodeAt(end - 1) === 0x2f) len--;
      const line = text.slice(start, start + len);
      if (wanted.has(line)) out.push(line);
      lineStart.lastIndex = end; // the next line's leading "\n"
    }
    return out;
  };
}

/** Parses a `<package>.md5sums` file ("<md5>  <path without leading slash>") into absolute path → md5. */
export function parseMd5sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = MD5SUMS_LINE.exec(line);
    if (m) out.set("/" + m[2].replace(/^\/+/, ""), m[1]);
  }
  return out;
}

const MD5SUMS_LINE = /^([0-9a-f]{32}) [ *]?(.+)$/;

/**
 * The md5 a `<package>.md5sums` text records for the absolute `path`, as `parseMd5sums(text).get(path)` says
 * (the last line for it wins), found by searching for the lines ending in the path rather than parsing every
 * line (a package's md5sums can be megabytes).
 */
export function md5sumOf(text: string, path: string): string | undefined {
  const tail = path.slice(1);
  if (!path.startsWith("/") || tail.startsWith("/") || tail.includes("\n")) return undefined;
  if (tail === "") return parseMd5sums(text).get("/"); // a line of slashes: nothing to search for
  let found: string | undefined;
  for (let at = text.indexOf(tail); at >= 0; at = text.indexOf(tail, at + 1)) {
    const end = at + tail.length;
    if (end < text.length && text.charCodeAt(end) !== 0x0a) continue;
    const m = MD5SUMS_LINE.exec(text.slice(text.lastIndexOf("\n", at - 1) + 1, end));
    if (m && m[2].replace(/^\/+/, "") === tail) found = m[1];
  }
  return found;
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

/** What reading every file list gave, besides the lists' texts. */
interface ListsRead {
  packages: number;
  problems: string[];
  truncated: boolean;
  /** Every list's package and text, in name order, when they were kept for later passes. */
  kept?: { pkg: string; text: string }[];
}

/**
 * dpkg's database as one scan has read it, shared by the scanners that ask about package files: the file
 * lists (kept after the first pass when together they are at most `KEEP_BYTES`, so later passes only search
 * them), the md5sums files read, diversions and the merged-/usr directories. Everything is read on first use.
 */
export class DpkgCache {
  /** The first pass's read of the lists; later passes wait for it and search what it kept. */
  first: Promise<ReadOutcome<ListsRead>> | undefined;
  #merged: Set<string> | undefined;
  #diverted: Set<string> | undefined;
  readonly #sums = new Map<string, string | undefined>();
  #sumBytes = 0;
  #last: { pkg: string; text: string } | undefined;

  /** Together, lists (and, separately, md5sums files) up to this many bytes are kept for the scan. */
  static readonly KEEP_BYTES = 32 << 20;

  /** The merged-/usr directories (see `mergedUsrDirs`). */
  merged(host: Host): Set<string> {
    return this.#merged ??= mergedUsrDirs(host);
  }

  /** The paths /var/lib/dpkg/diversions names. */
  diverted(host: Host): Set<string> {
    if (this.#diverted) return this.#diverted;
    const div = host.readText("/var/lib/dpkg/diversions", MAX_LIST_BYTES);
    return this.#diverted = div.ok ? parseDiversions(div.value) : new Set();
  }

  /** The text of `<pkg>.md5sums`, undefined when it cannot be read. */
  md5sums(host: Host, pkg: string): string | undefined {
    if (this.#sums.has(pkg)) return this.#sums.get(pkg);
    if (this.#last?.pkg === pkg) return this.#last.text;
    const r = host.readText(`${DPKG_INFO}/${pkg}.md5sums`, MAX_LIST_BYTES);
    const text = r.ok ? r.value : undefined;
    if (text === undefined || this.#sumBytes + text.length <= DpkgCache.KEEP_BYTES) {
      this.#sums.set(pkg, text);
      this.#sumBytes += text?.length ?? 0;
    } else this.#last = { pkg, text }; // past the budget, only the latest is kept (lookups come in runs)
    return text;
  }
}

/** Reads every file list, giving each to `visit`; keeps the texts when asked and they fit. */
async function readLists(
  host: Host,
  pause: () => Promise<void>,
  visit: (pkg: string, text: string) => void,
  keep: boolean,
): Promise<ReadOutcome<ListsRead>> {
  const dir = host.readDir(DPKG_INFO, MAX_PACKAGES * 20);
  if (!dir.ok) return dir;
  const names = dir.value.filter((e) => e.name.endsWith(".list") && !e.isDirectory).map((e) => e.name).sort();
  const problems: string[] = [];
  let truncated = dir.truncated || names.length > MAX_PACKAGES;
  let packages = 0;
  let kept: { pkg: string; text: string }[] | undefined = keep ? [] : undefined;
  let keptBytes = 0;
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
    visit(pkg, r.value);
    keptBytes += r.value.length;
    if (kept && keptBytes <= DpkgCache.KEEP_BYTES) kept.push({ pkg, text: r.value });
    else kept = undefined;
  }
  if (packages === 0) {
    return { ok: false, reason: "missing", message: `no package file lists in ${DPKG_INFO}` };
  }
  return { ok: true, value: { packages, problems, truncated, ...(kept ? { kept } : {}) }, truncated };
}

/** Gives every file list to `visit`: from what `cache` kept when it has them, else read from the host. */
async function eachList(
  host: Host,
  cache: DpkgCache | undefined,
  pause: () => Promise<void>,
  visit: (pkg: string, text: string) => void,
): Promise<ReadOutcome<ListsRead>> {
  if (cache?.first === undefined) {
    const read = readLists(host, pause, visit, cache !== undefined);
    if (cache) cache.first = read;
    return read;
  }
  // The first pass may have been cut off (its scanner's budget): then this one reads for itself.
  const first = await cache.first.catch(() => undefined);
  if (first !== undefined && !first.ok) return first;
  if (first?.value.kept === undefined) return readLists(host, pause, visit, false);
  for (const [i, { pkg, text }] of first.value.kept.entries()) {
    if (i % 256 === 255) await pause();
    visit(pkg, text);
  }
  return first;
}

/**
 * One pass over every dpkg file list, keeping the owners of `only` (and their merged-/usr aliases), or of
 * every path without it (a whole-system map is ~100 MB). "missing" when the host has no dpkg database.
 * `pause` is awaited every few dozen files, so the pass can share the thread with other work. With a `cache`
 * (one per scan), the lists are read once for every pass of the scan.
 */
export async function scanDpkgLists(
  host: Host,
  only: ReadonlySet<string> | undefined,
  pause: () => Promise<void> = () => Promise.resolve(),
  cache?: DpkgCache,
): Promise<ReadOutcome<DpkgScan>> {
  const merged = cache ? cache.merged(host) : mergedUsrDirs(host);
  const sought = only === undefined
    ? undefined
    : new Set([...only].flatMap((p) => [p, aliasOf(p, merged) ?? p]));
  const find = sought === undefined ? parseDpkgList : listMatcher(sought);
  const owners = new Map<string, string>();
  const r = await eachList(host, cache, pause, (pkg, text) => {
    for (const path of find(text)) if (!owners.has(path)) owners.set(path, pkg);
  });
  if (!r.ok) return r;
  const { packages, problems, truncated } = r.value;
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
  pause?: () => Promise<void>,
  cache?: DpkgCache,
): Promise<ReadOutcome<PackageOwners> & { problems?: string[] }> {
  const scan = await scanDpkgLists(host, only, pause, cache);
  return scan.ok ? dpkgOwners(host, scan.value, cache) : scan;
}

/**
 * Owner and digest lookups over a pass's result (digests come from the owning package's md5sums), with the
 * pass's problems and truncation.
 */
export function dpkgOwners(
  host: Host,
  scan: DpkgScan,
  cache: DpkgCache = new DpkgCache(),
): { ok: true; value: PackageOwners; truncated: boolean; problems: string[] } {
  const merged = cache.merged(host);
  const owners = scan.owners;
  const ownerOf = (path: string) => {
    const direct = owners.get(path);
    if (direct !== undefined) return direct;
    const alias = aliasOf(path, merged);
    return alias === undefined ? undefined : owners.get(alias);
  };
  const digestOf = (path: string): PackageDigest | undefined => {
    const pkg = ownerOf(path);
    const alias = aliasOf(path, merged);
    const diverted = cache.diverted(host);
    if (pkg === undefined || diverted.has(path) || (alias !== undefined && diverted.has(alias))) {
      return undefined;
    }
    const sums = cache.md5sums(host, pkg);
    if (sums === undefined) return undefined;
    const hex = md5sumOf(sums, path) ?? (alias === undefined ? undefined : md5sumOf(sums, alias));
    return hex === undefined ? undefined : { algorithm: "md5", hex };
  };
  return {
    ok: true,
    value: { packages: scan.packages, ownerOf, digestOf },
    truncated: scan.truncated,
    problems: [...scan.problems],
  };
}
