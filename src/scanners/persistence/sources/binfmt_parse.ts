/**
 * binfmt_misc registrations: the `:name:type:offset:magic:mask:interpreter:flags` lines of binfmt.d files, the
 * entries of the live /proc/sys/fs/binfmt_misc, and whether a registration's magic matches a given file head.
 */

/** One registration. */
export interface BinfmtRegistration {
  name: string;
  /** "M": by magic bytes at an offset; "E": by file name extension. */
  type: "M" | "E";
  offset: number;
  /** The magic bytes (M) or the extension (E, as bytes of its text). */
  magic: Uint8Array;
  /** The mask (M), or undefined for all bits. */
  mask?: Uint8Array;
  interpreter: string;
  flags: string;
  /** False when the live entry says `disabled`. */
  enabled: boolean;
  /** Line in its file (0 for a live entry). */
  line: number;
}

/** Decodes the kernel's escapes of magic and mask strings (`\xHH`, `\\`, and other characters as they are). */
export function unescapeBinfmt(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && text[i + 1] === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (ch === "\\" && text[i + 1] === "\\") {
      out.push(0x5c);
      i++;
    } else {
      for (const b of new TextEncoder().encode(ch)) out.push(b);
    }
  }
  return new Uint8Array(out);
}

function hexBytes(hex: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return undefined;
  return new Uint8Array((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}

/**
 * Parses one registration string as written to /proc/sys/fs/binfmt_misc/register (its first character is the
 * field separator); undefined when it is not one.
 */
export function parseRegistration(text: string, line = 0): BinfmtRegistration | undefined {
  const t = text.trim();
  if (t.length < 2) return undefined;
  const fields = t.slice(1).split(t[0]);
  if (fields.length < 6) return undefined;
  const [name, type, offset, magic, mask, interpreter, flags = ""] = fields;
  if (name === "" || name.includes("/") || (type !== "M" && type !== "E") || interpreter === "") {
    return undefined;
  }
  if (offset !== "" && !/^\d{1,6}$/.test(offset)) return undefined;
  const magicBytes = unescapeBinfmt(magic);
  if (magicBytes.length === 0) return undefined;
  return {
    name,
    type,
    offset: offset === "" ? 0 : Number(offset),
    magic: magicBytes,
    ...(type === "M" && mask !== "" ? { mask: unescapeBinfmt(mask) } : {}),
    interpreter,
    flags: flags.trim(),
    enabled: true,
    line,
  };
}

/** Parses a binfmt.d file: one registration per line, `#` and `;` comment lines; bad lines are counted. */
export function parseBinfmtFile(text: string): { registrations: BinfmtRegistration[]; bad: number } {
  const registrations: BinfmtRegistration[] = [];
  let bad = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const r = parseRegistration(line, i + 1);
    if (r) registrations.push(r);
    else bad++;
  });
  return { registrations, bad };
}

/** Parses a live /proc/sys/fs/binfmt_misc/NAME entry; undefined when it is not one. */
export function parseLiveEntry(name: string, text: string): BinfmtRegistration | undefined {
  const lines = text.split("\n").map((l) => l.trim());
  const value = (key: string) => lines.find((l) => l.startsWith(key + " "))?.slice(key.length + 1).trim();
  const interpreter = value("interpreter");
  if (interpreter === undefined || interpreter === "") return undefined;
  const ext = value("extension");
  const magicHex = value("magic");
  const magic = ext !== undefined
    ? new TextEncoder().encode(ext.replace(/^\./, ""))
    : hexBytes(magicHex ?? "");
  if (magic === undefined || magic.length === 0) return undefined;
  const maskHex = value("mask");
  const mask = maskHex === undefined ? undefined : hexBytes(maskHex);
  const offset = Number(value("offset") ?? "0");
  return {
    name,
    type: ext !== undefined ? "E" : "M",
    offset: Number.isInteger(offset) && offset >= 0 ? offset : 0,
    magic,
    ...(mask ? { mask } : {}),
    interpreter,
    flags: lines.find((l) => l.startsWith("flags:"))?.slice(6).trim() ?? "",
    enabled: lines[0] === "enabled",
    line: 0,
  };
}

/**
 * True when a magic registration matches `head` (the first bytes of a file): every magic byte that falls inside
 * `head`, under the mask, equals the file's, and at least four bytes were compared.
 */
export function matchesHead(r: BinfmtRegistration, head: Uint8Array): boolean {
  if (r.type !== "M") return false;
  let compared = 0;
  for (let i = 0; i < r.magic.length; i++) {
    const at = r.offset + i;
    if (at >= head.length) break;
    const m = r.mask?.[i] ?? 0xff;
    if ((head[at] & m) !== (r.magic[i] & m)) return false;
    compared++;
  }
  return compared >= Math.min(4, r.magic.length);
}

/**
 * The heads of this system's own executables: from the first 20 bytes of one of its ELF programs (class, byte
 * order, machine), ELF executables and position-independent ones with either OS ABI byte, plus `#!` scripts.
 */
export function nativeHeads(elf: Uint8Array | undefined): { what: string; head: Uint8Array }[] {
  const out = [
    { what: "#! scripts", head: new TextEncoder().encode("#!/bin/sh\n") },
    { what: "#! scripts", head: new TextEncoder().encode("#!/usr/bin/env python3\n") },
  ];
  if (!elf || elf.length < 20 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) {
    return out;
  }
  const le = elf[5] === 1;
  for (const osabi of [0, 3]) {
    for (const type of [2, 3]) {
      const h = new Uint8Array(24);
      h.set(elf.subarray(0, 7));
      h[7] = osabi;
      h[le ? 16 : 17] = type;
      h[18] = elf[18];
      h[19] = elf[19];
      h[le ? 20 : 23] = 1;
      out.push({ what: "this system's ELF programs", head: h });
    }
  }
  return out;
}
