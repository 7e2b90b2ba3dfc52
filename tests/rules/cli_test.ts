/** End to end through the executable: rules, risk, compliance and plugins as a user sees them. */
import assert from "node:assert/strict";
import { makeTree, repoPath } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const MAIN = repoPath("main.ts");
const PLUGIN = Deno.readTextFileSync(new URL("../fixtures/plugins/ssh_host_keys.sh", import.meta.url));

async function sysScan(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { SYS_SCAN_CANON_TIME_ZERO: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(!/\n\s+at /.test(stderr), `stack trace on stderr: ${stderr}`);
  return { code: out.code, stdout, stderr, report: () => JSON.parse(stdout) };
}

const HOST = {
  "proc/1/mountinfo": [
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
    "30 22 0:30 / /tmp rw,nosuid,nodev shared:2 - tmpfs tmpfs rw",
    "31 22 0:31 / /dev/shm rw,nosuid,nodev,noexec shared:3 - tmpfs tmpfs rw",
    "",
  ].join("\n"),
  "etc/ssh/ssh_host_rsa_key": { content: "k", mode: 0o640 },
};

const RULES = `// site policy
{
  "version": 1,
  "rules": [
    { "id": "tmp-noexec-critical", "scope": { "checks": ["mount.tmp.noexec_missing"] },
      "when": { "field": "metadata.mount", "op": "equals", "value": "/tmp" },
      "actions": { "severity": "critical", "mitre": ["T1059", "T1204.002"], "tags": ["policy"] } },
    { "id": "plugin-accepted", "scope": { "scanners": ["plugin_*"] },
      "actions": { "suppress": { "reason": "key shared with the backup group on purpose" } } }
  ]
}`;

function scanArgs(host: string, ...more: string[]) {
  return ["--root", host, "--enable", "mounts", "--hardening", ...more];
}

Deno.test(needs(["root"], {
  name: "cli: rules change severity and MITRE, suppressions are counted and listed with --show-suppressed",
  async fn() {
    using host = makeTree(HOST);
    using dir = makeTree({
      "rules/site.jsonc": RULES,
      "plugins/ssh_host_keys.sh": { content: PLUGIN, mode: 0o755 },
    });
    Deno.chmodSync(`${dir.path}/rules`, 0o755);
    Deno.chmodSync(`${dir.path}/plugins`, 0o755);
    const base = scanArgs(
      host.path,
      "--rules-enable",
      "--rules-dir",
      `${dir.path}/rules`,
      "--plugin-dir",
      `${dir.path}/plugins`,
    );
    const r = await sysScan(base);
    assert.equal(r.code, 0, r.stderr);
    const report = r.report();
    const findings = report.results.flatMap((x: { findings: unknown[] }) => x.findings);
    const tmp = findings.find((f: { id: string }) => f.id === "mount.tmp.noexec_missing:/tmp");
    assert.equal(tmp.severity, "critical");
    assert.equal(tmp.severity_source, "rule_engine");
    assert.equal(tmp.metadata.severity_rule, "tmp-noexec-critical");
    assert.deepEqual(tmp.mitre, ["T1059", "T1105", "T1204.002"]);
    assert.equal(tmp.risk_score, 95);
    assert.deepEqual(report.results.map((x: { scanner: string; status: string }) => [x.scanner, x.status]), [
      ["mounts", "ok"],
      ["plugin_ssh_host_keys", "ok"],
    ]);
    const suppressed = report.summary_extension.suppressed;
    assert.deepEqual(suppressed, {
      count: 1,
      by_rule: [{ rule: "plugin-accepted", reason: "key shared with the backup group on purpose", count: 1 }],
    });
    assert.deepEqual(report.meta.rules.sources.map((s: { file: string }) => s.file.split("/").pop()), [
      "builtin:mitre-attack.jsonc",
      "site.jsonc",
    ]);
    assert.equal(report.summary_extension.host_risk.top[0].id, "mount.tmp.noexec_missing:/tmp");
    const listed = await sysScan([...base, "--show-suppressed"]);
    assert.deepEqual(listed.report().summary_extension.suppressed.findings.map((f: { id: string }) => f.id), [
      "plugin.ssh_host_keys.finding:/etc/ssh/ssh_host_rsa_key",
    ]);
  },
}));

Deno.test(needs(["root"], {
  name: "cli: an insecure rules or plugin directory is exit 3 with the reason; no report is written",
  async fn() {
    using host = makeTree(HOST);
    using dir = makeTree({ "rules/site.jsonc": RULES, "plugins/p": { content: "#!/bin/sh\n", mode: 0o755 } });
    Deno.chownSync(`${dir.path}/rules`, 65534, 65534);
    Deno.chownSync(`${dir.path}/plugins`, 65534, 65534);
    const out = `${dir.path}/report.json`;
    const r = await sysScan(
      scanArgs(host.path, "--rules-enable", "--rules-dir", `${dir.path}/rules`, "--output", out),
    );
    assert.equal(r.code, 3);
    assert.match(r.stderr, /refusing rules directory .*owned by uid 65534, not root/);
    assert.ok(
      !(() => {
        try {
          Deno.statSync(out);
          return true;
        } catch {
          return false;
        }
      })(),
    );
    const p = await sysScan(scanArgs(host.path, "--plugin-dir", `${dir.path}/plugins`));
    assert.equal(p.code, 3);
    assert.match(p.stderr, /refusing plugin directory/);
    const ok = await sysScan(
      scanArgs(host.path, "--rules-enable", "--rules-dir", `${dir.path}/rules`, "--rules-insecure-ok"),
    );
    assert.equal(ok.code, 0, ok.stderr);
    const warnings = ok.report().collection_warnings.filter((w: { scanner: string }) =>
      w.scanner === "rules"
    );
    assert.ok(warnings.some((w: { code: string }) => w.code === "insecure_dir"));
  },
}));

Deno.test(needs(["root"], {
  name: "cli: a bad rule file is exit 3 naming file, line, column and rule id",
  async fn() {
    using host = makeTree(HOST);
    using dir = makeTree({ "rules/bad.rule": "id=r1\nfield=title\ncontains=x\nseverity=urgent\n" });
    Deno.chmodSync(`${dir.path}/rules`, 0o755);
    const r = await sysScan(scanArgs(host.path, "--rules-enable", "--rules-dir", `${dir.path}/rules`));
    assert.equal(r.code, 3);
    assert.match(r.stderr, /bad\.rule:4:10: rule r1: severity: /);
  },
}));

Deno.test("cli: rule flag combinations and bad values are usage errors (exit 2)", async () => {
  using host = makeTree(HOST);
  const a = await sysScan(scanArgs(host.path, "--rules-dir", host.path));
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--rules-dir has no effect without --rules-enable/);
  const b = await sysScan(scanArgs(host.path, "--rules-enable"));
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--rules-enable needs --rules-dir/);
  const c = await sysScan(scanArgs(host.path, "--compliance-standards", "sox"));
  assert.equal(c.code, 2);
  const d = await sysScan(scanArgs(host.path, "--risk-weights", `${host.path}/missing.jsonc`));
  assert.equal(d.code, 2);
  assert.match(d.stderr, /--risk-weights .*cannot read it/);
});

Deno.test("cli: --no-builtin-rules, --risk-weights and --asset-criticality change MITRE ids and risk scores", async () => {
  using host = makeTree({
    ...HOST,
    "weights.jsonc": `{ "severity": { "low": 20 }, "basis": { "hardening": 1 } }`,
  });
  const find = (r: Awaited<ReturnType<typeof sysScan>>) =>
    r.report().results[0].findings.find((f: { id: string }) => f.id === "mount.tmp.noexec_missing:/tmp");
  const plain = find(await sysScan(scanArgs(host.path, "--no-builtin-rules")));
  assert.deepEqual(plain.mitre, ["T1059"]);
  assert.equal(plain.risk_score, 10, "a low hardening gap: 25 × 0.4");
  const tuned = find(
    await sysScan(
      scanArgs(host.path, "--risk-weights", `${host.path}/weights.jsonc`, "--asset-criticality", "critical"),
    ),
  );
  assert.deepEqual(tuned.mitre, ["T1059", "T1105"]);
  assert.equal(tuned.risk_score, 26, "20 × basis 1 × criticality 1.3");
});

Deno.test("cli: compliance summary and gaps; passed and not-checked controls never trip --fail-on", async () => {
  using host = makeTree({
    "proc/1/mountinfo": [
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
      "30 22 0:30 / /tmp rw,nosuid,nodev,noexec shared:2 - tmpfs tmpfs rw",
      "",
    ].join("\n"),
  });
  const clean = await sysScan(scanArgs(host.path, "--compliance", "--fail-on", "info"));
  assert.equal(clean.code, 0, clean.stderr);
  const ext = clean.report().summary_extension;
  assert.deepEqual(Object.keys(ext.compliance_summary), [
    "pci_dss_4_0",
    "hipaa_security",
    "nist_csf_2_0",
    "cis_linux",
  ]);
  const cis = ext.compliance.filter((c: { standard: string }) => c.standard === "cis_linux");
  assert.equal(cis.find((c: { control_id: string }) => c.control_id === "1.1.2.4").status, "pass");
  assert.equal(cis.find((c: { control_id: string }) => c.control_id === "1.5.1").status, "not_checked");
  assert.ok(
    ext.compliance.every((c: { status: string; severity: string }) =>
      c.status === "fail" || c.severity === "info"
    ),
  );
  assert.equal(ext.compliance_gaps, undefined);

  using bad = makeTree(HOST);
  const gaps = await sysScan(scanArgs(bad.path, "--compliance-standards", "cis_linux", "--compliance-gaps"));
  assert.equal(gaps.code, 0);
  const ext2 = gaps.report().summary_extension;
  assert.deepEqual(Object.keys(ext2.compliance_summary), ["cis_linux"]);
  assert.deepEqual(ext2.compliance_gaps.map((c: { control_id: string }) => c.control_id), ["1.1.2.4"]);
  assert.match(ext2.compliance_gaps[0].remediation, /noexec/);
  assert.deepEqual(ext2.compliance_gaps[0].evidence, ["mount.tmp.noexec_missing:/tmp"]);
});

Deno.test("cli: risk and compliance settings work from a --config file", async () => {
  using host = makeTree({
    ...HOST,
    "weights.jsonc": `{ "severity": { "low": 20 }, "basis": { "hardening": 1 } }`,
    "conf.jsonc": "",
  });
  Deno.writeTextFileSync(
    `${host.path}/conf.jsonc`,
    JSON.stringify({
      "risk-weights": `${host.path}/weights.jsonc`,
      "asset-criticality": "critical",
      "compliance-standards": ["cis_linux"],
    }),
  );
  const r = await sysScan(scanArgs(host.path, "--config", `${host.path}/conf.jsonc`));
  assert.equal(r.code, 0, r.stderr);
  const report = r.report();
  const f = report.results[0].findings.find((x: { id: string }) => x.id === "mount.tmp.noexec_missing:/tmp");
  assert.equal(f.risk_score, 26);
  assert.deepEqual(Object.keys(report.summary_extension.compliance_summary), ["cis_linux"]);
  assert.deepEqual(report.meta.risk_model, { asset_criticality: "critical", custom: true });
});
