/**
 * The rpm database read directly (RHEL 9, Fedora 33+, SUSE: /var/lib/rpm/rpmdb.sqlite, or
 * /usr/lib/sysimage/rpm/rpmdb.sqlite): which package owns a path, from each header's file lists,
 * without running rpm. The older Berkeley DB format (RHEL 7/8) is not read.
 */
import { DatabaseSync } from "node:sqlite";
import type { Host, ReadOutcome } from "./host.ts";
import {
  aliasOf,
  mergedUsrDirs,
  type PackageDigest,
  type PackageFileInfo,
  type PackageOwners,
} from "./dpkg_db.ts";

/** Where rpm keeps its sqlite database, newest layout first. */
export const RPMDB_PATHS = ["/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite"];

const TAG_NAME = 1000;
const TAG_DIRINDEXES = 1116;
const TAG_BASENAMES = 1117;
const TAG_DIRNAMES = 1118;
const TAG_FILEDIGESTS = 1035;
const TAG_FILEDIGESTALGO = 5011;
const TAG_FILESIZES = 1028;
const TAG_LONGFILESIZES = 5008;
const TAG_FILEMODES = 1030;
const TAG_FILEFLAGS = 1037;
/** RPMFILE_GHOST: the package owns the path but does not ship the file (its recorded size means nothing). */
const RPMFILE_GHOST = 1 << 6;
/** rpm's PGPHASHALGO numbers → node:crypto names (md5 is the default when the tag is absent). */
const DIGEST_ALGOS: Record<number, string> = {
  1: "md5",
  2: "sha1",
  8: "sha256",
  9: "sha384",
  10: "sha512",
  11: "sha224",
};
const TYPE_INT16 = 3;
const TYPE_INT32 = 4;
const TYPE_INT64 = 5;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const MAX_HEADER = 64 << 20;
const MAX_PACKAGES = 50_000;

/** The parts of an rpm header this module needs. */
export interface RpmFiles {
  name: string;
  paths: string[];
  /** Per-file digests (hex, "" for non-regular files), parallel to `paths`, when recorded. */
  digests?: string[];
  /** node:crypto name of the digest algorithm. */
  algorithm?: string;
  /** Per-file sizes in bytes, parallel to `paths`, when recorded (FILESIZES or LONGFILESIZES); -1 for ghosts. */
  sizes?: number[];
  /** Per-file st_mode values, parallel to `paths`, when recorded (FILEMODES). */
  modes?: number[];
}

/** `count` big-endian unsigned integers of `width` bytes at `offset`, or undefined when they overrun the data. */
function integers(data: Uint8Array, offset: number, count: number, width: 2 | 4 | 8): number[] | undefined {
  if (offset + count * width > data.length) return undefined;
  const dv = new DataView(data.buffer, data.byteOffset + offset, count * width);
  return Array.from(
    { length: count },
    (_, k) =>
      width === 2 ? dv.getUint16(k * 2) : width === 4 ? dv.getUint32(k * 4) : Number(dv.getBigUint64(k * 8)),
  );
}

const dec = new TextDecoder();

function strings(data: Uint8Array, offset: number, count: number): string[] | undefined {
  const out: string[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(0, p);
    if (end < 0) return undefined;
    out.push(dec.decode(data.subarray(p, end)));
    p = end + 1;
  }
  return out;
}

/** One index entry of an rpm header: a tag, its type, where its data starts and how many values it has. */
interface HeaderEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/**
 * The index entries and the data store of an rpm header blob as stored in rpmdb.sqlite (index count, data
 * length, index entries, data); an error message when the sizes or an entry's offset are out of range.
 */
function headerIndex(blob: Uint8Array): { data: Uint8Array; entries: HeaderEntry[] } | { error: string } {
  if (blob.length < 8) return { error: "header shorter than 8 bytes" };
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  const dataStart = 8 + il * 16;
  if (il > 0xffff || dataStart + dl > blob.length) {
    return { error: `header sizes out of range (${il} tags, ${dl} bytes)` };
  }
  const entries: HeaderEntry[] = [];
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const e = {
      tag: dv.getUint32(at),
      type: dv.getUint32(at + 4),
      offset: dv.getUint32(at + 8),
      count: dv.getUint32(at + 12),
    };
    if (e.offset >= dl && e.count > 0) return { error: `tag ${e.tag} points outside the data` };
    entries.push(e);
  }
  return { data: blob.subarray(dataStart, dataStart + dl), entries };
}

/**
 * Parses an rpm header blob as stored in rpmdb.sqlite (index count, data length, index entries, data)
 * into the package name and its file paths; an error message for anything malformed.
 */
export function parseRpmHeader(blob: Uint8Array): RpmFiles | { error: string } {
  const index = headerIndex(blob);
  if ("error" in index) return index;
  const { data, entries } = index;
  const dl = data.length;
  let name: string | undefined;
  let base: string[] | undefined;
  let dirs: string[] | undefined;
  let idx: number[] | undefined;
  let digests: string[] | undefined;
  let algo = 1;
  let sizes: number[] | undefined;
  let longSizes: number[] | undefined;
  let modes: number[] | undefined;
  let flags: number[] | undefined;
  for (const { tag, type, offset, count } of entries) {
    if (tag === TAG_NAME && type === TYPE_STRING) name = strings(data, offset, 1)?.[0];
    else if (tag === TAG_BASENAMES && type === TYPE_STRING_ARRAY) base = strings(data, offset, count);
    else if (tag === TAG_DIRNAMES && type === TYPE_STRING_ARRAY) dirs = strings(data, offset, count);
    else if (tag === TAG_FILEDIGESTS && type === TYPE_STRING_ARRAY) digests = strings(data, offset, count);
    else if (tag === TAG_FILEDIGESTALGO && type === TYPE_INT32 && count >= 1 && offset + 4 <= dl) {
      algo = new DataView(data.buffer, data.byteOffset + offset, 4).getUint32(0);
    } else if (tag === TAG_FILESIZES && type === TYPE_INT32) sizes = integers(data, offset, count, 4);
    else if (tag === TAG_LONGFILESIZES && type === TYPE_INT64) longSizes = integers(data, offset, count, 8);
    else if (tag === TAG_FILEMODES && type === TYPE_INT16) modes = integers(data, offset, count, 2);
    else if (tag === TAG_FILEFLAGS && type === TYPE_INT32) flags = integers(data, offset, count, 4);
    else if (tag === TAG_DIRINDEXES && type === TYPE_INT32) {
      idx = integers(data, offset, count, 4);
      if (idx === undefined) return { error: "dir indexes point outside the data" };
    }
  }
  if (name === undefined) return { error: "header without a package name" };
  if (base === undefined) return { name, paths: [] };
  if (dirs === undefined || idx === undefined || idx.length !== base.length) {
    return { error: `${name}: file name tags do not match` };
  }
  const paths: string[] = [];
  for (let k = 0; k < base.length; k++) {
    const d = dirs[idx[k]];
    if (d === undefined) return { error: `${name}: dir index ${idx[k]} out of range` };
    paths.push(d + base[k]);
  }
  const algorithm = DIGEST_ALGOS[algo];
  const parallel = (a: number[] | undefined) => a !== undefined && a.length === paths.length ? a : undefined;
  const ghosts = parallel(flags)?.map((f) => (f & RPMFILE_GHOST) !== 0);
  const recordedSizes = (parallel(longSizes) ?? parallel(sizes))?.map((n, k) => ghosts?.[k] ? -1 : n);
  const recorded = { sizes: recordedSizes, modes: parallel(modes) };
  const extra = Object.fromEntries(Object.entries(recorded).filter(([, v]) => v !== undefined));
  if (digests === undefined || digests.length !== paths.length || algorithm === undefined) {
    return { name, paths, ...extra };
  }
  return { name, paths, digests, algorithm, ...extra };
}

/**
 * How to open an sqlite database of the scanned host without writing to it: as an immutable URI (sqlite then
 * creates no -wal/-shm files), unless a non-empty write-ahead log holds recent transactions that must be read.
 * Used for rpm's database and for other tools' (podman's container state).
 */
export function sqliteOpenName(host: Host, path: string): string {
  const real = host.resolve(path);
  const wal = host.lstat(`${path}-wal`);
  if (wal.ok && wal.value.size > 0) return real;
  return "file:" + real.split("/").map(encodeURIComponent).join("/") + "?immutable=1";
}

/**
 * Opens the rpm database read-only (without writing to the host) and hands `each` every header blob, at most
 * `max` of them; `each` returns an error message for a header it cannot read. "missing" when there is no
 * database; unreadable rows and the messages of `each` are collected in `problems`.
 */
function eachHeader(
  host: Host,
  max: number,
  each: (blob: Uint8Array) => string | undefined,
): ReadOutcome<{ db: string }> & { problems?: string[] } {
  const path = RPMDB_PATHS.find((p) => host.lstat(p).ok);
  if (path === undefined) return { ok: false, reason: "missing", message: "no rpmdb.sqlite" };
  const problems: string[] = [];
  let truncated = false;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(sqliteOpenName(host, path), { readOnly: true });
    let rows = 0;
    for (const row of db.prepare("SELECT blob FROM Packages LIMIT ?").iterate(max + 1)) {
      if (rows++ >= max) {
        truncated = true;
        break;
      }
      const blob = (row as { blob?: unknown }).blob;
      if (!(blob instanceof Uint8Array) || blob.length > MAX_HEADER) {
        problems.push(`${path}: a package header is not a blob or too large`);
        continue;
      }
      const error = each(blob);
      if (error !== undefined) problems.push(`${path}: ${error}`);
    }
  } catch (e) {
    return { ok: false, reason: "error", message: `${path}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    db?.close();
  }
  return { ok: true, value: { db: path }, truncated, problems };
}

/**
 * Loads file ownership from the rpm sqlite database. "missing" when there is none; malformed headers are
 * counted in `problems` and skipped.
 */
export function loadRpmOwners(host: Host): ReadOutcome<PackageOwners> & { problems?: string[] } {
  const owners = new Map<string, string>();
  const digestMap = new Map<string, PackageDigest>();
  const infoMap = new Map<string, PackageFileInfo>();
  let packages = 0;
  const r = eachHeader(host, MAX_PACKAGES, (blob) => {
    const h = parseRpmHeader(blob);
    if ("error" in h) return h.error;
    packages++;
    h.paths.forEach((p, i) => {
      if (owners.has(p)) return;
      owners.set(p, h.name);
      const hex = h.digests?.[i];
      if (hex && h.algorithm) digestMap.set(p, { algorithm: h.algorithm, hex });
      const size = h.sizes?.[i];
      if (h.sizes || h.modes) {
        infoMap.set(p, { ...(size !== undefined && size >= 0 ? { size } : {}), mode: h.modes?.[i] });
      }
    });
  });
  if (!r.ok) return r;
  const { problems, truncated } = r;
  const path = r.value.db;
  if (packages === 0) return { ok: false, reason: "missing", message: `${path} lists no packages` };
  const merged = mergedUsrDirs(host);
  const withAlias = <T>(map: Map<string, T>, p: string): T | undefined => {
    const direct = map.get(p);
    if (direct !== undefined) return direct;
    const alias = aliasOf(p, merged);
    return alias === undefined ? undefined : map.get(alias);
  };
  return {
    ok: true,
    value: {
      packages,
      ownerOf: (p) => withAlias(owners, p),
      digestOf: (p) => withAlias(digestMap, p),
      fileInfoOf: (p) => withAlias(infoMap, p),
    },
    truncated,
    problems,
  };
}

/** Scriptlet tags of an rpm header and the names `rpm -q --scripts` gives them. */
const SCRIPTLET_TAGS: ReadonlyMap<number, string> = new Map([
  [1151, "%pretrans"],
  [1023, "%pre"],
  [1024, "%post"],
  [1025, "%preun"],
  [1026, "%postun"],
  [1152, "%posttrans"],
  [1065, "%trigger"],
  [5066, "%filetrigger"],
  [5076, "%transfiletrigger"],
]);

/** One scriptlet of an installed package. */
export interface RpmScriptlet {
  /** "%post", "%trigger"… */
  name: string;
  text: string;
  /** The text was longer than the cap and was cut. */
  truncated: boolean;
}

/**
 * The package name and scriptlets of an rpm header blob (each cut to `maxScriptBytes`); an error message for a
 * malformed header.
 */
export function parseRpmScriptlets(
  blob: Uint8Array,
  maxScriptBytes: number,
): { name: string; scriptlets: RpmScriptlet[] } | { error: string } {
  const index = headerIndex(blob);
  if ("error" in index) return index;
  const { data, entries } = index;
  let name: string | undefined;
  const scriptlets: RpmScriptlet[] = [];
  for (const { tag, type, offset, count } of entries) {
    if (tag === TAG_NAME && type === TYPE_STRING) name = strings(data, offset, 1)?.[0];
    const script = SCRIPTLET_TAGS.get(tag);
    if (script === undefined || (type !== TYPE_STRING && type !== TYPE_STRING_ARRAY)) continue;
    const texts = strings(data, offset, type === TYPE_STRING ? 1 : Math.min(count, 1024));
    if (texts === undefined) return { error: `tag ${tag}: unterminated string` };
    for (const text of texts) {
      const truncated = text.length > maxScriptBytes;
      scriptlets.push({ name: script, text: truncated ? text.slice(0, maxScriptBytes) : text, truncated });
    }
  }
  if (name === undefined) return { error: "header without a package name" };
  return { name, scriptlets };
}

/**
 * Every installed package's scriptlets from the rpm sqlite database (at most `maxPackages` packages): "missing"
 * when there is no database; malformed headers are counted in `problems` and skipped.
 */
export function loadRpmScriptlets(
  host: Host,
  maxScriptBytes: number,
  maxPackages = MAX_PACKAGES,
): ReadOutcome<{ db: string; packages: { name: string; scriptlets: RpmScriptlet[] }[] }> & {
  problems?: string[];
} {
  const packages: { name: string; scriptlets: RpmScriptlet[] }[] = [];
  const r = eachHeader(host, maxPackages, (blob) => {
    const h = parseRpmScriptlets(blob, maxScriptBytes);
    if ("error" in h) return h.error;
    packages.push(h);
  });
  if (!r.ok) return r;
  return { ok: true, value: { db: r.value.db, packages }, truncated: r.truncated, problems: r.problems };
}
