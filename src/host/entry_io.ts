/**
 * Reading a file the walker yielded: only regular files, and only when the opened file is still the walked
 * inode (a file swapped for a symlink or another file between the walk and the read is refused).
 */
import { createHash } from "node:crypto";
import type { WalkEntry } from "./walker.ts";

/** The outcome of reading a walked file. */
export type EntryRead<T> = { ok: true; value: T; truncated: boolean } | { ok: false; message: string };

function openSame(entry: WalkEntry): Deno.FsFile | string {
  if (entry.kind !== "file") return `${entry.path} is not a regular file`;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(entry.realPath, { read: true });
  } catch (e) {
    return `${entry.path}: ${e instanceof Error ? e.message : String(e)}`;
  }
  const st = file.statSync();
  if (!st.isFile || st.ino !== entry.ino || st.dev !== entry.dev) {
    file.close();
    return `${entry.path} changed between the walk and the read`;
  }
  return file;
}

/** The first `maxBytes` bytes of a walked regular file (for ELF magic or a shebang line). */
export function readEntryHead(entry: WalkEntry, maxBytes: number): EntryRead<Uint8Array> {
  const file = openSame(entry);
  if (typeof file === "string") return { ok: false, message: file };
  try {
    const buf = new Uint8Array(maxBytes);
    let used = 0;
    while (used < maxBytes) {
      const n = file.readSync(buf.subarray(used));
      if (n === null || n === 0) break;
      used += n;
    }
    return { ok: true, value: buf.slice(0, used), truncated: entry.size > used };
  } catch (e) {
    return { ok: false, message: `${entry.path}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    file.close();
  }
}

/**
 * Digests (hex, by node:crypto algorithm name) of a walked regular file, streamed in one pass; only the first
 * `maxBytes` bytes when it is larger (`truncated`).
 */
export function digestEntry(
  entry: WalkEntry,
  maxBytes: number,
  algorithms: readonly string[],
): EntryRead<Record<string, string>> {
  const file = openSame(entry);
  if (typeof file === "string") return { ok: false, message: file };
  try {
    const hashes = algorithms.map((a) => createHash(a));
    const buf = new Uint8Array(256 << 10);
    let left = maxBytes;
    let truncated = false;
    while (true) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      const take = Math.min(n, left);
      for (const h of hashes) h.update(buf.subarray(0, take));
      left -= take;
      if (n > take) {
        truncated = true;
        break;
      }
    }
    const value: Record<string, string> = {};
    algorithms.forEach((a, i) => value[a] = hashes[i].digest("hex"));
    return { ok: true, value, truncated };
  } catch (e) {
    return { ok: false, message: `${entry.path}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    file.close();
  }
}

/** SHA-256 (hex) of a walked regular file, streamed; only the first `maxBytes` bytes when it is larger. */
export function sha256Entry(entry: WalkEntry, maxBytes: number): EntryRead<string> {
  const r = digestEntry(entry, maxBytes, ["sha256"]);
  return r.ok ? { ok: true, value: r.value.sha256, truncated: r.truncated } : r;
}
