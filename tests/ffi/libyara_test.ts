import assert from "node:assert/strict";
import {
  ERROR_SCAN_TIMEOUT,
  LAYOUTS,
  Libyara,
  LibyaraError,
  YARA_ERRORS,
  yaraErrorName,
  YR,
} from "../../ffi/libyara.ts";
import { needs } from "../host_caps.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("libyara: a missing library is a LibyaraError at the dlopen stage naming what was tried", () => {
  assert.throws(
    () => Libyara.open(["/nonexistent/libyara.so.10", "libyara-nope.so.1"]),
    (e) =>
      e instanceof LibyaraError && e.stage === "dlopen" &&
      /cannot load libyara \(.*\/nonexistent\/libyara\.so\.10.*; .*libyara-nope\.so\.1/.test(e.message),
  );
});

Deno.test("libyara: a library that is not libyara is refused at dlopen (its symbols are missing)", () => {
  assert.throws(() => Libyara.open(["libc.so.6"]), (e) => e instanceof LibyaraError && e.stage === "dlopen");
});

Deno.test("libyara: error names are libyara's", () => {
  assert.equal(yaraErrorName(ERROR_SCAN_TIMEOUT), "ERROR_SCAN_TIMEOUT (26)");
  assert.equal(yaraErrorName(1), "ERROR_INSUFFICIENT_MEMORY (1)");
  assert.equal(yaraErrorName(999), "libyara error (999)");
});

/** A C program printing every offset, size and constant the binding pins, as `name value` lines. */
function layoutProgram(): string {
  const fields: [string, string][] = [
    ["rule.size", "sizeof(YR_RULE)"],
    ["rule.flags", "offsetof(YR_RULE, flags)"],
    ["rule.identifier", "offsetof(YR_RULE, identifier)"],
    ["rule.tags", "offsetof(YR_RULE, tags)"],
    ["rule.metas", "offsetof(YR_RULE, metas)"],
    ["rule.strings", "offsetof(YR_RULE, strings)"],
    ["rules.rulesTable", "offsetof(YR_RULES, rules_table)"],
    ["rules.numRules", "offsetof(YR_RULES, num_rules)"],
    ["rules.numStrings", "offsetof(YR_RULES, num_strings)"],
    ["meta.size", "sizeof(YR_META)"],
    ["meta.identifier", "offsetof(YR_META, identifier)"],
    ["meta.string", "offsetof(YR_META, string)"],
    ["meta.integer", "offsetof(YR_META, integer)"],
    ["meta.type", "offsetof(YR_META, type)"],
    ["meta.flags", "offsetof(YR_META, flags)"],
    ["string.size", "sizeof(YR_STRING)"],
    ["string.flags", "offsetof(YR_STRING, flags)"],
    ["string.idx", "offsetof(YR_STRING, idx)"],
    ["string.identifier", "offsetof(YR_STRING, identifier)"],
    ["context.matches", "offsetof(YR_SCAN_CONTEXT, matches)"],
    ["matches.size", "sizeof(YR_MATCHES)"],
    ["matches.head", "offsetof(YR_MATCHES, head)"],
    ["matches.count", "offsetof(YR_MATCHES, count)"],
    ["match.base", "offsetof(YR_MATCH, base)"],
    ["match.offset", "offsetof(YR_MATCH, offset)"],
    ["match.matchLength", "offsetof(YR_MATCH, match_length)"],
    ["match.next", "offsetof(YR_MATCH, next)"],
    ["match.isPrivate", "offsetof(YR_MATCH, is_private)"],
    ["version.major", "YR_MAJOR_VERSION"],
    ["version.minor", "YR_MINOR_VERSION"],
    ...Object.keys(YR).map((k) => [`YR.${k}`, k] as [string, string]),
    ...Object.values(YARA_ERRORS).map((k) => [`error.${k}`, k] as [string, string]),
  ];
  return [
    "#include <stdio.h>",
    "#include <stddef.h>",
    "#include <yara.h>",
    "int main(void) {",
    ...fields.map(([name, expr]) => `  printf("%s %lld\\n", "${name}", (long long)(${expr}));`),
    "  return 0;",
    "}",
  ].join("\n");
}

Deno.test(needs(["yaraHeader", "libyara"], {
  name:
    "libyara: the pinned layouts, flags, message numbers and error codes are yara.h's (needs libyara-dev, clang)",
  fn: () => {
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-yara-h-" });
    try {
      Deno.writeTextFileSync(`${dir}/layout.c`, layoutProgram());
      const cc = new Deno.Command("clang", {
        args: ["-o", `${dir}/layout`, `${dir}/layout.c`],
        stderr: "piped",
      })
        .outputSync();
      assert.ok(cc.success, new TextDecoder().decode(cc.stderr));
      const out = new Deno.Command(`${dir}/layout`, { stdout: "piped" }).outputSync();
      const header = new Map(
        new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => {
          const [k, v] = l.split(" ");
          return [k, Number(v)] as const;
        }),
      );
      const version = `${header.get("version.major")}.${header.get("version.minor")}`;
      const layout = header.get("version.minor")! >= 4 ? LAYOUTS[1] : LAYOUTS[0];
      for (const [group, fields] of Object.entries(layout)) {
        if (group === "releases") continue;
        for (const [field, value] of Object.entries(fields as Record<string, number>)) {
          assert.equal(value, header.get(`${group}.${field}`), `${group}.${field} for YARA ${version}`);
        }
      }
      for (const [k, v] of Object.entries(YR)) assert.equal(v, header.get(`YR.${k}`), k);
      for (const [code, name] of Object.entries(YARA_ERRORS)) {
        assert.equal(Number(code), header.get(`error.${name}`), name);
      }
      using lib = Libyara.open();
      assert.equal(lib.layout, layout, `the probe picks the layout of the installed YARA ${version}`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "libyara: YARA semantics through the binding (modifiers, hex jumps, regex counts, offsets, integers, filesize)",
  fn: () => {
    using lib = Libyara.open();
    const compiled = lib.compile([{
      name: "semantics.yar",
      text: `
rule text_nocase_wide : t1 t2 { meta: author = "ir" score = 7 live = false strings: $a = "EvIl" nocase wide ascii condition: $a }
rule hex_jump { strings: $h = { 7F 45 4C 46 [4-8] 41 ?? 43 } condition: $h at 0 }
rule regex_count { strings: $r = /x[0-9]{2}y/ condition: #r == 2 }
rule ints { condition: uint8(0) == 0x7f and uint16be(1) == 0x454c and uint32(0) == 0x464c457f }
rule size_and_of { strings: $p = "AAA" $q = "ZZZ" condition: filesize < 100 and 1 of them and not $q }
rule never { strings: $n = "absent" condition: $n }
private rule hidden { strings: $s = "AAA" condition: $s }
rule uses_hidden { condition: hidden }
rule private_string { strings: $pub = "x12y" $priv = "AAA" private condition: $pub and $priv }`,
    }]);
    assert.ok(compiled.ok, JSON.stringify(compiled));
    using rules = compiled.rules;
    assert.deepEqual(rules.rules.map((r) => [r.name, r.private]), [
      ["text_nocase_wide", false],
      ["hex_jump", false],
      ["regex_count", false],
      ["ints", false],
      ["size_and_of", false],
      ["never", false],
      ["hidden", true],
      ["uses_hidden", false],
      ["private_string", false],
    ]);
    using scanner = rules.scanner();
    const r = scanner.scan(enc("\x7fELF\x01\x02\x03\x04\x05A-C x12y e\0v\0i\0l\0 x34y AAA"), 10);
    assert.ok(r.ok);
    assert.deepEqual(r.matches.map((m) => m.rule.name), [
      "text_nocase_wide",
      "hex_jump",
      "regex_count",
      "ints",
      "size_and_of",
      "uses_hidden",
      "private_string",
    ], "private rules are never reported");
    const [first] = r.matches;
    assert.deepEqual(first.rule.tags, ["t1", "t2"]);
    assert.deepEqual(first.rule.meta, [
      { key: "author", value: "ir" },
      { key: "score", value: "7" },
      { key: "live", value: "false" },
    ]);
    assert.deepEqual(first.strings, [{ identifier: "$a", offset: 18, length: 8 }]);
    assert.deepEqual(r.matches[2].strings.map((s) => s.offset), [13, 27]);
    assert.deepEqual(
      r.matches[6].strings,
      [{ identifier: "$pub", offset: 13, length: 4 }],
      "the private string's match is not reported",
    );
  },
}));

Deno.test(needs(["libyara"], {
  name: "libyara: one scanner serves many scans; empty and random data; string occurrences are capped",
  fn: () => {
    using lib = Libyara.open();
    const c = lib.compile([{
      name: "r.yar",
      text: 'rule r { strings: $a = "ab" condition: $a or filesize == 0 }',
    }]);
    assert.ok(c.ok);
    using rules = c.rules;
    using scanner = rules.scanner(3);
    const random = new Uint8Array(64 << 10);
    crypto.getRandomValues(random);
    random.set(enc("zz"), 0);
    for (let i = 0; i < 500; i++) {
      const data = i % 2 === 0 ? enc("ab ab ab ab ab") : random.subarray(0, 1000 + i);
      const r = scanner.scan(data, 10);
      assert.ok(r.ok, `scan ${i}`);
      if (i % 2 === 0) assert.deepEqual(r.matches[0].strings.map((s) => s.offset), [0, 3, 6], "capped at 3");
    }
    const empty = scanner.scan(new Uint8Array(0), 10);
    assert.ok(empty.ok);
    assert.deepEqual(empty.matches.map((m) => m.rule.name), ["r"]);
    assert.equal(scanner.callbackErrors, 0);
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "libyara: the timeout (whole seconds, rounded down) stops a runaway condition and the scanner stays usable",
  fn: () => {
    using lib = Libyara.open();
    const c = lib.compile([{
      name: "slow.yar",
      text: "rule slow { condition: for all i in (0..filesize - 1) : " +
        "(for all j in (0..filesize - 1) : (uint8(j) == uint8(i))) }\nrule quick { condition: filesize == 3 }",
    }]);
    assert.ok(c.ok);
    using rules = c.rules;
    using scanner = rules.scanner();
    const t0 = performance.now();
    const r = scanner.scan(new Uint8Array(1 << 16), 1);
    const took = performance.now() - t0;
    assert.ok(!r.ok);
    assert.equal(r.code, ERROR_SCAN_TIMEOUT);
    assert.equal(r.error, "ERROR_SCAN_TIMEOUT (26)");
    assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
    const t1 = performance.now();
    const partial = scanner.scan(new Uint8Array(1 << 16), 1.9);
    const tookPartial = performance.now() - t1;
    assert.equal(partial.ok ? 0 : partial.code, ERROR_SCAN_TIMEOUT);
    assert.ok(
      tookPartial >= 900 && tookPartial < 1800,
      `1.9 s is rounded down to 1 s, so a scan given the time left ends before the deadline: took ${tookPartial} ms`,
    );
    const after = scanner.scan(enc("abc"), 1);
    assert.ok(after.ok);
    assert.deepEqual(after.matches.map((m) => m.rule.name), ["quick"]);
  },
}));

Deno.test(needs(["libyara"], {
  name: "libyara: compile errors and warnings carry the source and line, in the compiler's words",
  fn: () => {
    using lib = Libyara.open();
    const bad = lib.compile([
      { name: "/r/ok.yar", text: "rule ok { condition: true }\n" },
      { name: "/r/bad.yar", text: 'rule bad {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n' },
      { name: "/r/never-reached.yar", text: "rule { syntax" },
    ]);
    assert.ok(!bad.ok);
    assert.deepEqual(bad.errors, [
      { source: "/r/bad.yar", line: 6, message: 'undefined string "$b"', warning: false },
    ], "compilation stops at the first failing source (libyara aborts if another is added)");
    const dup = lib.compile([
      { name: "a.yar", text: "rule one { condition: true }" },
      { name: "b.yar", text: "\n\nrule one { condition: false }" },
    ]);
    assert.ok(!dup.ok);
    assert.match(
      `${dup.errors[0].source}:${dup.errors[0].line}: ${dup.errors[0].message}`,
      /^b\.yar:3: duplicated identifier "one"/,
    );
    const cross = lib.compile([
      { name: "a.yar", text: "private rule base { condition: filesize > 1 }" },
      { name: "b.yar", text: "rule uses { condition: base }" },
    ]);
    assert.ok(cross.ok, "a rule may use a rule of an earlier file");
    cross.rules[Symbol.dispose]();
    const warn = lib.compile([{ name: "w.yar", text: 'rule w { strings: $a = "a" condition: $a }' }]);
    assert.ok(warn.ok);
    warn.rules[Symbol.dispose]();
    assert.equal(warn.warnings.length, 1);
    assert.match(warn.warnings[0].message, /slow down scanning/);
    assert.equal(warn.warnings[0].line, 1);
  },
}));

Deno.test(needs(["libyara"], {
  name: "libyara: check compiles only, with the compiler's errors and warnings as compile gives them",
  fn: () => {
    const sources = [
      { name: "/r/ok.yar", text: "rule ok { condition: true }\n" },
      { name: "/r/bad.yar", text: 'rule bad {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n' },
    ];
    const bad = Libyara.check(sources);
    assert.ok(!bad.ok);
    using lib = Libyara.open();
    const compiled = lib.compile(sources);
    assert.ok(!compiled.ok);
    assert.deepEqual(bad.errors, compiled.errors);
    assert.equal(bad.errors[0].source, "/r/bad.yar");
    assert.equal(bad.errors[0].line, 6);
    const warned = Libyara.check([{ name: "w.yar", text: 'rule w { strings: $a = "a" condition: $a }' }]);
    assert.ok(warned.ok);
    assert.equal(warned.warnings.length, 1);
    assert.equal(warned.warnings[0].source, "w.yar");
    assert.deepEqual(Libyara.check([{ name: "n.yar", text: "rule n { condition: true }" }]), {
      ok: true,
      warnings: [],
    });
    // The library opened before is still usable: check's yr_initialize/yr_finalize and close are its own.
    const after = lib.compile([{ name: "a.yar", text: "rule a { condition: true }" }]);
    assert.ok(after.ok);
    using rules = after.rules;
    using scanner = rules.scanner();
    assert.deepEqual(scanner.scan(enc("x"), 1).matches.map((m) => m.rule.name), ["a"]);
  },
}));

Deno.test("libyara: check without a library is a LibyaraError at the dlopen stage", () => {
  assert.throws(
    () =>
      Libyara.check([{ name: "r.yar", text: "rule r { condition: true }" }], ["/nonexistent/libyara.so.10"]),
    (e) => e instanceof LibyaraError && e.stage === "dlopen",
  );
});

Deno.test(needs(["libyara"], {
  name: "libyara: include is refused, and a NUL byte in a source is an error at its line (not a silent cut)",
  fn: () => {
    using lib = Libyara.open();
    const inc = lib.compile([{ name: "i.yar", text: '\ninclude "/dev/zero"\nrule r { condition: true }' }]);
    assert.ok(!inc.ok);
    assert.deepEqual(inc.errors.map((e) => [e.line, e.message]), [[2, "includes are disabled"]]);
    const nul = lib.compile([{
      name: "n.yar",
      text: "rule a { condition: true }\n\0rule b { condition: true }",
    }]);
    assert.ok(!nul.ok);
    assert.deepEqual(nul.errors, [{
      source: "n.yar",
      line: 2,
      message: "NUL byte in the rule source",
      warning: false,
    }]);
    const garbage = lib.compile([{ name: "g.yar", text: "\xff\xfe{{{ rule ]]]" }]);
    assert.ok(!garbage.ok);
    assert.equal(garbage.errors[0].source, "g.yar");
  },
}));

Deno.test(needs(["libyara"], {
  name: "libyara: resources are disposed in reverse order, disposal is idempotent, closed objects refuse use",
  fn: () => {
    const lib = Libyara.open();
    const c = lib.compile([{ name: "r.yar", text: "rule r { condition: true }" }]);
    assert.ok(c.ok);
    const early = c.rules.scanner();
    const scanner = c.rules.scanner();
    scanner[Symbol.dispose]();
    scanner[Symbol.dispose]();
    assert.throws(() => scanner.scan(enc("x"), 1), /scanner is closed/);
    c.rules[Symbol.dispose]();
    c.rules[Symbol.dispose]();
    assert.throws(() => c.rules.scanner(), /rules are destroyed/);
    assert.throws(
      () => early.scan(enc("x"), 1),
      /rules are destroyed/,
      "a scanner outliving its rules refuses",
    );
    early[Symbol.dispose]();
    lib[Symbol.dispose]();
    lib[Symbol.dispose]();
    assert.throws(() => lib.compile([]), /libyara is closed/);
    using again = Libyara.open();
    assert.ok(again.compile([]).ok, "yr_initialize after yr_finalize works (an empty rule set compiles)");
  },
}));
