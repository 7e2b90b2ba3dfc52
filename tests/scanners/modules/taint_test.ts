import assert from "node:assert/strict";
import {
  decodeTaint,
  parseTaintLetters,
  parseTaintValue,
  TAINT_FLAGS,
} from "../../../src/scanners/modules/taint.ts";

Deno.test("taint: the table is the kernel's (letters by bit 0..18)", () => {
  assert.equal(TAINT_FLAGS.map((f) => f.letter).join(""), "PFSRMBUDAWCIOELKXTN");
  TAINT_FLAGS.forEach((f, i) => assert.equal(f.bit, i));
});

Deno.test("taint: decode picks bits 12 (O) and 13 (E); unknown high bits are kept as numbers", () => {
  const d = decodeTaint(12288n);
  assert.deepEqual(d.flags.map((f) => f.name), ["OOT_MODULE", "UNSIGNED_MODULE"]);
  assert.deepEqual(decodeTaint(0n), { flags: [], unknownBits: [] });
  assert.deepEqual(decodeTaint((1n << 40n) | 1n).unknownBits, [40]);
  assert.deepEqual(decodeTaint(1n << 10n).flags.map((f) => f.letter), ["C"]);
});

Deno.test("taint: value parsing rejects garbage, empty and negative input", () => {
  assert.equal(parseTaintValue("4097\n"), 4097n);
  assert.equal(parseTaintValue(""), undefined);
  assert.equal(parseTaintValue("-1"), undefined);
  assert.equal(parseTaintValue("12 13"), undefined);
  assert.equal(parseTaintValue("0x10"), undefined);
});

Deno.test("taint: per-module letters keep known ones once", () => {
  assert.deepEqual(parseTaintLetters("(POE)"), ["P", "O", "E"]);
  assert.deepEqual(parseTaintLetters("OE\n"), ["O", "E"]);
  assert.deepEqual(parseTaintLetters("zz?O O"), ["O"]);
  assert.deepEqual(parseTaintLetters(""), []);
});
