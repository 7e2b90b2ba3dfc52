import assert from "node:assert/strict";
import fc from "fast-check";
import { Catalogue } from "../../src/core/catalogue.ts";
import type { Severity } from "../../src/core/severity.ts";
import { CRITICALITY_LEVELS } from "../../src/core/config.ts";
import { DEFAULT_RISK_MODEL, type RiskModel, RiskModelSchema } from "../../src/risk/model.ts";
import { riskScorer, riskStage } from "../../src/risk/score.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { sampleFinding } from "../core/sample.ts";

const RANKED: Severity[] = ["info", "low", "medium", "high", "critical"];

const arbSeverityPoints = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 6, maxLength: 6 }).map(
  (xs) => {
    const [a, b, c, d, e] = xs.slice(0, 5).sort((x, y) => x - y);
    return { info: a, low: b, medium: c, high: d, critical: e, error: xs[5] };
  },
);

const arbModel: fc.Arbitrary<RiskModel> = fc.record({
  severity: arbSeverityPoints,
  confidence: fc.record({
    certain: fc.double({ min: 0, max: 2, noNaN: true }),
    heuristic: fc.double({ min: 0, max: 2, noNaN: true }),
  }),
  basis: fc.record({
    signal: fc.double({ min: 0, max: 2, noNaN: true }),
    hardening: fc.double({ min: 0, max: 2, noNaN: true }),
  }),
  criticality: fc.record({
    low: fc.double({ min: 0, max: 2, noNaN: true }),
    medium: fc.double({ min: 0, max: 2, noNaN: true }),
    high: fc.double({ min: 0, max: 2, noNaN: true }),
    critical: fc.double({ min: 0, max: 2, noNaN: true }),
  }),
  factors: fc.constant(DEFAULT_RISK_MODEL.factors),
  host: fc.constant(DEFAULT_RISK_MODEL.host),
}).map((m) => RiskModelSchema.parse(m));

const arbFinding = fc.record({
  bindScope: fc.constantFrom("wildcard", "address", "loopback", undefined),
  inPath: fc.boolean(),
  path: fc.constantFrom("/boot/vmlinuz", "/tmp/x", "/etc/passwd", undefined),
});

function finding(sev: Severity, f: { bindScope?: string; inPath: boolean; path?: string }) {
  return sampleFinding({
    severity: sev,
    metadata: { ...(f.bindScope ? { bind_scope: f.bindScope } : {}), in_path: f.inPath },
    location: f.path ? { path: f.path } : undefined,
  });
}

Deno.test("risk: bounded integer 0-100 for any valid model, finding, confidence, basis and criticality", () => {
  fc.assert(fc.property(
    arbModel,
    arbFinding,
    fc.constantFrom(...RANKED, "error" as const),
    fc.constantFrom("certain" as const, "heuristic" as const),
    fc.constantFrom("signal" as const, "hardening" as const),
    fc.constantFrom(...CRITICALITY_LEVELS),
    (model, f, sev, conf, basis, crit) => {
      const s = riskScorer(model, crit).score(finding(sev, f), conf, basis).score;
      return Number.isInteger(s) && s >= 0 && s <= 100;
    },
  ));
});

Deno.test("risk: monotonic in severity (everything else fixed)", () => {
  fc.assert(fc.property(
    arbModel,
    arbFinding,
    fc.constantFrom("certain" as const, "heuristic" as const),
    fc.constantFrom("signal" as const, "hardening" as const),
    fc.constantFrom(...CRITICALITY_LEVELS),
    (model, f, conf, basis, crit) => {
      const scorer = riskScorer(model, crit);
      const scores = RANKED.map((sev) => scorer.score(finding(sev, f), conf, basis).score);
      return scores.every((s, i) => i === 0 || s >= scores[i - 1]);
    },
  ));
});

Deno.test("risk: deterministic (same input, same score and factors)", () => {
  fc.assert(fc.property(arbModel, arbFinding, fc.constantFrom(...RANKED), (model, f, sev) => {
    const a = riskScorer(model, "high").score(finding(sev, f), "certain");
    const b = riskScorer(model, "high").score(finding(sev, f), "certain");
    return JSON.stringify(a) === JSON.stringify(b);
  }));
});

Deno.test("risk: default model values, exposure and asset factors, confidence and criticality", () => {
  const s = riskScorer(DEFAULT_RISK_MODEL, "medium");
  assert.equal(
    s.score(sampleFinding({ severity: "high", metadata: {}, location: undefined }), "certain").score,
    75,
  );
  assert.equal(
    s.score(sampleFinding({ severity: "high", metadata: {}, location: undefined }), "heuristic").score,
    53,
  );
  const exposed = s.score(
    sampleFinding({
      severity: "high",
      metadata: { exposed: true, bind_scope: "wildcard" },
      location: undefined,
    }),
    "certain",
  );
  assert.deepEqual(exposed.factors, ["exposure.network_listener", "exposure.all_interfaces"]);
  assert.equal(exposed.score, 100);
  const boot = s.score(
    sampleFinding({ severity: "medium", metadata: {}, location: { path: "/boot/grub/grub.cfg" } }),
    "certain",
  );
  assert.deepEqual(boot, { score: 55, factors: ["asset.system_path"] });
  const critical = riskScorer(DEFAULT_RISK_MODEL, "critical");
  assert.equal(
    critical.score(sampleFinding({ severity: "medium", metadata: {}, location: undefined }), "certain").score,
    65,
  );
});

Deno.test("risk: a passed check scores 0", () => {
  const s = riskScorer(DEFAULT_RISK_MODEL, "critical");
  assert.equal(
    s.score(sampleFinding({ severity: "critical", metadata: { passed: true, exposed: true } }), "certain")
      .score,
    0,
  );
});

Deno.test("risk stage: uses the catalogue confidence and lists the factors that applied", () => {
  const catalogue = new Catalogue([
    ...mountsScanner.checks.filter((c) => c.id !== "mount.tmp.noexec_missing"),
    { ...mountsScanner.checks.find((c) => c.id === "mount.tmp.noexec_missing")!, confidence: "heuristic" },
  ]);
  const stage = riskStage(riskScorer(DEFAULT_RISK_MODEL, "medium"), catalogue);
  const out = stage(
    sampleFinding({ severity: "medium", metadata: { in_path: true }, location: { path: "/tmp" } }),
  )!;
  assert.equal(out.risk_score, Math.round(50 * 0.7 * 0.4 * 1.25), "heuristic, and a hardening gap");
  assert.deepEqual(out.metadata.risk_factors, ["exposure.writable_in_path"]);
  const plain = stage(
    sampleFinding({
      check_id: "mount.tmp.nodev_missing",
      severity: "low",
      metadata: {},
      location: undefined,
    }),
  )!;
  assert.equal(plain.risk_score, 10, "a low hardening gap weighs 0.4 of the same finding as signal");
  assert.equal(plain.metadata.risk_factors, undefined);
  const ruled = stage(
    sampleFinding({
      check_id: "mount.tmp.nodev_missing",
      severity: "high",
      severity_source: "rule_engine",
      metadata: {},
      location: undefined,
    }),
  )!;
  assert.equal(ruled.risk_score, 75, "a severity a site rule set counts in full");
  const signal = stage(
    sampleFinding({ check_id: "mount.options.lost", severity: "low", metadata: {}, location: undefined }),
  )!;
  assert.equal(signal.risk_score, 25);
});

Deno.test("risk: a world-writable program on the standard PATH gets the writable-in-PATH exposure", () => {
  const s = riskScorer(DEFAULT_RISK_MODEL, "medium");
  const onPath = s.score(
    sampleFinding({
      check_id: "fs.world_writable.file",
      severity: "medium",
      metadata: {},
      location: { path: "/usr/local/bin/backup" },
    }),
    "certain",
  );
  assert.deepEqual(onPath.factors, ["exposure.writable_in_path"]);
  const elsewhere = s.score(
    sampleFinding({
      check_id: "fs.world_writable.file",
      severity: "medium",
      metadata: {},
      location: { path: "/opt/app/data" },
    }),
    "certain",
  );
  assert.deepEqual(elsewhere.factors, []);
  assert.ok(onPath.score > elsewhere.score);
});
