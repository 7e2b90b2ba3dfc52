/** Test helper: damaging one BPF program inside an otherwise valid object, to provoke a verifier rejection. */

/** Returns a copy of an ELF64 object with the last instruction of section `name` (its exit) given opcode 0xff. */
export function breakSection(elf: Uint8Array, name: string): Uint8Array {
  const out = elf.slice();
  const v = new DataView(out.buffer);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const strOff = Number(v.getBigUint64(shoff + shstrndx * shentsize + 24, true));
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    const nameOff = strOff + v.getUint32(sh, true);
    const end = out.indexOf(0, nameOff);
    if (new TextDecoder().decode(out.subarray(nameOff, end)) === name) {
      out[Number(v.getBigUint64(sh + 24, true) + v.getBigUint64(sh + 32, true)) - 8] = 0xff;
      return out;
    }
  }
  throw new Error(`no section ${name}`);
}
