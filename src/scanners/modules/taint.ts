/** The kernel's taint bits (Documentation/admin-guide/tainted-kernels.rst) and their decoding. */

/** One taint flag as the kernel defines it. */
export interface TaintFlag {
  bit: number;
  letter: string;
  name: string;
  meaning: string;
}

/** The kernel's taint table, bit by bit (the letters are those of /proc/modules and /sys/module/<m>/taint). */
export const TAINT_FLAGS: readonly TaintFlag[] = [
  { bit: 0, letter: "P", name: "PROPRIETARY_MODULE", meaning: "a proprietary module was loaded" },
  { bit: 1, letter: "F", name: "FORCED_MODULE", meaning: "a module was force-loaded" },
  { bit: 2, letter: "S", name: "CPU_OUT_OF_SPEC", meaning: "the kernel runs on an out-of-spec system" },
  { bit: 3, letter: "R", name: "FORCED_RMMOD", meaning: "a module was force-unloaded" },
  { bit: 4, letter: "M", name: "MACHINE_CHECK", meaning: "a machine check exception occurred" },
  {
    bit: 5,
    letter: "B",
    name: "BAD_PAGE",
    meaning: "a bad page was referenced or unexpected page flags seen",
  },
  { bit: 6, letter: "U", name: "USER", meaning: "tainted on request of a user-space program" },
  { bit: 7, letter: "D", name: "DIE", meaning: "the kernel died recently (OOPS or BUG)" },
  { bit: 8, letter: "A", name: "OVERRIDDEN_ACPI_TABLE", meaning: "an ACPI table was overridden" },
  { bit: 9, letter: "W", name: "WARN", meaning: "the kernel issued a warning" },
  { bit: 10, letter: "C", name: "CRAP", meaning: "a staging driver was loaded" },
  {
    bit: 11,
    letter: "I",
    name: "FIRMWARE_WORKAROUND",
    meaning: "a workaround for a platform firmware bug is active",
  },
  {
    bit: 12,
    letter: "O",
    name: "OOT_MODULE",
    meaning: "an externally-built (out-of-tree) module was loaded",
  },
  {
    bit: 13,
    letter: "E",
    name: "UNSIGNED_MODULE",
    meaning: "an unsigned module was loaded on a kernel that supports signing",
  },
  { bit: 14, letter: "L", name: "SOFTLOCKUP", meaning: "a soft lockup occurred" },
  { bit: 15, letter: "K", name: "LIVEPATCH", meaning: "the kernel was live patched" },
  { bit: 16, letter: "X", name: "AUX", meaning: "auxiliary taint (distribution-defined)" },
  { bit: 17, letter: "T", name: "RANDSTRUCT", meaning: "the kernel was built with the randstruct plugin" },
  { bit: 18, letter: "N", name: "TEST", meaning: "a test module was loaded" },
];

/** Taint letters that say something about what was loaded into the kernel, as opposed to hardware or crashes. */
export const SECURITY_TAINT_LETTERS = new Set(["P", "F", "R", "C", "O", "E", "N"]);

/** Parses /proc/sys/kernel/tainted (a decimal integer); undefined when it is not one. */
export function parseTaintValue(text: string): bigint | undefined {
  const t = text.trim();
  return /^\d{1,20}$/.test(t) ? BigInt(t) : undefined;
}

/** The flags set in a taint value; bits the table does not know are returned as numbers. */
export function decodeTaint(value: bigint): { flags: TaintFlag[]; unknownBits: number[] } {
  const flags: TaintFlag[] = [];
  const unknownBits: number[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if (((value >> BigInt(bit)) & 1n) === 0n) continue;
    const f = TAINT_FLAGS[bit];
    if (f) flags.push(f);
    else unknownBits.push(bit);
  }
  return { flags, unknownBits };
}

/**
 * Parses a per-module taint string (/sys/module/<m>/taint, or the "(OE)" column of /proc/modules) into letters
 * the table knows; other characters are ignored.
 */
export function parseTaintLetters(text: string): string[] {
  const known = new Set(TAINT_FLAGS.map((f) => f.letter));
  const out: string[] = [];
  for (const ch of text.replace(/[()\s]/g, "")) if (known.has(ch) && !out.includes(ch)) out.push(ch);
  return out;
}
