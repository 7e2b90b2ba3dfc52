/** Streamed, bounded hashing of a host file (MD5 for dpkg, SHA-256 for reports). Never opens non-regular files. */
import { createHash } from "node:crypto";
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
 * Hashes `path` (an absolute host path, symlinks resolved inside the scan root) with `algorithm`, reading
 * through `buffer` (one per concurrent caller). Files larger than `maxBytes` are not read (`too_large`);
 * a file that grows past the cap while it is read is not either.
 */
export async function hashFile(
  host: Host,
  path: string,
  algorithm: "md5" | "sha256",
  maxBytes: number,
  buffer: Uint8Array = new Uint8Array(1 << 16),
): Promise<HashOutcome> {
  const real = host.resolve(path);
  let file: Deno.FsFile | undefined;
  try {
    const st = await Deno.stat(real);
    if (!st.isFile) return { kind: "not_file", message: `${path} is not a regular file` };
    if (st.size > maxBytes) return { kind: "too_large", size: st.size };
    file = await Deno.open(real, { read: true });
    const hash = createHash(algorithm);
    let size = 0;
    while (true) {
      const n = await file.read(buffer);
      if (n === null || n === 0) break;
      size += n;
      if (size > maxBytes) return { kind: "too_large", size };
      hash.update(buffer.subarray(0, n));
    }
    return { kind: "ok", digest: hash.digest("hex"), size, mode: st.mode ?? 0, mtime: st.mtime, uid: st.uid };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return { kind: "missing" };
    }
    if (e instanceof Deno.errors.PermissionDenied) return { kind: "denied", message };
    return { kind: "error", message };
  } finally {
    file?.close();
  }
}
