/**
 * Root-relative, bounded access to the host. Every scanner reads through a Host so that `--root DIR`
 * scans a mounted image or a fixture tree. Paths given to a Host are absolute host paths ("/etc/passwd");
 * symlinks are resolved inside the root and never lead out of it.
 */

import { Errno } from "../../ffi/dirent.ts";
import { FileReader, fillBounded } from "../../ffi/file_read.ts";
import { strerror } from "../../ffi/libc.ts";

/** Why a read failed. */
export type ReadFailure = "missing" | "denied" | "not_file" | "error";

/** The outcome of a bounded read. */
export type ReadOutcome<T> =
  | { ok: true; value: T; truncated: boolean }
  | { ok: false; reason: ReadFailure; message: string };

/** The default cap for a single read: 1 MiB. */
export const DEFAULT_MAX_BYTES = 1 << 20;

const MAX_LINK_HOPS = 40;

function classify(e: unknown): ReadFailure {
  if (e instanceof Deno.errors.NotFound) return "missing";
  if (e instanceof Deno.errors.PermissionDenied) return "denied";
  if (e instanceof Deno.errors.NotADirectory) return "missing";
  return "error";
}

function failure<T>(e: unknown): ReadOutcome<T> {
  return { ok: false, reason: classify(e), message: e instanceof Error ? e.message : String(e) };
}

/** The failure for an errno from libc, worded like Deno's errors. */
function errnoFailure<T>(errno: number, op: string, real: string): ReadOutcome<T> {
  const reason: ReadFailure = errno === Errno.ENOENT || errno === Errno.ENOTDIR
    ? "missing"
    : errno === Errno.EACCES || errno === Errno.EPERM
    ? "denied"
    : "error";
  return { ok: false, reason, message: `${strerror(errno)} (os error ${errno}): ${op} '${real}'` };
}

/** Splits an absolute path into normalised components ("." and ".." resolved lexically at the root). */
export function pathComponents(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out;
}

/** Root-relative host access. */
export class Host {
  /** The scan root, without a trailing slash ("" for the real root). */
  readonly #root: string;

  constructor(root = "/") {
    const comps = pathComponents(root.startsWith("/") ? root : `${Deno.cwd()}/${root}`);
    this.#root = comps.length === 0 ? "" : "/" + comps.join("/");
  }

  /** The scan root as given ("/" for the live host). */
  get root(): string {
    return this.#root === "" ? "/" : this.#root;
  }

  /** True when scanning the live host rather than a mounted image or fixture tree. */
  get isLive(): boolean {
    return this.#root === "";
  }

  /**
   * Maps a host path to the real path to open: on the live host the path itself; under `--root`, every
   * symlink on the way is resolved inside the root (absolute targets are re-rooted, ".." stops at the root).
   * With `followLast: false` the final component is not resolved (lstat/readlink semantics).
   */
  resolve(path: string, followLast = true): string {
    const comps = pathComponents(path);
    if (this.#root === "") return "/" + comps.join("/");
    const done: string[] = [];
    const todo = [...comps];
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === "..") {
        done.pop();
        continue;
      }
      const candidate = this.#root + "/" + [...done, part].join("/");
      const isLast = todo.length === 0;
      let target: string | undefined;
      if (!isLast || followLast) {
        try {
          if (Deno.lstatSync(candidate).isSymlink) target = Deno.readLinkSync(candidate);
        } catch {
          target = undefined;
        }
      }
      if (target === undefined) {
        done.push(part);
        continue;
      }
      if (++hops > MAX_LINK_HOPS) {
        done.push(part);
        break;
      }
      const linkComps = target.split("/").filter((c) => c !== "" && c !== ".");
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...linkComps);
    }
    return this.#root + "/" + done.join("/");
  }

  /** Reads at most `maxBytes` bytes of a regular file (procfs/sysfs files included); refuses FIFOs, sockets, devices. */
  readBytes(path: string, maxBytes = DEFAULT_MAX_BYTES): ReadOutcome<Uint8Array> {
    const real = this.resolve(path);
    const reader = FileReader.shared();
    if (reader !== null) {
      const r = reader.readFile(real, maxBytes);
      if (r.ok) return { ok: true, value: r.bytes, truncated: r.truncated };
      if (r.notFile) return { ok: false, reason: "not_file", message: `${path} is not a regular file` };
      return errnoFailure(r.errno, "open", real);
    }
    let file: Deno.FsFile | undefined;
    try {
      const st = Deno.statSync(real);
      if (!st.isFile) return { ok: false, reason: "not_file", message: `${path} is not a regular file` };
      const opened = Deno.openSync(real, { read: true });
      file = opened;
      const first = new Uint8Array(Math.min(maxBytes + 1, Math.max(st.size + 1, 4096)));
      const { buf, used } = fillBounded(first, maxBytes, (into) => opened.readSync(into) ?? 0);
      return { ok: true, value: buf.slice(0, Math.min(used, maxBytes)), truncated: used > maxBytes };
    } catch (e) {
      return failure(e);
    } finally {
      file?.close();
    }
  }

  /** Reads a text file (UTF-8, invalid bytes replaced) with a byte cap. */
  readText(path: string, maxBytes = DEFAULT_MAX_BYTES): ReadOutcome<string> {
    const r = this.readBytes(path, maxBytes);
    if (!r.ok) return r;
    return { ok: true, value: new TextDecoder().decode(r.value), truncated: r.truncated };
  }

  /** lstat of a host path (the last component is not followed). */
  lstat(path: string): ReadOutcome<Deno.FileInfo> {
    try {
      return { ok: true, value: Deno.lstatSync(this.resolve(path, false)), truncated: false };
    } catch (e) {
      return failure(e);
    }
  }

  /** stat of a host path (symlinks followed inside the root). */
  stat(path: string): ReadOutcome<Deno.FileInfo> {
    try {
      return { ok: true, value: Deno.statSync(this.resolve(path)), truncated: false };
    } catch (e) {
      return failure(e);
    }
  }

  /** True when the path exists (following symlinks inside the root). */
  exists(path: string): boolean {
    return this.stat(path).ok;
  }

  /** The raw target of a symlink. */
  readLink(path: string): ReadOutcome<string> {
    const reader = FileReader.shared();
    if (reader !== null) {
      const real = this.resolve(path, false);
      const r = reader.readLink(real);
      return r.ok ? { ok: true, value: r.target, truncated: false } : errnoFailure(r.errno, "readlink", real);
    }
    try {
      return { ok: true, value: Deno.readLinkSync(this.resolve(path, false)), truncated: false };
    } catch (e) {
      return failure(e);
    }
  }

  /** Directory entries (names and types, unsorted), at most `maxEntries`; `truncated` when the cap was hit. */
  readDir(path: string, maxEntries = 100_000): ReadOutcome<Deno.DirEntry[]> {
    try {
      const out: Deno.DirEntry[] = [];
      for (const e of Deno.readDirSync(this.resolve(path))) {
        if (out.length >= maxEntries) return { ok: true, value: out, truncated: true };
        out.push(e);
      }
      return { ok: true, value: out, truncated: false };
    } catch (e) {
      return failure(e);
    }
  }
}
