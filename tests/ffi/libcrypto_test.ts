import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { digester } from "../../ffi/libcrypto.ts";
import { digestFile, digestFileOffThread } from "../../src/host/file_hash.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const node = (alg: string, bytes: Uint8Array) => createHash(alg).update(bytes).digest("hex");

Deno.test(needs(["libcrypto"], {
  name: "libcrypto digests: MD5 and SHA-256 match node:crypto, empty input and pieces included",
  fn: async () => {
    const data = new TextEncoder().encode("The quick brown fox jumps over the lazy dog".repeat(1000));
    for (const alg of ["md5", "sha256"]) {
      const d = digester(alg)!();
      await d.update(new Uint8Array(data.subarray(0, 7)));
      await d.update(new Uint8Array(0));
      await d.update(new Uint8Array(data.subarray(7)));
      assert.equal(d.hex(), node(alg, data), alg);
      d.free();
      d.free(); // a second free is harmless
      const empty = digester(alg)!();
      assert.equal(empty.hex(), node(alg, new Uint8Array(0)));
      empty.free();
      // In one call: on this thread below 64 KiB, off it from there.
      const large = new Uint8Array(100_000).map((_, i) => i & 0xff);
      assert.equal(await digester(alg)!.once(new Uint8Array(data)), node(alg, data), `${alg} once`);
      assert.equal(await digester(alg)!.once(large), node(alg, large), `${alg} once, large`);
      assert.equal(
        await digester(alg)!.once(new Uint8Array(0)),
        node(alg, new Uint8Array(0)),
        `${alg} once, empty`,
      );
    }
  },
}));

Deno.test("libcrypto: an algorithm it does not know is null (callers hash on their own thread)", () => {
  assert.equal(digester("no-such-digest"), null);
});

Deno.test(needs(["libcrypto"], {
  name: "digestFileOffThread: the same digests and outcomes as digestFile, many files at once",
  fn: async () => {
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 7919) & 0xff);
    using t = makeTree({
      "a": "hello\n",
      "empty": "",
      "big": { content: big },
      "mid": { content: big.subarray(0, 200_000) },
    });
    const host = new Host(t.path);
    const both = async (path: string, maxBytes: number, partial = false, bufferSize = 64 << 10) => {
      const buffer = new Uint8Array(bufferSize);
      const a = host.open(path), b = host.open(path);
      assert.ok(a.ok && b.ok);
      using fa = a.file, fb = b.file;
      return [
        digestFile(fa, ["md5"], { maxBytes, partial, buffer: new Uint8Array(64 << 10) }),
        await digestFileOffThread(fb, "md5", { maxBytes, partial, buffer }),
      ];
    };
    // Files in one piece of the buffer (one call) and in several; at, under and over the cap; partial or not.
    const cases: [string, number, boolean?, number?][] = [
      ["/a", 100],
      ["/a", 6],
      ["/a", 5],
      ["/a", 5, true],
      ["/empty", 100],
      ["/big", 8 << 20],
      ["/big", 1 << 20],
      ["/big", (1 << 20) + 5, true],
      ["/big", 3 << 20, false, 1 << 20],
      ["/mid", 1 << 20, false, 1 << 20],
      ["/mid", 1 << 20, false, 200_000],
      ["/mid", 150_000, true, 1 << 20],
    ];
    for (const [path, max, partial, bufferSize] of cases) {
      const [sync, off] = await both(path, max, partial, bufferSize);
      assert.deepEqual(off, sync, `${path} ${max} ${partial} ${bufferSize}`);
    }
    const [mid] = await both("/mid", 1 << 20, false, 1 << 20);
    assert.equal(mid.kind === "ok" && mid.digests.md5, node("md5", big.subarray(0, 200_000)));
    const [over] = await both("/a", 5);
    assert.deepEqual(over, { kind: "too_large", size: 6 });
    const [ok] = await both("/big", 8 << 20);
    assert.equal(ok.kind === "ok" && ok.digests.md5, node("md5", big));
    // Eight at once, each with its own buffer, as the integrity scanner's lanes do.
    const many = await Promise.all(Array.from({ length: 8 }, async () => {
      const o = host.open("/big");
      assert.ok(o.ok);
      using f = o.file;
      return await digestFileOffThread(f, "md5", { maxBytes: 8 << 20, buffer: new Uint8Array(1 << 20) });
    }));
    for (const m of many) assert.equal(m.kind === "ok" && m.digests.md5, node("md5", big));
  },
}));
