import assert from "node:assert/strict";
import { ExitCode } from "../../src/core/result.ts";
import { compilePatterns } from "../../src/core/match.ts";
import { loadRules } from "../../src/rules/load.ts";
import { BUILTIN_RULE_FILES, readBuiltinPack } from "../../src/rules/builtin.ts";
import { parseJsoncRules } from "../../src/rules/jsonc.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { makeTree, repoPath } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const NOBODY = 65534;
const base = { builtin: false, allowLegacy: false, insecureOk: false };
const jsonc = (ids: string[]) =>
  JSON.stringify({ version: 1, rules: ids.map((id) => ({ id, actions: { tags: [id] } })) });
const legacy = (id: string) => `id=${id}\nfield=title\ncontains=x\ntags=${id}\n`;

function errorOf(r: Awaited<ReturnType<typeof loadRules>>): { exit: number; message: string } {
  assert.ok(!r.ok, "expected the load to fail");
  return r.error;
}

Deno.test(needs(["root"], {
  name: "rules dir: root-owned 0755 loads *.jsonc, *.json and *.rule in sorted name order, ignoring the rest",
  async fn() {
    using t = makeTree({
      "rules/b.rule": legacy("from-b"),
      "rules/a.jsonc": jsonc(["from-a1", "from-a2"]),
      "rules/c.json": jsonc(["from-c"]),
      "rules/notes.txt": "not rules",
      "rules/yara/x.yar": "rule x { condition: true }",
    });
    Deno.chmodSync(`${t.path}/rules`, 0o755);
    const r = await loadRules({ ...base, dir: `${t.path}/rules` });
    assert.ok(r.ok, !r.ok ? r.error.message : "");
    assert.deepEqual(r.value.rules.map((x) => x.id), ["from-a1", "from-a2", "from-b", "from-c"]);
    assert.deepEqual(r.value.sources.map((s) => s.format), ["jsonc", "legacy", "jsonc"]);
    assert.deepEqual(r.value.warnings, []);
  },
}));

Deno.test(needs(["root"], {
  name: "rules dir not owned by root is refused with exit 3, even under /tmp with 'test' in its path",
  async fn() {
    using t = makeTree({ "rules/a.jsonc": jsonc(["a"]) });
    const dir = `${t.path}/rules`;
    assert.match(dir, /tmp.*test/);
    Deno.chownSync(dir, NOBODY, NOBODY);
    const e = errorOf(await loadRules({ ...base, dir }));
    assert.equal(e.exit, ExitCode.Rules);
    assert.match(e.message, /owned by uid 65534, not root/);
    assert.match(e.message, /--rules-insecure-ok/);
  },
}));

Deno.test(needs(["root"], {
  name: "rules dir writable by group or others is refused",
  async fn() {
    for (const [mode, who] of [[0o775, "group"], [0o757, "others"], [0o1777, "group"]] as const) {
      using t = makeTree({ "rules/a.jsonc": jsonc(["a"]) });
      Deno.chmodSync(`${t.path}/rules`, mode);
      const e = errorOf(await loadRules({ ...base, dir: `${t.path}/rules` }));
      assert.equal(e.exit, ExitCode.Rules);
      assert.match(e.message, new RegExp(`writable by ${who}`));
    }
  },
}));

Deno.test(needs(["root"], {
  name: "--rules-insecure-ok accepts an insecure dir and file, and records warnings",
  async fn() {
    using t = makeTree({ "rules/a.jsonc": jsonc(["a"]) });
    const dir = `${t.path}/rules`;
    Deno.chownSync(dir, NOBODY, NOBODY);
    Deno.chownSync(`${dir}/a.jsonc`, NOBODY, NOBODY);
    const r = await loadRules({ ...base, dir, insecureOk: true });
    assert.ok(r.ok);
    assert.deepEqual(r.value.warnings.map((w) => w.code).sort(), ["insecure_dir", "insecure_file"]);
    assert.match(r.value.warnings[0].message, /accepted because of --rules-insecure-ok/);
  },
}));

Deno.test(needs(["root"], {
  name: "the real path is checked: a root-owned symlink to an insecure dir is refused",
  async fn() {
    using t = makeTree({ "evil/a.jsonc": jsonc(["a"]) });
    Deno.chownSync(`${t.path}/evil`, NOBODY, NOBODY);
    Deno.symlinkSync(`${t.path}/evil`, `${t.path}/rules`);
    const e = errorOf(await loadRules({ ...base, dir: `${t.path}/rules` }));
    assert.match(e.message, /evil is owned by uid 65534/);
  },
}));

Deno.test(needs(["root"], {
  name: "a directory above the rules dir that another user can write makes it untrusted",
  async fn() {
    using t = makeTree({ "home/rules/a.jsonc": jsonc(["a"]) });
    Deno.chmodSync(`${t.path}/home/rules`, 0o755);
    Deno.chownSync(`${t.path}/home`, NOBODY, NOBODY);
    const e = errorOf(await loadRules({ ...base, dir: `${t.path}/home/rules` }));
    assert.match(e.message, /home \(above it\) is owned by uid 65534/);
  },
}));

Deno.test(needs(["root"], {
  name: "rule files must be root-owned regular files, not group/world-writable, not symlinks",
  async fn() {
    using t = makeTree({
      "rules/a.jsonc": jsonc(["a"]),
      "rules/b.jsonc": { content: jsonc(["b"]), mode: 0o664 },
      "rules/c.jsonc": jsonc(["c"]),
      "elsewhere.jsonc": jsonc(["d"]),
    });
    Deno.chownSync(`${t.path}/rules/c.jsonc`, NOBODY, 0);
    Deno.symlinkSync(`${t.path}/elsewhere.jsonc`, `${t.path}/rules/d.jsonc`);
    const e = errorOf(await loadRules({ ...base, dir: `${t.path}/rules` }));
    assert.equal(e.exit, ExitCode.Rules);
    assert.match(e.message, /b\.jsonc:0:0: cannot use this rule file: writable by group/);
    assert.match(e.message, /c\.jsonc:0:0: cannot use this rule file: owned by uid 65534/);
    assert.match(e.message, /d\.jsonc:0:0: cannot use this rule file: not a regular file/);
  },
}));

Deno.test("a missing rules dir or a file given as the dir is exit 3 with the reason", async () => {
  using t = makeTree({ "file.jsonc": jsonc(["a"]) });
  assert.match((errorOf(await loadRules({ ...base, dir: `${t.path}/nope` }))).message, /does not exist/);
  assert.match(
    (errorOf(await loadRules({ ...base, dir: `${t.path}/file.jsonc` }))).message,
    /not a directory/,
  );
});

Deno.test(needs(["root"], {
  name: "bad rule files fail the load with every error as file:line:column: rule id: message",
  async fn() {
    using t = makeTree({
      "rules/a.jsonc": `{"version": 1, "rules": [\n  {"id": "x", "actions": {"severity": "bogus"}}\n]}`,
      "rules/b.rule": "id=y\nfield=title\nregex=([\n",
    });
    const e = errorOf(await loadRules({ ...base, dir: `${t.path}/rules` }));
    assert.equal(e.exit, ExitCode.Rules);
    assert.match(e.message, /rule files have 2 errors/);
    assert.match(e.message, /a\.jsonc:2:\d+: rule x: actions\.severity: /);
    assert.match(e.message, /b\.rule:3:7: rule y: regex does not compile/);
  },
}));

Deno.test(needs(["root"], {
  name: "rule ids must be unique across files, the message names the first definition",
  async fn() {
    using t = makeTree({ "rules/a.jsonc": jsonc(["dup"]), "rules/b.rule": legacy("dup") });
    const e = errorOf(await loadRules({ ...base, dir: `${t.path}/rules` }));
    assert.match(e.message, /b\.rule:1:1: rule dup: rule id already defined at .*a\.jsonc:1:\d+/);
  },
}));

Deno.test(needs(["root"], {
  name: "an empty rules dir loads with a warning recorded",
  async fn() {
    using t = makeTree({ "rules": { dir: true, mode: 0o755 } });
    const r = await loadRules({ ...base, dir: `${t.path}/rules` });
    assert.ok(r.ok);
    assert.equal(r.value.warnings[0].code, "no_rule_files");
  },
}));

Deno.test("the built-in pack loads first and user rules cannot reuse its ids", async () => {
  const r = await loadRules({ ...base, builtin: true });
  assert.ok(r.ok, !r.ok ? r.error.message : "");
  assert.ok(r.value.rules.length > 0);
  assert.ok(r.value.rules.every((x) => x.builtin && x.id.startsWith("builtin.")));
  assert.deepEqual(r.value.sources.map((s) => s.file), BUILTIN_RULE_FILES.map((f) => `builtin:${f}`));
  assert.deepEqual(await loadRules(base), { ok: true, value: { rules: [], sources: [], warnings: [] } });
});

Deno.test("built-in pack: every rule only adds MITRE ids, unconditionally, and every scope matches a catalogue check", async () => {
  const checkIds = SCANNERS.flatMap((s) => s.checks.map((c) => c.id));
  for (const { file, text } of readBuiltinPack()) {
    const parsed = await parseJsoncRules(text, file, { allowLegacy: false });
    assert.deepEqual(parsed.errors, []);
    for (const { rule } of parsed.rules) {
      assert.deepEqual(Object.keys(rule.actions), ["mitre"], rule.id);
      assert.equal(rule.when, undefined, rule.id);
      assert.ok(rule.scope.checks, `${rule.id} is scoped by check`);
      for (const pattern of rule.scope.checks!) {
        const test = compilePatterns([pattern]);
        assert.ok(checkIds.some(test), `${rule.id}: pattern ${pattern} matches no check in the catalogue`);
      }
    }
  }
});

Deno.test("--rules-dir pointing at the built-in pack does not load it twice", async () => {
  const dir = repoPath("rules");
  const both = await loadRules({ builtin: true, dir, allowLegacy: false, insecureOk: true });
  const builtinOnly = await loadRules({ builtin: true, allowLegacy: false, insecureOk: true });
  assert.ok(both.ok && builtinOnly.ok);
  assert.equal(both.value.rules.length, builtinOnly.value.rules.length);
  const dirOnly = await loadRules({ builtin: false, dir, allowLegacy: false, insecureOk: true });
  assert.ok(dirOnly.ok && dirOnly.value.rules.length === builtinOnly.value.rules.length);
});

Deno.test("the built-in pack as a scan loads it: the rules the source parses to, with their positions", async () => {
  const r = await loadRules({ ...base, builtin: true });
  assert.ok(r.ok, !r.ok ? r.error.message : "");
  const parsed = [];
  for (const { file, text } of readBuiltinPack()) {
    parsed.push(...(await parseJsoncRules(text, file, { allowLegacy: false })).rules);
  }
  assert.deepEqual(r.value.rules.map((x) => [x.id, x.at]), parsed.map((x) => [x.rule.id, x.at]));
  assert.deepEqual(r.value.rules.map((x) => x.actions), parsed.map((x) => x.rule.actions));
});
