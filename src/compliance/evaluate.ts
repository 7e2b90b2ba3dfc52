/**
 * Evaluates controls from what the scan saw. Per check: fail when a failing finding exists (before the
 * min-severity filter), pass when the scanner reported it passed (or, for `absent: "pass"` checks, ran cleanly
 * without reporting it), not_checked when its scanner did not run, was skipped, failed or was cut short, or
 * when it is a hardening check in a scan without --hardening, and not_applicable otherwise. A control fails
 * when any check fails; else it is not_checked when any check could not run; else it passes when any check
 * passed; else it is not applicable.
 */
import type { Catalogue } from "../core/catalogue.ts";
import type { Finding } from "../core/finding.ts";
import type { Stage, SuppressedFinding } from "../core/pipeline.ts";
import type { ScannerResult } from "../core/report.ts";
import type { Severity } from "../core/severity.ts";
import { compilePatterns } from "../core/match.ts";
import type { StandardId } from "../core/config.ts";
import { type Control, refParts, type Standard } from "./model.ts";

/** The four control states (OpenSCAP-like: could not check is never pass or fail). */
export type ControlStatus = "pass" | "fail" | "not_applicable" | "not_checked";

/** Collects every failing finding's id by check id, before the min-severity filter (a pipeline stage). */
export class FailureObserver {
  readonly #byCheck = new Map<string, Set<string>>();

  /** The stage; put it after the rules and risk stages. It never changes or drops a finding. */
  stage(): Stage {
    return (f: Finding) => {
      if (f.metadata.passed !== true) {
        const set = this.#byCheck.get(f.check_id) ?? new Set<string>();
        set.add(f.id);
        this.#byCheck.set(f.check_id, set);
      }
      return f;
    };
  }

  /** Failing finding ids of a check, sorted. */
  failures(checkId: string): string[] {
    return [...(this.#byCheck.get(checkId) ?? [])].sort();
  }
}

/** One check's outcome within a control. */
export interface CheckOutcome {
  check_id: string;
  status: ControlStatus;
  reason?: string;
}

/** A finding waived by a suppression rule (listed, does not fail the control). */
export interface Waiver {
  finding: string;
  rule: string;
  reason: string;
}

/** One control's result. */
export interface ControlResult {
  standard: StandardId;
  control_id: string;
  title: string;
  status: ControlStatus;
  /** The control's severity when it failed; info otherwise (a passed control never carries a failing severity). */
  severity: Severity;
  requirement: string;
  evidence: string[];
  waived?: Waiver[];
  checks: CheckOutcome[];
  /** What to do; present on failed controls. */
  remediation?: string;
}

/** Per-standard counts; `score` = passed / (passed + failed), null when nothing was decided. */
export interface StandardSummary {
  name: string;
  version: string;
  total_controls: number;
  passed: number;
  failed: number;
  not_applicable: number;
  not_checked: number;
  score: number | null;
}

/** The whole evaluation. */
export interface ComplianceOutcome {
  summary: Partial<Record<StandardId, StandardSummary>>;
  controls: ControlResult[];
}

/** Inputs of the evaluation. */
export interface ComplianceInput {
  standards: readonly Standard[];
  catalogue: Catalogue;
  results: readonly ScannerResult[];
  /** Failures seen before the min-severity filter; without it, the reported findings are used. */
  observer?: FailureObserver;
  /** Findings taken out by suppression rules (they become waivers). */
  suppressed?: readonly SuppressedFinding[];
  /**
   * Whether the scan ran with `--hardening`; when false, checks the catalogue marks `hardening` are not checked
   * (their scanner runs without emitting them). Undefined: every check is taken as evaluated.
   */
  hardening?: boolean;
}

/** The catalogue check ids a reference pattern covers, sorted. */
export function expandPattern(pattern: string, catalogue: Catalogue): string[] {
  const test = compilePatterns([pattern]);
  return catalogue.all().map((c) => c.id).filter(test);
}

function checkOutcome(
  checkId: string,
  absent: "pass" | "not_applicable",
  input: ComplianceInput,
  failures: (id: string) => string[],
): { outcome: CheckOutcome; evidence: string[] } {
  const evidence = failures(checkId);
  if (evidence.length > 0) return { outcome: { check_id: checkId, status: "fail" }, evidence };
  const check = input.catalogue.get(checkId);
  const scanner = check?.scanner ?? "";
  const r = input.results.find((x) => x.scanner === scanner);
  if (check?.hardening && input.hardening === false) {
    return {
      outcome: {
        check_id: checkId,
        status: "not_checked",
        reason: `${checkId} is a hardening check: it runs with --hardening`,
      },
      evidence,
    };
  }
  if (!r) {
    return {
      outcome: {
        check_id: checkId,
        status: "not_checked",
        reason: `scanner ${scanner} did not run (not selected; see --enable, --hardening, --containers)`,
      },
      evidence,
    };
  }
  if (r.status !== "ok") {
    const why = r.status === "skipped" ? "was skipped" : r.status === "timeout" ? "was cut short" : "failed";
    return {
      outcome: {
        check_id: checkId,
        status: "not_checked",
        reason: `scanner ${scanner} ${why}${r.reason ? `: ${r.reason}` : ""}`,
      },
      evidence,
    };
  }
  if (r.passed_check_ids.includes(checkId)) {
    return { outcome: { check_id: checkId, status: "pass" }, evidence };
  }
  if (input.suppressed?.some((s) => s.check_id === checkId)) {
    return {
      outcome: { check_id: checkId, status: "pass", reason: "failures waived by suppression rules" },
      evidence,
    };
  }
  return { outcome: { check_id: checkId, status: absent }, evidence };
}

function combine(statuses: ControlStatus[]): ControlStatus {
  if (statuses.includes("fail")) return "fail";
  if (statuses.includes("not_checked")) return "not_checked";
  if (statuses.includes("pass")) return "pass";
  return "not_applicable";
}

function failureLookup(input: ComplianceInput): (checkId: string) => string[] {
  if (input.observer) return (id) => input.observer!.failures(id);
  const byCheck = new Map<string, string[]>();
  for (const r of input.results) {
    for (const f of r.findings) {
      if (f.metadata.passed !== true) byCheck.set(f.check_id, [...(byCheck.get(f.check_id) ?? []), f.id]);
    }
  }
  return (id) => [...(byCheck.get(id) ?? [])].sort();
}

function evaluateControl(
  standard: Standard,
  control: Control,
  input: ComplianceInput,
  failures: (checkId: string) => string[],
): ControlResult {
  const checks: CheckOutcome[] = [];
  const evidence: string[] = [];
  const seen = new Set<string>();
  for (const ref of control.checks) {
    const { pattern, absent } = refParts(ref);
    for (const id of expandPattern(pattern, input.catalogue)) {
      if (seen.has(id)) continue;
      seen.add(id);
      const r = checkOutcome(id, absent, input, failures);
      checks.push(r.outcome);
      evidence.push(...r.evidence);
    }
  }
  const covered = compilePatterns([...seen]);
  const waived = (input.suppressed ?? []).filter((s) => covered(s.check_id))
    .map((s) => ({ finding: s.id, rule: s.rule, reason: s.reason }));
  const status = combine(checks.map((c) => c.status));
  return {
    standard: standard.id,
    control_id: control.id,
    title: control.title,
    status,
    severity: status === "fail" ? control.severity : "info",
    requirement: control.requirement,
    evidence: [...new Set(evidence)].sort(),
    ...(waived.length > 0 ? { waived } : {}),
    checks,
    ...(status === "fail" ? { remediation: control.remediation } : {}),
  };
}

/** Evaluates every control of the given standards. */
export function evaluateCompliance(input: ComplianceInput): ComplianceOutcome {
  const controls: ControlResult[] = [];
  const summary: ComplianceOutcome["summary"] = {};
  const failures = failureLookup(input);
  for (const std of input.standards) {
    const results = std.controls.map((c) => evaluateControl(std, c, input, failures));
    controls.push(...results);
    const count = (s: ControlStatus) => results.filter((r) => r.status === s).length;
    const passed = count("pass");
    const failed = count("fail");
    summary[std.id] = {
      name: std.name,
      version: std.version,
      total_controls: results.length,
      passed,
      failed,
      not_applicable: count("not_applicable"),
      not_checked: count("not_checked"),
      score: passed + failed === 0 ? null : Math.round((passed / (passed + failed)) * 1e6) / 1e6,
    };
  }
  return { summary, controls };
}

/** The failed controls with their remediation (`--compliance-gaps`). */
export function complianceGaps(outcome: ComplianceOutcome): ControlResult[] {
  return outcome.controls.filter((c) => c.status === "fail");
}
