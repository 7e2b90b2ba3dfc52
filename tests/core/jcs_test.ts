/** RFC 8785 canonical JSON, as report hashes, baseline content hashes and --canonical use it. */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import { jcs } from "../../src/core/jcs.ts";

Deno.test("RFC 8785: the published JCS test vectors pass", () => {
  const require = createRequire(import.meta.url);
  const base = require.resolve("canonicalize/package.json").replace(/package\.json$/, "test/testdata/");
  const names = [...Deno.readDirSync(`${base}input`)].map((e) => e.name).sort();
  assert.ok(names.length >= 5, "test vectors present");
  for (const name of names) {
    const input = JSON.parse(Deno.readTextFileSync(`${base}input/${name}`));
    const expected = Deno.readTextFileSync(`${base}output/${name}`).trimEnd();
    assert.equal(jcs(input), expected, name);
  }
});

Deno.test("RFC 8785: UTF-16 key order and ECMAScript number formatting", () => {
  assert.equal(jcs({ "\ufb01": 1, "\ud83d\ude00": 2, "\u00e9": 3, a: 4 }), '{"a":4,"é":3,"😀":2,"ﬁ":1}');
  assert.equal(
    jcs([1e21, 1e-7, 0.000001, -0, 333333333.3333333, 9007199254740993]),
    "[1e+21,1e-7,0.000001,0,333333333.3333333,9007199254740992]",
  );
  assert.throws(() => jcs(NaN));
});

Deno.test("jcs: what JSON leaves out is left out (members) or null (array items); what it cannot represent throws", () => {
  assert.equal(
    jcs({ b: undefined, a: [undefined, () => 1, Symbol("s")], c: { toJSON: () => ({ z: 1, y: 2 }) } }),
    '{"a":[null,null,null],"c":{"y":2,"z":1}}',
  );
  assert.throws(() => jcs(undefined), /no JSON representation/);
  assert.throws(() => jcs({ a: Infinity }), /no JSON representation/);
  assert.throws(() => jcs(1n), /BigInt/);
  assert.equal(jcs('\u2028\ud800\u0007"\\'), '"\u2028\\ud800\\u0007\\"\\\\"');
});

Deno.test("jcs: the same text as the canonicalize package on generated JSON values", () => {
  const require = createRequire(import.meta.url);
  const canonicalize = require("canonicalize") as (v: unknown) => string;
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal(jcs(v), canonicalize(v));
    }),
    { numRuns: 500 },
  );
});
