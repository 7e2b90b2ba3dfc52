/**
 * src/host/hash.ts, the one way sys-scan digests bytes on its thread: short inputs through its own SHA-256, the
 * rest through node:crypto loaded on first need; checked against the standard's vectors, WebCrypto and
 * node:crypto.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as nodeCrypto from "node:crypto";
import {
  base64Of,
  createHash,
  sha256Bytes,
  sha256Hex,
  sha256HexAsync,
  SHORT_INPUT_BYTES,
} from "../../src/host/hash.ts";
import { importsOf } from "../import_graph.ts";
import { repoPath, webSha256Hex } from "../helpers.ts";

/** FIPS 180-2's SHA-256 examples. */
const VECTORS: [string, string][] = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
  ["a".repeat(1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
];

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

Deno.test("sha256Hex: the standard's examples", () => {
  for (const [text, hex] of VECTORS) assert.equal(sha256Hex(text), hex, `${text.length} characters`);
});

Deno.test("sha256Hex: the same as WebCrypto for every length around the block size and the short-input limit", async () => {
  const edge = SHORT_INPUT_BYTES;
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, edge - 1, edge, edge + 1, 1 << 20]) {
    const bytes = randomBytes(n);
    assert.equal(sha256Hex(bytes), await webSha256Hex(bytes), `${n} bytes`);
  }
});

Deno.test("sha256HexAsync: the same digest as sha256Hex, short and long", async () => {
  for (const n of [0, 3, 1000, SHORT_INPUT_BYTES + 1, 1 << 20]) {
    const bytes = randomBytes(n);
    assert.equal(await sha256HexAsync(bytes), sha256Hex(bytes), `${n} bytes`);
  }
});

Deno.test("sha256Hex: a text is digested as its UTF-8 bytes", async () => {
  const text = "grüße, 世界 \u{1F600}\0end";
  assert.equal(sha256Hex(text), await webSha256Hex(new TextEncoder().encode(text)));
});

Deno.test("createHash: md5, sha1, sha256 and sha512 fed in pieces equal node:crypto's whole digest", () => {
  const data = randomBytes(200_003);
  for (const alg of ["md5", "sha1", "sha256", "sha512"]) {
    const h = createHash(alg);
    for (let i = 0; i < data.length; i += 7919) h.update(data.subarray(i, i + 7919));
    h.update(new Uint8Array(0)).update("tail");
    const want = nodeCrypto.createHash(alg).update(data).update("tail").digest("hex");
    assert.equal(h.hex(), want, alg);
  }
});

Deno.test("sha256Bytes, createHash().bytes() and base64Of give node:crypto's base64 digest (SSH fingerprints)", () => {
  for (const n of [0, 777, SHORT_INPUT_BYTES + 1]) {
    const data = randomBytes(n);
    const want = nodeCrypto.createHash("sha256").update(data).digest("base64");
    assert.equal(base64Of(sha256Bytes(data)), want, `${n} bytes`);
    assert.equal(base64Of(createHash("sha256").update(data).bytes()), want, `${n} bytes`);
  }
  assert.equal(base64Of(new Uint8Array(0)), "");
  assert.equal(base64Of(new Uint8Array([0xff, 0xfe])), "//4=");
  // Longer than one String.fromCharCode batch.
  const big = randomBytes(100_000);
  assert.equal(base64Of(big), Buffer.from(big).toString("base64"));
});

Deno.test("createHash: an algorithm node:crypto does not know throws, naming it", () => {
  assert.throws(() => createHash("no-such-digest"), /no-such-digest/i);
});

Deno.test("hash.ts takes no digest from a library of the host (whoever owns the host can replace those)", () => {
  const src = Deno.readTextFileSync(repoPath("src/host/hash.ts"));
  assert.deepEqual(importsOf(src).refs.map((r) => r.specifier), ["node:crypto"], "only node:crypto's types");
  assert.match(src, /^import type \* as NodeCrypto from "node:crypto";$/m);
});

Deno.test("no module of the program or of any scanner loads node:crypto but --redact's (its types only, here)", async () => {
  // One module importing the program and every scanner's module (the scan worker loads those by computed URL,
  // so the program's own graph does not list them).
  const { SCANNER_MODULES } = await import("../../src/scanners/loaders.ts");
  const roots = [
    repoPath("main.ts"),
    ...Object.values(SCANNER_MODULES).map((m) =>
      new URL(m.path, new URL("../../src/scanners/", import.meta.url))
    ),
  ];
  const dir = Deno.makeTempDirSync();
  try {
    const entry = `${dir}/all.ts`;
    Deno.writeTextFileSync(entry, roots.map((r) => `import ${JSON.stringify(String(toUrl(r)))};\n`).join(""));
    const info = new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", repoPath("deno.json"), entry],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assert.equal(info.code, 0, new TextDecoder().decode(info.stderr));
    const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { specifier: string; code?: unknown; type?: unknown }[];
      }[];
    };
    const uses = (code: boolean) =>
      graph.modules.flatMap((m) =>
        (m.dependencies ?? [])
          .filter((d) =>
            d.specifier === "node:crypto" && (code ? d.code !== undefined : d.code === undefined)
          )
          .map(() => m.specifier.slice(m.specifier.lastIndexOf("/src/")))
      ).sort();
    assert.ok(graph.modules.length > 200, `${graph.modules.length} modules: the graph was not read whole`);
    assert.deepEqual(uses(true), ["/src/security/redact.ts"]);
    assert.deepEqual(uses(false), ["/src/host/hash.ts"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function toUrl(r: string | URL): URL {
  return typeof r === "string" ? new URL(`file://${r}`) : r;
}
