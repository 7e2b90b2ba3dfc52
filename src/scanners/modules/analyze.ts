/** Deep analysis of one module file: bounded read, decompression, signature trailer and ELF heuristics. */
import { sha256Hex } from "../../core/hash.ts";
import type { Host } from "../../host/host.ts";
import { type Compression, decompress, detectCompression } from "./decompress.ts";
import { type ElfAnomalies, elfAnomalies, parseElfSections } from "./elf.ts";
import { moduleSignature, type SignatureStatus } from "./signature.ts";

/** Largest module file read from disk (compressed or not). */
export const MAX_MODULE_FILE_BYTES = 128 << 20;
/** Largest decompressed module analysed. */
export const MAX_MODULE_DECOMPRESSED_BYTES = 256 << 20;

/** Limits for one analysis (overridable in tests). */
export interface AnalyzeLimits {
  maxFileBytes: number;
  maxDecompressedBytes: number;
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

/** Reads and analyses one module file; never throws. */
export async function analyzeModuleFile(
  host: Host,
  path: string,
  opts: { hash: boolean; limits?: AnalyzeLimits },
): Promise<FileAnalysis> {
  const limits = opts.limits ??
    { maxFileBytes: MAX_MODULE_FILE_BYTES, maxDecompressedBytes: MAX_MODULE_DECOMPRESSED_BYTES };
  const read = host.readBytes(path, limits.maxFileBytes);
  if (!read.ok) return { ok: false, kind: "unreadable", message: read.message };
  if (read.truncated) {
    return { ok: false, kind: "cap", message: `file larger than ${limits.maxFileBytes} bytes; not analysed` };
  }
  const raw = read.value;
  const compression = detectCompression(raw);
  const out = await decompress(raw, compression, limits.maxDecompressedBytes);
  if (!out.ok) return { ok: false, kind: out.reason, message: `${compression}: ${out.message}` };
  const parsed = parseElfSections(out.data);
  return {
    ok: true,
    compression,
    fileBytes: raw.length,
    moduleBytes: out.data.length,
    signature: moduleSignature(out.data),
    elf: parsed.ok
      ? { ok: true, anomalies: elfAnomalies(parsed.sections) }
      : { ok: false, error: parsed.error },
    ...(opts.hash ? { sha256: await sha256Hex(raw) } : {}),
  };
}
