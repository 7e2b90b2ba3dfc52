/**
 * The pieces of the polkit rule judgement: the JavaScript lexer (regex literals, function scopes), user-name
 * patterns read from regular expressions, and judgeRule on spellings the end-to-end tests in auth_test.ts do
 * not cover.
 */
import assert from "node:assert/strict";
import { judgeRule, ruleBodies, ruleScope, type RuleVerdict } from "../../src/scanners/auth/polkit_js.ts";
import { functionScopes, lexJs, stripJsComments } from "../../src/scanners/auth/polkit_lex.ts";
import { patternMatches, regexPatterns } from "../../src/scanners/auth/polkit_regex.ts";

/** The verdicts on every addRule of a file, judged in the file's scope. */
function judge(text: string): RuleVerdict[] {
  const code = stripJsComments(text);
  const scope = ruleScope([code]);
  return ruleBodies(code, "addRule").map((b) => judgeRule(b, scope));
}

Deno.test("polkit lexer: regex literals are literals, not comments, strings or brackets", () => {
  assert.equal(
    stripJsComments('var r = /\\/*/; x(); // c\ny = "/*"; /* c */ z'),
    'var r = /\\/*/; x(); \ny = "/*";   z',
  );
  assert.equal(stripJsComments("a = b / c; // c\nd = e / f;"), "a = b / c; \nd = e / f;");
  const code = 'if (/[(]"/.test(u)) { f("}"); }';
  const lex = lexJs(code);
  assert.equal(lex.jump[3], code.indexOf(")) {") + 2, "the ( of the if closes after the regex");
  assert.equal(lex.jump[code.indexOf("{")], code.length);
  assert.equal(lex.lit[4], 2);
  // An unterminated `/[` is not a regex, and later slashes on the line are not retried.
  assert.equal(lexJs("a = /[ b; c = d / e;").lit.some((x) => x === 2), false);
});

Deno.test("polkit lexer: a function's parameters and declarations are local to it, not to the file", () => {
  const code = "var g = 1; function f(a, b) { var r; x = 1; function h() { let q; } return r; } r = 2;";
  const s = functionScopes(code, lexJs(code));
  const at = (needle: string) => code.indexOf(needle);
  assert.equal(s.isLocal(at("return r"), "r"), true);
  assert.equal(s.isLocal(at("return r"), "a"), true);
  assert.equal(s.isLocal(at("x = 1"), "x"), false);
  assert.equal(s.isLocal(at("let q") + 4, "q"), true);
  assert.equal(s.isLocal(at("return r"), "q"), false, "h's variable is not f's");
  assert.equal(s.isLocal(at("r = 2"), "r"), false);
});

Deno.test("polkit regexes: anchored plain names, fixed text, and patterns that may match anyone", () => {
  const names = (src: string, flags = "") =>
    regexPatterns(src, flags)?.map((p) =>
      `${p.exact ? "=" : ""}${p.start ? "^" : ""}${p.parts.join("…")}${p.end ? "$" : ""}`
    );
  assert.deepEqual(names("^www-data$"), ["=^www-data$"]);
  assert.deepEqual(names("^www\\-data$"), ["=^www-data$"]);
  assert.deepEqual(names("^(?:alice|www-data)$"), ["=^alice$", "=^www-data$"]);
  assert.deepEqual(names("^alice$|^bob$"), ["=^alice$", "=^bob$"]);
  assert.deepEqual(names("www"), ["www"]);
  assert.deepEqual(names("^adm-"), ["^adm-"]);
  assert.deepEqual(names("^svc-.*-web$"), ["^svc-…-web$"]);
  assert.deepEqual(names("^ww+w$"), ["^ww…w$"]);
  for (const anyone of [".", "^[a-z_-]+$", "(?:)", "^a|.*", "^$", "\\w+", "^(www)?$"]) {
    assert.equal(regexPatterns(anyone, ""), undefined, anyone);
  }
  const [fold] = regexPatterns("^WWW-DATA$", "i")!;
  assert.ok(patternMatches(fold, "www-data"));
  const [mid] = regexPatterns("^svc-.*-web$", "")!;
  assert.ok(patternMatches(mid, "svc-a-web"));
  assert.ok(!patternMatches(mid, "svc-web"), "the two parts may not overlap");
  assert.ok(!patternMatches(mid, "xsvc-a-web"));
  assert.ok(patternMatches(regexPatterns("www", "")![0], "www-data"));
});

Deno.test("polkit judgeRule: other spellings of YES, of the subject's user, and of the rule's function", () => {
  const open = (text: string) => judge(text).map((v) => v.unrestrictedYes);
  // YES through `with`, optional chaining, a computed key, a helper function, a polkit alias.
  assert.deepEqual(open("polkit.addRule(function(a, s) { with (polkit.Result) { return YES; } });"), [true]);
  assert.deepEqual(open("polkit.addRule(function(a, s) { return polkit?.Result?.YES; });"), [true]);
  assert.deepEqual(open('var k = "YES"; polkit.addRule(function(a, s) { return polkit.Result[k]; });'), [
    true,
  ]);
  assert.deepEqual(
    open("function ok() { return polkit.Result.YES; }\npolkit.addRule(function(a, s) { return ok(); });"),
    [
      true,
    ],
  );
  assert.deepEqual(open("var p = polkit; p.addRule(function(a, s) { return polkit.Result.YES; });"), [true]);
  // A helper that restricts is trusted only when it is handed the rule's own subject.
  const helper = 'function f(a, s) { if (s.isInGroup("wheel")) return polkit.Result.YES; }\n';
  assert.deepEqual(
    open(`${helper}polkit.addRule(function(action, subject) { return f(action, subject); });`),
    [false],
  );
  assert.deepEqual(
    open(
      `${helper}polkit.addRule(function(a, s) { return f(a, { isInGroup: function() { return true; } }); });`,
    ),
    [true],
  );
  // The user copied into a variable, spelt with brackets, or tested by a helper of the rules.
  const [alias] = judge(
    'polkit.addRule(function(a, s) { var u = s.user; if (u == "www-data") return polkit.Result.YES; });',
  );
  assert.deepEqual([alias.unrestrictedYes, alias.yesUsers], [false, ["www-data"]]);
  const [bracket] = judge(
    'polkit.addRule(function(a, s) { if (s["user"] === "nobody") return polkit.Result.YES; });',
  );
  assert.deepEqual([bracket.unrestrictedYes, bracket.yesUsers], [false, ["nobody"]]);
  const [helped] = judge(
    'var ok = ["nobody"];\nfunction allowed(u) { return ok.indexOf(u) >= 0; }\n' +
      "polkit.addRule(function(a, s) { if (allowed(s.user)) return polkit.Result.YES; });",
  );
  assert.deepEqual([helped.unrestrictedYes, helped.yesUsers], [false, ["nobody"]]);
  const [lax] = judge(
    "function any(u) { return true; }\npolkit.addRule(function(a, s) { if (any(s.user)) return polkit.Result.YES; });",
  );
  assert.deepEqual([lax.unrestrictedYes, lax.unresolvedUserTest], [true, true]);
  // An else branch holds when the test fails; a negative test around a YES restricts nothing.
  const [other] = judge(
    'polkit.addRule(function(a, s) { if (s.user != "www-data") { return polkit.Result.NO; } else { return polkit.Result.YES; } });',
  );
  assert.deepEqual([other.unrestrictedYes, other.yesUsers], [false, ["www-data"]]);
  assert.deepEqual(
    open('polkit.addRule(function(a, s) { if (s.user != "root") return polkit.Result.YES; });'),
    [true],
  );
  // Malformed input judges without throwing.
  for (
    const bad of [
      "polkit.addRule(",
      "polkit.addRule(f",
      "polkit.addRule((((",
      "polkit.addRule(function(a, s) { if (/",
      "`${",
    ]
  ) {
    judge(bad);
    judge(bad.repeat(50));
  }
});

Deno.test("polkit judgeRule: a computed key on polkit.Result, and addRule through call and apply", () => {
  const open = (text: string) => judge(text).map((v) => v.unrestrictedYes);
  assert.deepEqual(open('polkit.addRule(function(a, s) { return polkit.Result["Y" + "ES"]; });'), [true]);
  assert.deepEqual(open('polkit.addRule(function(a, s) { return polkit.Result["NO"]; });'), [false]);
  assert.deepEqual(open("function f(a, s) { return polkit.Result.YES; }\npolkit.addRule.call(polkit, f);"), [
    true,
  ]);
  assert.deepEqual(open("polkit.addRule.apply(polkit, [function(a, s) { return polkit.Result.YES; }]);"), [
    true,
  ]);
  assert.deepEqual(
    open(
      'polkit.addRule.apply(polkit, [function(a, s) { if (s.isInGroup("wheel")) return polkit.Result.YES; }]);',
    ),
    [false],
  );
});

/** Whether each addRule of a file is judged open, or who it is restricted to. */
function verdicts(text: string): string[] {
  return judge(text).map((v) =>
    v.unrestrictedYes ? "open" : [...v.yesUsers, ...v.yesGroups.map((g) => `group ${g}`)].join(",")
  );
}

Deno.test("polkit judgeRule: a guard restricts what follows only when it always returns", () => {
  const Y = "return polkit.Result.YES;";
  // A return that may not run (in a nested function, under an inner if) is no guard.
  for (
    const guard of [
      'if (s.user != "alice") { [1].forEach(function() { return; }); }',
      'if (s.user != "alice") { if (a.id == "x") return; }',
      'if (s.user != "alice") if (a.id == "x") return;',
      'if (s.user != "alice") { var f = () => { return polkit.Result.NO; }; }',
    ]
  ) {
    assert.deepEqual(verdicts(`polkit.addRule(function(a, s) { ${guard} ${Y} });`), ["open"], guard);
  }
  // Quiet twins: a guard whose block returns at its own level, with or without other statements first.
  for (
    const guard of [
      'if (s.user != "alice") return;',
      'if (s.user != "alice") { polkit.log("no"); return polkit.Result.NO; }',
      'if (s.user != "alice") { if (a.id == "x") polkit.log("x"); return; }',
    ]
  ) {
    assert.deepEqual(verdicts(`polkit.addRule(function(a, s) { ${guard} ${Y} });`), ["alice"], guard);
  }
});

Deno.test("polkit judgeRule: a list or name the rules change in place is not trusted", () => {
  const Y = "return polkit.Result.YES;";
  const open = [
    `var ok = ""; polkit.addRule(function(a, s) { ok += s.user; if (s.user == ok) ${Y} });`,
    `polkit.addRule(function(a, s) { var ok = ""; ok += s.user; if (s.user == ok) ${Y} });`,
    `var ok = ["alice"]; polkit.addRule(function(a, s) { ok.splice(0, 1, s.user); if (ok.indexOf(s.user) >= 0) ${Y} });`,
    `var ok = new Set(["alice"]); polkit.addRule(function(a, s) { ok.add(s.user); if (ok.has(s.user)) ${Y} });`,
    `var ok = ["alice"]; polkit.addRule(function(a, s) { ok.fill(s.user); if (ok.includes(s.user)) ${Y} });`,
    `var ok = ["alice"]; polkit.addRule(function(a, s) { [].push.call(ok, s.user); if (ok.indexOf(s.user) >= 0) ${Y} });`,
    `var ok = ["alice"]; polkit.addRule(function(a, s) { Object.assign(ok, [s.user]); if (ok.indexOf(s.user) >= 0) ${Y} });`,
    `var ok = ["alice"]; var b = ok; polkit.addRule(function(a, s) { b[0] = s.user; if (ok.indexOf(s.user) >= 0) ${Y} });`,
    `var g = "whe"; g += "el"; polkit.addRule(function(a, s) { if (s.isInGroup(g)) ${Y} });`,
  ];
  for (const text of open) assert.deepEqual(verdicts(text), ["open"], text);
  // Quiet twins: names added with push or an index set, and other variables changed.
  assert.deepEqual(
    verdicts(
      `var ok = ["alice"]; ok.push("bob"); var n = 0; n += 1; n++;\n` +
        `polkit.addRule(function(a, s) { if (ok.indexOf(s.user) >= 0) ${Y} });`,
    ),
    ["alice,bob"],
  );
  assert.deepEqual(
    verdicts(
      `var g = "wheel"; polkit.addRule(function(a, s) { var i = 0; i += 2; if (s.isInGroup(g)) ${Y} });`,
    ),
    ["group wheel"],
  );
});

Deno.test("polkit judgeRule: tests of a subject the rules replace, shadow or redefine restrict no one", () => {
  const Y = "return polkit.Result.YES;";
  const open = [
    `polkit.addRule(function(a, s) { s = {user: "alice"}; if (s.user == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { s.user = "alice"; if (s.user == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { s["isInGroup"] = function() { return true; }; if (s.isInGroup("wheel")) ${Y} });`,
    `polkit.addRule(function(a, s) { Object.defineProperty(s, "user", {value: "alice"}); if (s.user == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { var u = s.user; u = "alice"; if (u == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { with ({s: {user: "alice"}}) { if (s.user == "alice") ${Y} } });`,
    `polkit.addRule(function(a, s) { return (function(s) { if (s.user == "alice") ${Y} })({user: "alice"}); });`,
    `polkit.addRule(function(a, s) { return [{isInGroup: () => true}].map((s) => s.isInGroup("wheel") ? polkit.Result.YES : null)[0]; });`,
    `Array.prototype.indexOf = function() { return 0; };\npolkit.addRule(function(a, s) { if (["alice"].indexOf(s.user) >= 0) ${Y} });`,
    `RegExp.prototype.test = function() { return true; };\npolkit.addRule(function(a, s) { if (/^alice$/.test(s.user)) ${Y} });`,
    `Subject = function() { this.isInGroup = function() { return true; }; };\npolkit.addRule(function(a, s) { if (s.isInGroup("wheel")) ${Y} });`,
  ];
  for (const text of open) assert.deepEqual(verdicts(text), ["open"], text);
  // Quiet twins: an alias assigned the user again, a nested function with its own parameter name, the word
  // "prototype" in a string, a member of another object assigned.
  const quiet = [
    `polkit.addRule(function(a, s) { var u = s.user; u = s.user; if (u == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { [1].forEach(function(t) { polkit.log(t); }); [2].map((u) => u + 1); if (s.user == "alice") ${Y} });`,
    `polkit.addRule(function(a, s) { var o = {}; o.user = "x"; polkit.log("prototype"); if (s.user == "alice") ${Y} });`,
  ];
  for (const text of quiet) assert.deepEqual(verdicts(text), ["alice"], text);
});
