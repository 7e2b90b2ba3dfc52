import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import type { CheckInput } from "../../src/core/catalogue.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import { correlate } from "../../src/output/factpack.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { fixtureRoot, makeTree } from "../helpers.ts";
import { assertValid, validateFactPack, validateUpstreamV3 } from "./validate.ts";
import { needs } from "../host_caps.ts";
import type { Finding } from "../../src/core/finding.ts";

const checks: CheckInput[] = ["a", "b"].map((x) => ({
  id: `corr.test.${x}`,
  scanner: "corr",
  title: `check ${x}`,
  severity: "high",
  category: "ioc",
  rationale: "r",
  remediation: "r",
  mitre: ["T1059"],
}));

const corr: Scanner = {
  name: "corr",
  summary: "two checks on one file and one exe",
  slow: false,
  enabledByDefault: () => true,
  checks,
  async *run() {
    yield {
      check_id: "corr.test.a",
      subject: "/tmp/x",
      location: { path: "/tmp/x" },
      metadata: { exe: "/tmp/x" },
    };
    yield {
      check_id: "corr.test.b",
      subject: "/tmp/x",
      location: { path: "/tmp/x" },
      metadata: { exe: "/tmp/x" },
    };
    yield { check_id: "corr.test.b", subject: "/tmp/y", location: { path: "/tmp/y" } };
  },
};

/** A FactPack of the basic fixture host with the `corr` scanner's correlated findings. */
// deno-lint-ignore no-explicit-any
async function factpack(): Promise<any> {
  using t = makeTree({});
  const out = `${t.path}/fp.json`;
  const r = await scanCommand(
    [
      "--root",
      fixtureRoot("basic"),
      "--enable",
      "kernel_params,corr",
      "--hardening",
      "--format",
      "factpack",
      "--output",
      out,
    ],
    { scanners: [kernelParams, corr], stderr: () => {} },
  );
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return JSON.parse(Deno.readTextFileSync(out));
}

Deno.test(needs(["upstreamData"], {
  name: "--format factpack validates against the upstream v3 schema",
  fn: async () => assertValid(validateUpstreamV3, await factpack(), "factpack vs upstream v3"),
}));

Deno.test("--format factpack validates against our v3 schema, with correlations", async () => {
  const fp = await factpack();
  assertValid(validateFactPack, fp, "factpack");
  assert.equal(fp.finding_count, fp.findings.length);
  const byId = new Map(fp.findings.map((f: { id: string }) => [f.id, f]));
  const kp = byId.get("kernel.sysctl.randomize_va_space") as Record<string, unknown>;
  assert.equal(kp.category, "kernel_param");
  assert.equal(kp.baseline_status, "unknown");
  assert.equal(kp.severity_source, "raw");
  assert.deepEqual(fp.correlations.map((c: { id: string }) => c.id), [
    "corr.path:/tmp/x",
    "corr.process:/tmp/x",
  ]);
  const a = byId.get("corr.test.a:/tmp/x") as { correlation_refs: string[]; tags: string[] };
  assert.deepEqual(a.correlation_refs, ["corr.path:/tmp/x", "corr.process:/tmp/x"]);
  assert.ok(a.tags.includes("mitre:T1059"));
});

Deno.test("correlate needs two distinct checks and honours rule tags", () => {
  const f = (id: string, check: string, extra: Partial<Finding> = {}): Finding => ({
    id,
    check_id: check,
    scanner: "s",
    title: id,
    description: "",
    severity: "low",
    base_severity_score: 30,
    risk_score: 30,
    metadata: {},
    mitre: [],
    tags: [],
    ...extra,
  });
  assert.deepEqual(
    correlate([f("1", "x.y.a", { location: { path: "/p" } }), f("2", "x.y.a", { location: { path: "/p" } })]),
    [],
  );
  const c = correlate([
    f("1", "x.y.a", { tags: ["correlate:miner"] }),
    f("2", "x.y.b", { tags: ["correlate:miner"], severity: "critical" }),
  ]);
  assert.equal(c.length, 1);
  assert.equal(c[0].id, "corr.rule:miner");
  assert.equal(c[0].severity, "critical");
});
