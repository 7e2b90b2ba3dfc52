import assert from "node:assert/strict";
import { elfAnomalies, HUGE_TEXT_BYTES, parseElfSections } from "../../../src/scanners/modules/elf.ts";
import { fixtureRoot } from "../../helpers.ts";
import { buildElf } from "./elf_builder.ts";

const MISC = `${fixtureRoot("modules-anomalous")}/lib/modules/6.1.0-28-amd64/kernel/drivers/misc`;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXEC = 4;

Deno.test("elf: a real assembled module parses with no anomalies", () => {
  const p = parseElfSections(Deno.readFileSync(`${MISC}/plainmod.ko`));
  assert.ok(p.ok);
  assert.ok(p.sections.some((s) => s.name === ".modinfo"));
  assert.deepEqual(elfAnomalies(p.sections), {
    wxSections: [],
    hugeText: undefined,
    suspiciousNames: [],
    isModule: true,
  });
});

Deno.test("elf: the real W+X .evil module fires both heuristics", () => {
  const p = parseElfSections(Deno.readFileSync(`${MISC}/evilmod.ko`));
  assert.ok(p.ok);
  const a = elfAnomalies(p.sections);
  assert.deepEqual(a.wxSections, [".evil"]);
  assert.deepEqual(a.suspiciousNames, [".evil"]);
});

Deno.test("elf: huge .text, odd names and a missing this_module section", () => {
  const p = parseElfSections(buildElf([
    { name: ".text", flags: SHF_ALLOC | SHF_EXEC, size: HUGE_TEXT_BYTES + 1 },
    { name: ".ROOTKIT" },
    { name: "x" },
    { name: ".42" },
    { name: ".bad\u0001name" },
    { name: ".rodata.str1.1" },
    { name: ".data", flags: SHF_ALLOC | SHF_WRITE },
  ]));
  assert.ok(p.ok);
  const a = elfAnomalies(p.sections);
  assert.equal(a.hugeText, HUGE_TEXT_BYTES + 1);
  assert.deepEqual(a.suspiciousNames, [".ROOTKIT", "x", ".42", ".bad\u0001name"]);
  assert.deepEqual(a.wxSections, []);
  assert.equal(a.isModule, false);
  const quiet = parseElfSections(buildElf([{ name: ".text", size: HUGE_TEXT_BYTES }]));
  assert.ok(quiet.ok);
  assert.equal(elfAnomalies(quiet.sections).hugeText, undefined);
});

Deno.test("elf: empty, garbage and truncated input give errors, not throws", () => {
  const good = Deno.readFileSync(`${MISC}/plainmod.ko`);
  assert.equal(parseElfSections(new Uint8Array(0)).ok, false);
  assert.equal(
    parseElfSections(new TextEncoder().encode("not an elf at all, just some text...........")).ok,
    false,
  );
  const dv = new DataView(good.buffer, good.byteOffset);
  const tableEnd = Number(dv.getBigUint64(0x28, true)) + dv.getUint16(0x3c, true) * 64;
  for (let cut = 0; cut < good.length; cut += 7) {
    assert.equal(parseElfSections(good.subarray(0, cut)).ok, cut >= tableEnd, `cut ${cut}`);
  }
});

Deno.test("elf: hostile headers (offsets past the end, huge counts, bad string table) are refused", () => {
  const base = buildElf([{ name: ".text" }]);
  const edit = (f: (dv: DataView) => void) => {
    const b = base.slice();
    f(new DataView(b.buffer));
    return parseElfSections(b);
  };
  assert.equal(edit((dv) => dv.setBigUint64(0x28, 0xffffffffffffff00n, true)).ok, false);
  assert.equal(edit((dv) => dv.setUint16(0x3c, 65535, true)).ok, false);
  assert.equal(edit((dv) => dv.setUint16(0x3a, 8, true)).ok, false);
  assert.equal(edit((dv) => dv.setUint16(0x3e, 200, true)).ok, false);
  const shoff = Number(new DataView(base.buffer).getBigUint64(0x28, true));
  assert.equal(edit((dv) => dv.setBigUint64(shoff + 2 * 64 + 0x18, 1n << 40n, true)).ok, false);
  const nameOff = edit((dv) => dv.setUint32(shoff + 64, 0x7fffffff, true));
  assert.ok(nameOff.ok);
  assert.equal(nameOff.sections[1].name, "");
  assert.equal(edit((dv) => dv.setUint8(4, 9)).ok, false);
});
