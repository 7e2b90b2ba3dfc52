import assert from "node:assert/strict";
import { Host } from "../../../src/host/host.ts";
import { analyzeModuleFile } from "../../../src/scanners/modules/analyze.ts";
import { ModuleCapture } from "../../../src/scanners/modules/capture.ts";
import { parseElfSections } from "../../../src/scanners/modules/elf.ts";
import { moduleSignature, SIGNATURE_TAIL_BYTES } from "../../../src/scanners/modules/signature.ts";
import { fixtureRoot, makeTree } from "../../helpers.ts";
import { buildElf, compressWith } from "./elf_builder.ts";

const MISC = "lib/modules/6.1.0-28-amd64/kernel/drivers/misc";

function stream(bytes: Uint8Array, piece: number, tailBytes?: number): ModuleCapture {
  const c = new ModuleCapture(tailBytes);
  for (let i = 0; i < bytes.length; i += piece) c.push(bytes.subarray(i, i + piece));
  c.end();
  return c;
}

Deno.test("capture: streamed in any chunking, a module parses as it does whole, trailer included", () => {
  for (const root of ["modules-clean", "modules-anomalous"]) {
    const dir = `${fixtureRoot(root)}/${MISC}`;
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.endsWith(".ko")) continue;
      const whole = Deno.readFileSync(`${dir}/${e.name}`);
      for (const piece of [1, 13, 64, 4096, whole.length]) {
        const c = stream(whole, piece);
        assert.equal(c.missing(), undefined, `${e.name}: the tables sit in the tail window`);
        assert.deepEqual(c.elf, parseElfSections(whole), `${e.name} in pieces of ${piece}`);
        assert.equal(c.total, whole.length);
        assert.deepEqual(
          moduleSignature(c.tail(SIGNATURE_TAIL_BYTES), c.total),
          moduleSignature(whole),
          e.name,
        );
      }
    }
  }
});

Deno.test("capture: a name table that streamed by before its place was known is asked for, then filled", () => {
  const elf = buildElf([{ name: ".text", size: 10 }, { name: ".rootkit" }]);
  const c = stream(elf, 32, 16);
  const want = c.missing();
  assert.ok(want, "the name table (right after the header) is outside a 16-byte window");
  assert.equal(c.elf.ok, false, "no sections before the table is supplied");
  c.fill(elf.subarray(want.offset, want.offset + want.length));
  assert.equal(c.missing(), undefined);
  assert.deepEqual(c.elf, parseElfSections(elf));
});

Deno.test("capture: tables outside the module, hostile offsets and non-ELF data are errors, never throws", () => {
  const elf = buildElf([{ name: ".text" }]);
  const dv = new DataView(elf.buffer);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const edits: [string, (b: Uint8Array, d: DataView) => void, RegExp][] = [
    ["table past the end", (_b, d) => d.setBigUint64(0x28, 1n << 40n, true), /outside the file/],
    ["huge table offset", (_b, d) => d.setBigUint64(0x28, 0xffffffffffffff00n, true), /outside the file/],
    ["name table past the end", (_b, d) => d.setBigUint64(shoff + 2 * 64 + 0x18, 1n << 30n, true), /outside/],
    ["empty name table past the end", (_b, d) => {
      d.setBigUint64(shoff + 2 * 64 + 0x18, BigInt(elf.length + 4096), true);
      d.setBigUint64(shoff + 2 * 64 + 0x20, 0n, true);
    }, /outside/],
    ["name table of 1 GiB", (_b, d) => d.setBigUint64(shoff + 2 * 64 + 0x20, 1n << 30n, true), /more than/],
    ["too many sections", (_b, d) => d.setUint16(0x3c, 65535, true), /more than 4096/],
    ["not ELF", (b) => b.fill(0x41, 0, 4), /not an ELF file/],
  ];
  for (const [what, edit, message] of edits) {
    const b = elf.slice();
    edit(b, new DataView(b.buffer));
    const c = stream(b, 7);
    assert.equal(c.missing(), undefined, what);
    assert.equal(c.elf.ok, false, what);
    assert.match(c.elf.ok ? "" : c.elf.error, message, what);
    assert.deepEqual(c.elf, parseElfSections(b), `${what}: the same verdict as the whole-file parser`);
  }
  assert.equal(stream(new Uint8Array(0), 1).elf.ok, false);
  assert.equal(stream(elf.subarray(0, 40), 1).elf.ok, false, "a truncated header");
});

Deno.test("analyze: a second pass reads a table outside the tail window, from the same file", async () => {
  const elf = buildElf([{ name: ".text", size: 10 }, { name: ".gnu.linkonce.this_module" }]);
  using tree = makeTree({ "m/x.ko": { content: elf } });
  const host = new Host(tree.path);
  const limits = { maxFileBytes: 1 << 20, maxDecompressedBytes: 1 << 20, tailBytes: 16 };
  const r = await analyzeModuleFile(host, "/m/x.ko", { hash: true, limits });
  assert.ok(r.ok);
  assert.ok(r.elf.ok, r.elf.ok ? "" : r.elf.error);
  assert.equal(r.elf.anomalies.isModule, true, "section names were read in the second pass");
  assert.equal(r.moduleBytes, elf.length);
  const whole = await analyzeModuleFile(host, "/m/x.ko", { hash: true });
  assert.deepEqual(r, whole, "the same analysis as with the default window");
});

Deno.test("analyze: a 2 GiB sparse module is refused from its size without a byte read", async () => {
  using tree = makeTree({ "m/big.ko": "" });
  using f = Deno.openSync(`${tree.path}/m/big.ko`, { write: true });
  f.truncateSync(2 ** 31);
  const started = performance.now();
  const r = await analyzeModuleFile(new Host(tree.path), "/m/big.ko", { hash: true });
  assert.equal(!r.ok && r.kind, "cap");
  assert.ok(performance.now() - started < 1000, "not read");
});

Deno.test("capture: a 32-bit ELF shorter than the 64-bit header gets the whole-file verdict", () => {
  const elf32 = new Uint8Array(60);
  elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  const dv = new DataView(elf32.buffer);
  for (const [shoff, shnum] of [[0, 0], [52, 1], [8, 1]]) {
    dv.setUint32(0x20, shoff, true);
    dv.setUint16(0x2e, 40, true);
    dv.setUint16(0x30, shnum, true);
    assert.deepEqual(stream(elf32, 5).elf, parseElfSections(elf32), `shoff ${shoff}, shnum ${shnum}`);
  }
});

Deno.test("analyze: a compressed file over the compressed-size cap is refused before it is decoded", async () => {
  const packed = compressWith("gzip", crypto.getRandomValues(new Uint8Array(32 << 10)));
  using tree = makeTree({ "m/x.ko.gz": { content: packed } });
  const limits = { maxFileBytes: 1 << 20, maxDecompressedBytes: 1 << 20, maxCompressedBytes: 1024 };
  const r = await analyzeModuleFile(new Host(tree.path), "/m/x.ko.gz", { hash: false, limits });
  assert.equal(!r.ok && r.kind, "cap");
  assert.match(!r.ok ? r.message : "", /compressed file larger than 1024 bytes/);
  const plain = await analyzeModuleFile(new Host(tree.path), "/m/x.ko.gz", { hash: false });
  assert.equal(plain.ok, true, "under the default caps it is read");
});
