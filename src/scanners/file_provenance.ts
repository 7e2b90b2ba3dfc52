/**
 * Whether a file is the one its package installed: its owner in the dpkg or rpm database and the digest the
 * database recorded (dpkg: the package's md5sums, or for a conffile the hash in /var/lib/dpkg/status; rpm: the
 * header's file digests), compared with the file on disk. Used where "shipped" and "changed by someone" must be
 * told apart: PAM modules, sysctl.d files.
 */
import type { Host } from "../host/host.ts";
import { type HostPackageOwners, PackageDb } from "../host/package_owners.ts";
import { hashFile } from "./integrity/hash_file.ts";
import { parseStatus } from "./integrity/dpkg_md5sums.ts";

/** What the package database says about one file. */
export type FileProvenance =
  | { kind: "unowned" }
  | { kind: "modified"; pkg: string; algorithm: string }
  | { kind: "ok"; pkg: string }
  | { kind: "unverified"; pkg: string; reason: string };

/** The verdicts of `fileProvenance`. */
export interface ProvenanceOutcome {
  /** Verdict per file; undefined when the host has no package database (nothing can be judged). */
  verdicts?: Map<string, FileProvenance>;
  /** The database the verdicts come from. */
  tool?: string;
  /** Unreadable database parts and files, caps hit (for collection warnings). */
  problems: string[];
}

const STATUS_CAP = 256 << 20;

/** The conffile hashes dpkg's status file records (path → md5), read once on first use. */
function conffileDigests(host: Host, problems: string[]): () => Map<string, string> {
  let table: Map<string, string> | undefined;
  return () => {
    if (table) return table;
    table = new Map();
    const st = host.readText("/var/lib/dpkg/status", STATUS_CAP);
    if (!st.ok) {
      if (st.reason !== "missing") problems.push(`/var/lib/dpkg/status: ${st.message}`);
      return table;
    }
    if (st.truncated) problems.push("/var/lib/dpkg/status larger than 256 MiB: some conffile hashes missing");
    for (const pkg of parseStatus(st.value).packages) {
      for (const c of pkg.conffiles) if (c.md5 && !c.obsolete && !table.has(c.path)) table.set(c.path, c.md5);
    }
    return table;
  };
}

/**
 * Checks `files` (absolute host paths) against the package database (`db`: the scan's, see ./package_db.ts):
 * owner, and the digest the package recorded. Files larger than `maxBytes` are `unverified`.
 */
export async function fileProvenance(
  host: Host,
  files: ReadonlySet<string>,
  maxBytes: number,
  db: PackageDb = new PackageDb(host),
): Promise<ProvenanceOutcome> {
  if (files.size === 0) return { problems: [] };
  const loaded = await db.owners(files);
  if (loaded.tool === undefined) return { problems: loaded.problems };
  const { owners, tool } = loaded as HostPackageOwners;
  const verdicts = new Map<string, FileProvenance>();
  const problems = [...loaded.problems];
  const conffiles = conffileDigests(host, problems);
  for (const file of [...files].sort()) {
    const pkg = owners.ownerOf(file);
    if (pkg === undefined) {
      verdicts.set(file, { kind: "unowned" });
      continue;
    }
    let recorded = owners.digestOf(file);
    if (!recorded && tool === "dpkg") {
      const hex = conffiles().get(file);
      if (hex) recorded = { algorithm: "md5", hex };
    }
    if (!recorded || (recorded.algorithm !== "md5" && recorded.algorithm !== "sha256")) {
      verdicts.set(file, { kind: "unverified", pkg, reason: "no md5 or sha256 digest recorded" });
      continue;
    }
    const h = await hashFile(host, file, recorded.algorithm, maxBytes);
    if (h.kind !== "ok") {
      verdicts.set(file, { kind: "unverified", pkg, reason: h.kind });
      if (h.kind === "denied" || h.kind === "error") problems.push(`${file}: ${h.message}`);
      continue;
    }
    verdicts.set(
      file,
      h.digest === recorded.hex.toLowerCase()
        ? { kind: "ok", pkg }
        : { kind: "modified", pkg, algorithm: recorded.algorithm },
    );
  }
  return { verdicts, tool, problems };
}
