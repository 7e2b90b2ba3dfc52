import assert from "node:assert/strict";
import { moduleSignature, SIGNATURE_MARKER } from "../../../src/scanners/modules/signature.ts";

const enc = new TextEncoder();

function withTrailer(body: Uint8Array, sigLen: number, idType = 2, declared = sigLen): Uint8Array {
  const info = new Uint8Array(12);
  info[2] = idType;
  new DataView(info.buffer).setUint32(8, declared, false);
  const marker = enc.encode(SIGNATURE_MARKER);
  const out = new Uint8Array(body.length + sigLen + 12 + marker.length);
  out.set(body);
  out.set(new Uint8Array(sigLen).fill(0x30), body.length);
  out.set(info, body.length + sigLen);
  out.set(marker, body.length + sigLen + 12);
  return out;
}

Deno.test("signature: a trailer with a PKCS#7 blob is signed", () => {
  assert.deepEqual(moduleSignature(withTrailer(new Uint8Array(100), 64)), {
    status: "signed",
    signatureBytes: 64,
  });
});

Deno.test("signature: no marker, empty input or a marker not at the very end is unsigned", () => {
  assert.deepEqual(moduleSignature(new Uint8Array(0)), { status: "unsigned" });
  assert.deepEqual(moduleSignature(new Uint8Array(500)), { status: "unsigned" });
  const notAtEnd = new Uint8Array([...withTrailer(new Uint8Array(10), 8), 0]);
  assert.deepEqual(moduleSignature(notAtEnd), { status: "unsigned" });
  assert.deepEqual(moduleSignature(enc.encode(SIGNATURE_MARKER.slice(1))), { status: "unsigned" });
});

Deno.test("signature: malformed trailers are reported as such", () => {
  assert.equal(moduleSignature(enc.encode(SIGNATURE_MARKER)).status, "malformed");
  assert.equal(moduleSignature(withTrailer(new Uint8Array(10), 8, 1)).status, "malformed");
  assert.equal(moduleSignature(withTrailer(new Uint8Array(10), 8, 2, 0)).status, "malformed");
  assert.equal(moduleSignature(withTrailer(new Uint8Array(10), 8, 2, 1 << 30)).status, "malformed");
});
