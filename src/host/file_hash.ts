/**
 * The one streaming hash loop: digests of a file opened by the Host (`HostFile`, see ./open.ts), read through a
 * caller's buffer in one pass, bounded. Every hasher of sys-scan (set-id and world-writable entries, package
 * verification, process executables, the trace's --trace-hash) calls this on a descriptor it opened safely.
 */
import { createHash } from "node:crypto";
import type { HostFile } from "./open.ts";

/** The outcome of hashing an open file. */
export type FileDigest =
  | {
    kind: "ok";
    /** Hex digest per algorithm name (node:crypto names: "sha256", "md5", "sha1"). */
    digests: Record<string, string>;
    /** Bytes hashed. */
    size: number;
    /** Only the first `maxBytes` were hashed (with `partial: true`). */
    truncated: boolean;
  }
  | { kind: "too_large"; size: number }
  | { kind: "error"; message: string };

/** How to hash. */
export interface DigestOptions {
  /** Hash at most this many bytes. */
  maxBytes: number;
  /**
   * What to do with a larger file: false (the default) refuses it (`too_large`, also when it grows past the cap
   * while read); true hashes its first `maxBytes` bytes and says `truncated`.
   */
  partial?: boolean;
  /** The read buffer (one per concurrent caller); 256 KiB when absent. */
  buffer?: Uint8Array<ArrayBuffer>;
}

/** Digests `file` with each of `algorithms` in one bounded pass. Never throws. */
export function digestFile(file: HostFile, algorithms: readonly string[], opts: DigestOptions): FileDigest {
  if (!opts.partial && file.stat.size > opts.maxBytes) return { kind: "too_large", size: file.stat.size };
  const hashes = algorithms.map((a) => createHash(a));
  const buf = opts.buffer ?? new Uint8Array(256 << 10);
  let size = 0;
  let truncated = false;
  try {
    while (true) {
      const n = file.read(buf);
      if (n === 0) break;
      const take = Math.min(n, opts.maxBytes - size);
      if (take < n) {
        if (!opts.partial) return { kind: "too_large", size: size + n };
        truncated = true;
      }
      for (const h of hashes) h.update(buf.subarray(0, take));
      size += take;
      if (truncated) break;
    }
  } catch (e) {
    return { kind: "error", message: e instanceof Error ? e.message : String(e) };
  }
  const digests: Record<string, string> = {};
  algorithms.forEach((a, i) => digests[a] = hashes[i].digest("hex"));
  return { kind: "ok", digests, size, truncated };
}
