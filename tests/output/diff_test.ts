import assert from "node:assert/strict";
import { diffMarkdown, diffReports, parseDiffable } from "../../src/output/diff.ts";
import { diffCommand } from "../../src/cli/commands/diff.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { makeTree, repoPath } from "../helpers.ts";

const FIX = repoPath("tests/fixtures/reports/");

function load(name: string) {
  const r = parseDiffable(JSON.parse(Deno.readTextFileSync(`${FIX}${name}`)), name);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

Deno.test("diff of upstream v2 reports: added and removed by scanner and id", () => {
  const d = diffReports(load("upstream_v2_old.json"), load("upstream_v2_new.json"));
  assert.deepEqual(d.added.map((f) => f.id), ["/proc/sys/kernel/kptr_restrict"]);
  assert.deepEqual(d.removed.map((f) => f.id), [
    "/proc/sys/net/ipv4/ip_forward",
    "mount:tmp-nodev-missing:/tmp",
  ]);
  assert.deepEqual(d.changed, []);
  assert.equal(d.old.hostname, "legacy");
});

async function ourReport(sysctls: Record<string, string>): Promise<string> {
  using t = makeTree(
    Object.fromEntries(Object.entries(sysctls).map(([k, v]) => [`proc/sys/kernel/${k}`, `${v}\n`])),
  );
  const out = `${t.path}.json`;
  const r = await scanCommand(
    ["--root", t.path, "--enable", "kernel_params", "--hardening", "--output", out],
    {
      scanners: [kernelParams],
      stderr: () => {},
    },
  );
  assert.ok(r.ok);
  return out;
}

Deno.test("diff of our reports: added, removed, changed severity, JSON and Markdown via the subcommand", async () => {
  const a = await ourReport({ kptr_restrict: "0", dmesg_restrict: "0", randomize_va_space: "1" });
  const b = await ourReport({ kptr_restrict: "0", sysrq: "1", randomize_va_space: "1" });
  using out = makeTree({});
  try {
    const r = await diffCommand([a, b, "--output", `${out.path}/d.json`]);
    assert.ok(r.ok);
    const d = JSON.parse(Deno.readTextFileSync(`${out.path}/d.json`));
    assert.deepEqual(d.added.map((f: { id: string }) => f.id), ["kernel.sysctl.sysrq"]);
    assert.deepEqual(d.removed.map((f: { id: string }) => f.id), ["kernel.sysctl.dmesg_restrict"]);
    const md = await diffCommand([a, b, "--format", "md", "--output", `${out.path}/d.md`]);
    assert.ok(md.ok);
    const text = Deno.readTextFileSync(`${out.path}/d.md`);
    assert.match(text, /\*\*1 added, 1 removed, 0 changed\*\*/);
    assert.match(text, /\| low \| kernel_params \| `kernel\.sysctl\.sysrq` \|/);
  } finally {
    Deno.removeSync(a);
    Deno.removeSync(b);
  }
});

Deno.test("diff detects severity and risk movement on the same id", () => {
  const mk = (severity: string, risk: number) => ({
    results: [{ scanner: "s", findings: [{ id: "a", title: "A|b\nc", severity, risk_score: risk }] }],
  });
  const d = diffReports(mk("low", 30), mk("high", 75));
  assert.equal(d.changed.length, 1);
  assert.deepEqual(d.changed[0].severity, { old: "low", new: "high" });
  assert.match(diffMarkdown(d), /low → high \| 30 → 75/);
  assert.ok(!diffMarkdown(d).includes("A|b"), "pipes and newlines are neutralised in Markdown");
});

Deno.test("diff rejects what is not a report, with the file named", async () => {
  assert.equal(parseDiffable({ foo: 1 }, "x.json").ok, false);
  using t = makeTree({
    "bad.json": "{not json",
    "ok.json": '{"results":[]}',
    "weird.json": '{"results":[{"scanner":1}]}',
  });
  const r1 = await diffCommand([`${t.path}/bad.json`, `${t.path}/ok.json`]);
  assert.ok(!r1.ok && r1.error.exit === 2 && r1.error.message.includes("bad.json"));
  const r2 = await diffCommand([`${t.path}/ok.json`, `${t.path}/weird.json`]);
  assert.ok(!r2.ok && /weird\.json is not a sys-scan report/.test(r2.error.message));
  const r3 = await diffCommand([`${t.path}/ok.json`]);
  assert.ok(!r3.ok && /needs two reports/.test(r3.error.message));
  const r4 = await diffCommand([`${t.path}/ok.json`, `${t.path}/ok.json`, "--format", "xml"]);
  assert.ok(!r4.ok && /json or md/.test(r4.error.message));
});
