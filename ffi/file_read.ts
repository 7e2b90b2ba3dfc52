/**
 * Whole-file reads and readlink through glibc, for the Host's hot paths (/proc is read hundreds of times per
 * scan, and a Deno read costs ~40 µs in stat, open, read and close ops against a few µs here). Only a
 * regular file is opened (devices, FIFOs and sockets never are: opening some devices has effects), with
 * O_NONBLOCK, and the open descriptor is checked again, so a file swapped in between is refused too.
 */

import { errno } from "./libc.ts";

const symbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
} as const satisfies Deno.ForeignLibraryInterface;

const O_RDONLY_NONBLOCK = 0o4000 | 0o400 | 0o2000000; // O_NONBLOCK | O_NOCTTY | O_CLOEXEC
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const STATX_TYPE = 0x1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const EINTR = 4;
const EAGAIN = 11;

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
    if (n === 0) break;
    used += n;
  }
  return { buf, used };
}

/** The outcome of one read: the bytes, "not_file" for anything but a regular file, or an errno. */
export type FileRead =
  | { ok: true; bytes: Uint8Array; truncated: boolean }
  | { ok: false; notFile: true }
  | { ok: false; notFile: false; errno: number };

/** The outcome of one readlink: the target, or an errno. */
export type LinkRead = { ok: true; target: string } | { ok: false; errno: number };

/** libc file reads with reused buffers; get one with `FileReader.shared()`. */
export class FileReader {
  static #shared: FileReader | null | undefined;
  readonly #lib: Deno.DynamicLibrary<typeof symbols>;
  readonly #path = new Uint8Array(8192);
  readonly #stx = new Uint8Array(256);
  readonly #stxView = new DataView(this.#stx.buffer);
  readonly #link = new Uint8Array(8192);
  readonly #empty = new Uint8Array(1);
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #chunk = new Uint8Array(64 << 10);

  private constructor(lib: Deno.DynamicLibrary<typeof symbols>) {
    this.#lib = lib;
  }

  /** This thread's reader, or null where libc cannot be loaded (no FFI permission, no glibc). */
  static shared(): FileReader | null {
    if (FileReader.#shared === undefined) {
      try {
        FileReader.#shared = new FileReader(Deno.dlopen("libc.so.6", symbols));
      } catch {
        FileReader.#shared = null;
      }
    }
    return FileReader.#shared;
  }

  #isRegular(): boolean {
    return (this.#stxView.getUint16(28, true) & S_IFMT) === S_IFREG;
  }

  /** The path NUL-terminated in the reused buffer, or undefined when it does not fit. */
  #pathZ(path: string): Uint8Array<ArrayBuffer> | undefined {
    const r = this.#encoder.encodeInto(path, this.#path.subarray(0, this.#path.length - 1));
    if (r.read < path.length) return undefined;
    this.#path[r.written] = 0;
    return this.#path;
  }

  /** Reads at most `maxBytes` of a regular file (procfs files included, whatever size they claim). */
  readFile(path: string, maxBytes: number): FileRead {
    const lib = this.#lib.symbols;
    const pathZ = this.#pathZ(path);
    if (pathZ === undefined) return { ok: false, notFile: false, errno: 36 }; // ENAMETOOLONG
    if (lib.statx(AT_FDCWD, pathZ, 0, STATX_TYPE, this.#stx) !== 0) {
      return { ok: false, notFile: false, errno: errno() };
    }
    if (!this.#isRegular()) return { ok: false, notFile: true };
    const fd = lib.open(pathZ, O_RDONLY_NONBLOCK);
    if (fd < 0) return { ok: false, notFile: false, errno: errno() };
    try {
      if (lib.statx(fd, this.#empty, AT_EMPTY_PATH, STATX_TYPE, this.#stx) !== 0) {
        return { ok: false, notFile: false, errno: errno() };
      }
      if (!this.#isRegular()) return { ok: false, notFile: true };
      let failed = 0;
      const { buf, used } = fillBounded(this.#chunk, maxBytes, (into) => {
        while (true) {
          const n = Number(lib.read(fd, into, BigInt(into.length)));
          if (n >= 0) return n;
          const err = errno();
          if (err === EAGAIN) return 0;
          if (err !== EINTR) {
            failed = err;
            return 0;
          }
        }
      });
      if (failed !== 0) return { ok: false, notFile: false, errno: failed };
      if (buf.length > this.#chunk.length && buf.length <= 1 << 20) this.#chunk = buf;
      return { ok: true, bytes: buf.slice(0, Math.min(used, maxBytes)), truncated: used > maxBytes };
    } finally {
      lib.close(fd);
    }
  }

  /** The target of a symlink (decoded as UTF-8, invalid bytes replaced). */
  readLink(path: string): LinkRead {
    const pathZ = this.#pathZ(path);
    if (pathZ === undefined) return { ok: false, errno: 36 };
    const n = Number(this.#lib.symbols.readlink(pathZ, this.#link, BigInt(this.#link.length)));
    if (n < 0) return { ok: false, errno: errno() };
    return { ok: true, target: this.#decoder.decode(this.#link.subarray(0, n)) };
  }
}
