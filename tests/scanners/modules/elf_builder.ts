/** Test helper: builds small ELF64 little-endian files with chosen section headers. */
import { type Compression, inflate, type RawReader } from "../../../src/scanners/modules/decompress.ts";

/** A section to put in a built ELF. */
export interface SectionSpec {
  name: string;
  type?: number;
  flags?: number;
  size?: number;
}

/** An ELF64 LE relocatable file with a null section, the given sections and a .shstrtab. */
export function buildElf(sections: SectionSpec[]): Uint8Array {
  const names = ["", ...sections.map((s) => s.name), ".shstrtab"];
  const enc = new TextEncoder();
  const nameOffsets: number[] = [];
  const strParts: number[] = [];
  for (const n of names) {
    nameOffsets.push(strParts.length);
    strParts.push(...enc.encode(n), 0);
  }
  const strtab = new Uint8Array(strParts);
  const strOff = 64;
  const shoff = strOff + strtab.length + ((8 - (strtab.length % 8)) % 8);
  const shnum = names.length;
  const buf = new Uint8Array(shoff + shnum * 64);
  const dv = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 1, true);
  dv.setUint16(18, 62, true);
  dv.setBigUint64(0x28, BigInt(shoff), true);
  dv.setUint16(0x34, 64, true);
  dv.setUint16(0x3a, 64, true);
  dv.setUint16(0x3c, shnum, true);
  dv.setUint16(0x3e, shnum - 1, true);
  buf.set(strtab, strOff);
  sections.forEach((s, i) => {
    const o = shoff + (i + 1) * 64;
    dv.setUint32(o, nameOffsets[i + 1], true);
    dv.setUint32(o + 4, s.type ?? 1, true);
    dv.setBigUint64(o + 8, BigInt(s.flags ?? 0), true);
    dv.setBigUint64(o + 0x18, 64n, true);
    dv.setBigUint64(o + 0x20, BigInt(s.size ?? 0), true);
  });
  const so = shoff + (shnum - 1) * 64;
  dv.setUint32(so, nameOffsets[shnum - 1], true);
  dv.setUint32(so + 4, 3, true);
  dv.setBigUint64(so + 0x18, BigInt(strOff), true);
  dv.setBigUint64(so + 0x20, BigInt(strtab.length), true);
  return buf;
}

/** Runs a compressor CLI (gzip, xz, zstd) on bytes with kernel-style defaults and `args`, returns its output. */
export function compressWith(
  tool: "gzip" | "xz" | "zstd",
  data: Uint8Array,
  args: string[] = [],
): Uint8Array {
  const extra = tool === "xz" ? ["--check=crc32", "--lzma2=dict=1MiB"] : tool === "zstd" ? ["-q"] : ["-n"];
  return compressExactly(tool, data, [...extra, ...args]);
}

/** Runs `tool args -c FILE` on bytes with exactly these arguments and returns its output. */
export function compressExactly(tool: "gzip" | "xz" | "zstd", data: Uint8Array, args: string[]): Uint8Array {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${dir}/m`, data);
    const out = new Deno.Command(tool, {
      args: [...args, "-c", `${dir}/m`],
      stdout: "piped",
      stderr: "piped",
    })
      .outputSync();
    if (!out.success) throw new Error(`${tool} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    return out.stdout;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A reader over bytes in memory, in chunks of `chunk` bytes (each a fresh copy, as the decoders may keep it). */
export function memoryReader(data: Uint8Array, chunk = 64 << 10): RawReader {
  let off = 0;
  return () => {
    if (off >= data.length) return null;
    const piece = data.slice(off, off + chunk);
    off += chunk;
    return piece;
  };
}

/** The outcome of decompressing into one buffer (tests only: the scanner never gathers a module). */
export type Gathered =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: "cap" | "corrupt"; message: string };

/** Decompresses in-memory `data` through `inflate`, gathering the output (small test inputs). */
export async function inflateAll(
  data: Uint8Array,
  kind: Compression,
  maxOut: number,
  maxWindow = maxOut,
): Promise<Gathered> {
  const chunks: Uint8Array[] = [];
  const r = await inflate(kind, memoryReader(data), { maxOut, maxWindow }, (c) => chunks.push(c.slice()));
  if (!r.ok) return r;
  const out = new Uint8Array(r.bytes);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return { ok: true, data: out };
}
