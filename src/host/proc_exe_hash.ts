/**
 * SHA-256 of a process executable, opened through /proc/<pid>/exe (so a deleted or replaced file is hashed as it
 * runs; see `Host.openProcExe`), with a size cap: a file over the cap is reported as such, never partly hashed.
 */
import { digestFile } from "./file_hash.ts";
import type { Host } from "./host.ts";

/** Default cap: 256 MiB. */
export const EXE_HASH_MAX_BYTES = 256 << 20;

/** The outcome of hashing one executable. */
export type ExeHash =
  | { status: "ok"; sha256: string; size: number }
  | { status: "too_large"; size: number }
  | { status: "error"; message: string };

/** Hashes executables, each distinct file (device, inode, size, mtime) once per scan. */
export class ExeHasher {
  readonly #cache = new Map<string, ExeHash>();
  readonly #buffer = new Uint8Array(1 << 20);

  constructor(readonly host: Host, readonly maxBytes = EXE_HASH_MAX_BYTES) {}

  /** Hashes the executable of `pid`. */
  hash(pid: number): Promise<ExeHash> {
    const opened = this.host.openProcExe(pid);
    if (!opened.ok) return Promise.resolve({ status: "error", message: opened.message });
    using file = opened.file;
    const st = file.stat;
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const cached = this.#cache.get(key);
    if (cached) return Promise.resolve(cached);
    const d = digestFile(file, ["sha256"], { maxBytes: this.maxBytes, buffer: this.#buffer });
    const result: ExeHash = d.kind === "ok"
      ? { status: "ok", sha256: d.digests.sha256, size: d.size }
      : d.kind === "too_large"
      ? { status: "too_large", size: d.size }
      : { status: "error", message: d.message };
    this.#cache.set(key, result);
    return Promise.resolve(result);
  }
}
