/**
 * The one way sys-scan digests bytes on its own thread: a file's pieces (./file_hash.ts), a finding's short
 * subject, a key's fingerprint, a report to sign. Every digest comes from code the responder brought, never from
 * a library of the host under examination (which whoever owns the host can replace): short inputs through the
 * SHA-256 below, the rest through node:crypto. node:crypto is not imported: evaluating it costs an isolate
 * ~45 ms (measured in a worker), which every scan paid for the few short digests it takes; it is fetched the
 * first time a longer input or another algorithm needs it, synchronously, through `process.getBuiltinModule`.
 */
import type * as NodeCrypto from "node:crypto";

/** A running digest: feed it bytes or text (UTF-8), then take the digest once. */
export interface Hash {
  /** Adds bytes, or a text's UTF-8 encoding. */
  update(data: string | Uint8Array): Hash;
  /** The lower-case hex digest; the hash is finished. */
  hex(): string;
  /** The digest's bytes; the hash is finished. */
  bytes(): Uint8Array;
}

let nodeCryptoModule: typeof NodeCrypto | undefined;

function nodeCrypto(): typeof NodeCrypto {
  if (nodeCryptoModule !== undefined) return nodeCryptoModule;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const m = proc?.getBuiltinModule?.("node:crypto");
  if (m === undefined) throw new Error("node:crypto is not available in this runtime");
  return nodeCryptoModule = m as typeof NodeCrypto;
}

/** A running digest of `algorithm` (a node:crypto name: "md5", "sha1", "sha256", "sha512"…); throws when unknown. */
export function createHash(algorithm: string): Hash {
  const h = nodeCrypto().createHash(algorithm);
  const hash: Hash = {
    update(data) {
      h.update(data);
      return hash;
    },
    hex: () => h.digest("hex"),
    bytes: () => new Uint8Array(h.digest()),
  };
  return hash;
}

// ---------------------------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4) of short inputs, where loading node:crypto would cost more than the digest.

/** Inputs up to this many bytes are digested here; longer ones by node:crypto (faster per byte). */
export const SHORT_INPUT_BYTES = 64 << 10;

/** floor(frac(p^(1/k)) × 2^32) for the prime p, exactly (the double estimate corrected with integers). */
function rootBits(p: number, k: 2 | 3): number {
  const target = BigInt(p) << BigInt(32 * k);
  const pow = (x: bigint) => k === 2 ? x * x : x * x * x;
  let x = BigInt(Math.floor((k === 2 ? Math.sqrt(p) : Math.cbrt(p)) * 2 ** 32));
  while (pow(x) > target) x--;
  while (pow(x + 1n) <= target) x++;
  return Number(x & 0xffffffffn) | 0;
}

function firstPrimes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}

/** The round constants (cube roots of the first 64 primes) and the initial state (square roots of the first 8). */
const PRIMES = firstPrimes(64);
const K = Int32Array.from(PRIMES, (p) => rootBits(p, 3));
const H0 = Int32Array.from(PRIMES.slice(0, 8), (p) => rootBits(p, 2));

function compress(h: Int32Array, w: Int32Array, m: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) {
    w[i] = (m[at] << 24) | (m[at + 1] << 16) | (m[at + 2] << 8) | m[at + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15], b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + k) | 0;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** The eight state words after the whole of `m` (padding included). */
function shortSha256(m: Uint8Array): Int32Array {
  const h = H0.slice();
  const w = new Int32Array(64);
  const full = m.length >>> 6;
  for (let b = 0; b < full; b++) compress(h, w, m, b << 6);
  // The rest, the 0x80 byte and the length in bits (big-endian, 64 bits) in one or two last blocks.
  const rest = m.length - (full << 6);
  const tail = new Uint8Array(rest + 9 <= 64 ? 64 : 128);
  tail.set(m.subarray(full << 6));
  tail[rest] = 0x80;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, Math.floor(m.length / 2 ** 29));
  view.setUint32(tail.length - 4, (m.length << 3) >>> 0);
  for (let at = 0; at < tail.length; at += 64) compress(h, w, tail, at);
  return h;
}

const encoder = new TextEncoder();
const asBytes = (data: string | Uint8Array) => typeof data === "string" ? encoder.encode(data) : data;

/** The SHA-256 of bytes, or of a text's UTF-8 encoding. */
export function sha256Bytes(data: string | Uint8Array): Uint8Array {
  const bytes = asBytes(data);
  if (bytes.length > SHORT_INPUT_BYTES) return createHash("sha256").update(bytes).bytes();
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  shortSha256(bytes).forEach((v, i) => view.setInt32(4 * i, v));
  return out;
}

/** The lower-case hex SHA-256 of bytes, or of a text's UTF-8 encoding. */
export function sha256Hex(data: string | Uint8Array): string {
  const bytes = asBytes(data);
  if (bytes.length > SHORT_INPUT_BYTES) return createHash("sha256").update(bytes).hex();
  let out = "";
  for (const v of shortSha256(bytes)) {
    out += HEX[v >>> 24] + HEX[(v >>> 16) & 0xff] + HEX[(v >>> 8) & 0xff] + HEX[v & 0xff];
  }
  return out;
}

/**
 * The lower-case hex SHA-256 of bytes of any size, off this thread: WebCrypto, part of the runtime the responder
 * brought (2–3 ms to first use, where node:crypto costs ~45 ms and this module's own SHA-256 runs ~5 MB/s
 * before it is compiled). For callers that can wait: a report to sign, the bundled BPF object, an executable.
 */
export async function sha256HexAsync(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let out = "";
  for (const b of digest) out += HEX[b];
  return out;
}

/** The standard base64 (with padding) of some bytes. */
export function base64Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
