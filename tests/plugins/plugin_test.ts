import assert from "node:assert/strict";
import { ExitCode } from "../../src/core/result.ts";
import { discoverPlugins, pluginName, pluginScanner } from "../../src/plugins/plugin_scanner.ts";
import { parsePluginOutput } from "../../src/plugins/protocol.ts";
import { makeTree, runOne } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const EXAMPLE = Deno.readTextFileSync(new URL("../fixtures/plugins/ssh_host_keys.sh", import.meta.url));
const script = (body: string) => ({ content: `#!/bin/sh\n${body}\n`, mode: 0o755 });

async function runPlugin(body: string, scanRoot: string, opts = { timeoutMs: 5000 }) {
  using t = makeTree({ "plugins/p": script(body) });
  const info = { name: "p", path: `${t.path}/plugins/p` };
  return await runOne(pluginScanner(info, opts), scanRoot);
}

Deno.test("plugin: the example plugin reports findings and passes, validated like built-in findings", async () => {
  using host = makeTree({
    "etc/ssh/ssh_host_rsa_key": { content: "k", mode: 0o644 },
    "etc/ssh/ssh_host_ed25519_key": { content: "k", mode: 0o600 },
  });
  using t = makeTree({ "plugins/ssh_host_keys.sh": { content: EXAMPLE, mode: 0o755 } });
  const found = discoverPlugins(`${t.path}/plugins`, false);
  assert.ok(found.ok, !found.ok ? found.error.message : "");
  assert.deepEqual(found.value.plugins.map((p) => p.name), ["ssh_host_keys"]);
  const scanner = pluginScanner(found.value.plugins[0], { timeoutMs: 5000 });
  assert.equal(scanner.name, "plugin_ssh_host_keys");
  const r = await runOne(scanner, host.path);
  assert.equal(r.status, "ok");
  assert.equal(r.findings.length, 1);
  const f = r.findings[0];
  assert.equal(f.id, "plugin.ssh_host_keys.finding:/etc/ssh/ssh_host_rsa_key");
  assert.equal(f.severity, "high");
  assert.equal(f.scanner, "plugin_ssh_host_keys");
  assert.equal(f.metadata.mode, "644");
  assert.deepEqual(f.location, { path: "/etc/ssh/ssh_host_rsa_key" });
  assert.deepEqual(f.tags, ["plugin"]);
  assert.deepEqual(r.passed, ["plugin.ssh_host_keys.finding"]);
});

Deno.test("plugin: a skip record makes the scanner skipped with the plugin's reason", async () => {
  using host = makeTree({ "etc/hostname": "x" });
  using t = makeTree({ "plugins/ssh_host_keys.sh": { content: EXAMPLE, mode: 0o755 } });
  const r = await runOne(
    pluginScanner({ name: "ssh_host_keys", path: `${t.path}/plugins/ssh_host_keys.sh` }, { timeoutMs: 5000 }),
    host.path,
  );
  assert.equal(r.status, "skipped");
  assert.match(r.reason!, /OpenSSH server is not installed/);
});

Deno.test("plugin: warnings become collection warnings", async () => {
  const r = await runPlugin(`echo '{"type":"warning","code":"partial","detail":"half read"}'`, "/");
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, [{ scanner: "plugin_p", code: "partial", detail: "half read" }]);
});

Deno.test("plugin: bad JSON is a scanner error naming the line, never a crash", async () => {
  const r = await runPlugin(`echo '{"subject":"a"}'; echo 'not json'`, "/");
  assert.equal(r.status, "error");
  assert.match(r.reason!, /plugin p: stdout line 2: not JSON/);
  assert.deepEqual(r.findings, [], "nothing from a plugin whose output is broken");
});

Deno.test("plugin: a record that fails the finding schema is a scanner error", async () => {
  const bad = await runPlugin(`echo '{"subject":"a","severity":"urgent"}'`, "/");
  assert.equal(bad.status, "error");
  assert.match(bad.reason!, /line 1: invalid finding record \(severity: /);
  const extra = await runPlugin(`echo '{"subject":"a","id":"forged"}'`, "/");
  assert.match(extra.reason!, /invalid finding record/);
  const type = await runPlugin(`echo '{"type":"exec","cmd":"rm"}'`, "/");
  assert.match(type.reason!, /unknown record type "exec"/);
});

Deno.test("plugin: a non-zero exit is a scanner error with the end of stderr", async () => {
  const r = await runPlugin(`echo 'database locked' >&2; exit 3`, "/");
  assert.equal(r.status, "error");
  assert.match(r.reason!, /exited with status 3: database locked/);
});

Deno.test("plugin: a plugin over its time limit is killed and becomes a scanner error", async () => {
  const r = await runPlugin(`sleep 10`, "/", { timeoutMs: 1000 });
  assert.equal(r.status, "error");
  assert.match(r.reason!, /did not finish within 1s and was killed/);
});

Deno.test("plugin: output over the cap is a scanner error", async () => {
  using t = makeTree({ "plugins/p": script(`while true; do echo '{"subject":"a"}'; done`) });
  const r = await runOne(
    pluginScanner({ name: "p", path: `${t.path}/plugins/p` }, { timeoutMs: 5000, maxOutputBytes: 4096 }),
    "/",
  );
  assert.equal(r.status, "error");
  assert.match(r.reason!, /wrote more than 4096 bytes/);
});

Deno.test("plugin: arguments and environment are fixed; the environment is otherwise cleared", async () => {
  Deno.env.set("SYS_SCAN_TEST_SECRET", "leak");
  try {
    const r = await runPlugin(
      `printf '{"subject":"args","metadata":{"argv":"%s","env":"%s","secret":"%s"}}\\n' "$*" "$SYS_SCAN_PLUGIN_PROTOCOL $SYS_SCAN_ROOT" "$SYS_SCAN_TEST_SECRET"`,
      "/",
    );
    assert.equal(r.status, "ok", r.reason);
    assert.deepEqual(r.findings[0].metadata, {
      argv: "--sys-scan-plugin 1 --root /",
      env: "1 /",
      secret: "",
    });
  } finally {
    Deno.env.delete("SYS_SCAN_TEST_SECRET");
  }
});

Deno.test("plugin protocol: empty output is fine; blank lines are skipped; garbage is refused", () => {
  assert.deepEqual(parsePluginOutput(""), { ok: true, records: [] });
  assert.equal(parsePluginOutput('\n{"subject":"a"}\n\n').ok, true);
  for (const text of ["[1]", "null", "{", '{"subject":""}', '"x"', '{"type":"skip"}']) {
    assert.equal(parsePluginOutput(text).ok, false, text);
  }
});

Deno.test("plugin names come from file names; unusable names are left out", () => {
  assert.equal(pluginName("Check-Foo.sh"), "check_foo");
  assert.equal(pluginName("audit"), "audit");
  assert.equal(pluginName("1bad"), undefined);
  assert.equal(pluginName(".hidden"), undefined);
});

Deno.test(needs(["root"], {
  name: "plugin dir: same trust rules as the rules dir (exit 3), non-executables and symlinks left out",
  fn() {
    using t = makeTree({
      "plugins/a": script("exit 0"),
      "plugins/readme.txt": "docs",
      "plugins/1bad": script("exit 0"),
      "target": script("exit 0"),
    });
    Deno.chmodSync(`${t.path}/plugins`, 0o755);
    Deno.symlinkSync(`${t.path}/target`, `${t.path}/plugins/link`);
    const ok = discoverPlugins(`${t.path}/plugins`, false);
    assert.ok(ok.ok);
    assert.deepEqual(ok.value.plugins.map((p) => p.name), ["a"]);
    assert.match(ok.value.warnings[0], /1bad: file name cannot be turned into a plugin name/);

    Deno.chownSync(`${t.path}/plugins`, 65534, 65534);
    const refused = discoverPlugins(`${t.path}/plugins`, false);
    assert.ok(!refused.ok);
    assert.equal(refused.error.exit, ExitCode.Rules);
    assert.match(refused.error.message, /refusing plugin directory .*owned by uid 65534/);
    const accepted = discoverPlugins(`${t.path}/plugins`, true);
    assert.ok(accepted.ok);
    assert.ok(accepted.value.warnings.some((w) => /accepted because of --rules-insecure-ok/.test(w)));
  },
}));

Deno.test(needs(["root"], {
  name: "plugin dir: a group- or world-writable plugin refuses the directory",
  fn() {
    using t = makeTree({ "plugins/a": { content: "#!/bin/sh\n", mode: 0o777 } });
    Deno.chmodSync(`${t.path}/plugins`, 0o755);
    const r = discoverPlugins(`${t.path}/plugins`, false);
    assert.ok(!r.ok);
    assert.match(r.error.message, /refusing plugin .*plugins\/a: writable by group/);
  },
}));
