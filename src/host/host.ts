/**
 * Root-relative, bounded access to the host. Every scanner reads through a Host so that `--root DIR`
 * scans a mounted image or a fixture tree. Paths given to a Host are absolute host paths ("/etc/passwd");
 * symlinks are resolved inside the root and never lead out of it. Files and directories are opened only through
 * the safe-open rules of `./open.ts` (no FIFOs or devices, no symlinks a user planted to redirect root, no
 * remote filesystems unless allowed).
 */

import { AT, Errno, fileInfoAt, fillBounded, readlinkAt } from "../../ffi/fd.ts";
import { cString, strerror, tryLibc } from "../../ffi/libc.ts";
import { readDirFd } from "../../ffi/dirent.ts";
import {
  type FileKind,
  FileOpener,
  type HostFile,
  type Opened,
  type OpenerOptions,
  type OpenRequest,
  pathComponents,
} from "./open.ts";

export { pathComponents };

/** Why a read failed: `link` is a symlink not followed (see ./open.ts), `remote` a remote or FUSE filesystem. */
export type ReadFailure = "missing" | "denied" | "not_file" | "link" | "remote" | "error";

/** The outcome of a bounded read. */
export type ReadOutcome<T> =
  | { ok: true; value: T; truncated: boolean }
  /** `kind`: what was found instead of a file, for a `not_file` failure (see ./open.ts `Opened`). */
  | { ok: false; reason: ReadFailure; message: string; kind?: FileKind };

/** A slice of a file: its bytes, where they start, and the file's size when it was read. */
export interface FileRange {
  bytes: Uint8Array;
  start: number;
  size: number;
}

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

/** A failed system call on `real` as a read failure, worded as Deno words its errors. */
function errnoOutcome<T>(errnum: number, op: string, real: string): ReadOutcome<T> {
  const reason: ReadFailure = errnum === Errno.ENOENT || errnum === Errno.ENOTDIR
    ? "missing"
    : errnum === Errno.EACCES || errnum === Errno.EPERM
    ? "denied"
    : "error";
  return { ok: false, reason, message: `${strerror(errnum)} (os error ${errnum}): ${op} '${real}'` };
}

/** stat or lstat of `real`: through statx where libc is loaded (a missing file is a value, not an exception). */
function statOf(real: string, follow: boolean): ReadOutcome<Deno.FileInfo> {
  if (tryLibc() !== null) {
    const st = fileInfoAt(AT.FDCWD, cString(real), follow);
    return typeof st === "number"
      ? errnoOutcome(-st, follow ? "stat" : "lstat", real)
      : { ok: true, value: st, truncated: false };
  }
  try {
    return { ok: true, value: follow ? Deno.statSync(real) : Deno.lstatSync(real), truncated: false };
  } catch (e) {
    return failure(e);
  }
}

/** A refused or failed open as a read failure ("changed" reads as "error": the file moved under us). */
function openFailure<T>(r: Extract<Opened, { ok: false }>): ReadOutcome<T> {
  const reason = r.reason === "changed" ? "error" : r.reason;
  return r.kind === undefined
    ? { ok: false, reason, message: r.message }
    : { ok: false, reason, message: r.message, kind: r.kind };
}

let chunk = new Uint8Array(64 << 10);
const utf8 = new TextDecoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Fills a reused buffer from an open file, up to `maxBytes` + 1 bytes. The buffer is sized from the size the
 * descriptor reports when that is larger than the reused one (a 4 MiB file is one allocation, not doublings up to
 * it) and grows as needed for files that claim less (procfs files claim 0). The view is valid until the next fill.
 */
function fill(file: HostFile, maxBytes: number): { bytes: Uint8Array<ArrayBuffer>; truncated: boolean } {
  const claimed = Math.min(maxBytes, file.stat.size) + 1;
  const first = claimed > chunk.length ? new Uint8Array(claimed) : chunk;
  const { buf, used } = fillBounded(first, maxBytes, (into) => file.read(into));
  if (buf.length > chunk.length && buf.length <= 1 << 20) chunk = buf;
  return { bytes: buf.subarray(0, Math.min(used, maxBytes)), truncated: used > maxBytes };
}

/**
 * Reads at most `maxBytes` of an open file, whatever size it claims (procfs files claim 0); `truncated` when
 * there was more.
 */
export function readAllOf(file: HostFile, maxBytes: number): { bytes: Uint8Array; truncated: boolean } {
  const { bytes, truncated } = fill(file, maxBytes);
  return { bytes: bytes.slice(), truncated };
}

/** Root-relative host access. */
export class Host {
  /** The scan root, without a trailing slash ("" for the real root). */
  readonly #root: string;
  readonly #opener: FileOpener;

  constructor(root = "/", options: OpenerOptions = {}) {
    const comps = pathComponents(root.startsWith("/") ? root : `${Deno.cwd()}/${root}`);
    this.#root = comps.length === 0 ? "" : "/" + comps.join("/");
    this.#opener = new FileOpener(this.#root, options);
  }

  /**
   * Opens a host file (or, with `want: "dir"`, a directory) under the safe-open rules of `./open.ts`. The caller
   * disposes the file.
   */
  open(path: string, req: OpenRequest = {}): Opened {
    return this.#opener.open(path, req);
  }

  /** True when remote and FUSE filesystems may be read (`--remote-fs`); refused otherwise. */
  get allowRemote(): boolean {
    return this.#opener.allowRemote;
  }

  /**
   * The mount points of remote and FUSE filesystems a walk must step around (real paths on this machine; none
   * when they are allowed). A stat of such a mount point already waits on its server.
   */
  remoteMountpoints(): readonly string[] {
    return this.#opener.remoteMountpoints();
  }

  /**
   * True when `dev` (glibc's dev_t encoding, as stat and Deno's FileInfo.dev report it) is the device of a remote
   * or FUSE mount that is not to be entered: a stat of a file there can wait on its server for ever.
   */
  onRemoteDevice(dev: number): boolean {
    return this.#opener.remoteDevice(dev);
  }

  /** Opens the executable a live process runs, through its /proc magic link (see `FileOpener.openProcExe`). */
  openProcExe(pid: number): Opened {
    return this.#opener.openProcExe(pid);
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
    if (this.#root === "") return "/" + pathComponents(path).join("/");
    return this.#root + "/" + this.#followLinks(path, followLast).join("/");
  }

  /**
   * The host path `path` names once every symlink on the way is followed, inside the root (on the live host
   * too): two names of one file (`conf-enabled/x` linked to `conf-available/x`) give one path.
   */
  canonical(path: string): string {
    return "/" + this.#followLinks(path, true).join("/");
  }

  /** The components of `path` with its links followed inside the root (at most MAX_LINK_HOPS of them). */
  #followLinks(path: string, followLast: boolean): string[] {
    const done: string[] = [];
    const todo = pathComponents(path);
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
      if ((!isLast || followLast) && this.#opener.remoteAt(candidate) === undefined) {
        const link = tryLibc() !== null ? readlinkAt(AT.FDCWD, cString(candidate)) : undefined;
        if (link === undefined) {
          try {
            if (Deno.lstatSync(candidate).isSymlink) target = Deno.readLinkSync(candidate);
          } catch {
            target = undefined;
          }
        } else if (typeof link !== "number") target = utf8.decode(link);
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
    return done;
  }

  /**
   * Reads at most `maxBytes` bytes of a regular file (procfs/sysfs files included); refuses FIFOs, sockets,
   * devices, untrusted symlinks and remote filesystems (see `open`).
   */
  readBytes(path: string, maxBytes = DEFAULT_MAX_BYTES): ReadOutcome<Uint8Array> {
    const opened = this.#opener.open(path);
    if (!opened.ok) return openFailure(opened);
    using file = opened.file;
    try {
      const { bytes, truncated } = readAllOf(file, maxBytes);
      return { ok: true, value: bytes, truncated };
    } catch (e) {
      return failure(e);
    }
  }

  /**
   * Reads at most `maxBytes` bytes of a regular file from `offset`; a negative offset counts from the end
   * (-N: the last N bytes, for append-only logs whose newest records are at the end). `truncated` when the
   * bytes do not cover the whole file. Opened like `readBytes` (the same refusals); the size is the opened
   * descriptor's.
   */
  readRange(path: string, offset: number, maxBytes: number): ReadOutcome<FileRange> {
    const opened = this.#opener.open(path);
    if (!opened.ok) return openFailure(opened);
    using file = opened.file;
    try {
      const size = file.stat.size;
      const start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
      if (start > 0) file.seek(start);
      const buf = new Uint8Array(Math.max(0, Math.min(maxBytes, size - start)));
      let used = 0;
      while (used < buf.length) {
        const n = file.read(buf.subarray(used));
        if (n === 0) break;
        used += n;
      }
      return {
        ok: true,
        value: { bytes: buf.subarray(0, used), start, size },
        truncated: start > 0 || start + used < size,
      };
    } catch (e) {
      return failure(e);
    }
  }

  /** Reads a text file (UTF-8, invalid bytes replaced) with a byte cap. */
  readText(path: string, maxBytes = DEFAULT_MAX_BYTES): ReadOutcome<string> {
    const opened = this.#opener.open(path);
    if (!opened.ok) return openFailure(opened);
    using file = opened.file;
    try {
      // Decoded straight from the reused buffer: the text is a copy already, the bytes need not be one too.
      const { bytes, truncated } = fill(file, maxBytes);
      return { ok: true, value: utf8.decode(bytes), truncated };
    } catch (e) {
      return failure(e);
    }
  }

  /** lstat of a host path (the last component is not followed). */
  lstat(path: string): ReadOutcome<Deno.FileInfo> {
    const real = this.resolve(path, false);
    const remote = this.#remote<Deno.FileInfo>(path, real);
    return remote ?? statOf(real, false);
  }

  /** stat of a host path (symlinks followed inside the root). */
  stat(path: string): ReadOutcome<Deno.FileInfo> {
    const real = this.resolve(path);
    const remote = this.#remote<Deno.FileInfo>(path, real);
    return remote ?? statOf(real, true);
  }

  /**
   * A `remote` failure when `real` lies on a remote or FUSE mount (metadata calls by path are refused there too:
   * a stat already waits on a hung server).
   */
  #remote<T>(path: string, real: string): ReadOutcome<T> | undefined {
    const at = this.#opener.remoteAt(real);
    return at === undefined ? undefined : {
      ok: false,
      reason: "remote",
      message: `${path} is on a remote or FUSE filesystem (${at}); not examined`,
    };
  }

  /** True when the path exists (following symlinks inside the root). */
  exists(path: string): boolean {
    return this.stat(path).ok;
  }

  /**
   * The raw target of a symlink. Through libc when it is loaded: a path that is not a link (EINVAL) is a value,
   * not a thrown error, which matters to callers that ask of every file whether it is one.
   */
  readLink(path: string): ReadOutcome<string> {
    const real = this.resolve(path, false);
    const remote = this.#remote<string>(path, real);
    if (remote) return remote;
    if (tryLibc() !== null) {
      const target = readlinkAt(AT.FDCWD, cString(real));
      if (typeof target !== "number") {
        try {
          return { ok: true, value: strictUtf8.decode(target), truncated: false };
        } catch {
          return { ok: false, reason: "error", message: `${path}: the link's target is not valid UTF-8` };
        }
      }
      return errnoOutcome(-target, "readlink", real);
    }
    try {
      return { ok: true, value: Deno.readLinkSync(real), truncated: false };
    } catch (e) {
      return failure(e);
    }
  }

  /**
   * Directory entries (names and types, unsorted), at most `maxEntries`; `truncated` when the cap was hit. The
   * directory is opened under the same rules as a file (a symlinked directory a user planted is not listed).
   */
  readDir(
    path: string,
    maxEntries = 100_000,
    req: Omit<OpenRequest, "want"> = {},
  ): ReadOutcome<Deno.DirEntry[]> {
    const opened = this.#opener.open(path, { ...req, want: "dir" });
    if (!opened.ok) return openFailure(opened);
    using dir = opened.file;
    try {
      if (dir.fd >= 0) {
        const r = readDirFd(dir.fd, maxEntries);
        if (typeof r === "string") return { ok: false, reason: "error", message: `${path}: ${r}` };
        return { ok: true, value: r.entries, truncated: r.truncated };
      }
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
