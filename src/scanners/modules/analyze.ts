/**
 * Deep analysis of one module file: the file is streamed (bounded reads through the Host's safe open), its
 * decompressed bytes stream past a capture that keeps only the ELF tables and the signature trailer, and a
 * decompression bomb stops at the cap. Memory is a few small buffers whatever the file holds.
 */
import { createHash, type Hash } from "../../host/hash.ts";
import type { Host } from "../../host/host.ts";
import type { HostFile } from "../../host/open.ts";
import { ModuleCapture, spanSink, TAIL_WINDOW_BYTES } from "./capture.ts";
import {
  type Compression,
  detectCompression,
  inflate,
  type InflateOutcome,
  type RawReader,
} from "./decompress.ts";
import { type ElfAnomalies, elfAnomalies, type Span } from "./elf.ts";
import { moduleSignature, SIGNATURE_TAIL_BYTES, type SignatureStatus } from "./signature.ts";

/**
 * Largest decompressed module analysed. The largest module of Debian 12's kernels is amdgpu.ko: 29,258,831 bytes
 * decompressed in 6.12.113+deb12-amd64 (19,430,705 in 6.1.0-50-amd64); the development VM runs a kernel without
 * modules, so it was measured on those packages. 64 MiB leaves more than twice that. The output is streamed,
 * so the cap bounds time and garbage, not what is held.
 */
export const MAX_MODULE_DECOMPRESSED_BYTES = 64 << 20;
/** Largest module file read from disk: an uncompressed module is its content. */
export const MAX_MODULE_FILE_BYTES = MAX_MODULE_DECOMPRESSED_BYTES;
/**
 * Largest compressed module file read. The largest compressed module measured is 4,487,228 bytes (amdgpu.ko of
 * 6.1.0-50 under gzip -9; Debian's 6.12 amdgpu.ko.xz is 4,041,372): more than three times that. The decoders
 * copy their input, so this bounds that garbage too.
 */
export const MAX_COMPRESSED_FILE_BYTES = 16 << 20;
/**
 * Largest history buffer a decoder may allocate (zstd window, xz dictionary), which it fills as it decodes.
 * Kernel builds compress modules with a 1 MiB xz dictionary (every module of Debian's 6.12 kernel) or zstd at
 * level 3 (2 MiB window); xz's default preset uses 8 MiB, zstd -19 an 8 MiB window. Twice the largest of them.
 */
export const MAX_DECODER_WINDOW_BYTES = 16 << 20;

/** Limits for one analysis (overridable in tests). */
export interface AnalyzeLimits {
  maxFileBytes: number;
  /** Largest compressed file; MAX_COMPRESSED_FILE_BYTES when absent (never more than maxFileBytes). */
  maxCompressedBytes?: number;
  maxDecompressedBytes: number;
  /** Largest zstd window or xz dictionary; MAX_DECODER_WINDOW_BYTES when absent. */
  maxWindow?: number;
  /** Bytes kept from the end of the module; TAIL_WINDOW_BYTES when absent. */
  tailBytes?: number;
}

/** What a module file is, as far as it could be determined. */
export type FileAnalysis =
  | {
    ok: true;
    compression: Compression;
    fileBytes: number;
    moduleBytes: number;
    signature: SignatureStatus;
    /** ELF anomalies, or the reason the section headers could not be read. */
    elf: { ok: true; anomalies: ElfAnomalies } | { ok: false; error: string };
    /** SHA-256 of the whole file as stored on disk (when requested). */
    sha256?: string;
  }
  | { ok: false; kind: "unreadable" | "cap" | "corrupt"; message: string };

type Failure = Extract<FileAnalysis, { ok: false }>;

const READ_CHUNK = 64 << 10;

/**
 * A reader of an open file through one reused buffer (no garbage per chunk) that stops past `maxBytes`,
 * remembers a read error and feeds an optional hash.
 */
class FileReader {
  bytes = 0;
  overCap = false;
  error: string | undefined;
  readonly #buf = new Uint8Array(READ_CHUNK);

  constructor(readonly file: HostFile, public maxBytes: number, readonly hash?: Hash) {}

  readonly read: RawReader = () => {
    if (this.overCap || this.error !== undefined) return null;
    let n: number;
    try {
      n = this.file.read(this.#buf);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return null;
    }
    if (n === 0) return null;
    if (this.bytes + n > this.maxBytes) {
      this.overCap = true;
      return null;
    }
    this.bytes += n;
    const chunk = this.#buf.subarray(0, n);
    this.hash?.update(chunk);
    return chunk;
  };
}

/** One pass over the file: open, stream through the decoder into `sink`. */
async function streamPass(
  host: Host,
  path: string,
  limits: AnalyzeLimits,
  sink: (chunk: Uint8Array) => void,
  opts: { expect?: { dev: number; ino: number }; hash?: Hash },
): Promise<
  | {
    ok: true;
    compression: Compression;
    fileBytes: number;
    moduleBytes: number;
    id: { dev: number; ino: number };
  }
  | Failure
> {
  const opened = host.open(path, opts.expect ? { expect: opts.expect } : {});
  if (!opened.ok) return { ok: false, kind: "unreadable", message: opened.message };
  using file = opened.file;
  const tooLarge = (what: string, max: number): Failure => ({
    ok: false,
    kind: "cap",
    message: `${what} larger than ${max} bytes; not analysed`,
  });
  if (file.stat.size > limits.maxFileBytes) return tooLarge("file", limits.maxFileBytes);
  const reader = new FileReader(file, limits.maxFileBytes, opts.hash);
  let first: Uint8Array | null = reader.read();
  const compression = detectCompression(first ?? new Uint8Array(0));
  if (compression !== "none") {
    reader.maxBytes = Math.min(limits.maxFileBytes, limits.maxCompressedBytes ?? MAX_COMPRESSED_FILE_BYTES);
    if (file.stat.size > reader.maxBytes) return tooLarge("compressed file", reader.maxBytes);
  }
  const read: RawReader = () => {
    if (first === null) return reader.read();
    const c = first;
    first = null;
    return c;
  };
  const out: InflateOutcome = await inflate(compression, read, {
    maxOut: limits.maxDecompressedBytes,
    maxWindow: limits.maxWindow ?? MAX_DECODER_WINDOW_BYTES,
  }, sink);
  if (reader.error !== undefined) return { ok: false, kind: "unreadable", message: reader.error };
  if (reader.overCap) return tooLarge(compression === "none" ? "file" : "compressed file", reader.maxBytes);
  if (!out.ok) return { ok: false, kind: out.reason, message: `${compression}: ${out.message}` };
  return {
    ok: true,
    compression,
    fileBytes: reader.bytes,
    moduleBytes: out.bytes,
    id: { dev: file.stat.dev, ino: file.stat.ino },
  };
}

/** Reads and analyses one module file; never throws. */
export async function analyzeModuleFile(
  host: Host,
  path: string,
  opts: { hash: boolean; limits?: AnalyzeLimits },
): Promise<FileAnalysis> {
  const limits = opts.limits ??
    { maxFileBytes: MAX_MODULE_FILE_BYTES, maxDecompressedBytes: MAX_MODULE_DECOMPRESSED_BYTES };
  const capture = new ModuleCapture(limits.tailBytes ?? TAIL_WINDOW_BYTES);
  const hash = opts.hash ? createHash("sha256") : undefined;
  const first = await streamPass(host, path, limits, capture.push, { hash });
  if (!first.ok) return first;
  capture.end();
  // A table that streamed by before its place was known (not where linkers put it): read it in another pass.
  for (let pass = 0, want: Span | undefined; pass < 2 && (want = capture.missing()); pass++) {
    const span = spanSink(want);
    const again = await streamPass(host, path, limits, span.push, { expect: first.id });
    if (!again.ok) return again;
    const bytes = span.bytes();
    if (again.moduleBytes !== first.moduleBytes || bytes === undefined) {
      return { ok: false, kind: "unreadable", message: "the file changed while it was read" };
    }
    capture.fill(bytes);
  }
  const parsed = capture.elf;
  return {
    ok: true,
    compression: first.compression,
    fileBytes: first.fileBytes,
    moduleBytes: first.moduleBytes,
    signature: moduleSignature(capture.tail(SIGNATURE_TAIL_BYTES), first.moduleBytes),
    elf: parsed.ok
      ? { ok: true, anomalies: elfAnomalies(parsed.sections) }
      : { ok: false, error: parsed.error },
    ...(hash ? { sha256: hash.hex() } : {}),
  };
}
