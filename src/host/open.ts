/**
 * The one way sys-scan opens a file or directory of the host it scans, live or under `--root`. The host is
 * hostile: a local user shapes what root reads. So an open
 *
 * - never follows a symlink that a user could have made to redirect root: a symlink is followed only when it is
 *   owned by root (or, under `--root`, by the owner of the scan root), or when the file it leads to is owned by
 *   the symlink's owner (a user pointing at their own file, like `~/.bashrc -> dotfiles/bashrc`, reveals nothing
 *   that user could not read). Anything else is refused as `link`, and the caller judges the symlink itself;
 * - resolves the path in the kernel with no symlinks at all where it can (openat2 RESOLVE_NO_SYMLINKS), and
 *   otherwise component by component with O_PATH|O_NOFOLLOW descriptors, so nothing can be swapped in between;
 * - opens the result with O_PATH first and reads its type from the descriptor: a FIFO, socket or device is
 *   refused (`not_file`) without ever being opened for reading (opening a FIFO blocks; opening a device can
 *   have effects); a regular file is then reopened through `/proc/self/fd/N` with O_RDONLY | O_NONBLOCK |
 *   O_NOCTTY | O_CLOEXEC | O_NOATIME, which is the same inode by construction;
 * - does not enter remote filesystems and FUSE (a hung server blocks the reader in the kernel), judged by the
 *   path against the remote mount points and by the descriptor's device (`remote`), unless allowed.
 *
 * Without FFI (no libc), the same rules are applied through Deno's path-based API, which leaves a small window
 * between the check and the open (documented in docs/SECURITY.md).
 */
import {
  AT,
  closeFd,
  emptyStatx,
  Errno,
  makedev,
  O,
  openAt,
  openAt2,
  readFd,
  readlinkAt,
  RESOLVE,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  seekFd,
  statxFd,
  type StatxView,
} from "../../ffi/fd.ts";
import { cString, errno as errnoNow, strerror, tryLibc } from "../../ffi/libc.ts";
import { devString, isRemoteFsType, parseMountDevices, remoteMountpoints } from "./mountinfo.ts";
import { trimTrailing } from "./text_trim.ts";

/** The type of a file as lstat sees it (a symlink is a symlink, never its target). */
export type FileKind = "file" | "dir" | "symlink" | "fifo" | "socket" | "char" | "block" | "other";

/** What sys-scan keeps of a stat. */
export interface FileStat {
  kind: FileKind;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  /** glibc's dev_t encoding (what Deno's FileInfo.dev reports). */
  dev: number;
  ino: number;
  size: number;
  nlink: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  ctimeMs: number;
}

/** Why an open was refused or failed. */
export type OpenFailure =
  | "missing"
  | "denied"
  | "not_file"
  | "link"
  | "remote"
  | "changed"
  | "error";

/** An open file or directory of the host. Dispose it (or call `close`) when done. */
export interface HostFile extends Disposable {
  /** The stat of the opened descriptor (not of a path that may have changed since). */
  readonly stat: FileStat;
  /** Reads up to `into.length` bytes; 0 at the end. Throws an Error with the system's words on failure. */
  read(into: Uint8Array<ArrayBuffer>): number;
  /** Moves the read position to `offset` bytes from the start. Throws an Error with the system's words on failure. */
  seek(offset: number): void;
  /** The raw descriptor, or -1 where the file was opened through Deno's API (no FFI). */
  readonly fd: number;
  /** Closes the file; later calls do nothing. */
  close(): void;
}

/** The outcome of an open. */
export type Opened =
  | { ok: true; file: HostFile }
  /** `kind`: what was found instead, when a `not_file` refusal knows it (a FIFO, a socket, a device…). */
  | { ok: false; reason: OpenFailure; message: string; kind?: FileKind };

/** What to open. */
export interface OpenRequest {
  /** A regular file (the default) or a directory. */
  want?: "file" | "dir";
  /** Follow a final symlink (under the trust rule above). False refuses any final symlink. Default true. */
  follow?: boolean;
  /** The identity a walk saw: the open is refused (`changed`) when the file is not that one any more. */
  expect?: { dev: number; ino: number };
}

/** Options of an opener. */
export interface OpenerOptions {
  /** Enter and open files on remote filesystems and FUSE (off by default). */
  allowRemote?: boolean;
}

const MAX_LINK_HOPS = 40;
const PATH_FLAGS = O.PATH | O.NOFOLLOW | O.CLOEXEC;
const READ_FLAGS = O.RDONLY | O.NONBLOCK | O.NOCTTY | O.CLOEXEC;

/** The kind of a st_mode. */
export function kindOfMode(mode: number): FileKind {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    default:
      return "other";
  }
}

function fromStatx(st: StatxView): FileStat {
  return {
    kind: kindOfMode(st.mode),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    dev: makedev(st.devMajor, st.devMinor),
    ino: st.ino,
    size: st.size,
    nlink: st.nlink,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
  };
}

/** The null device's number (major 1, minor 3), as stat's rdev gives it. */
const NULL_RDEV = (1 << 8) | 3;

/** True for the null device: a file or unit masked by a link to /dev/null. */
export function isNullDevice(st: Deno.FileInfo): boolean {
  return st.isCharDevice === true && st.rdev === NULL_RDEV;
}

/** A FileStat from Deno's FileInfo (the path without FFI). */
export function fromFileInfo(st: Deno.FileInfo): FileStat {
  const kind: FileKind = st.isSymlink
    ? "symlink"
    : st.isDirectory
    ? "dir"
    : st.isFile
    ? "file"
    : st.isFifo
    ? "fifo"
    : st.isSocket
    ? "socket"
    : st.isCharDevice
    ? "char"
    : st.isBlockDevice
    ? "block"
    : "other";
  return {
    kind,
    mode: (st.mode ?? 0) & 0o7777,
    uid: st.uid ?? -1,
    gid: st.gid ?? -1,
    dev: st.dev ?? 0,
    ino: st.ino ?? 0,
    size: st.size,
    nlink: st.nlink ?? 1,
    mtimeMs: st.mtime?.getTime() ?? 0,
    ctimeMs: st.ctime?.getTime() ?? 0,
  };
}

const KIND_TEXT: Record<FileKind, string> = {
  file: "a regular file",
  dir: "a directory",
  symlink: "a symlink",
  fifo: "a FIFO",
  socket: "a socket",
  char: "a character device",
  block: "a block device",
  other: "not a regular file",
};

function failureOf(errnum: number): OpenFailure {
  if (errnum === Errno.ENOENT || errnum === Errno.ENOTDIR) return "missing";
  if (errnum === Errno.EACCES || errnum === Errno.EPERM) return "denied";
  if (errnum === Errno.ELOOP) return "link";
  return "error";
}

function errnoFailure(errnum: number, op: string, path: string): Opened {
  return {
    ok: false,
    reason: failureOf(errnum),
    message: `${strerror(errnum)} (os error ${errnum}): ${op} '${path}'`,
  };
}

function refuse(reason: OpenFailure, message: string, kind?: FileKind): Opened {
  return kind === undefined ? { ok: false, reason, message } : { ok: false, reason, message, kind };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/** True when `path` is absolute and normal: no empty, "." or ".." component and no trailing slash. */
function isNormalPath(path: string): boolean {
  if (!path.startsWith("/")) return false;
  if (path.length === 1) return true;
  return !path.endsWith("/") && !path.endsWith("/.") && !path.endsWith("/..") && !path.includes("//") &&
    !path.includes("/./") && !path.includes("/../");
}

/** Normalised components of an absolute path ("." dropped, ".." resolved lexically, never above the root). */
export function pathComponents(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out;
}

/** A file opened through libc. */
class FdFile implements HostFile {
  #fd: number;
  constructor(fd: number, readonly stat: FileStat) {
    this.#fd = fd;
  }
  get fd(): number {
    return this.#fd;
  }
  read(into: Uint8Array<ArrayBuffer>): number {
    if (this.#fd < 0) throw new Error("read of a closed file");
    const n = readFd(this.#fd, into);
    if (n < 0) throw new Error(`${strerror(-n)} (os error ${-n}): read`);
    return n;
  }
  seek(offset: number): void {
    if (this.#fd < 0) throw new Error("seek of a closed file");
    const r = seekFd(this.#fd, offset);
    if (r < 0) throw new Error(`${strerror(-r)} (os error ${-r}): lseek`);
  }
  close(): void {
    if (this.#fd >= 0) closeFd(this.#fd);
    this.#fd = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A file opened through Deno's API (no FFI). */
class DenoFile implements HostFile {
  #file: Deno.FsFile | undefined;
  readonly fd = -1;
  constructor(file: Deno.FsFile, readonly stat: FileStat) {
    this.#file = file;
  }
  read(into: Uint8Array<ArrayBuffer>): number {
    if (!this.#file) throw new Error("read of a closed file");
    return this.#file.readSync(into) ?? 0;
  }
  seek(offset: number): void {
    if (!this.#file) throw new Error("seek of a closed file");
    this.#file.seekSync(offset, Deno.SeekMode.Start);
  }
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The remote-filesystem view of this machine's mount table (file device numbers are this kernel's). */
interface MountView {
  remoteDevs: Set<string>;
  remotePoints: string[];
}

function readMountinfo(): string {
  const lib = tryLibc();
  if (lib === null) {
    try {
      return Deno.readTextFileSync("/proc/self/mountinfo");
    } catch {
      return "";
    }
  }
  const fd = openAt(AT.FDCWD, cString("/proc/self/mountinfo"), READ_FLAGS);
  if (fd < 0) return "";
  try {
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(64 << 10);
    let total = 0;
    while (total < 32 << 20) {
      const n = readFd(fd, buf);
      if (n <= 0) break;
      chunks.push(buf.slice(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    return new TextDecoder().decode(all);
  } finally {
    closeFd(fd);
  }
}

/** This machine's mount table by device ("major:minor" → filesystem type), read now. */
export function liveFsTypes(): Map<string, string> {
  return parseMountDevices(readMountinfo());
}

/** The mount points of remote and FUSE filesystems on this machine (real paths), read now. */
export function liveRemoteMountpoints(): string[] {
  return remoteMountpoints(readMountinfo());
}

/**
 * Opens files of one scan root under the rules in this module's comment. One opener per Host; it reads this
 * machine's mount table once, on the first open that needs it.
 */
export class FileOpener {
  /** The scan root without a trailing slash ("" for the live root). */
  readonly #root: string;
  readonly #allowRemote: boolean;
  /** Owners whose symlinks are followed anywhere: root, and under --root the owner of the root directory. */
  readonly #trusted = new Set<number>([0]);
  #mounts: MountView | undefined;
  #openat2 = true;
  /** statx results of the open under way (an open runs to its end without yielding). */
  readonly #st = emptyStatx();
  readonly #again = emptyStatx();

  constructor(root: string, options: OpenerOptions = {}) {
    this.#root = root === "/" ? "" : trimTrailing(root, "/");
    this.#allowRemote = options.allowRemote ?? false;
    if (this.#root !== "") {
      try {
        const owner = Deno.statSync(this.#root).uid;
        if (owner !== null) this.#trusted.add(owner);
      } catch {
        // A missing root fails every open anyway.
      }
    }
  }

  #mountView(): MountView {
    if (this.#mounts) return this.#mounts;
    const text = readMountinfo();
    const devs = parseMountDevices(text);
    this.#mounts = {
      remoteDevs: new Set([...devs].filter(([, t]) => isRemoteFsType(t)).map(([d]) => d)),
      remotePoints: remoteMountpoints(text),
    };
    return this.#mounts;
  }

  /** True when remote and FUSE filesystems may be entered (see OpenerOptions). */
  get allowRemote(): boolean {
    return this.#allowRemote;
  }

  /** The remote or FUSE mount points not to enter (none when allowed), as real paths. */
  remoteMountpoints(): readonly string[] {
    return this.#allowRemote ? [] : this.#mountView().remotePoints;
  }

  /** The remote or FUSE mount point at or above the real path `real` (none when they are allowed). */
  remoteAt(real: string): string | undefined {
    return this.#remoteAt(real);
  }

  /** True when `dev` (glibc's dev_t encoding) is the device of a remote or FUSE mount not to enter. */
  remoteDevice(dev: number): boolean {
    return this.#remoteDev(dev);
  }

  #remoteAt(real: string): string | undefined {
    if (this.#allowRemote) return undefined;
    for (const p of this.#mountView().remotePoints) {
      if (real === p || real.startsWith(p === "/" ? "/" : p + "/")) return p;
    }
    return undefined;
  }

  #remoteDev(dev: number): boolean {
    if (this.#allowRemote) return false;
    const devs = this.#mountView().remoteDevs;
    return devs.size > 0 && devs.has(devString(dev));
  }

  /** The real path of a host path's components. */
  #real(comps: readonly string[]): string {
    return this.#root + "/" + comps.join("/");
  }

  /** Opens the host path `path` (absolute, inside the scan root) under the rules of this module. */
  open(path: string, req: OpenRequest = {}): Opened {
    // Most paths are already normal: they need no splitting to be joined to the root.
    const lexical = isNormalPath(path) ? this.#root + path : this.#real(pathComponents(path));
    const remote = this.#remoteAt(lexical);
    if (remote !== undefined) {
      return refuse("remote", `${path} is on a remote or FUSE filesystem (${remote}); not opened`);
    }
    if (tryLibc() === null) return this.#openWithDeno(path, pathComponents(path), req);
    if (this.#openat2) {
      const fd = openAt2(AT.FDCWD, cString(lexical), PATH_FLAGS, RESOLVE.NO_SYMLINKS);
      if (fd >= 0) {
        const st = this.#st;
        if (statxFd(fd, st) && kindOfMode(st.mode) !== "symlink") return this.#finish(fd, st, path, [], req);
        closeFd(fd);
      } else if (-fd === Errno.ENOSYS || -fd === Errno.EINVAL || -fd === Errno.E2BIG) {
        this.#openat2 = false;
      } else if (-fd !== Errno.ELOOP) {
        return errnoFailure(-fd, "open", lexical);
      }
    }
    return this.#walk(path, pathComponents(path), req);
  }

  /**
   * Opens the executable of live process `pid` through its /proc magic link, which the kernel resolves to the
   * file the process runs (a deleted or replaced file included): nothing on the way is a path a user controls.
   * Under `--root`, the fixture's /proc/<pid>/exe is opened like any path.
   */
  openProcExe(pid: number): Opened {
    const path = `/proc/${pid}/exe`;
    if (this.#root !== "" || tryLibc() === null) return this.open(path);
    const fd = openAt(AT.FDCWD, cString(path), O.PATH | O.CLOEXEC);
    if (fd < 0) return errnoFailure(errnoNow(), "open", path);
    const st = emptyStatx();
    if (!statxFd(fd, st)) {
      const e = errnoNow();
      closeFd(fd);
      return errnoFailure(e, "stat", path);
    }
    return this.#finish(fd, st, path, [], {});
  }

  /** Resolves `comps` one component at a time, applying the symlink rule, then finishes the open. */
  #walk(path: string, comps: readonly string[], req: OpenRequest): Opened {
    const follow = req.follow ?? true;
    const top = openAt(
      AT.FDCWD,
      cString(this.#root === "" ? "/" : this.#root),
      O.PATH | O.DIRECTORY | O.CLOEXEC,
    );
    if (top < 0) return errnoFailure(errnoNow(), "open", this.#root || "/");
    const dirs: number[] = [top];
    const real: string[] = [];
    const linkOwners: number[] = [];
    const todo = [...comps];
    let hops = 0;
    const st = emptyStatx();
    try {
      if (todo.length === 0) {
        const fd = dirs.pop()!;
        if (!statxFd(fd, st)) {
          closeFd(fd);
          return errnoFailure(errnoNow(), "stat", path);
        }
        return this.#finish(fd, st, path, linkOwners, req);
      }
      while (todo.length > 0) {
        const name = todo.shift()!;
        if (name === "..") {
          if (dirs.length > 1) {
            closeFd(dirs.pop()!);
            real.pop();
          }
          continue;
        }
        const here = this.#real([...real, name]);
        const remote = this.#remoteAt(here);
        if (remote !== undefined) {
          return refuse("remote", `${path} leads onto a remote or FUSE filesystem (${remote}); not opened`);
        }
        const fd = openAt(dirs[dirs.length - 1], cString(name), PATH_FLAGS);
        if (fd < 0) return errnoFailure(errnoNow(), "open", here);
        if (!statxFd(fd, st)) {
          const e = errnoNow();
          closeFd(fd);
          return errnoFailure(e, "stat", here);
        }
        const kind = kindOfMode(st.mode);
        const last = todo.length === 0;
        if (kind === "symlink") {
          const target = readlinkAt(fd, new Uint8Array(1));
          closeFd(fd);
          if (typeof target === "number") return errnoFailure(-target, "readlink", here);
          const text = new TextDecoder().decode(target);
          if (last && !follow) return refuse("link", `${path} is a symlink (to ${text}); not followed`);
          if (++hops > MAX_LINK_HOPS) return refuse("link", `${path}: too many levels of symbolic links`);
          if (!this.#trusted.has(st.uid)) linkOwners.push(st.uid);
          if (text.startsWith("/")) {
            while (dirs.length > 1) closeFd(dirs.pop()!);
            real.length = 0;
          }
          todo.unshift(...splitPath(text));
          continue;
        }
        if (!last) {
          if (kind !== "dir") {
            closeFd(fd);
            return errnoFailure(Errno.ENOTDIR, "open", here);
          }
          if (this.#remoteDev(makedev(st.devMajor, st.devMinor))) {
            closeFd(fd);
            return refuse("remote", `${path} leads onto a remote or FUSE filesystem; not opened`);
          }
          dirs.push(fd);
          real.push(name);
          continue;
        }
        return this.#finish(fd, st, path, linkOwners, req);
      }
      // The path ended in ".." or a symlink to a directory above: open what we stand on.
      const fd = dirs.pop()!;
      if (!statxFd(fd, st)) {
        closeFd(fd);
        return errnoFailure(errnoNow(), "stat", path);
      }
      return this.#finish(fd, st, path, linkOwners, req);
    } finally {
      for (const d of dirs) closeFd(d);
    }
  }

  /**
   * Checks the O_PATH descriptor `pathFd` (stat `st`) against the request and the rules, then reopens it for
   * reading through /proc/self/fd. Always consumes `pathFd`.
   */
  #finish(pathFd: number, st: StatxView, path: string, linkOwners: number[], req: OpenRequest): Opened {
    try {
      const stat = fromStatx(st);
      const judged = this.#judge(stat, path, linkOwners, req);
      if (judged !== undefined) return judged;
      const dir = stat.kind === "dir" ? O.DIRECTORY : 0;
      const self = cString(`/proc/self/fd/${pathFd}`);
      let fd = openAt(AT.FDCWD, self, READ_FLAGS | dir | O.NOATIME);
      if (fd < 0 && errnoNow() === Errno.EPERM) fd = openAt(AT.FDCWD, self, READ_FLAGS | dir);
      if (fd < 0) return errnoFailure(errnoNow(), "open", path);
      const again = this.#again;
      if (
        !statxFd(fd, again) || again.ino !== st.ino || again.devMajor !== st.devMajor ||
        again.devMinor !== st.devMinor
      ) {
        closeFd(fd);
        return refuse("changed", `${path} changed while it was opened`);
      }
      return { ok: true, file: new FdFile(fd, stat) };
    } finally {
      closeFd(pathFd);
    }
  }

  /** A refusal when the stat does not pass the request and the rules; undefined when it does. */
  #judge(stat: FileStat, path: string, linkOwners: number[], req: OpenRequest): Opened | undefined {
    const want = req.want ?? "file";
    if (stat.kind !== want) {
      const reason = want === "dir" && stat.kind !== "symlink" ? "missing" : "not_file";
      const wanted = want === "dir" ? "a directory" : "a regular file";
      return refuse(reason, `${path} is not ${wanted} (${KIND_TEXT[stat.kind]}); not opened`, stat.kind);
    }
    const stranger = linkOwners.find((uid) => uid !== stat.uid);
    if (stranger !== undefined) {
      return refuse(
        "link",
        `${path} is reached through a symlink owned by uid ${stranger} to a file owned by uid ${stat.uid}; ` +
          "not followed",
      );
    }
    if (req.expect && (req.expect.dev !== stat.dev || req.expect.ino !== stat.ino)) {
      return refuse("changed", `${path} changed between the walk and the read`);
    }
    if (this.#remoteDev(stat.dev)) {
      return refuse("remote", `${path} is on a remote or FUSE filesystem; not opened`);
    }
    return undefined;
  }

  /** The same rules through Deno's path-based API, for a runtime without FFI. */
  #openWithDeno(path: string, comps: readonly string[], req: OpenRequest): Opened {
    const follow = req.follow ?? true;
    const done: string[] = [];
    const todo = [...comps];
    const linkOwners: number[] = [];
    let hops = 0;
    try {
      while (todo.length > 0) {
        const name = todo.shift()!;
        if (name === "..") {
          done.pop();
          continue;
        }
        const here = this.#real([...done, name]);
        const remote = this.#remoteAt(here);
        if (remote !== undefined) {
          return refuse("remote", `${path} leads onto a remote or FUSE filesystem (${remote}); not opened`);
        }
        const st = Deno.lstatSync(here);
        if (st.isSymlink) {
          const text = Deno.readLinkSync(here);
          if (todo.length === 0 && !follow) {
            return refuse("link", `${path} is a symlink (to ${text}); not followed`);
          }
          if (++hops > MAX_LINK_HOPS) return refuse("link", `${path}: too many levels of symbolic links`);
          if (!this.#trusted.has(st.uid ?? -1)) linkOwners.push(st.uid ?? -1);
          if (text.startsWith("/")) done.length = 0;
          todo.unshift(...splitPath(text));
          continue;
        }
        done.push(name);
      }
      const real = this.#real(done);
      const before = fromFileInfo(Deno.lstatSync(real));
      const judged = this.#judge(before, path, linkOwners, req);
      if (judged !== undefined) return judged;
      if (before.kind === "dir") {
        return { ok: true, file: new DenoFile(Deno.openSync(real, { read: true }), before) };
      }
      const file = Deno.openSync(real, { read: true });
      const after = fromFileInfo(file.statSync());
      if (after.kind !== before.kind || after.ino !== before.ino || after.dev !== before.dev) {
        file.close();
        return refuse("changed", `${path} changed while it was opened`);
      }
      return { ok: true, file: new DenoFile(file, after) };
    } catch (e) {
      const reason: OpenFailure = e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory
        ? "missing"
        : e instanceof Deno.errors.PermissionDenied
        ? "denied"
        : "error";
      return refuse(reason, e instanceof Error ? e.message : String(e));
    }
  }
}
