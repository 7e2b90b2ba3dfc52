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

/** Bytes of the ELF header read (the 64-bit header; the 32-bit one is shorter). */
export const ELF_HEADER_BYTES = 64;
/** A section name table larger than this is not a module's (4096 sections of 256-byte names). */
export const MAX_NAME_TABLE_BYTES = 1 << 20;

/** What the ELF header says about the section header table. */
export interface ElfHeader {
  is64: boolean;
  littleEndian: boolean;
  type: number;
  shoff: bigint;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** A byte range of the file. */
export interface Span {
  offset: number;
  length: number;
}

/** One section header as stored (name still an offset into the name table). */
export interface RawSection {
  nameOff: number;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
}

type Failed = { ok: false; error: string };

/** Reads the ELF header from the first bytes of a file (at most ELF_HEADER_BYTES are looked at). */
export function parseElfHeader(head: Uint8Array): { ok: true; header: ElfHeader } | Failed {
  if (head.length < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return { ok: false, error: "not an ELF file" };
  }
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    return { ok: false, error: "unknown ELF class or byte order" };
  }
  const is64 = cls === 2;
  const le = data === 1;
  if (is64 && head.length < 64) return { ok: false, error: "truncated ELF header" };
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  return {
    ok: true,
    header: {
      is64,
      littleEndian: le,
      type: u16(16),
      shoff: is64 ? dv.getBigUint64(0x28, le) : BigInt(dv.getUint32(0x20, le)),
      shentsize: u16(is64 ? 0x3a : 0x2e),
      shnum: u16(is64 ? 0x3c : 0x30),
      shstrndx: u16(is64 ? 0x3e : 0x32),
    },
  };
}

/** Where the section header table lies (none when there are no sections), or why it cannot be read. */
export function sectionTableSpan(h: ElfHeader): { ok: true; span: Span | undefined } | Failed {
  if (h.shnum === 0) return { ok: true, span: undefined };
  if (h.shnum > MAX_SECTIONS) {
    return { ok: false, error: `${h.shnum} section headers (more than ${MAX_SECTIONS})` };
  }
  const minEnt = h.is64 ? 64 : 40;
  if (h.shentsize < minEnt) return { ok: false, error: `section header size ${h.shentsize} too small` };
  if (h.shoff > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: TABLE_OUTSIDE };
  return { ok: true, span: { offset: Number(h.shoff), length: h.shentsize * h.shnum } };
}

/** The error when the section header table does not fit in the file. */
export const TABLE_OUTSIDE = "section header table lies outside the file";
/** The error when the section name table does not fit in the file. */
export const NAMES_OUTSIDE = "section name table lies outside the file";

/** Decodes the section header table (the bytes of `sectionTableSpan`). */
export function parseSectionTable(h: ElfHeader, table: Uint8Array): RawSection[] {
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const le = h.littleEndian;
  const word = (o: number): bigint => h.is64 ? dv.getBigUint64(o, le) : BigInt(dv.getUint32(o, le));
  const clamp = (v: bigint) => v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  const raw: RawSection[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const o = i * h.shentsize;
    raw.push({
      nameOff: dv.getUint32(o, le),
      type: dv.getUint32(o + 4, le),
      flags: word(o + 8),
      offset: clamp(word(o + (h.is64 ? 0x18 : 0x10))),
      size: clamp(word(o + (h.is64 ? 0x20 : 0x14))),
    });
  }
  return raw;
}

/** Where the section name table lies, or why it cannot be read. */
export function nameTableSpan(h: ElfHeader, raw: readonly RawSection[]): { ok: true; span: Span } | Failed {
  if (h.shstrndx >= raw.length) return { ok: false, error: "section name table index out of range" };
  const strtab = raw[h.shstrndx];
  if (strtab.size > MAX_NAME_TABLE_BYTES) {
    return {
      ok: false,
      error: `section name table of ${strtab.size} bytes (more than ${MAX_NAME_TABLE_BYTES})`,
    };
  }
  if (strtab.offset + strtab.size > Number.MAX_SAFE_INTEGER) return { ok: false, error: NAMES_OUTSIDE };
  return { ok: true, span: { offset: strtab.offset, length: strtab.size } };
}

/** Names the sections from the bytes of the section name table. */
export function nameSections(raw: readonly RawSection[], names: Uint8Array): ElfSection[] {
  const decoder = new TextDecoder();
  return raw.map((s) => {
    let name = "";
    if (s.nameOff < names.length) {
      const end = names.indexOf(0, s.nameOff);
      name = decoder.decode(
        names.subarray(s.nameOff, end < 0 ? Math.min(names.length, s.nameOff + 256) : end),
      );
    }
    return { name, type: s.type, flags: s.flags, offset: s.offset, size: s.size };
  });
}

/** Parses the section headers of an ELF file held in memory. */
export function parseElfSections(buf: Uint8Array): ElfParse {
  const head = parseElfHeader(buf.subarray(0, ELF_HEADER_BYTES));
  if (!head.ok) return head;
  const h = head.header;
  const done = (sections: ElfSection[]): ElfParse => ({
    ok: true,
    is64: h.is64,
    littleEndian: h.littleEndian,
    type: h.type,
    sections,
  });
  const table = sectionTableSpan(h);
  if (!table.ok) return table;
  if (table.span === undefined) return done([]);
  const slice = (span: Span) =>
    span.offset + span.length <= buf.length
      ? buf.subarray(span.offset, span.offset + span.length)
      : undefined;
  const tableBytes = slice(table.span);
  if (!tableBytes) return { ok: false, error: TABLE_OUTSIDE };
  const raw = parseSectionTable(h, tableBytes);
  const names = nameTableSpan(h, raw);
  if (!names.ok) return names;
  const nameBytes = slice(names.span);
  if (!nameBytes) return { ok: false, error: NAMES_OUTSIDE };
  return done(nameSections(raw, nameBytes));
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
