/** Test helper: builds small ELF64 little-endian files with chosen section headers. */

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

/** Runs a compressor CLI (gzip, xz, zstd) on bytes and returns its output. */
export function compressWith(
  tool: "gzip" | "xz" | "zstd",
  data: Uint8Array,
  args: string[] = [],
): Uint8Array {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${dir}/m`, data);
    const extra = tool === "xz" ? ["--check=crc32", "--lzma2=dict=1MiB"] : tool === "zstd" ? ["-q"] : ["-n"];
    const out = new Deno.Command(tool, { args: [...extra, ...args, "-c", `${dir}/m`], stdout: "piped" })
      .outputSync();
    if (!out.success) throw new Error(`${tool} failed`);
    return out.stdout;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
