/** Streamed, bounded hashing of a host file (MD5 for dpkg, SHA-256 for reports). Never opens non-regular files. */
import { digestFileOffThread } from "../../host/file_hash.ts";
import type { Host } from "../../host/host.ts";

/** The outcome of hashing one file. */
export type HashOutcome =
  | { kind: "ok"; digest: string; size: number; mode: number; mtime: Date | null; uid: number | null }
  | { kind: "missing" }
  | { kind: "denied"; message: string }
  | { kind: "not_file"; message: string }
  | { kind: "too_large"; size: number }
  | { kind: "error"; message: string };

/**
 * Hashes `path` (an absolute host path, opened by the Host's safe open: symlinks resolved inside the scan root
 * under its trust rule) with `algorithm`, reading through `buffer` (one per concurrent caller). Files larger than
 * `maxBytes` are not read (`too_large`); a file that grows past the cap while it is read is not either. A
 * symlink the Host refuses to follow counts as `not_file` (a packaged file replaced by a user's link).
 */
export async function hashFile(
  host: Host,
  path: string,
  algorithm: "md5" | "sha256",
  maxBytes: number,
  buffer: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16),
): Promise<HashOutcome> {
  const opened = host.open(path);
  if (!opened.ok) {
    switch (opened.reason) {
      case "missing":
        return { kind: "missing" };
      case "denied":
        return { kind: "denied", message: opened.message };
      case "not_file":
      case "link":
        return { kind: "not_file", message: opened.message };
      default:
        return { kind: "error", message: opened.message };
    }
  }
  using file = opened.file;
  // Hashed off this thread (libcrypto), so the scanner's concurrent lanes hash on every core.
  const d = await digestFileOffThread(file, algorithm, { maxBytes, buffer });
  if (d.kind !== "ok") return d;
  const st = file.stat;
  return {
    kind: "ok",
    digest: d.digests[algorithm],
    size: d.size,
    mode: st.mode,
    mtime: new Date(st.mtimeMs),
    uid: st.uid,
  };
}
