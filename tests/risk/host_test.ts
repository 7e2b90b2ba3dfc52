import assert from "node:assert/strict";
import fc from "fast-check";
import { hostRisk, hostScore } from "../../src/risk/host.ts";
import { severityForScore as hostLevel } from "../../src/core/severity.ts";
import { DEFAULT_RISK_MODEL } from "../../src/risk/model.ts";
import { riskScorer } from "../../src/risk/score.ts";
import type { Severity } from "../../src/core/severity.ts";
import { sampleFinding } from "../core/sample.ts";

const H = DEFAULT_RISK_MODEL.host;
const scores = fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 300 });

Deno.test("host score: bounded 0-100, never below the worst finding", () => {
  fc.assert(fc.property(scores, (xs) => {
    const s = hostScore(xs, H);
    return s >= 0 && s <= 100 && s >= Math.max(0, ...xs);
  }));
});

Deno.test("host score: adding a finding never lowers it", () => {
  fc.assert(
    fc.property(
      scores,
      fc.integer({ min: 0, max: 100 }),
      (xs, x) => hostScore([...xs, x], H) >= hostScore(xs, H),
    ),
  );
});

Deno.test("host score: deterministic and independent of finding order", () => {
  fc.assert(fc.property(scores, (xs) => hostScore(xs, H) === hostScore([...xs].reverse(), H)));
});

Deno.test("host score: any number of info (or low) findings never outweighs a single critical", () => {
  const scorer = riskScorer(DEFAULT_RISK_MODEL, "critical");
  const worst = (sev: Severity) =>
    scorer.score(
      sampleFinding({
        severity: sev,
        metadata: { exposed: true, bind_scope: "wildcard", in_path: true },
        location: { path: "/etc/x" },
      }),
      "certain",
    ).score;
  const lowest = (sev: Severity) =>
    riskScorer(DEFAULT_RISK_MODEL, "low").score(
      sampleFinding({ severity: sev, metadata: {}, location: undefined }),
      "heuristic",
    ).score;
  const oneCritical = hostScore([lowest("critical")], H);
  assert.ok(hostScore(Array(1000).fill(worst("info")), H) < oneCritical);
  assert.ok(hostScore(Array(100_000).fill(worst("info")), H) < oneCritical);
  assert.ok(hostScore(Array(1000).fill(lowest("low")), H) < oneCritical);
});

Deno.test("host risk summary: level, distribution, top contributors, passed checks left out", () => {
  const findings = [
    sampleFinding({ id: "a", severity: "critical", risk_score: 95 }),
    sampleFinding({ id: "b", severity: "low", risk_score: 25 }),
    sampleFinding({ id: "c", severity: "low", risk_score: 25 }),
    sampleFinding({ id: "p", severity: "info", risk_score: 0, metadata: { passed: true } }),
    ...Array.from({ length: 10 }, (_, i) => sampleFinding({ id: `i${i}`, severity: "info", risk_score: 5 })),
  ];
  const r = hostRisk(findings, DEFAULT_RISK_MODEL);
  assert.equal(r.score, hostScore([95, 25, 25, ...Array(10).fill(5)], H));
  assert.equal(r.level, "critical");
  assert.deepEqual(r.distribution, { info: 10, low: 2, critical: 1 });
  assert.equal(r.counted, 13);
  assert.deepEqual(r.top.map((t) => t.id), ["a", "b", "c", "i0", "i1"]);
  assert.deepEqual(hostRisk([], DEFAULT_RISK_MODEL).score, 0);
  assert.equal(hostLevel(0), "info");
  assert.equal(hostLevel(69), "medium");
});
