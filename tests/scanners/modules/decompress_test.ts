import assert from "node:assert/strict";
import { detectCompression, zstdMaxWindow } from "../../../src/scanners/modules/decompress.ts";
import { moduleSignature } from "../../../src/scanners/modules/signature.ts";
import { fixtureRoot } from "../../helpers.ts";
import { compressWith, inflateAll } from "./elf_builder.ts";

const MISC = `${fixtureRoot("modules-clean")}/lib/modules/6.1.0-28-amd64/kernel/drivers/misc`;
const PLAIN = Deno.readFileSync(`${MISC}/plainmod.ko`);

Deno.test("decompress: committed gz, xz and zst modules decode to the signed plain module", async () => {
  for (
    const [file, kind] of [["gzmod.ko.gz", "gzip"], ["xzmod.ko.xz", "xz"], [
      "zst-mod.ko.zst",
      "zstd",
    ]] as const
  ) {
    const raw = Deno.readFileSync(`${MISC}/${file}`);
    assert.equal(detectCompression(raw), kind);
    const out = await inflateAll(raw, kind, 1 << 20);
    assert.ok(out.ok, file);
    assert.deepEqual(out.data, PLAIN, file);
    assert.equal(moduleSignature(out.data).status, "signed", file);
  }
  assert.equal(detectCompression(PLAIN), "none");
});

Deno.test("decompress: modules made at test time by the CLI tools, with the marker past 2 MiB", async () => {
  const big = new Uint8Array(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  big.set(PLAIN.subarray(PLAIN.length - 200), big.length - 200);
  for (const [tool, kind] of [["gzip", "gzip"], ["xz", "xz"], ["zstd", "zstd"]] as const) {
    const packed = compressWith(tool, big);
    assert.equal(detectCompression(packed), kind);
    const out = await inflateAll(packed, kind, 8 << 20);
    assert.ok(out.ok, tool);
    assert.equal(out.data.length, big.length, tool);
    assert.equal(moduleSignature(out.data).status, "signed", tool);
  }
});

Deno.test("decompress: xz with the default CRC64 check decodes; an unsupported SHA-256 check is a failure value", async () => {
  const out = await inflateAll(compressWith("xz", PLAIN, ["--check=crc64"]), "xz", 1 << 20);
  assert.ok(out.ok);
  assert.deepEqual(out.data, PLAIN);
  const sha = await inflateAll(compressWith("xz", PLAIN, ["--check=sha256"]), "xz", 1 << 20);
  assert.equal(!sha.ok && sha.reason, "corrupt");
});

Deno.test("decompress: the output cap is its own outcome for every format", async () => {
  const data = new Uint8Array(1 << 20).fill(65);
  for (const [tool, kind] of [["gzip", "gzip"], ["xz", "xz"], ["zstd", "zstd"]] as const) {
    const out = await inflateAll(compressWith(tool, data), kind, 4096);
    assert.equal(out.ok, false, tool);
    assert.equal(!out.ok && out.reason, "cap", tool);
  }
  const none = await inflateAll(data, "none", 10);
  assert.equal(!none.ok && none.reason, "cap");
});

Deno.test("decompress: truncated, garbage and empty input is corrupt, never a throw", async () => {
  for (const [tool, kind] of [["gzip", "gzip"], ["xz", "xz"], ["zstd", "zstd"]] as const) {
    const packed = compressWith(tool, PLAIN);
    const cut = await inflateAll(packed.subarray(0, packed.length - 9), kind, 1 << 20);
    assert.equal(!cut.ok && cut.reason, "corrupt", `${tool} truncated`);
    const garbage = packed.slice();
    garbage.fill(0x5a, 12);
    const g = await inflateAll(garbage, kind, 1 << 20);
    assert.equal(g.ok, false, `${tool} garbage`);
    const empty = await inflateAll(new Uint8Array(0), kind, 1 << 20);
    assert.equal(empty.ok, false, `${tool} empty`);
  }
});

Deno.test("zstd: a frame that asks for a huge window is refused before decoding", async () => {
  const packed = compressWith("zstd", PLAIN);
  assert.ok((zstdMaxWindow(packed) ?? 0) >= PLAIN.length);
  // Frame header: magic, descriptor without single-segment, window descriptor 0xF8 (2 GiB), then a last raw block.
  const bomb = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
  assert.equal(zstdMaxWindow(bomb), 2 ** 41);
  const out = await inflateAll(bomb, "zstd", 1 << 20);
  assert.equal(!out.ok && out.reason, "cap");
  assert.equal(zstdMaxWindow(new Uint8Array([0x28, 0xb5, 0x2f])), undefined);
});
