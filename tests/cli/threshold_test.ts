/**
 * --fail-on: a finding at or above the severity trips it, and so does a scanner that could not finish — an
 * error, or a timeout (a scanner cut off at its budget checked only part of the host, which is never clean).
 */
import assert from "node:assert/strict";
import { thresholdTripped } from "../../src/cli/threshold.ts";
import type { Config } from "../../src/core/config.ts";
import type { Report } from "../../src/core/report.ts";

const report = (statuses: string[], errors: string[] = []) =>
  ({
    results: statuses.map((status, i) => ({ scanner: `s${i}`, status, findings: [] })),
    scanner_errors: errors.map((scanner) => ({ scanner, message: "failed" })),
  }) as unknown as Report;
const failOn = { failOn: "critical" } as Config;

Deno.test("--fail-on: a timed-out scanner trips it like a failed one; finished scanners without findings do not", () => {
  assert.equal(thresholdTripped(report(["ok", "skipped"]), failOn), undefined);
  assert.match(thresholdTripped(report(["ok", "timeout"]), failOn) ?? "", /scanner s1 timed out/);
  assert.match(thresholdTripped(report(["error"], ["s0"]), failOn) ?? "", /scanner s0 failed/);
  assert.equal(
    thresholdTripped(report(["timeout"]), {} as Config),
    undefined,
    "without --fail-on: no threshold",
  );
});
