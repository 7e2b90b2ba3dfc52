/**
 * Reading a file the walker or the census yielded: only regular files, opened through the Host's safe open
 * (./open.ts) and only when the opened file is still the walked inode (a file swapped for a symlink, a FIFO or
 * another file between the walk and the read is refused).
 */
import { digestFile } from "./file_hash.ts";
import { type Host, readAllOf } from "./host.ts";
import type { HostFile } from "./open.ts";
import type { WalkEntry } from "./walker.ts";

/** The outcome of reading a walked file. */
export type EntryRead<T> = { ok: true; value: T; truncated: boolean } | { ok: false; message: string };

function openSame(host: Host, entry: WalkEntry): HostFile | string {
  if (entry.kind !== "file") return `${entry.path} is not a regular file`;
  const opened = host.open(entry.path, { expect: { dev: entry.dev, ino: entry.ino } });
  return opened.ok ? opened.file : opened.message;
}

/** The first `maxBytes` bytes of a walked regular file (for ELF magic or a shebang line). */
export function readEntryHead(host: Host, entry: WalkEntry, maxBytes: number): EntryRead<Uint8Array> {
  const file = openSame(host, entry);
  if (typeof file === "string") return { ok: false, message: file };
  try {
    const { bytes } = readAllOf(file, maxBytes);
    return { ok: true, value: bytes, truncated: entry.size > bytes.length };
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
  host: Host,
  entry: WalkEntry,
  maxBytes: number,
  algorithms: readonly string[],
): EntryRead<Record<string, string>> {
  const file = openSame(host, entry);
  if (typeof file === "string") return { ok: false, message: file };
  try {
    const d = digestFile(file, algorithms, { maxBytes, partial: true });
    if (d.kind === "ok") return { ok: true, value: d.digests, truncated: d.truncated };
    return { ok: false, message: `${entry.path}: ${d.kind === "error" ? d.message : "too large"}` };
  } finally {
    file.close();
  }
}

/** SHA-256 (hex) of a walked regular file, streamed; only the first `maxBytes` bytes when it is larger. */
export function sha256Entry(host: Host, entry: WalkEntry, maxBytes: number): EntryRead<string> {
  const r = digestEntry(host, entry, maxBytes, ["sha256"]);
  return r.ok ? { ok: true, value: r.value.sha256, truncated: r.truncated } : r;
}
