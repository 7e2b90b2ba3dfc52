/**
 * Directory reading and stat through glibc for the filesystem census: `open`, `getdents64`, `statx`,
 * `lgetxattr` and `close` (through the one binding in `./libc.ts`), with reused buffers so a walk of a whole
 * filesystem allocates almost nothing per entry. `statx` is used because its struct layout is the same on every
 * architecture.
 */

import {
  AT,
  emptyStatx,
  Errno,
  O,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  statxAt,
  type StatxView,
} from "./fd.ts";
import { errno, type Libc, libc, strerror } from "./libc.ts";

const O_RDONLY_DIRECTORY = O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC;

/** d_type values of getdents64. */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

/** Directory reading through libc; construct with `DirentCalls.open()`. */
export class DirentCalls {
  readonly #lib: Libc;
  readonly #value = new Uint8Array(4096);
  readonly #valueLen = BigInt(4096);
  readonly #attr: Uint8Array<ArrayBuffer>;
  #dentsBuf: Uint8Array | undefined;
  #dentsLen = 0n;

  private constructor(lib: Libc) {
    this.#lib = lib;
    this.#attr = new TextEncoder().encode("security.capability\0");
  }

  /** Loads libc; an error message when FFI is not permitted or a symbol is missing (an old glibc). */
  static open(): DirentCalls | string {
    try {
      return new DirentCalls(libc());
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
    return this.openDirAt(AT.FDCWD, pathZ);
  }

  /** Like openDir, for the NUL-terminated name at the start of `name` inside the open directory `dirFd`. */
  openDirAt(dirFd: number, name: Uint8Array<ArrayBuffer>): number {
    const fd = this.#lib.symbols.openat(dirFd, name, O_RDONLY_DIRECTORY | O.NOATIME);
    if (fd >= 0 || errno() !== Errno.EPERM) return fd;
    return this.#lib.symbols.openat(dirFd, name, O_RDONLY_DIRECTORY);
  }

  /** Closes a descriptor. */
  close(fd: number): void {
    this.#lib.symbols.close(fd);
  }

  /** Reads directory records into `buf`: bytes read, 0 at the end, -1 on error. */
  getdents(fd: number, buf: Uint8Array<ArrayBuffer>): number {
    // The length as a BigInt made once per buffer, not per call: this runs for every directory of a census.
    if (buf !== this.#dentsBuf) {
      this.#dentsBuf = buf;
      this.#dentsLen = BigInt(buf.length);
    }
    return Number(this.#lib.symbols.getdents64(fd, buf, this.#dentsLen));
  }

  /**
   * statx of the NUL-terminated name at the start of `name` relative to directory `dirFd` (or an absolute path
   * with `dirFd` -1), never following a final symlink. Fills `out`; false on error (errno() from ffi/libc.ts tells why).
   */
  statAt(dirFd: number, name: Uint8Array<ArrayBuffer>, out: StatxView): boolean {
    return statxAt(dirFd < 0 ? AT.FDCWD : dirFd, name, out);
  }

  /**
   * The `security.capability` attribute of the NUL-terminated path: its bytes, null when absent (or the
   * filesystem has no xattrs), or an errno when reading failed.
   */
  fileCaps(pathZ: Uint8Array<ArrayBuffer>): Uint8Array | null | number {
    const n = Number(this.#lib.symbols.lgetxattr(pathZ, this.#attr, this.#value, this.#valueLen));
    if (n >= 0) return this.#value.slice(0, n);
    const err = errno();
    return err === Errno.ENODATA || err === Errno.ENOTSUP ? null : err;
  }
}

const dentsBuf = new Uint8Array(64 << 10);
const dentsView = new DataView(dentsBuf.buffer);
const nameBuf = new Uint8Array(512);

/**
 * Every entry of the open directory `fd` (read with getdents64 from its current offset), at most `maxEntries`,
 * without "." and "..", as Deno.DirEntry values; a d_type the filesystem does not fill is asked with statx.
 * Names that are not UTF-8 are decoded with replacement characters. An error message when reading fails.
 */
export function readDirFd(
  fd: number,
  maxEntries: number,
): { entries: Deno.DirEntry[]; truncated: boolean } | string {
  const lib = libc().symbols;
  const decoder = new TextDecoder();
  const entries: Deno.DirEntry[] = [];
  const st = emptyStatx();
  while (true) {
    const n = Number(lib.getdents64(fd, dentsBuf, BigInt(dentsBuf.length)));
    if (n < 0) return `getdents64: ${strerror(errno())}`;
    if (n === 0) return { entries, truncated: false };
    let off = 0;
    while (off < n) {
      const reclen = dentsView.getUint16(off + 16, true);
      let type = dentsBuf[off + 18];
      const start = off + 19;
      off += reclen;
      const end = dentsBuf.indexOf(0, start);
      const raw = dentsBuf.subarray(start, end < 0 || end > off ? off : end);
      if (raw.length === 1 && raw[0] === 0x2e) continue;
      if (raw.length === 2 && raw[0] === 0x2e && raw[1] === 0x2e) continue;
      if (entries.length >= maxEntries) return { entries, truncated: true };
      if (type === DT.UNKNOWN && raw.length < nameBuf.length) {
        nameBuf.set(raw);
        nameBuf[raw.length] = 0;
        if (statxAt(fd, nameBuf, st)) {
          const fmt = st.mode & S_IFMT;
          type = fmt === S_IFREG ? DT.REG : fmt === S_IFDIR ? DT.DIR : fmt === S_IFLNK ? DT.LNK : DT.UNKNOWN;
        }
      }
      entries.push({
        name: decoder.decode(raw),
        isFile: type === DT.REG,
        isDirectory: type === DT.DIR,
        isSymlink: type === DT.LNK,
      });
    }
  }
}
