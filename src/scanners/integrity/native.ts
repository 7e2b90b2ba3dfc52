/**
 * Native dpkg verification: what `dpkg --verify` does, without running dpkg, so it works under `--root`.
 * For every file a package's `.md5sums` lists (and dpkg's `.list` still records: files dropped by
 * `path-exclude` are not on disk by design), and every conffile hash in the status file, the file is hashed
 * and compared. Every other path of the `.list` (directories, symlinks, files without a hash) must exist, as
 * dpkg checks with lstat. Diversions are applied, so a diverted file is checked where dpkg put it.
 */
import type { Host } from "../../host/host.ts";
import {
  type Diversion,
  divertedPath,
  type DpkgPackage,
  type Md5Entry,
  parseDiversions,
  parseMd5sums,
  parsePathList,
  parseStatus,
  type StatusParse,
} from "./dpkg_md5sums.ts";
import { hashFile } from "./hash_file.ts";

const INFO = "/var/lib/dpkg/info";
const STATUS_CAP = 256 << 20;
const INFO_CAP = 64 << 20;

/** A problem reading the dpkg database, reported as a warning. */
export interface DbWarning {
  code: string;
  detail: string;
}

/** The dpkg database pieces shared by all packages. */
export interface DpkgDb {
  status: StatusParse;
  diversions: Map<string, Diversion>;
  warnings: DbWarning[];
}

/** Reads the status and diversions files; undefined when there is no readable status file. */
export function readDpkgDb(host: Host): DpkgDb | { error: string } {
  const warnings: DbWarning[] = [];
  const st = host.readText("/var/lib/dpkg/status", STATUS_CAP);
  if (!st.ok) return { error: `/var/lib/dpkg/status: ${st.message}` };
  if (st.truncated) warnings.push({ code: "truncated", detail: "/var/lib/dpkg/status larger than 256 MiB" });
  const status = parseStatus(st.value);
  if (status.bad > 0) {
    warnings.push({
      code: "dpkg_status_malformed",
      detail: `/var/lib/dpkg/status: ${status.bad} malformed entries`,
    });
  }
  const diversions = new Map<string, Diversion>();
  const dv = host.readText("/var/lib/dpkg/diversions", INFO_CAP);
  if (dv.ok) {
    const parsed = parseDiversions(dv.value);
    for (const d of parsed.diversions) diversions.set(d.from, d);
    if (parsed.bad > 0) {
      warnings.push({
        code: "dpkg_diversions_malformed",
        detail: `/var/lib/dpkg/diversions: ${parsed.bad} bad entries`,
      });
    }
  } else if (dv.reason !== "missing") {
    warnings.push({ code: "dpkg_db_unreadable", detail: `/var/lib/dpkg/diversions: ${dv.message}` });
  }
  return { status, diversions, warnings };
}

/** One file to verify. */
export interface PlannedFile {
  pkg: string;
  /** The path as the package ships it. */
  path: string;
  /** Where it is on disk (after diversions). */
  diskPath: string;
  /** The packaged MD5, or "" for a path only checked to exist (a directory or symlink of the `.list`). */
  md5: string;
  conffile: boolean;
}

/** The files of one package, and what could not be planned. */
export interface PackagePlan {
  files: PlannedFile[];
  /** Files in `.md5sums` that dpkg did not install (filtered by path-exclude). */
  filtered: number;
  /** Files whose names are not valid UTF-8: they cannot be opened by name from here, so they are not checked. */
  notUtf8: string[];
  /** Conffiles dpkg has no hash for yet ("newconffile") or that are obsolete. */
  conffilesSkipped: number;
  /** True when the package ships no `.md5sums` (nothing but conffiles can be checked). */
  noMd5sums: boolean;
  warnings: DbWarning[];
}

function readInfo(host: Host, base: string, ext: string, warnings: DbWarning[]): string | undefined {
  const path = `${INFO}/${base}.${ext}`;
  const r = host.readText(path, INFO_CAP);
  if (!r.ok) {
    if (r.reason !== "missing") {
      warnings.push({ code: "dpkg_db_unreadable", detail: `${path}: ${r.message}` });
    }
    return undefined;
  }
  if (r.truncated) warnings.push({ code: "truncated", detail: `${path} larger than 64 MiB` });
  return r.value;
}

/** The info file base name: `<pkg>:<arch>` for multi-arch packages that use it, else `<pkg>`. */
export function infoBase(host: Host, pkg: DpkgPackage): string {
  const qualified = `${pkg.name}:${pkg.arch}`;
  if (
    pkg.arch !== "" &&
    (host.exists(`${INFO}/${qualified}.list`) || host.exists(`${INFO}/${qualified}.md5sums`))
  ) {
    return qualified;
  }
  return pkg.name;
}

/** Lists the files of `pkg` to verify, with their expected hashes. */
export function planPackage(
  host: Host,
  pkg: DpkgPackage,
  diversions: ReadonlyMap<string, Diversion>,
): PackagePlan {
  const warnings: DbWarning[] = [];
  const base = infoBase(host, pkg);
  const plan: PackagePlan = {
    files: [],
    filtered: 0,
    notUtf8: [],
    conffilesSkipped: 0,
    noMd5sums: false,
    warnings,
  };
  const conffiles = new Set(pkg.conffiles.map((c) => c.path));
  const infoConf = readInfo(host, base, "conffiles", warnings);
  if (infoConf !== undefined) { for (const p of parsePathList(infoConf)) conffiles.add(p); }
  const listText = readInfo(host, base, "list", warnings);
  const listed = listText === undefined ? undefined : new Set(parsePathList(listText));
  const md5Text = readInfo(host, base, "md5sums", warnings);
  let entries: Md5Entry[] = [];
  if (md5Text === undefined) plan.noMd5sums = true;
  else {
    const parsed = parseMd5sums(md5Text);
    entries = parsed.entries;
    if (parsed.bad > 0) {
      warnings.push({
        code: "dpkg_md5sums_malformed",
        detail: `${INFO}/${base}.md5sums: ${parsed.bad} bad lines`,
      });
    }
  }
  const push = (path: string, md5: string, conffile: boolean) =>
    plan.files.push({
      pkg: pkg.name,
      path,
      diskPath: divertedPath(path, pkg.name, diversions),
      md5,
      conffile,
    });
  for (const e of entries) {
    if (e.path.includes("\uFFFD")) {
      plan.notUtf8.push(e.path);
      continue;
    }
    if (conffiles.has(e.path)) continue;
    if (listed && !listed.has(e.path)) {
      plan.filtered++;
      continue;
    }
    push(e.path, e.md5, false);
  }
  for (const c of pkg.conffiles) {
    if (c.md5 === undefined || c.obsolete) {
      plan.conffilesSkipped++;
      continue;
    }
    push(c.path, c.md5, true);
  }
  // What dpkg --verify also reports: a path of the .list that is gone, whatever it is.
  const hashed = new Set(entries.map((e) => e.path));
  for (const path of listed ?? []) {
    if (path === "/" || hashed.has(path) || conffiles.has(path) || path.includes("\uFFFD")) continue;
    push(path, "", false);
  }
  return plan;
}

/** The outcome of verifying one file. */
export type FileVerdict =
  | { kind: "ok" }
  | {
    kind: "modified";
    actual: string;
    size: number;
    mode: number;
    uid: number | null;
    mtime: Date | null;
    symlinkTarget?: string;
  }
  | { kind: "replaced"; message: string }
  | { kind: "missing" }
  | { kind: "too_large"; size: number }
  | { kind: "unreadable"; message: string };

/** Hashes one planned file and compares it with the package's MD5 (`buffer`: the caller's read buffer). */
export async function verifyFile(
  host: Host,
  f: PlannedFile,
  maxBytes: number,
  buffer?: Uint8Array<ArrayBuffer>,
): Promise<FileVerdict> {
  if (f.md5 === "") {
    const st = host.lstat(f.diskPath);
    if (st.ok) return { kind: "ok" };
    return st.reason === "missing" ? { kind: "missing" } : { kind: "unreadable", message: st.message };
  }
  const h = await hashFile(host, f.diskPath, "md5", maxBytes, buffer);
  switch (h.kind) {
    case "ok": {
      if (h.digest === f.md5) return { kind: "ok" };
      const link = host.lstat(f.diskPath);
      const target = link.ok && link.value.isSymlink ? host.readLink(f.diskPath) : undefined;
      return {
        kind: "modified",
        actual: h.digest,
        size: h.size,
        mode: h.mode,
        uid: h.uid,
        mtime: h.mtime,
        ...(target?.ok ? { symlinkTarget: target.value } : {}),
      };
    }
    case "missing": {
      const link = host.readLink(f.diskPath);
      return link.ok
        ? { kind: "replaced", message: `${f.diskPath} is a dangling symlink to ${link.value}` }
        : { kind: "missing" };
    }
    case "not_file":
      return { kind: "replaced", message: h.message };
    case "too_large":
      return { kind: "too_large", size: h.size };
    case "denied":
    case "error":
      return { kind: "unreadable", message: h.message };
  }
}
