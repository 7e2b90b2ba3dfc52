/**
 * Applies a rule set to findings. Every rule whose scope and condition match applies, in load order (built-in
 * pack, then rule files by name, then rules in file order): the last matching severity wins, MITRE ids and
 * tags are merged in order without duplicates, and any matching suppression takes the finding out (the
 * first suppressing rule is recorded).
 */
import type { Finding } from "../core/finding.ts";
import type { Stage, SuppressedFinding } from "../core/pipeline.ts";
import { BASE_SEVERITY_SCORE } from "../core/severity.ts";
import type { CompiledRule, RuleSet } from "./load.ts";

/** Most suppressed findings kept for `--show-suppressed`; the counts stay exact beyond it. */
export const MAX_LISTED_SUPPRESSED = 10_000;

/** Counts (and lists) what rules suppressed during one scan. */
export class SuppressionLog {
  #count = 0;
  readonly #byRule = new Map<string, { reason: string; count: number }>();
  readonly #items: SuppressedFinding[] = [];

  /** Records one suppressed finding. */
  record(f: Finding, rule: CompiledRule): void {
    this.#count++;
    const reason = rule.actions.suppress?.reason ?? "";
    const entry = this.#byRule.get(rule.id) ?? { reason, count: 0 };
    entry.count++;
    this.#byRule.set(rule.id, entry);
    if (this.#items.length < MAX_LISTED_SUPPRESSED) {
      this.#items.push({
        id: f.id,
        check_id: f.check_id,
        scanner: f.scanner,
        severity: f.severity,
        rule: rule.id,
        reason,
      });
    }
  }

  /** How many findings were suppressed. */
  get count(): number {
    return this.#count;
  }

  /**
   * The report form (`summary_extension.suppressed`): counts per rule always; the findings themselves only
   * when `list` (`--show-suppressed`). Sorted, so the output does not depend on scanner timing.
   */
  toJSON(list: boolean): SuppressedSummary {
    const byRule = [...this.#byRule.entries()]
      .map(([rule, v]) => ({ rule, reason: v.reason, count: v.count }))
      .sort((a, b) => a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
    const out: SuppressedSummary = { count: this.#count, by_rule: byRule };
    if (list) {
      out.findings = [...this.#items].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : a.rule < b.rule ? -1 : 1
      );
      if (this.#count > this.#items.length) out.findings_truncated = true;
    }
    return out;
  }
}

/** `summary_extension.suppressed`. */
export interface SuppressedSummary {
  count: number;
  by_rule: { rule: string; reason: string; count: number }[];
  findings?: SuppressedFinding[];
  findings_truncated?: boolean;
}

function mergeUnique(into: string[], add: readonly string[] | undefined): string[] {
  if (!add || add.length === 0) return into;
  const out = [...into];
  for (const x of add) if (!out.includes(x)) out.push(x);
  return out;
}

/** The outcome of applying rules to one finding. */
export interface RuleOutcome {
  finding: Finding;
  /** The first matching rule that suppresses the finding, when one does. */
  suppressedBy?: CompiledRule;
  /** Ids of every matching rule, in order. */
  matched: string[];
}

/**
 * Applies every matching rule to a finding (not mutated). A finding that records a passed check
 * (`metadata.passed`) keeps its info severity: rules never give a passed check a failing severity. When a rule
 * adds MITRE ids, `metadata.mitre_techniques` holds the whole list comma-joined (the upstream v2 contract).
 */
export function applyRules(rules: readonly CompiledRule[], input: Finding): RuleOutcome {
  let f = input;
  const matched: string[] = [];
  let suppressedBy: CompiledRule | undefined;
  let severityRule: CompiledRule | undefined;
  let addedMitre = false;
  for (const rule of rules) {
    if (!rule.inScanner(f.scanner) || !rule.inCheck(f.check_id) || !rule.when(f)) continue;
    matched.push(rule.id);
    const a = rule.actions;
    if (a.severity !== undefined && f.metadata.passed !== true) severityRule = rule;
    if (a.mitre) addedMitre = true;
    if (a.mitre || a.tags) {
      f = { ...f, mitre: mergeUnique(f.mitre, a.mitre), tags: mergeUnique(f.tags, a.tags) };
    }
    if (a.suppress && !suppressedBy) suppressedBy = rule;
  }
  const newSeverity = severityRule?.actions.severity;
  if (severityRule && newSeverity !== undefined && newSeverity !== input.severity) {
    f = {
      ...f,
      severity: newSeverity,
      base_severity_score: BASE_SEVERITY_SCORE[newSeverity],
      severity_source: "rule_engine",
      metadata: { ...f.metadata, original_severity: input.severity, severity_rule: severityRule.id },
    };
  }
  if (addedMitre && f.mitre.length > 0) {
    f = { ...f, metadata: { ...f.metadata, mitre_techniques: f.mitre.join(",") } };
  }
  return { finding: f, suppressedBy, matched };
}

/** A pipeline stage applying `set`; suppressed findings are recorded in `log` and taken out. */
export function rulesStage(set: RuleSet, log: SuppressionLog): Stage {
  const rules = set.rules;
  return (f) => {
    if (rules.length === 0) return f;
    const r = applyRules(rules, f);
    if (r.suppressedBy) {
      log.record(r.finding, r.suppressedBy);
      return null;
    }
    return r.finding;
  };
}

/** MITRE ids that rules without a condition add to every finding of a check (for taxonomies and docs). */
export function staticMitre(set: RuleSet, scanner: string, checkId: string): string[] {
  let out: string[] = [];
  for (const r of set.rules) {
    if (r.unconditional && r.inScanner(scanner) && r.inCheck(checkId)) {
      out = mergeUnique(out, r.actions.mitre);
    }
  }
  return out;
}
