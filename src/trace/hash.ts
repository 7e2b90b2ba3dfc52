/**
 * `--trace-hash`: the SHA-256 of each newly executed file. The file is opened through /proc/<pid>/exe inside
 * the ring-buffer callback, while the process still lives (a deleted or replaced file is hashed as it ran),
 * and hashed after the poll returns. When the process has already exited (a /bin/true lives ~1 ms, a poll
 * lasts up to 100 ms), the path given to exec is opened instead and the record says so. Each distinct file
 * (device + inode) is hashed once; files over the cap are not hashed.
 */
import { createHash } from "node:crypto";

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
  readonly #pending = new Map<string, Deno.FsFile>();
  readonly stats: HashStats = { computed: 0, cached: 0, by_path: 0, failed: 0, too_large: 0, skipped: 0 };

  constructor(readonly maxBytes = TRACE_HASH_MAX_BYTES) {}

  /**
   * Opens /proc/<pid>/exe now, or `path` (absolute, not /dev/fd/N) when the process is gone. Returns the file's
   * key (dev:ino) and how it was opened, or null when neither could be opened.
   */
  capture(pid: number, path: string): { key: string; via: "proc_exe" | "path" } | null {
    if (this.#pending.size >= MAX_PENDING) {
      this.stats.skipped++;
      return null;
    }
    let file: Deno.FsFile;
    let via: "proc_exe" | "path" = "proc_exe";
    try {
      file = Deno.openSync(`/proc/${pid}/exe`, { read: true });
    } catch {
      if (!path.startsWith("/") || path.startsWith("/dev/fd/") || path.startsWith("/proc/")) {
        this.stats.failed++;
        return null;
      }
      try {
        file = Deno.openSync(path, { read: true });
        via = "path";
        this.stats.by_path++;
      } catch {
        this.stats.failed++;
        return null;
      }
    }
    try {
      const st = file.statSync();
      const key = `${st.dev}:${st.ino}`;
      if (this.#done.has(key) || this.#pending.has(key) || !st.isFile) {
        if (this.#done.has(key) || this.#pending.has(key)) this.stats.cached++;
        file.close();
        return st.isFile ? { key, via } : null;
      }
      if (st.size > this.maxBytes) {
        this.stats.too_large++;
        this.#done.set(key, null);
        file.close();
        return { key, via };
      }
      this.#pending.set(key, file);
      return { key, via };
    } catch {
      this.stats.failed++;
      file.close();
      return null;
    }
  }

  /** Hashes every captured file not hashed yet, and closes it. */
  flush(): void {
    const buf = new Uint8Array(1 << 20);
    for (const [key, file] of this.#pending) {
      try {
        const h = createHash("sha256");
        let size = 0;
        while (true) {
          const n = file.readSync(buf);
          if (n === null || n === 0) break;
          size += n;
          if (size > this.maxBytes) break;
          h.update(buf.subarray(0, n));
        }
        if (size > this.maxBytes) {
          this.stats.too_large++;
          this.#done.set(key, null);
        } else {
          this.stats.computed++;
          this.#done.set(key, h.digest("hex"));
        }
      } catch {
        this.stats.failed++;
        this.#done.set(key, null);
      } finally {
        file.close();
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
