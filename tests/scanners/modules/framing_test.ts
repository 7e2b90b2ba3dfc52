import assert from "node:assert/strict";
import { inflate } from "../../../src/scanners/modules/decompress.ts";
import { XzFraming, ZstdFraming } from "../../../src/scanners/modules/framing.ts";
import { compressExactly, compressWith, inflateAll, memoryReader } from "./elf_builder.ts";

/** Bytes that compress somewhat (a module is neither random nor zeros). */
function moduleLike(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7919) % 251 < 120 ? 0 : (i * 31) & 0xff;
  return out;
}

function pack(tool: "xz" | "zstd", data: Uint8Array, args: string[]): Uint8Array {
  return compressExactly(tool, data, [...args, "-q"]);
}

function walk(w: XzFraming | ZstdFraming, data: Uint8Array, piece = 1): string | undefined {
  for (let i = 0; i < data.length; i += piece) {
    const e = w.feed(data.subarray(i, i + piece));
    if (e) return e;
  }
  return w.end();
}

Deno.test("xz framing: the declared size is exact and the dictionary read, for every way xz-utils writes a stream", () => {
  const data = moduleLike(3 << 20);
  const variants: [string, string[], number][] = [
    ["kernel style (crc32, 1 MiB dictionary)", ["--check=crc32", "--lzma2=dict=1MiB"], 1 << 20],
    ["default preset, crc64", ["-6"], 8 << 20],
    ["no check", ["--check=none", "-1"], 1 << 20],
    ["sha256 check", ["--check=sha256", "-1"], 1 << 20],
    ["x86 BCJ filter before LZMA2", ["--x86", "--lzma2=preset=6"], 8 << 20],
    ["several blocks with sizes in their headers", ["-T2", "--block-size=1MiB", "-1"], 1 << 20],
  ];
  for (const [what, args, dict] of variants) {
    const packed = pack("xz", data, args);
    for (const piece of [1, 7, 64 << 10]) {
      const w = new XzFraming();
      assert.equal(walk(w, packed, piece), undefined, `${what}, pieces of ${piece}`);
      assert.equal(w.outputBound, data.length, `${what}: declared size`);
      assert.equal(w.window, dict, `${what}: dictionary`);
    }
  }
});

Deno.test("xz framing: a truncated or garbled stream is an error, never a throw", () => {
  const packed = compressWith("xz", moduleLike(1 << 20));
  assert.match(walk(new XzFraming(), packed.subarray(0, packed.length >> 1)) ?? "", /truncated/);
  assert.match(walk(new XzFraming(), packed.subarray(0, 5)) ?? "", /truncated/);
  const bad = packed.slice();
  bad[0] = 0;
  assert.match(walk(new XzFraming(), bad) ?? "", /not an xz stream/);
  const flags = packed.slice();
  flags[13] |= 0x3c;
  assert.match(walk(new XzFraming(), flags) ?? "", /reserved bits/);
});

Deno.test("zstd framing: content size, window and block bounds, with and without a declared size", () => {
  const data = moduleLike(3 << 20);
  const fromFile = compressWith("zstd", data);
  const w = new ZstdFraming();
  assert.equal(walk(w, fromFile, 4096), undefined);
  assert.equal(w.outputBound, data.length, "a file compressed by name declares its size");
  assert.ok(w.window >= 1 << 20 && w.window <= 8 << 20);
  const streamed = pack("zstd", data, ["--no-content-size"]);
  const s = new ZstdFraming();
  assert.equal(walk(s, streamed, 4096), undefined);
  assert.ok(s.outputBound >= data.length, "blocks counted at their largest bound the output from above");
  assert.ok(s.outputBound <= data.length + (128 << 10) * 4, `bound ${s.outputBound} stays close`);
});

Deno.test("decompress: xz and zstd bombs are refused from their headers, before the decoder produces a byte", async () => {
  const zeros = new Uint8Array(32 << 20);
  for (const [tool, kind] of [["xz", "xz"], ["zstd", "zstd"]] as const) {
    const bomb = compressWith(tool, zeros);
    let produced = 0;
    const r = await inflate(kind, memoryReader(bomb), { maxOut: 1 << 20, maxWindow: 16 << 20 }, (c) => {
      produced += c.length;
    });
    assert.equal(!r.ok && r.reason, "cap", tool);
    assert.match(!r.ok ? r.message : "", /declares at least \d+ decompressed bytes/, tool);
    assert.equal(produced, 0, `${tool}: nothing was decoded`);
  }
});

Deno.test("decompress: an xz dictionary or zstd window over the limit is refused before it is allocated", async () => {
  const data = moduleLike(64 << 10);
  const xz = await inflateAll(pack("xz", data, ["--lzma2=dict=64MiB"]), "xz", 1 << 20, 16 << 20);
  assert.equal(!xz.ok && xz.reason, "cap");
  assert.match(!xz.ok ? xz.message : "", /xz dictionary of 67108864 bytes exceeds 16777216/);
  // A frame header without a content size whose window descriptor asks for 2 GiB, then an empty last block.
  const hugeWindow = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
  const zstd = await inflateAll(hugeWindow, "zstd", 1 << 20, 16 << 20);
  assert.equal(!zstd.ok && zstd.reason, "cap");
  assert.match(!zstd.ok ? zstd.message : "", /zstd window of \d+ bytes exceeds 16777216/);
  const fine = await inflateAll(compressWith("xz", data), "xz", 1 << 20, 16 << 20);
  assert.ok(fine.ok && fine.data.length === data.length, "a kernel-style stream passes");
});

Deno.test("decompress: gzip declares nothing, so its output is counted and stopped at the cap", async () => {
  const r = await inflateAll(compressWith("gzip", new Uint8Array(8 << 20)), "gzip", 1 << 20);
  assert.equal(!r.ok && r.reason, "cap");
  assert.match(!r.ok ? r.message : "", /decompressed size exceeds 1048576 bytes/);
});
