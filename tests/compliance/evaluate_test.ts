import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import type { Finding } from "../../src/core/finding.ts";
import type { ScannerResult } from "../../src/core/report.ts";
import {
  complianceGaps,
  evaluateCompliance,
  expandPattern,
  FailureObserver,
} from "../../src/compliance/evaluate.ts";
import { refParts, type Standard } from "../../src/compliance/model.ts";
import { STANDARDS } from "../../src/compliance/standards/index.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { sampleFinding } from "../core/sample.ts";

const catalogue = new Catalogue(SCANNERS.flatMap((s) => s.checks));

function result(scanner: string, over: Partial<ScannerResult> = {}): ScannerResult {
  return {
    scanner,
    status: "ok",
    start_time: "",
    end_time: "",
    elapsed_ms: 0,
    finding_count: over.findings?.length ?? 0,
    findings: [],
    checks_passed: over.passed_check_ids?.length ?? 0,
    passed_check_ids: [],
    findings_below_min_severity: 0,
    ...over,
  };
}

function failing(checkId: string, subject = "x"): Finding {
  const check = catalogue.get(checkId)!;
  return sampleFinding({
    id: `${checkId}:${subject}`,
    check_id: checkId,
    scanner: check.scanner,
    severity: check.severity,
  });
}

/** A fake host where every scanner ran and every check passed (reported passes for the non-absence checks). */
function cleanHost(): ScannerResult[] {
  return SCANNERS.map((s) => result(s.name, { passed_check_ids: s.checks.map((c) => c.id) }));
}

function withFailure(results: ScannerResult[], f: Finding): ScannerResult[] {
  return results.map((r) =>
    r.scanner === f.scanner
      ? {
        ...r,
        findings: [...r.findings, f],
        passed_check_ids: r.passed_check_ids.filter((id) => id !== f.check_id),
      }
      : r
  );
}

function one(standard: Standard, controlId: string, results: ScannerResult[]) {
  const out = evaluateCompliance({ standards: [standard], catalogue, results });
  return out.controls.find((c) => c.control_id === controlId)!;
}

for (const standard of STANDARDS) {
  Deno.test(`compliance ${standard.id}: every control passes on a clean host and fails when one of its checks fails`, () => {
    for (const control of standard.controls) {
      const pass = one(standard, control.id, cleanHost());
      assert.equal(pass.status, "pass", `${control.id} on a clean host`);
      assert.equal(pass.severity, "info");
      assert.deepEqual(pass.evidence, []);
      assert.equal(pass.remediation, undefined);
      for (const ref of control.checks) {
        const id = expandPattern(refParts(ref).pattern, catalogue)[0];
        const f = failing(id);
        const fail = one(standard, control.id, withFailure(cleanHost(), f));
        assert.equal(fail.status, "fail", `${control.id} with ${id} failing`);
        assert.equal(fail.severity, control.severity);
        assert.deepEqual(fail.evidence, [f.id]);
        assert.equal(fail.remediation, control.remediation);
      }
    }
  });
}

const cis = STANDARDS.find((s) => s.id === "cis_linux")!;
const pci = STANDARDS.find((s) => s.id === "pci_dss_4_0")!;

Deno.test("compliance: a check whose scanner did not run, was skipped, failed or timed out is not_checked, never pass or fail", () => {
  const without = cleanHost().filter((r) => r.scanner !== "kernel_params");
  const missing = one(cis, "1.5.1", without);
  assert.equal(missing.status, "not_checked");
  assert.match(missing.checks[0].reason!, /scanner kernel_params did not run/);
  for (const status of ["skipped", "error", "timeout"] as const) {
    const results = cleanHost().map((r) =>
      r.scanner === "kernel_params" ? { ...r, status, reason: "why" } : r
    );
    const c = one(cis, "1.5.1", results);
    assert.equal(c.status, "not_checked", status);
    assert.equal(c.severity, "info");
    assert.match(c.checks[0].reason!, /why$/);
  }
});

Deno.test("compliance: a failure found before a scanner was cut short still fails the control", () => {
  const f = failing("kernel.sysctl.randomize_va_space", "");
  const results = withFailure(cleanHost(), f).map((r) =>
    r.scanner === "kernel_params" ? { ...r, status: "timeout" as const } : r
  );
  assert.equal(one(cis, "1.5.1", results).status, "fail");
});

Deno.test("compliance: fail outranks not_checked, which outranks pass, which outranks not_applicable", () => {
  const noPasses = cleanHost().map((r) => ({ ...r, passed_check_ids: [] }));
  assert.equal(one(cis, "1.1.3", noPasses).status, "not_applicable");
  const someNotChecked = cleanHost().map((r) =>
    r.scanner === "mounts" ? { ...r, status: "skipped" as const } : r
  );
  assert.equal(one(pci, "11.5.2", someNotChecked).status, "not_checked");
  const f = failing("module.unknown_origin");
  assert.equal(one(pci, "11.5.2", withFailure(someNotChecked, f)).status, "fail");
});

Deno.test("compliance: absent:'pass' checks pass on a clean run without reported passes; plain ones are not applicable", () => {
  const noPasses = cleanHost().map((r) => ({ ...r, passed_check_ids: [] }));
  const c = one(cis, "6.1.13", noPasses);
  assert.equal(c.status, "pass");
  assert.deepEqual(c.checks.map((x) => x.status), ["pass", "pass"]);
  assert.equal(one(cis, "1.5.1", noPasses).status, "not_applicable");
});

Deno.test("compliance: summary counts and score = passed / (passed + failed); null when nothing was decided", () => {
  const f = failing("mount.tmp.not_separate", "/tmp");
  const out = evaluateCompliance({ standards: [cis], catalogue, results: withFailure(cleanHost(), f) });
  const s = out.summary.cis_linux!;
  assert.equal(s.total_controls, cis.controls.length);
  assert.equal(s.failed, 1);
  assert.equal(s.passed, cis.controls.length - 1);
  assert.equal(s.score, Math.round(((cis.controls.length - 1) / cis.controls.length) * 1e6) / 1e6);
  assert.deepEqual(complianceGaps(out).map((c) => c.control_id), ["1.1.2.1"]);
  const none = evaluateCompliance({ standards: [cis], catalogue, results: [] });
  assert.equal(none.summary.cis_linux!.score, null);
  assert.equal(none.summary.cis_linux!.not_checked, cis.controls.length);
});

Deno.test("compliance: the observer sees failures the min-severity filter dropped from the report", () => {
  const observer = new FailureObserver();
  const stage = observer.stage();
  const f = failing("mount.tmp.nodev_missing", "/dev/shm");
  assert.equal(stage(f), f);
  stage({ ...failing("mount.tmp.noexec_missing", "/tmp"), metadata: { passed: true } });
  const c = one(cis, "1.1.2.2", cleanHost());
  assert.equal(c.status, "pass", "without the observer the report alone is used");
  const out = evaluateCompliance({ standards: [cis], catalogue, results: cleanHost(), observer });
  const byId = Object.fromEntries(out.controls.map((x) => [x.control_id, x]));
  assert.equal(byId["1.1.2.2"].status, "fail");
  assert.deepEqual(byId["1.1.2.2"].evidence, ["mount.tmp.nodev_missing:/dev/shm"]);
  assert.equal(byId["1.1.2.4"].status, "pass", "a passed finding is not a failure");
});

Deno.test("compliance: findings suppressed by a rule are listed as waivers and do not fail the control", () => {
  const results = cleanHost().map((r) => ({
    ...r,
    passed_check_ids: r.passed_check_ids.filter((id) => id !== "kernel.sysctl.ip_forward"),
  }));
  assert.equal(one(cis, "3.1.1", results).status, "not_applicable");
  const out = evaluateCompliance({
    standards: [cis],
    catalogue,
    results,
    suppressed: [{
      id: "kernel.sysctl.ip_forward",
      check_id: "kernel.sysctl.ip_forward",
      scanner: "kernel_params",
      severity: "info",
      rule: "router",
      reason: "this host routes",
    }],
  });
  const c = out.controls.find((x) => x.control_id === "3.1.1")!;
  assert.equal(c.status, "pass");
  assert.equal(c.checks[0].reason, "failures waived by suppression rules");
  assert.deepEqual(c.waived, [{
    finding: "kernel.sysctl.ip_forward",
    rule: "router",
    reason: "this host routes",
  }]);
});
