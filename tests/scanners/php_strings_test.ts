/**
 * PHP constant string expressions: what a web shell builds a function name from, evaluated without running;
 * and the calls of a runner through a variable or as a callback that such names reach (linear, never throwing).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type RunnerCall, runnerCalls } from "../../src/scanners/persistence/sources/php_calls.ts";
import {
  phpBudget,
  phpStringBuilt,
  phpStringValue,
} from "../../src/scanners/persistence/sources/php_strings.ts";

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

Deno.test("php strings: implode/join, str_replace/str_ireplace, substr and case functions are evaluated", () => {
  const cases: [string, string][] = [
    ["implode('', ['sys','tem'])", "system"],
    ["join(\"\", array('sys', 'tem'))", "system"],
    ["implode(['sys', 'tem'], '')", "system"], // the legacy order: pieces, then glue
    ["implode(['pass', 'thru'])", "passthru"],
    ["\\implode('', ['a' => 'ex', 'b' => 'ec',])", "exec"],
    ["implode('', [strrev('sys'), chr(0x74) . 'em'])", "system"],
    ["str_replace('X', '', 'sXyXsXtXeXm')", "system"],
    ["str_ireplace('x', '', 'sXyxsXtxeXm')", "system"],
    ["str_replace(['X', 'Y'], '', 'sXyYsXtYeXm')", "system"],
    ["str_replace(['X', 'Y'], ['', 'e'], 'sXysXtYm')", "system"],
    ["substr('xsystemx', 1, 6)", "system"],
    ["substr('xxsystem', -6)", "system"],
    ["substr('systemab', 0, -2)", "system"],
    ["strtolower('SYSTEM')", "system"],
    ["ucfirst('exec')", "Exec"],
    ["@base64_decode('c3lzdGVt')", "system"],
  ];
  for (const [expr, value] of cases) assert.equal(phpStringValue(expr), value, expr);
  const vars = new Map([["a", "sys"]]);
  assert.equal(phpStringValue("$a . 'tem'", { vars }), "system");
  assert.equal(phpStringValue("$b . 'tem'", { vars }), undefined);
  assert.equal(phpStringValue("$a['k'] . 'tem'", { vars }), undefined);
  // a spent budget gives nothing
  assert.equal(phpStringValue("'sys'.'tem'", { budget: phpBudget(0) }), undefined);
  const budget = phpBudget(50);
  assert.equal(phpStringValue(`'${"a".repeat(100)}'`, { budget }), undefined);
  assert.ok(budget.steps < 0);
});

Deno.test("php strings: arrays and replacements that are not simple, and values too long, give undefined", () => {
  for (
    const expr of [
      "implode('', [['sys'], 'tem'])",
      "implode(['a'], ['b'])",
      "implode('', $parts)",
      "implode('', ['sys', $x])",
      "implode('', 'system')",
      "str_replace('a', ['b'], 'abc')",
      "str_replace('X', '', $s)",
      "str_replace('X', '')",
      "substr('system', 'one')",
      "substr('system')",
      "implode('', [" + "'a',".repeat(70) + "])",
      `str_replace('a', '${"b".repeat(200)}', '${"a".repeat(150)}')`,
      "implode('', ['sys', 'tem']",
      "str_replace('X', '', 'sXyX",
    ]
  ) {
    assert.equal(phpStringValue(expr), undefined, expr);
  }
});

const calls = (text: string) => runnerCalls(text).map((c) => `${c.via} ${c.built} ${c.match}`);

Deno.test("php calls: .= and variables are followed in order, callbacks and calls through variables found", () => {
  assert.deepEqual(calls("<?php $f = 'sys'; $f .= 'tem'; $f($_GET['c']);"), ["variable true $f($_GET['c'])"]);
  assert.deepEqual(calls("<?php $a='sys'; $b = 'tem'; $f = $a.$b; $f(1);"), ["variable true $f(1)"]);
  assert.deepEqual(calls("<?php $f = 'system'; $g = $f; $g(1);"), ["variable false $g(1)"]);
  assert.deepEqual(calls("<?php call_user_func('sys'.'tem', $x);"), [
    "callback true call_user_func('sys'.'tem', $x)",
  ]);
  assert.deepEqual(
    calls(
      "<?php call_user_func(implode(',', ['sys', 'tem']), $x); call_user_func(implode('', ['sys', 'tem']), $y);",
    ),
    [
      "callback true call_user_func(implode('', ['sys', 'tem']), $y)",
    ],
  );
  assert.deepEqual(calls("<?php array_filter([$_GET['c']], 'sys'.'tem');"), [
    "callback true array_filter([$_GET['c']], 'sys'.'tem')",
  ]);
  assert.deepEqual(calls("<?php \\array_map(strrev('metsys'), [$c]);"), [
    "callback true \\array_map(strrev('metsys'), [$c])",
  ]);
  // an expression is read as PHP reads it, so a `;` inside a string does not end it
  assert.deepEqual(calls("<?php $f = str_replace(';', '', 'sys;tem'); if (($g = $f)) $g($_GET['c']);"), [
    "variable true $g($_GET['c'])",
  ]);
  assert.deepEqual(calls("<?php $f = 'sys'.'tem' . $x; $f(1); $g = 'sys'.'tem' ? 'a' : 'b'; $g(1);"), []);
  // a callback given as a variable is judged against every assignment of the file, as a call through it is
  assert.deepEqual(calls("<?php function r($c) { global $f; usort($c, $f); } $f = implode(['exe', 'c']);"), [
    "callback true usort($c, $f)",
  ]);
  // what a variable holds is forgotten when it is given an unknown value or another operator is applied
  assert.deepEqual(calls("<?php $f = 'sys'; $f = get(); $f .= 'tem'; $f(1);"), []);
  assert.deepEqual(calls("<?php $f = 'sys'; $f ^= 'k'; $f .= 'tem'; $f(1);"), []);
  assert.deepEqual(
    calls("<?php $f = 'trans'; $f .= 'late'; $f(1); array_map('trim', $x); $o->call_user_func('sys'.'tem');"),
    [],
  );
  // `keep` chooses which calls count towards the cap
  const many = "<?php $f = 'system'; " + "$f(1); ".repeat(100) + "$f($_GET['c']);";
  assert.deepEqual(runnerCalls(many, (c: RunnerCall) => c.args.includes("$_GET")).map((c) => c.match), [
    "$f($_GET['c'])",
  ]);
});

Deno.test("php calls: malformed input (unclosed quotes and calls, stray operators) gives nothing and never throws", () => {
  for (
    const text of [
      "<?php $f = 'sys",
      "<?php call_user_func('sys'.'tem'",
      "<?php array_filter([$_GET['c']], ",
      "<?php $f .= ; $f(",
      "<?php $ = 'x'; $$f = 'system'; $f(1);",
      '<?php $f = "\\x7',
      "<?php array_map(]);",
      "",
    ]
  ) {
    assert.deepEqual(runnerCalls(text), [], text);
  }
  const token = fc.constantFrom(
    "$f",
    "$g",
    " = ",
    " .= ",
    "'sys'",
    "'tem'",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    ";",
    "?>",
    "'",
    '"',
    "\\",
    "strrev(",
    "implode(",
    "str_replace(",
    "substr(",
    "call_user_func(",
    "array_filter(",
    "$_GET['c']",
    "@",
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }), (ts) => Array.isArray(runnerCalls(ts.join("")))),
    { numRuns: 500 },
  );
});

const MB = 1 << 20;
/** `unit` repeated to one mebibyte, then `tail`. */
const fill = (unit: string, tail = "") => unit.repeat(Math.ceil(MB / unit.length)) + tail;

Deno.test("linear: 1 MiB of .=, unclosed and nested calls, chained assignments and large arrays each take well under a second", () => {
  const needles = "[" + "'a',".repeat(60) + "]";
  const shapes: [string, string, number][] = [
    ["dot-assign", "<?php $f = ''; " + fill("$f .= 'a';", "$f($_GET['c']);"), 0],
    ["dot-assign to a runner", "<?php $f = 'sys'; " + fill("$f .= '';", "$f .= 'tem'; $f($_GET['c']);"), 1],
    ["unclosed strrev", "<?php $f = " + fill("strrev("), 0],
    ["nested strrev", fill("$f=" + "strrev(".repeat(60) + "'x'" + ")".repeat(60) + ";"), 0],
    ["unclosed call_user_func", fill("call_user_func("), 0],
    ["callbacks in quotes", fill("call_user_func('call_user_func("), 0],
    ["chained assignments", "<?php " + fill("$a="), 0],
    ["unclosed quotes", fill("$f = '"), 0],
    ["large arrays", fill(`$f = implode('', ${needles});`), 0],
    ["array needles", fill(`$s = str_ireplace(${needles}, '', '${"A".repeat(250)}');`), 0],
    ["calls through a variable", "<?php $f='sys'.'tem'; " + fill("$f(1);"), 50],
  ];
  for (const [what, text, n] of shapes) {
    const t0 = performance.now();
    const found = runnerCalls(text);
    const took = performance.now() - t0;
    assert.ok(took < 1000, `${what}: ${took.toFixed(0)} ms`);
    assert.equal(found.length, n, what);
  }
});
