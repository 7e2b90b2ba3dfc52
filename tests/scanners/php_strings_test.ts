/** PHP constant string expressions: what a web shell builds a function name from, evaluated without running. */
import assert from "node:assert/strict";
import { phpStringBuilt, phpStringValue } from "../../src/scanners/persistence/sources/php_strings.ts";

Deno.test("php strings: literals, concatenation, escapes and pure functions are evaluated", () => {
  const cases: [string, string][] = [
    ["'sys'.'tem'", "system"],
    [`"sys" . 'tem'`, "system"],
    ["strrev('metsys')", "system"],
    ['"\\x73\\x79\\163tem"', "system"],
    ["str_rot13('flfgrz')", "system"],
    ["base64_decode('c3lzdGVt')", "system"],
    ["chr(115).chr(121).chr(115).'tem'", "system"],
    ["strtolower(STRREV('METSYS'))", "system"],
    ["hex2bin('73797374656d')", "system"],
    ["('pass' . ('th' . 'ru'))", "passthru"],
    ["'it\\'s'", "it's"],
  ];
  for (const [expr, value] of cases) assert.equal(phpStringValue(expr), value, expr);
  assert.ok(phpStringBuilt("'sys'.'tem'") && !phpStringBuilt(" 'system' ") && !phpStringBuilt('"exec"'));
});

Deno.test("php strings: variables, other calls, interpolation and malformed input give undefined, quickly", () => {
  for (
    const expr of [
      "$x",
      "'a'.$b",
      '"sys$tem"',
      "getenv('X')",
      "'unclosed",
      "strrev(",
      "chr()",
      "'a' 'b'",
      "((((((((((('x')))))))))))",
      "'a'." + "'b'.".repeat(500) + "'c'",
      "",
    ]
  ) {
    assert.equal(phpStringValue(expr), undefined, expr);
  }
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) phpStringValue("strrev(".repeat(60) + "'x'" + ")".repeat(60));
  assert.ok(performance.now() - t0 < 2000);
});
