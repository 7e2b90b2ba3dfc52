/** Exit-code thresholds: --fail-on SEV and --fail-on-count N (either one trips exit 1). */
import type { Report } from "../core/report.ts";
import { atLeast } from "../core/severity.ts";
import type { Config } from "../core/config.ts";

/**
 * Why the threshold tripped, or undefined when it did not. Passed checks never count; scanner errors and timeouts
 * rank as `error`.
 */
export function thresholdTripped(report: Report, config: Config): string | undefined {
  const counted = report.results.flatMap((r) => r.findings).filter((f) => f.metadata.passed !== true);
  if (config.failOn) {
    const failOn = config.failOn;
    const hit = counted.find((f) => atLeast(f.severity, failOn));
    if (hit) return `finding ${hit.id} has severity ${hit.severity} (--fail-on ${failOn})`;
    if (report.scanner_errors.length > 0 && failOn !== undefined) {
      return `scanner ${report.scanner_errors[0].scanner} failed (counts as severity error for --fail-on)`;
    }
    // A scanner cut off at its budget did not check everything: never a clean result.
    const cut = report.results.find((r) => r.status === "timeout");
    if (cut) return `scanner ${cut.scanner} timed out (counts as severity error for --fail-on)`;
  }
  if (config.failOnCount !== undefined && counted.length >= config.failOnCount) {
    return `${counted.length} finding(s) reported (--fail-on-count ${config.failOnCount})`;
  }
  return undefined;
}
