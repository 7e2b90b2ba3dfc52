/**
 * File-descriptor system calls through the one libc binding (`./libc.ts`): open relative to a directory
 * (`openat`, and `openat2` with its RESOLVE_* restrictions), `statx` of a path or of a descriptor, `readlinkat`,
 * `read` and `close`. Typed, with reused buffers and errno read straight after each failing call; the policy
 * of what may be opened lives above, in `src/host`.
 */

import { errno, libc } from "./libc.ts";

/** open(2) flags used by sys-scan (x86-64 and aarch64 values). */
export const O = {
  RDONLY: 0,
  NOCTTY: 0o400,
  NONBLOCK: 0o4000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

/** *at(2) flags and the current-directory descriptor. */
export const AT = {
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000,
} as const;

/** openat2(2) `resolve` flags. */
export const RESOLVE = {
  NO_XDEV: 0x01,
  NO_MAGICLINKS: 0x02,
  NO_SYMLINKS: 0x04,
  BENEATH: 0x08,
  IN_ROOT: 0x10,
} as const;

/** errno values sys-scan tells apart. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  ENXIO: 6,
  EAGAIN: 11,
  EACCES: 13,
  ENOTDIR: 20,
  EINVAL: 22,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENODATA: 61,
  ENOTSUP: 95,
  E2BIG: 7,
} as const;

/** The file type bits of st_mode. */
export const S_IFMT = 0o170000;
/** st_mode type of a regular file. */
export const S_IFREG = 0o100000;
/** st_mode type of a directory. */
export const S_IFDIR = 0o040000;
/** st_mode type of a symbolic link. */
export const S_IFLNK = 0o120000;
/** st_mode type of a FIFO. */
export const S_IFIFO = 0o010000;
/** st_mode type of a socket. */
export const S_IFSOCK = 0o140000;
/** st_mode type of a character device. */
export const S_IFCHR = 0o020000;
/** st_mode type of a block device. */
export const S_IFBLK = 0o060000;

/** The fields of one statx result sys-scan uses. */
export interface StatxView {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  ino: number;
  size: number;
  /** Device numbers of the filesystem holding the entry. */
  devMajor: number;
  devMinor: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  ctimeMs: number;
}

/** A zeroed StatxView to be filled by the calls below. */
export function emptyStatx(): StatxView {
  return {
    mode: 0,
    uid: 0,
    gid: 0,
    nlink: 0,
    ino: 0,
    size: 0,
    devMajor: 0,
    devMinor: 0,
    mtimeMs: 0,
    ctimeMs: 0,
  };
}

/** glibc's dev_t encoding of major:minor (what `stat` and Deno's FileInfo.dev report). */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + Math.floor(minor / 0x100) * 0x100000 +
    Math.floor(major / 0x1000) * 2 ** 32 * 0x1000;
}

const STATX_BASIC_STATS = 0x7ff;
const SYS_OPENAT2_BIG = 437n;
const OPEN_HOW_SIZE = 24n;
const stx = new Uint8Array(256);
const stxView = new DataView(stx.buffer);
const empty = new Uint8Array(1);
const openHow = new Uint8Array(24);
const openHowView = new DataView(openHow.buffer);
/** What `openHow` holds now (it is rewritten only when a call asks for other flags). */
let howFlags = -1;
let howResolve = -1;

/** The 64-bit field at `off`, as the nearest number (what Number() of its BigInt gives, without the BigInt). */
function u64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getUint32(off + 4, true) * 0x1_0000_0000;
}

function i64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getInt32(off + 4, true) * 0x1_0000_0000;
}

/** Offsets of the fields of `struct statx` (linux/stat.h) read here. */
const STX = {
  mask: 0,
  blksize: 4,
  nlink: 16,
  uid: 20,
  gid: 24,
  mode: 28,
  ino: 32,
  size: 40,
  blocks: 48,
  atime: 64,
  btime: 80,
  ctime: 96,
  mtime: 112,
  rdevMajor: 128,
  rdevMinor: 132,
  devMajor: 136,
  devMinor: 140,
} as const;

/** A `struct statx_timestamp` at `off` in milliseconds since the epoch. */
function msAt(v: DataView, off: number): number {
  return i64(v, off) * 1000 + Math.floor(v.getUint32(off + 8, true) / 1e6);
}

function decodeStatx(out: StatxView): void {
  const v = stxView;
  out.nlink = v.getUint32(STX.nlink, true);
  out.uid = v.getUint32(STX.uid, true);
  out.gid = v.getUint32(STX.gid, true);
  out.mode = v.getUint16(STX.mode, true);
  out.ino = u64(v, STX.ino);
  out.size = u64(v, STX.size);
  out.ctimeMs = msAt(v, STX.ctime);
  out.mtimeMs = msAt(v, STX.mtime);
  out.devMajor = v.getUint32(STX.devMajor, true);
  out.devMinor = v.getUint32(STX.devMinor, true);
}

/**
 * statx of the NUL-terminated `name` relative to directory `dirFd` (AT.FDCWD for an absolute path), never
 * following a final symlink nor triggering an automount. Fills `out`; false on error (read `errno()`).
 */
export function statxAt(dirFd: number, name: Uint8Array<ArrayBuffer>, out: StatxView): boolean {
  const flags = AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT;
  if (libc().symbols.statx(dirFd, name, flags, STATX_BASIC_STATS, stx) !== 0) return false;
  decodeStatx(out);
  return true;
}

/** statx's mask bit for the birth time. */
const STATX_BTIME = 0x800;

/**
 * statx of the NUL-terminated `name` relative to `dirFd` as a `Deno.FileInfo`, the fields as `Deno.lstatSync`
 * (`follow` false) or `Deno.statSync` (`follow` true) give them (its `ctime` in whole seconds, `birthtime` null
 * where the filesystem keeps none), or -errno. What `Deno.lstatSync` throws for a missing file costs more
 * than the system call (an error object and its stack): this is for callers that ask of many paths whether they
 * exist.
 */
export function fileInfoAt(
  dirFd: number,
  name: Uint8Array<ArrayBuffer>,
  follow: boolean,
): Deno.FileInfo | number {
  const flags = AT.NO_AUTOMOUNT | (follow ? 0 : AT.SYMLINK_NOFOLLOW);
  if (libc().symbols.statx(dirFd, name, flags, STATX_BASIC_STATS | STATX_BTIME, stx) !== 0) return -errno();
  const v = stxView;
  const mode = v.getUint16(STX.mode, true);
  const type = mode & S_IFMT;
  return {
    isFile: type === S_IFREG,
    isDirectory: type === S_IFDIR,
    isSymlink: type === S_IFLNK,
    size: u64(v, STX.size),
    mtime: new Date(msAt(v, STX.mtime)),
    atime: new Date(msAt(v, STX.atime)),
    birthtime: (v.getUint32(STX.mask, true) & STATX_BTIME) !== 0 ? new Date(msAt(v, STX.btime)) : null,
    ctime: new Date(i64(v, STX.ctime) * 1000),
    dev: makedev(v.getUint32(STX.devMajor, true), v.getUint32(STX.devMinor, true)),
    ino: u64(v, STX.ino),
    mode,
    nlink: v.getUint32(STX.nlink, true),
    uid: v.getUint32(STX.uid, true),
    gid: v.getUint32(STX.gid, true),
    rdev: makedev(v.getUint32(STX.rdevMajor, true), v.getUint32(STX.rdevMinor, true)),
    blksize: v.getUint32(STX.blksize, true),
    blocks: u64(v, STX.blocks),
    isBlockDevice: type === S_IFBLK,
    isCharDevice: type === S_IFCHR,
    isFifo: type === S_IFIFO,
    isSocket: type === S_IFSOCK,
  };
}

/** statx of an open descriptor (an O_PATH one included). Fills `out`; false on error (read `errno()`). */
export function statxFd(fd: number, out: StatxView): boolean {
  if (libc().symbols.statx(fd, empty, AT.EMPTY_PATH, STATX_BASIC_STATS, stx) !== 0) return false;
  decodeStatx(out);
  return true;
}

/** openat(2): a descriptor, or -1 (read `errno()`). */
export function openAt(dirFd: number, name: Uint8Array<ArrayBuffer>, flags: number): number {
  return libc().symbols.openat(dirFd, name, flags);
}

/**
 * openat2(2) with `resolve` restrictions: a descriptor, or -errno (ENOSYS on kernels older than 5.6, where the
 * caller resolves the path itself).
 */
export function openAt2(
  dirFd: number,
  name: Uint8Array<ArrayBuffer>,
  flags: number,
  resolve: number,
): number {
  if (flags !== howFlags || resolve !== howResolve) {
    openHowView.setBigUint64(0, BigInt(flags), true);
    openHowView.setBigUint64(8, 0n, true);
    openHowView.setBigUint64(16, BigInt(resolve), true);
    howFlags = flags;
    howResolve = resolve;
  }
  const r = libc().symbols.syscall_openat2(SYS_OPENAT2_BIG, dirFd, name, openHow, OPEN_HOW_SIZE);
  return r < 0 ? -errno() : r;
}

/** close(2). */
export function closeFd(fd: number): void {
  libc().symbols.close(fd);
}

const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * Sets or clears FD_CLOEXEC on a descriptor (fcntl F_SETFD): a descriptor without it is inherited by the
 * programs started next. Returns false when fcntl failed.
 */
export function setCloseOnExec(fd: number, on: boolean): boolean {
  return libc().symbols.fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0) === 0;
}

/**
 * read(2) into `into`, retrying on EINTR: bytes read, 0 at the end (or when a non-blocking descriptor has
 * nothing now), or -errno.
 */
export function readFd(fd: number, into: Uint8Array<ArrayBuffer>): number {
  while (true) {
    const n = Number(libc().symbols.read(fd, into, BigInt(into.length)));
    if (n >= 0) return n;
    const err = errno();
    if (err === Errno.EAGAIN) return 0;
    if (err !== Errno.EINTR) return -err;
  }
}

/** lseek(2) to an absolute offset (SEEK_SET): the new offset, or -errno. */
export function seekFd(fd: number, offset: number): number {
  const r = Number(libc().symbols.lseek(fd, BigInt(offset), 0));
  return r < 0 ? -errno() : r;
}

const linkBuf = new Uint8Array(4096);

/**
 * The target of the symlink `name` relative to `dirFd` (an empty `name` reads the link an O_PATH|O_NOFOLLOW
 * descriptor refers to), as raw bytes; or -errno.
 */
export function readlinkAt(dirFd: number, name: Uint8Array<ArrayBuffer>): Uint8Array | number {
  const n = Number(libc().symbols.readlinkat(dirFd, name, linkBuf, BigInt(linkBuf.length)));
  if (n < 0) return -errno();
  return linkBuf.slice(0, n);
}

/**
 * Reads into `first` (grown by doubling, never beyond `maxBytes` + 1 bytes) until `read` returns 0; the one
 * byte past the cap tells a truncated read from a file exactly `maxBytes` long.
 */
export function fillBounded(
  first: Uint8Array<ArrayBuffer>,
  maxBytes: number,
  read: (into: Uint8Array<ArrayBuffer>) => number,
): { buf: Uint8Array<ArrayBuffer>; used: number } {
  const limit = maxBytes + 1;
  let buf = first;
  let used = 0;
  while (used < limit) {
    if (used === buf.length) {
      const bigger = new Uint8Array(Math.min(limit, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    const n = read(buf.subarray(used, Math.min(buf.length, limit)));
    if (n <= 0) break;
    used += n;
  }
  return { buf, used };
}
