/**
 * The one streaming hash loop: digests of a file opened by the Host (`HostFile`, see ./open.ts), read through a
 * caller's buffer in one pass, bounded. Every hasher of sys-scan (set-id and world-writable entries, package
 * verification, process executables, the trace's --trace-hash) calls this on a descriptor it opened safely.
 */
import { type Digest, type Digester, digester } from "../../ffi/libcrypto.ts";
import { createHash, type Hash } from "./hash.ts";
import type { HostFile } from "./open.ts";

/** The outcome of hashing an open file. */
export type FileDigest =
  | {
    kind: "ok";
    /** Hex digest per algorithm name (node:crypto names: "sha256", "md5", "sha1"). */
    digests: Record<string, string>;
    /** Bytes hashed. */
    size: number;
    /** Only the first `maxBytes` were hashed (with `partial: true`). */
    truncated: boolean;
  }
  | { kind: "too_large"; size: number }
  | { kind: "error"; message: string };

/** How to hash. */
export interface DigestOptions {
  /** Hash at most this many bytes. */
  maxBytes: number;
  /**
   * What to do with a larger file: false (the default) refuses it (`too_large`, also when it grows past the cap
   * while read); true hashes its first `maxBytes` bytes and says `truncated`.
   */
  partial?: boolean;
  /** The read buffer (one per concurrent caller); when absent, a shared one (digestFile) or a new 256 KiB one. */
  buffer?: Uint8Array<ArrayBuffer>;
}

/**
 * The bounded read of one file: `next()` gives each piece to hash (a view of the buffer, valid until the next
 * call, as full as the buffer unless the file ends) and null at the end; `ended` says no further piece follows
 * (so a first piece that ended is the whole file); `tooLarge` is set when the file grows past the cap while read
 * and the cap is not `partial`.
 */
class CappedReader {
  size = 0;
  truncated = false;
  ended = false;
  tooLarge: number | undefined;
  readonly #buf: Uint8Array<ArrayBuffer>;

  constructor(readonly file: HostFile, readonly opts: DigestOptions) {
    this.#buf = opts.buffer ?? new Uint8Array(256 << 10);
  }

  next(): Uint8Array<ArrayBuffer> | null {
    if (this.ended) return null;
    const buf = this.#buf;
    let used = 0;
    while (used < buf.length && this.size + used <= this.opts.maxBytes) {
      const n = this.file.read(used === 0 ? buf : buf.subarray(used));
      if (n === 0) {
        this.ended = true;
        break;
      }
      used += n;
      // A short read that reaches the size the open saw is the end: no read of 0 bytes is needed to learn it
      // (a file that grew since would have filled the read further).
      if (used < buf.length && this.size + used === this.file.stat.size) {
        this.ended = true;
        break;
      }
    }
    if (used === 0) return null;
    const take = Math.min(used, this.opts.maxBytes - this.size);
    if (take < used) {
      this.ended = true;
      if (!this.opts.partial) {
        this.tooLarge = this.size + used;
        return null;
      }
      this.truncated = true;
    }
    this.size += take;
    return buf.subarray(0, take);
  }
}

let syncBuffer: Uint8Array<ArrayBuffer> | undefined;

/** Digests `file` with each of `algorithms` in one bounded pass. Never throws. */
export function digestFile(file: HostFile, algorithms: readonly string[], opts: DigestOptions): FileDigest {
  if (!opts.partial && file.stat.size > opts.maxBytes) return { kind: "too_large", size: file.stat.size };
  const hashes: Hash[] = [];
  try {
    for (const a of algorithms) hashes.push(createHash(a));
    // This pass is synchronous, so callers without a buffer of their own share one (not 256 KiB per file).
    const r = new CappedReader(
      file,
      opts.buffer ? opts : { ...opts, buffer: syncBuffer ??= new Uint8Array(256 << 10) },
    );
    for (let piece = r.next(); piece !== null; piece = r.next()) for (const h of hashes) h.update(piece);
    if (r.tooLarge !== undefined) return { kind: "too_large", size: r.tooLarge };
    const digests: Record<string, string> = {};
    algorithms.forEach((a, i) => digests[a] = hashes[i].hex());
    return { kind: "ok", digests, size: r.size, truncated: r.truncated };
  } catch (e) {
    return { kind: "error", message: e instanceof Error ? e.message : String(e) };
  }
}

const EMPTY = new Uint8Array(0);
const offThread = new Map<string, Digester | null>();

/**
 * Like `digestFile` with one algorithm, but the hashing runs off this thread (libcrypto through nonblocking FFI,
 * `ffi/libcrypto.ts`) while this thread reads: callers that hash several files at once (each with its own
 * buffer) use every core. Where libcrypto or the algorithm is not available it is `digestFile`. Never throws.
 */
export async function digestFileOffThread(
  file: HostFile,
  algorithm: string,
  opts: DigestOptions,
): Promise<FileDigest> {
  if (!offThread.has(algorithm)) offThread.set(algorithm, digester(algorithm));
  const make = offThread.get(algorithm)!;
  if (make === null) return digestFile(file, [algorithm], opts);
  if (!opts.partial && file.stat.size > opts.maxBytes) return { kind: "too_large", size: file.stat.size };
  const r = new CappedReader(file, opts);
  let digest: Digest | undefined;
  try {
    const first = r.next();
    if (r.ended && r.tooLarge === undefined) {
      // The whole file (most package files) in one piece: one library call.
      const hex = await make.once(first ?? EMPTY);
      return { kind: "ok", digests: { [algorithm]: hex }, size: r.size, truncated: r.truncated };
    }
    digest = make();
    for (let piece = first; piece !== null; piece = r.next()) await digest.update(piece);
    if (r.tooLarge !== undefined) return { kind: "too_large", size: r.tooLarge };
    return { kind: "ok", digests: { [algorithm]: digest.hex() }, size: r.size, truncated: r.truncated };
  } catch (e) {
    return { kind: "error", message: e instanceof Error ? e.message : String(e) };
  } finally {
    digest?.free();
  }
}
