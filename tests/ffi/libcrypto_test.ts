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
    using t = makeTree({ "a": "hello\n", "empty": "", "big": { content: big } });
    const host = new Host(t.path);
    const both = async (path: string, maxBytes: number, partial = false) => {
      const buffer = new Uint8Array(64 << 10);
      const a = host.open(path), b = host.open(path);
      assert.ok(a.ok && b.ok);
      using fa = a.file, fb = b.file;
      return [
        digestFile(fa, ["md5"], { maxBytes, partial, buffer: new Uint8Array(64 << 10) }),
        await digestFileOffThread(fb, "md5", { maxBytes, partial, buffer }),
      ];
    };
    for (
      const [path, max, partial] of [["/a", 100], ["/empty", 100], ["/big", 8 << 20], ["/big", 1 << 20], [
        "/big",
        (1 << 20) + 5,
        true,
      ]] as const
    ) {
      const [sync, off] = await both(path, max, partial);
      assert.deepEqual(off, sync, `${path} ${max} ${partial}`);
    }
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
