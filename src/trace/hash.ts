/**
 * `--trace-hash`: the SHA-256 of each newly executed file. The file is opened through /proc/<pid>/exe inside
 * the ring-buffer callback, while the process still lives (a deleted or replaced file is hashed as it ran),
 * and hashed after the poll returns. When the process has already exited (a /bin/true lives ~1 ms, a poll
 * lasts up to 100 ms), the path given to exec is opened instead (through the Host's safe open: an executable
 * swapped for a FIFO, a device or a user's symlink is refused, never waited on) and the record says so. Each
 * distinct file (device + inode) is hashed once; files over the cap are not hashed.
 */
import { digestFile } from "../host/file_hash.ts";
import { Host } from "../host/host.ts";
import type { HostFile } from "../host/open.ts";

/** Files larger than this are not hashed (256 MiB). */
export const TRACE_HASH_MAX_BYTES = 256 << 20;

/** Counters for meta.trace.hashes. */
export interface HashStats {
  computed: number;
  cached: number;
  /** Hashed by path because the process had exited. */
  by_path: number;
  failed: number;
  too_large: number;
  /** Not captured because MAX_PENDING files were already open awaiting a hash. */
  skipped: number;
}

/** Files held open between a poll and its flush, at most (a burst of distinct binaries must not exhaust fds). */
export const MAX_PENDING = 256;

/** Captures executables by pid and hashes them later, cached by device and inode. */
export class ExecHasher {
  readonly #done = new Map<string, string | null>();
  readonly #pending = new Map<string, HostFile>();
  readonly stats: HashStats = { computed: 0, cached: 0, by_path: 0, failed: 0, too_large: 0, skipped: 0 };

  constructor(readonly maxBytes = TRACE_HASH_MAX_BYTES, readonly host: Host = new Host("/")) {}

  /**
   * Opens /proc/<pid>/exe now, or `path` (absolute, not /dev/fd/N) when the process is gone. Returns the file's
   * key (dev:ino) and how it was opened, or null when neither could be opened.
   */
  capture(pid: number, path: string): { key: string; via: "proc_exe" | "path" } | null {
    if (this.#pending.size >= MAX_PENDING) {
      this.stats.skipped++;
      return null;
    }
    let via: "proc_exe" | "path" = "proc_exe";
    let opened = this.host.openProcExe(pid);
    if (!opened.ok) {
      if (!path.startsWith("/") || path.startsWith("/dev/fd/") || path.startsWith("/proc/")) {
        this.stats.failed++;
        return null;
      }
      opened = this.host.open(path);
      if (!opened.ok) {
        this.stats.failed++;
        return null;
      }
      via = "path";
      this.stats.by_path++;
    }
    const file = opened.file;
    const key = `${file.stat.dev}:${file.stat.ino}`;
    if (this.#done.has(key) || this.#pending.has(key)) {
      this.stats.cached++;
      file.close();
      return { key, via };
    }
    if (file.stat.size > this.maxBytes) {
      this.stats.too_large++;
      this.#done.set(key, null);
      file.close();
      return { key, via };
    }
    this.#pending.set(key, file);
    return { key, via };
  }

  /** Hashes every captured file not hashed yet, and closes it. */
  flush(): void {
    const buffer = new Uint8Array(1 << 20);
    for (const [key, file] of this.#pending) {
      const d = digestFile(file, ["sha256"], { maxBytes: this.maxBytes, buffer });
      file.close();
      if (d.kind === "ok") {
        this.stats.computed++;
        this.#done.set(key, d.digests.sha256);
      } else {
        if (d.kind === "too_large") this.stats.too_large++;
        else this.stats.failed++;
        this.#done.set(key, null);
      }
    }
    this.#pending.clear();
  }

  /** The hash of a captured file, once flushed. */
  get(key: string | null): string | null {
    return key === null ? null : this.#done.get(key) ?? null;
  }

  /** Closes any file still pending (the trace stopped before a flush). */
  close(): void {
    for (const f of this.#pending.values()) f.close();
    this.#pending.clear();
  }
}
