import assert from "node:assert/strict";
import { process as runPipeline } from "../../src/core/pipeline.ts";
import { Catalogue } from "../../src/core/catalogue.ts";
import { applyRules, rulesStage, staticMitre, SuppressionLog } from "../../src/rules/engine.ts";
import { type RuleSet, ruleSetFromTexts, type RuleText } from "../../src/rules/load.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { sampleFinding } from "../core/sample.ts";

async function rules(...files: [string, unknown[]][]): Promise<RuleSet> {
  const texts: RuleText[] = files.map(([file, list]) => ({
    file,
    text: JSON.stringify({ version: 1, rules: list }),
    builtin: false,
  }));
  const r = await ruleSetFromTexts(texts, false);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const onTmp = { field: "metadata.mount", op: "equals", value: "/tmp" };

Deno.test("precedence: every matching rule applies in file then rule order; the last severity wins", async () => {
  const set = await rules(
    ["a.jsonc", [
      { id: "a1", when: onTmp, actions: { severity: "low" } },
      { id: "a2", when: onTmp, actions: { severity: "critical" } },
    ]],
    ["b.jsonc", [{ id: "b1", scope: { scanners: ["mounts"] }, actions: { severity: "high" } }]],
  );
  const r = applyRules(set.rules, sampleFinding());
  assert.deepEqual(r.matched, ["a1", "a2", "b1"]);
  assert.equal(r.finding.severity, "high");
  assert.equal(r.finding.severity_source, "rule_engine");
  assert.equal(r.finding.base_severity_score, 70);
  assert.equal(r.finding.metadata.original_severity, "medium");
  assert.equal(r.finding.metadata.severity_rule, "b1");
});

Deno.test("a rule that sets the severity the finding already has changes nothing (source stays raw)", async () => {
  const set = await rules(["a.jsonc", [{ id: "same", actions: { severity: "medium" } }]]);
  const r = applyRules(set.rules, sampleFinding());
  assert.equal(r.finding.severity_source, "raw");
  assert.equal(r.finding.metadata.severity_rule, undefined);
});

Deno.test("scope by scanner and by check id; out-of-scope rules do nothing", async () => {
  const set = await rules(["a.jsonc", [
    { id: "other-scanner", scope: { scanners: ["suid_sgid"] }, actions: { severity: "critical" } },
    { id: "other-check", scope: { checks: ["mount.tmp.nodev_*"] }, actions: { severity: "critical" } },
    { id: "this-check", scope: { checks: ["mount.tmp.noexec_missing"] }, actions: { tags: ["hit"] } },
  ]]);
  const r = applyRules(set.rules, sampleFinding());
  assert.deepEqual(r.matched, ["this-check"]);
  assert.equal(r.finding.severity, "medium");
  assert.deepEqual(r.finding.tags, ["fs", "hit"]);
});

Deno.test("MITRE ids and tags merge in order without duplicates", async () => {
  const set = await rules(
    ["a.jsonc", [{ id: "m1", actions: { mitre: ["T1059", "T1105", "T1105"], tags: ["fs", "x"] } }]],
    ["b.jsonc", [{ id: "m2", actions: { mitre: ["T1548.001", "T1059"], tags: ["x", "y"] } }]],
  );
  const r = applyRules(set.rules, sampleFinding({ mitre: ["T1059"] }));
  assert.deepEqual(r.finding.mitre, ["T1059", "T1105", "T1548.001"]);
  assert.deepEqual(r.finding.tags, ["fs", "x", "y"]);
  assert.equal(r.finding.metadata.mitre_techniques, "T1059,T1105,T1548.001", "upstream v2 metadata key");
  const tagsOnly = await rules(["c.jsonc", [{ id: "t", actions: { tags: ["z"] } }]]);
  assert.equal(applyRules(tagsOnly.rules, sampleFinding()).finding.metadata.mitre_techniques, undefined);
});

Deno.test("the input finding is never mutated", async () => {
  const set = await rules(["a.jsonc", [{
    id: "s",
    actions: { severity: "high", mitre: ["T1105"], tags: ["t"] },
  }]]);
  const f = sampleFinding();
  const before = structuredClone(f);
  applyRules(set.rules, f);
  assert.deepEqual(f, before);
});

Deno.test("a passed check keeps its info severity; rules never give it a failing one", async () => {
  const set = await rules(["a.jsonc", [{ id: "up", actions: { severity: "critical", tags: ["t"] } }]]);
  const r = applyRules(set.rules, sampleFinding({ severity: "info", metadata: { passed: true } }));
  assert.equal(r.finding.severity, "info");
  assert.deepEqual(r.finding.tags, ["fs", "t"]);
});

Deno.test("suppression: counted per rule, listed only with --show-suppressed, first suppressing rule recorded", async () => {
  const set = await rules(["a.jsonc", [
    { id: "hide-tmp", when: onTmp, actions: { suppress: { reason: "tmpfs is fine here" } } },
    { id: "hide-all", actions: { suppress: { reason: "later rule" } } },
  ]]);
  const log = new SuppressionLog();
  const stage = rulesStage(set, log);
  assert.equal(stage(sampleFinding()), null);
  assert.equal(
    stage(sampleFinding({ id: "mount.tmp.noexec_missing:/var/tmp", metadata: { mount: "/var/tmp" } })),
    null,
  );
  assert.equal(stage(sampleFinding({ id: "b:/x", metadata: { mount: "/x" } })), null);
  assert.equal(log.count, 3);
  const counts = log.toJSON(false);
  assert.deepEqual(counts, {
    count: 3,
    by_rule: [
      { rule: "hide-all", reason: "later rule", count: 2 },
      { rule: "hide-tmp", reason: "tmpfs is fine here", count: 1 },
    ],
  });
  const listed = log.toJSON(true);
  assert.deepEqual(listed.findings?.map((x) => [x.id, x.rule]), [
    ["b:/x", "hide-all"],
    ["mount.tmp.noexec_missing:/tmp", "hide-tmp"],
    ["mount.tmp.noexec_missing:/var/tmp", "hide-all"],
  ]);
});

Deno.test("in the pipeline a rule can lift a finding above --min-severity or push it below", async () => {
  const catalogue = new Catalogue(mountsScanner.checks);
  const set = await rules(["a.jsonc", [
    { id: "lift", scope: { checks: ["mount.tmp.nodev_missing"] }, actions: { severity: "high" } },
    { id: "drop", scope: { checks: ["mount.tmp.noexec_missing"] }, actions: { severity: "info" } },
  ]]);
  const opts = {
    catalogue,
    stages: [rulesStage(set, new SuppressionLog())],
    minSeverity: "medium" as const,
    includePassed: false,
  };
  const lifted = runPipeline({ check_id: "mount.tmp.nodev_missing", subject: "/tmp" }, "mounts", opts);
  assert.equal(lifted.kind, "emitted");
  const dropped = runPipeline({ check_id: "mount.tmp.noexec_missing", subject: "/tmp" }, "mounts", opts);
  assert.equal(dropped.kind, "dropped");
});

Deno.test("staticMitre lists what unconditional rules add to a check; conditional rules are left out", async () => {
  const set = await rules(["a.jsonc", [
    { id: "static", scope: { checks: ["mount.tmp.*"] }, actions: { mitre: ["T1105"] } },
    { id: "cond", when: onTmp, actions: { mitre: ["T1222"] } },
  ]]);
  assert.deepEqual(staticMitre(set, "mounts", "mount.tmp.noexec_missing"), ["T1105"]);
  assert.deepEqual(staticMitre(set, "mounts", "mount.readonly.remounted_rw"), []);
});
