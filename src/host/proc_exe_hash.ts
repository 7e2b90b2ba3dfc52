/**
 * SHA-256 of a process executable, streamed through node:crypto from /proc/<pid>/exe (so a deleted or replaced
 * file is hashed as it runs), with a size cap: a file over the cap is reported as such, never partly hashed.
 */
import { createHash } from "node:crypto";
import type { Host } from "./host.ts";

/** Default cap: 256 MiB. */
export const EXE_HASH_MAX_BYTES = 256 << 20;

/** The outcome of hashing one executable. */
export type ExeHash =
  | { status: "ok"; sha256: string; size: number }
  | { status: "too_large"; size: number }
  | { status: "error"; message: string };

const CHUNK = 1 << 20;

/** Hashes executables, each distinct file (device, inode, size, mtime) once per scan. */
export class ExeHasher {
  readonly #cache = new Map<string, ExeHash>();

  constructor(readonly host: Host, readonly maxBytes = EXE_HASH_MAX_BYTES) {}

  /** Hashes the executable of `pid`. */
  async hash(pid: number): Promise<ExeHash> {
    const path = this.host.resolve(`/proc/${pid}/exe`);
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch (e) {
      return { status: "error", message: e instanceof Error ? e.message : String(e) };
    }
    if (!info.isFile) return { status: "error", message: "not a regular file" };
    const key = `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime() ?? 0}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const result = info.size > this.maxBytes
      ? { status: "too_large" as const, size: info.size }
      : await this.#stream(path);
    this.#cache.set(key, result);
    return result;
  }

  async #stream(path: string): Promise<ExeHash> {
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(path, { read: true });
      const h = createHash("sha256");
      const buf = new Uint8Array(CHUNK);
      let size = 0;
      while (true) {
        const n = await file.read(buf);
        if (n === null || n === 0) break;
        size += n;
        if (size > this.maxBytes) return { status: "too_large", size };
        h.update(buf.subarray(0, n));
      }
      return { status: "ok", sha256: h.digest("hex"), size };
    } catch (e) {
      return { status: "error", message: e instanceof Error ? e.message : String(e) };
    } finally {
      file?.close();
    }
  }
}
