/**
 * Scanning one walked file with YARA: the same on the scan worker's thread and on a helper thread
 * (`yara_worker.ts`). The file is opened by the Host's safe open (never a FIFO, device or final symlink, and only
 * while it is the walked inode), read whole into a reused buffer and scanned in memory, so a file that grows or
 * shrinks meanwhile only changes what was read.
 */
import { sha256Hex } from "../../host/hash.ts";
import type { Host } from "../../host/host.ts";
import type { WalkEntry } from "../../host/walker.ts";
import type { ScanResult, YaraScanner } from "./engine.ts";

/** What scanning one walked file gave. */
export type FileScan =
  /** `shrank`: the file ended before the size it had when opened (what was read was scanned). */
  | { kind: "scanned"; result: ScanResult; size: number; sha256: string; shrank: boolean }
  /** Over the cap: its size when opened, or what it grew to while read (`listed`: its walked size, not opened). */
  | { kind: "too_large"; size: number; listed?: boolean }
  /** Not the regular file the walk listed any more: a symlink, a special file or another file now. */
  | { kind: "changed"; message: string }
  | { kind: "missing" }
  | { kind: "unreadable"; message: string };

/**
 * Opens a walked file (never a final symlink; only while it is the walked inode; FIFOs and devices are refused
 * without being opened), reads it whole into `buffer` (at least `maxBytes` + 1 long, reused from file to
 * file), scans it with a timeout, and hashes what was scanned when a rule matched.
 */
export function scanWalkedFile(
  ctx: { host: Host },
  e: Pick<WalkEntry, "path" | "dev" | "ino">,
  scanner: YaraScanner,
  maxBytes: number,
  timeoutSeconds: number,
  buffer: Uint8Array<ArrayBuffer>,
): FileScan {
  const opened = ctx.host.open(e.path, { follow: false, expect: { dev: e.dev, ino: e.ino } });
  if (!opened.ok) {
    if (opened.reason === "missing") return { kind: "missing" };
    if (opened.reason === "changed" || opened.reason === "link" || opened.reason === "not_file") {
      return { kind: "changed", message: opened.message };
    }
    return { kind: "unreadable", message: opened.message };
  }
  using file = opened.file;
  // Nothing is read of a file already over the cap (a sparse terabyte included).
  if (file.stat.size > maxBytes) return { kind: "too_large", size: file.stat.size };
  if (buffer.length <= maxBytes) throw new Error("the read buffer must hold maxBytes + 1 bytes");
  // Up to one byte past the cap, which tells a file that grew past it while read.
  let used = 0;
  try {
    while (used <= maxBytes) {
      const n = file.read(buffer.subarray(used, maxBytes + 1));
      if (n === 0) break;
      used += n;
    }
  } catch (err) {
    return { kind: "unreadable", message: `${e.path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (used > maxBytes) return { kind: "too_large", size: used };
  const bytes = buffer.subarray(0, used);
  const result = scanner.scan(bytes, timeoutSeconds);
  const sha256 = result.matches.length > 0 ? sha256Hex(bytes) : "";
  return { kind: "scanned", result, size: used, sha256, shrank: used < file.stat.size };
}
