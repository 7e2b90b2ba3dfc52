/**
 * Directory reading and stat through glibc for the filesystem census: `open`, `getdents64`, `statx`,
 * `lgetxattr` and `close`, with reused buffers so a walk of a whole filesystem allocates almost nothing per
 * entry. `statx` is used because its struct layout is the same on every architecture.
 */

import { errno } from "./libc.ts";

const symbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  openat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
} as const satisfies Deno.ForeignLibraryInterface;

type Lib = Deno.DynamicLibrary<typeof symbols>;

const O_RDONLY_DIRECTORY = 0o200000 | 0o400000 | 0o2000000; // O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
const O_NOATIME = 0o1000000;
const AT_FDCWD = -100;
const STATX_FLAGS = 0x100 | 0x800; // AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT
const STATX_BASIC_STATS = 0x7ff;

/** errno values the census tells apart. */
export const Errno = {
  ENOENT: 2,
  EACCES: 13,
  ENOTDIR: 20,
  ELOOP: 40,
  ENODATA: 61,
  ENOTSUP: 95,
  EPERM: 1,
} as const;

/** The file type bits of st_mode. */
export const S_IFMT = 0o170000;
/** st_mode type of a regular file. */
export const S_IFREG = 0o100000;
/** st_mode type of a directory. */
export const S_IFDIR = 0o040000;

/** d_type values of getdents64. */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

/** The fields of one statx result the census uses. */
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

/** glibc's dev_t encoding of major:minor (what `stat` and Deno's FileInfo.dev report). */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + Math.floor(minor / 0x100) * 0x100000 +
    Math.floor(major / 0x1000) * 2 ** 32 * 0x1000;
}

/** Directory reading through libc; construct with `DirentCalls.open()`. */
export class DirentCalls {
  readonly #lib: Lib;
  readonly #stx = new Uint8Array(256);
  readonly #stxView = new DataView(this.#stx.buffer);
  readonly #value = new Uint8Array(4096);
  readonly #attr: Uint8Array<ArrayBuffer>;

  private constructor(lib: Lib) {
    this.#lib = lib;
    this.#attr = new TextEncoder().encode("security.capability\0");
  }

  /** Loads libc; an error message when FFI is not permitted or a symbol is missing (glibc older than 2.30). */
  static open(): DirentCalls | string {
    try {
      return new DirentCalls(Deno.dlopen("libc.so.6", symbols));
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Opens a directory by its NUL-terminated absolute path without following a final symlink and, where the
   * caller may (owner or CAP_FOWNER), without updating its access time: reading evidence must not change it.
   * -1 on error.
   */
  openDir(pathZ: Uint8Array<ArrayBuffer>): number {
    const fd = this.#lib.symbols.open(pathZ, O_RDONLY_DIRECTORY | O_NOATIME);
    if (fd >= 0 || errno() !== Errno.EPERM) return fd;
    return this.#lib.symbols.open(pathZ, O_RDONLY_DIRECTORY);
  }

  /** Like openDir, for the NUL-terminated name at the start of `name` inside the open directory `dirFd`. */
  openDirAt(dirFd: number, name: Uint8Array<ArrayBuffer>): number {
    const fd = this.#lib.symbols.openat(dirFd, name, O_RDONLY_DIRECTORY | O_NOATIME);
    if (fd >= 0 || errno() !== Errno.EPERM) return fd;
    return this.#lib.symbols.openat(dirFd, name, O_RDONLY_DIRECTORY);
  }

  /** Closes a descriptor. */
  close(fd: number): void {
    this.#lib.symbols.close(fd);
  }

  /** Reads directory records into `buf`: bytes read, 0 at the end, -1 on error. */
  getdents(fd: number, buf: Uint8Array<ArrayBuffer>): number {
    return Number(this.#lib.symbols.getdents64(fd, buf, BigInt(buf.length)));
  }

  /**
   * statx of the NUL-terminated name at the start of `name` relative to directory `dirFd` (or an absolute path
   * with `dirFd` -1), never following a final symlink. Fills `out`; false on error (errno() from ffi/libc.ts tells why).
   */
  statAt(dirFd: number, name: Uint8Array<ArrayBuffer>, out: StatxView): boolean {
    const fd = dirFd < 0 ? AT_FDCWD : dirFd;
    if (this.#lib.symbols.statx(fd, name, STATX_FLAGS, STATX_BASIC_STATS, this.#stx) !== 0) return false;
    const v = this.#stxView;
    out.nlink = v.getUint32(16, true);
    out.uid = v.getUint32(20, true);
    out.gid = v.getUint32(24, true);
    out.mode = v.getUint16(28, true);
    out.ino = Number(v.getBigUint64(32, true));
    out.size = Number(v.getBigUint64(40, true));
    out.ctimeMs = Number(v.getBigInt64(96, true)) * 1000 + Math.floor(v.getUint32(104, true) / 1e6);
    out.mtimeMs = Number(v.getBigInt64(112, true)) * 1000 + Math.floor(v.getUint32(120, true) / 1e6);
    out.devMajor = v.getUint32(136, true);
    out.devMinor = v.getUint32(140, true);
    return true;
  }

  /**
   * The `security.capability` attribute of the NUL-terminated path: its bytes, null when absent (or the
   * filesystem has no xattrs), or an errno when reading failed.
   */
  fileCaps(pathZ: Uint8Array<ArrayBuffer>): Uint8Array | null | number {
    const n = Number(this.#lib.symbols.lgetxattr(pathZ, this.#attr, this.#value, BigInt(this.#value.length)));
    if (n >= 0) return this.#value.slice(0, n);
    const err = errno();
    return err === Errno.ENODATA || err === Errno.ENOTSUP ? null : err;
  }
}
