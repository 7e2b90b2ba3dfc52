import assert from "node:assert/strict";
import { ExitCode } from "../../src/core/result.ts";
import { DEFAULT_RISK_MODEL, loadRiskModel, parseRiskOverride } from "../../src/risk/model.ts";
import { checkInputFiles } from "../../src/cli/inputs.ts";
import { makeTree, testConfig } from "../helpers.ts";

Deno.test("risk model: the default data file validates and is what no --risk-weights gives", async () => {
  const r = await loadRiskModel(undefined);
  assert.ok(r.ok);
  assert.equal(r.value, DEFAULT_RISK_MODEL);
  assert.equal(DEFAULT_RISK_MODEL.severity.critical, 95);
});

Deno.test("risk model: an override changes only what it names; factors replace the list", async () => {
  const r = await parseRiskOverride(
    `// ours\n{ "severity": { "info": 0 }, "confidence": { "heuristic": 0.5 }, "factors": [] }`,
    "w.jsonc",
  );
  assert.ok(r.ok, !r.ok ? r.error.message : "");
  assert.equal(r.value.severity.info, 0);
  assert.equal(r.value.severity.high, DEFAULT_RISK_MODEL.severity.high);
  assert.equal(r.value.confidence.heuristic, 0.5);
  assert.deepEqual(r.value.factors, []);
  assert.deepEqual(r.value.host, DEFAULT_RISK_MODEL.host);
});

Deno.test("risk model: bad overrides are usage errors naming the file and the key", async () => {
  const bad = async (text: string) => {
    const r = await parseRiskOverride(text, "w.jsonc");
    assert.ok(!r.ok);
    assert.equal(r.error.exit, ExitCode.Usage);
    return r.error.message;
  };
  assert.match(
    await bad(`{ "severity": { "low": 99 } }`),
    /^w\.jsonc: severity: severity points must not decrease/,
  );
  assert.match(await bad(`{ "confidence": { "certain": 5 } }`), /confidence\.certain/);
  assert.match(await bad(`{ "weights": 1 }`), /^w\.jsonc: /);
  assert.match(
    await bad(
      `{ "factors": [{ "id": "x", "kind": "exposure", "weight": 0.1, "description": "d", "when": { "field": "nope", "op": "exists" } }] }`,
    ),
    /factors\.0\.when\.field/,
  );
  assert.match(await bad(`{ "severity": `), /^w\.jsonc:1:\d+: invalid JSONC/);
  assert.match(await bad(``), /invalid JSONC/);
});

Deno.test("risk model: --risk-weights FILE is read with a size cap; a missing file is a usage error", async () => {
  using t = makeTree({ "w.jsonc": `{ "criticality": { "high": 1.5 } }` });
  const read = (path: string) => checkInputFiles(testConfig({ riskWeights: path }), () => undefined);
  const weights = read(`${t.path}/w.jsonc`);
  assert.ok(weights.ok);
  const r = await loadRiskModel(weights.value.riskWeights);
  assert.ok(r.ok);
  assert.equal(r.value.criticality.high, 1.5);
  const missing = read(`${t.path}/nope.jsonc`);
  assert.ok(!missing.ok);
  assert.match(missing.error.message, /--risk-weights .*cannot read it/);
  const dir = read(t.path);
  assert.ok(!dir.ok);
  assert.match(dir.error.message, /not a regular file/);
});
