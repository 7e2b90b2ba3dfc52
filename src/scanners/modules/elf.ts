/**
 * A bounded reader of ELF section headers and the module heuristics built on it. Every offset and count read
 * from the file is checked against the buffer before use; a hostile header yields an error value, never a throw.
 */

const SHF_WRITE = 0x1;
const SHF_EXECINSTR = 0x4;
const SHT_NOBITS = 8;

/** More section headers than this is not a kernel module (the largest in-tree modules have a few hundred). */
export const MAX_SECTIONS = 4096;
/** A `.text` larger than this is unusual for a module (the largest in-tree drivers stay well below it). */
export const HUGE_TEXT_BYTES = 8 << 20;
/** Section names no toolchain produces and rootkit samples have used. */
export const SUSPICIOUS_SECTION_NAMES = new Set([
  ".evil",
  ".rootkit",
  ".hide",
  ".hidden",
  ".__mod",
  ".__kern",
  ".backdoor",
]);

/** One section header. */
export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
}

/** The parse result. */
export type ElfParse =
  | { ok: true; is64: boolean; littleEndian: boolean; type: number; sections: ElfSection[] }
  | { ok: false; error: string };

/** Parses the section headers of an ELF file held in memory. */
export function parseElfSections(buf: Uint8Array): ElfParse {
  if (buf.length < 52 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) {
    return { ok: false, error: "not an ELF file" };
  }
  const cls = buf[4];
  const data = buf[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    return { ok: false, error: "unknown ELF class or byte order" };
  }
  const is64 = cls === 2;
  const le = data === 1;
  if (is64 && buf.length < 64) return { ok: false, error: "truncated ELF header" };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const word = (o: number): bigint => is64 ? dv.getBigUint64(o, le) : BigInt(dv.getUint32(o, le));
  const type = u16(16);
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  const minEnt = is64 ? 64 : 40;
  if (shnum === 0) return { ok: true, is64, littleEndian: le, type, sections: [] };
  if (shnum > MAX_SECTIONS) {
    return { ok: false, error: `${shnum} section headers (more than ${MAX_SECTIONS})` };
  }
  if (shentsize < minEnt) return { ok: false, error: `section header size ${shentsize} too small` };
  const tableEnd = shoff + BigInt(shentsize) * BigInt(shnum);
  if (tableEnd > BigInt(buf.length)) {
    return { ok: false, error: "section header table lies outside the file" };
  }
  const base = Number(shoff);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = base + i * shentsize;
    const offset = word(o + (is64 ? 0x18 : 0x10));
    const size = word(o + (is64 ? 0x20 : 0x14));
    raw.push({
      nameOff: u32(o),
      type: u32(o + 4),
      flags: word(o + 8),
      offset: offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offset),
      size: size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size),
    });
  }
  if (shstrndx >= shnum) return { ok: false, error: "section name table index out of range" };
  const strtab = raw[shstrndx];
  if (strtab.offset + strtab.size > buf.length) {
    return { ok: false, error: "section name table lies outside the file" };
  }
  const names = buf.subarray(strtab.offset, strtab.offset + strtab.size);
  const decoder = new TextDecoder();
  const sections = raw.map((s) => {
    let name = "";
    if (s.nameOff < names.length) {
      const end = names.indexOf(0, s.nameOff);
      name = decoder.decode(
        names.subarray(s.nameOff, end < 0 ? Math.min(names.length, s.nameOff + 256) : end),
      );
    }
    return { name, type: s.type, flags: s.flags, offset: s.offset, size: s.size };
  });
  return { ok: true, is64, littleEndian: le, type, sections };
}

/** What the section headers of a module say that a normal build would not. */
export interface ElfAnomalies {
  /** Sections both writable and executable. */
  wxSections: string[];
  /** Size of `.text` when larger than HUGE_TEXT_BYTES. */
  hugeText: number | undefined;
  /** Section names from the suspicious list, single-character names, or names with control characters. */
  suspiciousNames: string[];
  /** False when the file has no `.gnu.linkonce.this_module` section, i.e. is not a loadable module. */
  isModule: boolean;
}

/** Applies the module heuristics to parsed section headers. */
export function elfAnomalies(sections: readonly ElfSection[]): ElfAnomalies {
  const wx = (s: ElfSection) =>
    (s.flags & BigInt(SHF_WRITE | SHF_EXECINSTR)) === BigInt(SHF_WRITE | SHF_EXECINSTR);
  const text = sections.find((s) => s.name === ".text");
  const suspicious = (name: string) =>
    SUSPICIOUS_SECTION_NAMES.has(name.toLowerCase()) || /^\.?[^.]$/.test(name) || /^\.\d+$/.test(name) ||
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f\ufffd]/.test(name);
  return {
    wxSections: [...new Set(sections.filter(wx).map((s) => s.name))],
    hugeText: text && text.type !== SHT_NOBITS && text.size > HUGE_TEXT_BYTES ? text.size : undefined,
    suspiciousNames: [...new Set(sections.filter((s, i) => i > 0 && suspicious(s.name)).map((s) => s.name))],
    isModule: sections.some((s) => s.name === ".gnu.linkonce.this_module"),
  };
}
