/**
 * Under --hardening, on dpkg hosts: packages installed or upgraded recently (their file list changed within
 * --persistence-recent-days) whose installed version no configured repository offers (no
 * /var/lib/apt/lists/*_Packages file lists it, nor a newer one that would have superseded it): a .deb brought in
 * by hand, the way a trojaned package arrives — or a rebuilt one numbered above the repositories' to stay put.
 */
import { DPKG_INFO } from "../../../host/dpkg_db.ts";
import { isUnpacked, parseStatus } from "../../integrity/dpkg_md5sums.ts";
import { detectCompression, inflate } from "../../modules/decompress.ts";
import { decodeLz4Frames, isLz4Frame } from "../../modules/lz4.ts";
import { compareDebVersions, isPackagesList, ListedVersions } from "../apt_lists.ts";
import { entryDigest } from "../assess.ts";
import type { Collector } from "../collect.ts";

const LISTS = "/var/lib/apt/lists";
const LIMITS = {
  status: 64 << 20,
  listRaw: 128 << 20,
  listOut: 512 << 20,
  listWindow: 64 << 20,
  lists: 500,
} as const;
/** Compressed bytes handed to the decoder at a time. */
const LIST_PIECE = 1 << 20;

/** A package's file list and when it last changed (ms), or undefined. */
function listTime(c: Collector, name: string, arch: string): { list: string; time: number } | undefined {
  for (const file of [`${name}:${arch}.list`, `${name}.list`]) {
    const st = c.ctx.host.stat(`${DPKG_INFO}/${file}`);
    if (st.ok && st.value.mtime) return { list: `${DPKG_INFO}/${file}`, time: st.value.mtime.getTime() };
  }
  return undefined;
}

/**
 * Feeds one list file, plain or compressed (gzip, xz, zstd streamed through the modules' bounded decoder; lz4,
 * which apt may use, decoded whole under the same cap), to `into`; the reason when it could not be read whole.
 */
async function readList(raw: Uint8Array, into: ListedVersions): Promise<string | undefined> {
  if (isLz4Frame(raw)) {
    const out = decodeLz4Frames(raw, LIMITS.listOut);
    if (!out.ok) return out.message;
    into.feed(out.data);
    return undefined;
  }
  let at = 0;
  const out = await inflate(
    detectCompression(raw),
    () => {
      if (at >= raw.length) return null;
      const piece = raw.subarray(at, at + LIST_PIECE);
      at += piece.length;
      return piece;
    },
    { maxOut: LIMITS.listOut, maxWindow: LIMITS.listWindow },
    (chunk) => into.feed(chunk),
  );
  return out.ok ? undefined : out.message;
}

/** Recently installed dpkg packages missing from every APT list (only with --hardening). */
export async function packagesRecentSources(c: Collector): Promise<void> {
  const days = c.ctx.config.persistenceRecentDays;
  if (!c.ctx.config.hardening || days === 0) return;
  const status = c.ctx.host.readText("/var/lib/dpkg/status", LIMITS.status);
  if (!status.ok) {
    if (status.reason !== "missing") {
      c.ctx.warn("package_db_unreadable", `/var/lib/dpkg/status: ${status.message}`);
    }
    return;
  }
  if (status.truncated) c.ctx.warn("truncated", `/var/lib/dpkg/status larger than ${LIMITS.status} bytes`);
  const since = Date.now() - days * 86_400_000;
  const recent = new Map<string, { version: string; arch: string; installed: number; list: string }>();
  for (const p of parseStatus(status.value).packages) {
    if (!isUnpacked(p)) continue;
    const t = listTime(c, p.name, p.arch);
    if (t !== undefined && t.time >= since) {
      recent.set(p.name, { version: p.version, arch: p.arch, installed: t.time, list: t.list });
    }
  }
  if (recent.size === 0) return;
  const dir = c.ctx.host.readDir(LISTS, 10_000);
  const lists = dir.ok
    ? dir.value.filter((e) => !e.isDirectory && isPackagesList(e.name)).map((e) => e.name)
    : [];
  if (lists.length === 0) {
    c.ctx.warn(
      "apt_lists_missing",
      `no package lists in ${LISTS}: ${recent.size} recently installed package(s) were not compared with the repositories`,
    );
    return;
  }
  const offered = new Map<string, Set<string>>();
  const wanted = new Set(recent.keys());
  for (const name of lists.sort().slice(0, LIMITS.lists)) {
    await c.ctx.checkpoint();
    const path = `${LISTS}/${name}`;
    const raw = c.ctx.host.readBytes(path, LIMITS.listRaw);
    if (!raw.ok || raw.truncated) {
      c.ctx.warn("persistence_unreadable", `${path}: ${raw.ok ? "larger than the read cap" : raw.message}`);
      continue;
    }
    const versions = new ListedVersions(wanted);
    const failed = await readList(raw.value, versions);
    if (failed !== undefined) {
      c.ctx.warn("persistence_unreadable", `${path}: ${failed}`);
      continue;
    }
    for (const [pkg, vs] of versions.end()) {
      const set = offered.get(pkg) ?? new Set<string>();
      for (const v of vs) set.add(v);
      offered.set(pkg, set);
    }
  }
  for (const [name, p] of [...recent].sort(([a], [b]) => a < b ? -1 : 1)) {
    const other = [...(offered.get(name) ?? [])].sort(compareDebVersions);
    // Offered, or superseded by a newer version since it was installed: the repositories provide it.
    if (other.some((v) => compareDebVersions(v, p.version) >= 0)) continue;
    c.finding({
      check_id: "persistence.package.not_in_repository",
      subject: `${p.list}:${entryDigest(p.version)}`,
      description:
        `${name} ${p.version} (${p.arch}) was installed on ${new Date(p.installed).toISOString()} and ` +
        (other.length > 0
          ? `is newer than every version the repositories offer (${other.slice(-5).join(", ")}).`
          : "no configured repository offers it."),
      metadata: {
        package: name,
        version: p.version,
        architecture: p.arch,
        installed: new Date(p.installed).toISOString(),
        repository_versions: other.slice(-20),
      },
      location: { path: p.list },
    });
  }
}
