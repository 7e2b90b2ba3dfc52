/**
 * OpenSSL's libcrypto through Deno FFI, for message digests computed off the JavaScript thread: the update of a
 * large piece is `nonblocking` (Deno runs it on a blocking-task thread and returns a promise), so several files
 * can be hashed at once on every core while the thread reads the next ones. Loaded on first use; where the library or
 * the algorithm is absent (no libssl3, OpenSSL in FIPS mode and MD5) `digester()` says so and callers hash on their
 * own thread. Nothing here knows about sys-scan.
 */

const LIBCRYPTO_PATHS = ["libcrypto.so.3", "libcrypto.so"];

const symbols = {
  EVP_get_digestbyname: { parameters: ["buffer"], result: "pointer" },
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_DigestInit_ex: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
  EVP_DigestUpdate: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  EVP_DigestUpdate_nb: {
    name: "EVP_DigestUpdate",
    parameters: ["pointer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  EVP_DigestFinal_ex: { parameters: ["pointer", "buffer", "pointer"], result: "i32" },
  EVP_Digest: { parameters: ["buffer", "usize", "buffer", "buffer", "pointer", "pointer"], result: "i32" },
  EVP_Digest_nb: {
    name: "EVP_Digest",
    parameters: ["buffer", "usize", "buffer", "buffer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

type Libcrypto = Deno.DynamicLibrary<typeof symbols>;

let lib: Libcrypto | null | undefined;

function load(): Libcrypto | null {
  if (lib !== undefined) return lib;
  lib = null;
  for (const path of LIBCRYPTO_PATHS) {
    try {
      lib = Deno.dlopen(path, symbols);
      break;
    } catch {
      // not this name
    }
  }
  return lib;
}

/**
 * Pieces at least this long are hashed off this thread. Handing a call to another thread costs about 20 µs
 * here (measured: a 4 KiB MD5 update takes 9 µs on the thread, 32 µs off it), more than hashing a small piece,
 * so small files, most of a package's, are hashed on the thread and the large ones, most of the bytes, off it.
 */
export const OFF_THREAD_MIN_BYTES = 64 << 10;

/** One running digest: feed it bytes (large pieces off this thread), then take the hex digest; always `free()` it. */
export interface Digest {
  /** Adds bytes; `bytes` must not change until the promise settles. */
  update(bytes: Uint8Array<ArrayBuffer>): Promise<void>;
  /** The lower-case hex digest; the digest cannot be updated afterwards. */
  hex(): string;
  free(): void;
}

/** A digest algorithm of libcrypto: call it for a running digest, or digest bytes at once with `once`. */
export interface Digester {
  /** A running digest (always `free()` it). */
  (): Digest;
  /**
   * The lower-case hex digest of `bytes` in one library call, off this thread when they are at least
   * OFF_THREAD_MIN_BYTES long; `bytes` must not change until the promise settles.
   */
  once(bytes: Uint8Array<ArrayBuffer>): Promise<string>;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function hexOf(bytes: Uint8Array, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += HEX[bytes[i]];
  return s;
}

/** Output of the digests computed on this thread (one at a time). */
const onThreadOut = new Uint8Array(64);
const onThreadLen = new Uint32Array(1);

/** A factory of digests of `algorithm` (an OpenSSL name: "md5", "sha256"), or null when unavailable here. */
export function digester(algorithm: string): Digester | null {
  const l = load();
  if (l === null) return null;
  const md = l.symbols.EVP_get_digestbyname(new TextEncoder().encode(`${algorithm}\0`));
  if (md === null) return null;
  const make = (): Digest => {
    const ctx = l.symbols.EVP_MD_CTX_new();
    if (ctx === null) throw new Error("EVP_MD_CTX_new failed");
    if (l.symbols.EVP_DigestInit_ex(ctx, md, null) !== 1) {
      l.symbols.EVP_MD_CTX_free(ctx);
      throw new Error(`EVP_DigestInit_ex(${algorithm}) failed`);
    }
    let live = true;
    return {
      async update(bytes) {
        if (!live) throw new Error("digest already freed");
        if (bytes.length === 0) return;
        const len = BigInt(bytes.length);
        const r = bytes.length >= OFF_THREAD_MIN_BYTES
          ? await l.symbols.EVP_DigestUpdate_nb(ctx, bytes, len)
          : l.symbols.EVP_DigestUpdate(ctx, bytes, len);
        if (r !== 1) throw new Error("EVP_DigestUpdate failed");
      },
      hex() {
        if (l.symbols.EVP_DigestFinal_ex(ctx, onThreadOut, Deno.UnsafePointer.of(onThreadLen)) !== 1) {
          throw new Error("EVP_DigestFinal_ex failed");
        }
        return hexOf(onThreadOut, onThreadLen[0]);
      },
      free() {
        if (live) l.symbols.EVP_MD_CTX_free(ctx);
        live = false;
      },
    };
  };
  const once = async (bytes: Uint8Array<ArrayBuffer>): Promise<string> => {
    const len = BigInt(bytes.length);
    if (bytes.length < OFF_THREAD_MIN_BYTES) {
      if (l.symbols.EVP_Digest(bytes, len, onThreadOut, onThreadLen, md, null) !== 1) {
        throw new Error(`EVP_Digest(${algorithm}) failed`);
      }
      return hexOf(onThreadOut, onThreadLen[0]);
    }
    const out = new Uint8Array(64);
    const outLen = new Uint32Array(1);
    if (await l.symbols.EVP_Digest_nb(bytes, len, out, outLen, md, null) !== 1) {
      throw new Error(`EVP_Digest(${algorithm}) failed`);
    }
    return hexOf(out, outLen[0]);
  };
  // A digest the library says it has may still be refused at init (FIPS mode and MD5): try one.
  try {
    make().free();
  } catch {
    return null;
  }
  return Object.assign(make, { once });
}
