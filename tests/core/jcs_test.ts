/** RFC 8785 canonical JSON, as report hashes, baseline content hashes and --canonical use it. */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
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
