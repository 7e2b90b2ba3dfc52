import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Config } from "../../src/core/config.ts";
import { DEFAULT_YARA_ROOTS, yara, yaraRuleErrors } from "../../src/scanners/yara/scanner.ts";
import { rulesPath, yaraEnabled } from "../../src/scanners/info/yara.ts";
import { fixtureRoot, makeTree, repoPath, runOne, testConfig } from "../helpers.ts";

const SAMPLE_RULES = repoPath("rules/yara");
const RULES_DIR = repoPath("rules");

function rulesTree(text: string) {
  return makeTree({ "rules.yar": text });
}

Deno.test("yara: the shipped rules find the reverse shell, the miner config and the web shell on the fixture host", async () => {
  const r = await runOne(yara, fixtureRoot("yara-host"), { yaraRules: SAMPLE_RULES });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]), [
    ["yara.rule.match:reverse_shell_oneliner:/tmp/.x/update.sh", "high"],
    ["yara.rule.match:xmrig_miner_config:/home/alice/.config/xmrig/config.json", "high"],
    ["yara.rule.match:php_webshell_eval_input:/var/www/html/upload.php", "high"],
  ]);
  const rev = r.findings[0];
  assert.equal(rev.metadata.rule, "reverse_shell_oneliner");
  assert.deepEqual(rev.metadata.tags, ["reverse_shell", "execution"]);
  assert.deepEqual(rev.tags, ["yara", "reverse_shell", "execution"]);
  assert.equal(rev.metadata.meta_mitre, "T1059.004");
  assert.equal(rev.metadata.path, "/tmp/.x/update.sh");
  assert.equal(rev.location?.path, "/tmp/.x/update.sh");
  const bytes = Deno.readFileSync(`${fixtureRoot("yara-host")}/tmp/.x/update.sh`);
  assert.equal(rev.metadata.sha256, createHash("sha256").update(bytes).digest("hex"));
  assert.equal(rev.metadata.size, bytes.length);
  assert.match(String(rev.metadata.rule_file), /linux_threats\.yar$/);
  assert.deepEqual(rev.metadata.strings, ["$dev_tcp@0x47", "$dev_tcp@0x49"]);
  assert.match(rev.description, /reverse-shell one-liner/);
  assert.deepEqual(r.warnings, []);
});

Deno.test("yara: benign files stay quiet", async () => {
  using root = makeTree({
    "tmp/build.log": "compiling... bash -i is interactive\n",
    "root/.bashrc": "alias ll='ls -l'\n",
    "usr/local/bin/tool": "\x7fELF binary with /dev/tcp in a help string\n",
    "var/www/html/index.php": "<?php echo htmlspecialchars($_GET['q']); ?>\n",
  });
  const r = await runOne(yara, root.path, { yaraRules: SAMPLE_RULES });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
});

Deno.test("yara: rule severity meta is honoured, defaults to medium, and private rules are not reported", async () => {
  using rules = rulesTree(`
private rule has_marker { strings: $m = "MARKER" condition: $m }
rule plain : t { strings: $a = "plain-hit" condition: $a }
rule loud { meta: severity = "critical" description = "uses a private rule" condition: has_marker }
rule odd { meta: severity = "catastrophic" strings: $o = "odd-hit" condition: $o }`);
  using root = makeTree({ "tmp/f": "MARKER plain-hit odd-hit\n" });
  const r = await runOne(yara, root.path, { yaraRules: `${rules.path}/rules.yar` });
  assert.deepEqual(r.findings.map((f) => [f.metadata.rule, f.severity]), [
    ["plain", "medium"],
    ["loud", "critical"],
    ["odd", "medium"],
  ]);
  assert.match(r.findings[1].description, /: uses a private rule$/);
});

Deno.test("yara: a malformed rule file skips the scanner with the file and line", async () => {
  using rules = makeTree({
    "yara/ok.yar": "rule fine { condition: false }\n",
    "yara/broken.yar": 'rule broken {\n  strings:\n    $a = "x"\n  condition:\n    $a and\n}\n',
  });
  using root = makeTree({ "tmp/f": "x\n" });
  const r = await runOne(yara, root.path, { rulesEnable: true, rulesDir: rules.path });
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /YARA rules not loaded: .*\/yara\/broken\.yar:6: syntax error/);
  assert.deepEqual(r.findings, []);
  const errors = await yaraRuleErrors(testConfig({ rulesEnable: true, rulesDir: rules.path }));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /broken\.yar:6: syntax error/);
  assert.deepEqual(await yaraRuleErrors(testConfig({ yaraRules: SAMPLE_RULES })), []);
  assert.deepEqual(await yaraRuleErrors(testConfig()), []);
});

Deno.test("yara: no rules, a missing rules path or an empty directory is a skip with a reason", async () => {
  using root = makeTree({ "tmp/f": "x\n" });
  const none = await runOne(yara, root.path, {});
  assert.equal(none.status, "skipped");
  assert.match(none.reason ?? "", /--yara-rules PATH/);
  const missing = await runOne(yara, root.path, { yaraRules: `${root.path}/nope.yar` });
  assert.match(missing.reason ?? "", /nope\.yar does not exist/);
  using empty = makeTree({ "yara/readme.txt": "" });
  const e = await runOne(yara, root.path, { yaraRules: `${empty.path}/yara` });
  assert.match(e.reason ?? "", /no \*\.yar or \*\.yara files/);
});

Deno.test("yara: runs with --yara-rules, or --rules-enable with a rules dir holding yara/", () => {
  assert.equal(yaraEnabled(testConfig()), false);
  assert.equal(yaraEnabled(testConfig({ yaraRules: "/x.yar" })), true);
  assert.equal(yaraEnabled(testConfig({ rulesEnable: true, rulesDir: RULES_DIR })), true);
  assert.equal(yaraEnabled(testConfig({ rulesEnable: false, rulesDir: RULES_DIR })), false);
  using noYara = makeTree({ "x.jsonc": "{}" });
  assert.equal(yaraEnabled(testConfig({ rulesEnable: true, rulesDir: noYara.path })), false);
  assert.equal(rulesPath(testConfig({ rulesDir: "/etc/sys-scan/rules/" })), "/etc/sys-scan/rules/yara");
  assert.equal(rulesPath(testConfig({ rulesDir: "/r", yaraRules: "/y" })), "/y");
  assert.equal(yara.slow, true);
});

Deno.test("yara: size cap, file cap and custom roots", async () => {
  using rules = rulesTree('rule hit { strings: $a = "needle" condition: $a }');
  const big = "needle" + "x".repeat((1 << 20) + 10);
  using root = makeTree({
    "tmp/a": "needle\n",
    "tmp/b": "needle\n",
    "tmp/c": "needle\n",
    "tmp/big": big,
    "data/custom/d": "needle\n",
    "opt/not-default/e": "needle\n",
  });
  const yr = `${rules.path}/rules.yar`;
  const capped = await runOne(yara, root.path, { yaraRules: yr, yaraMaxFileSize: 1 });
  assert.deepEqual(capped.findings.map((f) => f.metadata.path), ["/tmp/a", "/tmp/b", "/tmp/c"]);
  assert.ok(capped.warnings.some((w) => w.code === "truncated" && /\/tmp\/big/.test(w.detail ?? "")));
  const bigger = await runOne(yara, root.path, { yaraRules: yr, yaraMaxFileSize: 2 });
  assert.ok(bigger.findings.some((f) => f.metadata.path === "/tmp/big"));
  const few = await runOne(yara, root.path, { yaraRules: yr, yaraMaxFiles: 2 });
  assert.equal(few.findings.length, 2);
  assert.ok(few.warnings.some((w) => w.code === "truncated" && /--yara-max-files/.test(w.detail ?? "")));
  const custom = await runOne(yara, root.path, {
    yaraRules: yr,
    yaraRoots: ["/data", "relative/dir", "/missing", "/opt/not-default"],
  });
  assert.deepEqual(custom.findings.map((f) => f.metadata.path), ["/data/custom/d", "/opt/not-default/e"]);
  assert.deepEqual(custom.warnings.map((w) => [w.code, w.detail]), [
    ["yara_root_ignored", "relative/dir: --yara-roots takes absolute paths"],
    ["yara_root_ignored", `/missing: does not exist under ${root.path}`],
  ]);
  assert.ok(!DEFAULT_YARA_ROOTS.includes("/opt"));
});

Deno.test("yara: hostile names stay data; FIFOs, sockets and symlinks out of the root are never read", async () => {
  using rules = rulesTree('rule hit { strings: $a = "needle" condition: $a }');
  using outside = makeTree({ "secret": "needle\n" });
  using root = makeTree({
    "tmp/new\nline \x1b[31mred\u00e9": "needle\n",
    "tmp/link-out": { symlink: `${outside.path}/secret` },
    "tmp/abs-link": { symlink: "/etc/passwd" },
  });
  const fifo = `${root.path}/tmp/fifo`;
  new Deno.Command("mkfifo", { args: [fifo] }).outputSync();
  const r = await runOne(yara, root.path, { yaraRules: `${rules.path}/rules.yar` });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => f.metadata.path), ["/tmp/new\nline \x1b[31mred\u00e9"]);
});

Deno.test("yara: home toolchain caches are pruned by default, not when roots are given", async () => {
  using rules = rulesTree('rule hit { strings: $a = "needle" condition: $a }');
  using root = makeTree({
    "root/.rustup/toolchains/stable/lib/x": "needle\n",
    "home/bob/.cache/pip/y": "needle\n",
    "home/bob/.cache/thumbnails/z": "needle\n",
  });
  const r = await runOne(yara, root.path, { yaraRules: `${rules.path}/rules.yar` });
  assert.deepEqual(r.findings.map((f) => f.metadata.path), ["/home/bob/.cache/thumbnails/z"]);
  const all = await runOne(yara, root.path, {
    yaraRules: `${rules.path}/rules.yar`,
    yaraRoots: ["/root", "/home"],
  });
  assert.equal(all.findings.length, 3);
});

Deno.test("yara: the live host scans without errors and the sample rules stay quiet on stock system trees", async () => {
  const stock = ["/etc", "/usr/bin", "/usr/sbin", "/usr/local", "/var/spool"];
  const overrides: Partial<Config> = { yaraRules: SAMPLE_RULES, yaraMaxFiles: 5000, yaraRoots: stock };
  const r = await runOne(yara, "/", overrides);
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(r.findings.map((f) => f.id), []);
  const defaults = await runOne(yara, "/", { yaraRules: SAMPLE_RULES, yaraMaxFiles: 1000 });
  assert.equal(defaults.status, "ok", defaults.reason);
});

Deno.test("yara: without libyara the scanner says skipped and names the package to install; the scan goes on", async () => {
  using t = makeTree({ "tmp/f": "needle\n", "rules/bad.yar": "rule broken {" });
  const out = `${t.path}/report.json`;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      repoPath("main.ts"),
      "--enable",
      "yara,mounts",
      "--yara-rules",
      `${t.path}/rules/bad.yar`,
      "--yara-roots",
      `${t.path}/tmp`,
      "--output",
      out,
    ],
    env: { SYS_SCAN_LIBYARA: "/nonexistent/libyara.so.10" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(r.code === 0 || r.code === 1, new TextDecoder().decode(r.stderr));
  const report = JSON.parse(Deno.readTextFileSync(out));
  const y = report.results.find((x: { scanner: string }) => x.scanner === "yara");
  assert.equal(y.status, "skipped");
  assert.match(y.reason, /libyara9.*yara from EPEL/);
  assert.match(y.reason, /\/nonexistent\/libyara\.so\.10/, "the loader's own words are kept");
  const mounts = report.results.find((x: { scanner: string }) => x.scanner === "mounts");
  assert.notEqual(mounts.status, "skipped", "the other scanners ran");
});

Deno.test("yara: the rules the CLI checked are the rules scanned, and a rule file edited in between is read again", async () => {
  using rules = rulesTree('rule first { strings: $a = "needle" condition: $a }');
  using root = makeTree({ "tmp/f": "needle\n" });
  const config = { yaraRules: `${rules.path}/rules.yar` };
  assert.deepEqual(await yaraRuleErrors(testConfig(config)), []);
  const same = await runOne(yara, root.path, config);
  assert.deepEqual(same.findings.map((f) => f.metadata.rule), ["first"]);
  assert.deepEqual(await yaraRuleErrors(testConfig(config)), []);
  Deno.writeTextFileSync(`${rules.path}/rules.yar`, 'rule second { strings: $a = "needle" condition: $a }');
  const edited = await runOne(yara, root.path, config);
  assert.deepEqual(edited.findings.map((f) => f.metadata.rule), ["second"]);
});

Deno.test("yara: the CLI's rule check gives nothing when libyara cannot be loaded (the scanner then skips and says why)", async () => {
  using rules = rulesTree("rule broken { condition: }");
  const config = { yaraRules: `${rules.path}/rules.yar` };
  assert.equal((await yaraRuleErrors(testConfig(config))).length, 1, "with libyara the error is found");
  const before = Deno.env.get("SYS_SCAN_LIBYARA");
  Deno.env.set("SYS_SCAN_LIBYARA", "/nonexistent/libyara.so.10");
  try {
    assert.deepEqual(await yaraRuleErrors(testConfig(config)), []);
  } finally {
    if (before === undefined) Deno.env.delete("SYS_SCAN_LIBYARA");
    else Deno.env.set("SYS_SCAN_LIBYARA", before);
  }
});
