/**
 * What rules, risk, compliance and plugins add to a scan, behind one small interface for the scan command:
 * `prepareEnrichment` before the run (load and validate everything; errors carry exit codes 2 or 3), then
 * `stages` for the pipeline, `plugins` as extra scanners, and `finish` to add the report keys.
 */
import type { Config } from "../core/config.ts";
import type { Catalogue } from "../core/catalogue.ts";
import type { Stage } from "../core/pipeline.ts";
import { type Report, ReportSchema } from "../core/report.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { Scanner } from "../core/scanner.ts";
import { complianceGaps, evaluateCompliance, FailureObserver } from "../compliance/evaluate.ts";
import { STANDARDS } from "../compliance/standards/index.ts";
import { TaxonomyIndex } from "../compliance/taxonomy.ts";
import { discoverPlugins, pluginScanner } from "../plugins/plugin_scanner.ts";
import { hostRisk } from "../risk/host.ts";
import { loadRiskModel, type RiskModel } from "../risk/model.ts";
import { riskScorer, riskStage } from "../risk/score.ts";
import { rulesStage, SuppressionLog } from "./engine.ts";
import { loadRules, NO_RULES, type RuleSet } from "./load.ts";
import { formatProblem } from "./model.ts";

/** A collection warning this area adds to the report (rule loading, plugin discovery). */
export interface EnrichmentWarning {
  scanner: "rules" | "plugins";
  code: string;
  detail: string;
}

/** Everything prepared before the scan. */
export interface Enrichment {
  rules: RuleSet;
  risk: RiskModel;
  plugins: Scanner[];
  warnings: EnrichmentWarning[];
  /** The pipeline stages, in order: rules → risk → compliance observer. */
  stages(catalogue: Catalogue): Stage[];
  /** Adds suppression, host risk, taxonomies, compliance and rule-load keys to a built report (validated again). */
  finish(report: Report, catalogue: Catalogue): Report;
  /** The taxonomy index (MITRE, PCI, HIPAA, NIST, CIS) for writers such as SARIF. */
  taxonomies(catalogue: Catalogue): TaxonomyIndex;
}

/** True when the config asks for compliance evaluation. */
export function complianceWanted(c: Config): boolean {
  return c.compliance || c.complianceStandards.length > 0 || c.complianceGaps;
}

/** Checks flag combinations this area owns (exit 2 with a clear fix). */
export function checkRuleFlags(c: Config): Result<void> {
  if (c.rulesDir !== undefined && !c.rulesEnable) {
    return fail(ExitCode.Usage, "--rules-dir has no effect without --rules-enable; add --rules-enable");
  }
  if (c.rulesEnable && c.rulesDir === undefined && c.yaraRules === undefined) {
    return fail(ExitCode.Usage, "--rules-enable needs --rules-dir DIR (the directory of rule files)");
  }
  return ok(undefined);
}

/**
 * Loads rules (built-in pack unless `--no-builtin-rules`; `--rules-dir` with `--rules-enable`), the risk
 * model (`--risk-weights`) and plugins (`--plugin-dir`). Rule and directory problems are exit 3.
 */
export function prepareEnrichment(config: Config): Result<Enrichment> {
  const flags = checkRuleFlags(config);
  if (!flags.ok) return flags;
  const wantDir = config.rulesEnable && config.rulesDir !== undefined;
  const loaded = !config.noBuiltinRules || wantDir
    ? loadRules({
      builtin: !config.noBuiltinRules,
      dir: wantDir ? config.rulesDir : undefined,
      allowLegacy: config.rulesAllowLegacy,
      insecureOk: config.rulesInsecureOk,
    })
    : ok(NO_RULES);
  if (!loaded.ok) return loaded;
  const rules = loaded.value;
  const model = loadRiskModel(config.riskWeights);
  if (!model.ok) return model;
  const warnings: EnrichmentWarning[] = rules.warnings.map((w) => ({
    scanner: "rules",
    code: w.code,
    detail: formatProblem(w),
  }));
  const plugins: Scanner[] = [];
  if (config.pluginDir !== undefined) {
    const found = discoverPlugins(config.pluginDir, config.rulesInsecureOk);
    if (!found.ok) return found;
    for (const w of found.value.warnings) {
      warnings.push({ scanner: "plugins", code: "plugin_dir", detail: w });
    }
    for (const p of found.value.plugins) {
      plugins.push(pluginScanner(p, { timeoutMs: config.pluginTimeout * 1000 }));
    }
  }
  const log = new SuppressionLog();
  const observer = new FailureObserver();
  const scorer = riskScorer(model.value, config.assetCriticality);
  const taxonomies = (catalogue: Catalogue) => new TaxonomyIndex(catalogue, STANDARDS, rules);
  return ok({
    rules,
    risk: model.value,
    plugins,
    warnings,
    taxonomies,
    stages: (catalogue) => [rulesStage(rules, log), riskStage(scorer, catalogue), observer.stage()],
    finish(report, catalogue) {
      const findings = report.results.flatMap((r) => r.findings);
      const suppressed = log.toJSON(config.showSuppressed);
      const ext: Record<string, unknown> = {
        ...report.summary_extension,
        host_risk: hostRisk(findings, model.value),
        suppressed,
        taxonomies: taxonomies(catalogue).refsFor(findings.map((f) => f.check_id)),
      };
      if (complianceWanted(config)) {
        const chosen = config.complianceStandards.length > 0
          ? STANDARDS.filter((s) => config.complianceStandards.includes(s.id))
          : STANDARDS;
        const outcome = evaluateCompliance({
          standards: chosen,
          catalogue,
          results: report.results,
          observer,
          suppressed: log.toJSON(true).findings,
        });
        ext.compliance_summary = outcome.summary;
        ext.compliance = outcome.controls;
        if (config.complianceGaps) ext.compliance_gaps = complianceGaps(outcome);
      }
      const meta = {
        ...report.meta,
        rules: {
          builtin: !config.noBuiltinRules,
          rule_count: rules.rules.length,
          sources: rules.sources,
          warnings: rules.warnings.map(formatProblem),
        },
        risk_model: { asset_criticality: config.assetCriticality, custom: config.riskWeights !== undefined },
        ...(plugins.length > 0
          ? { plugins: plugins.map((p) => ({ scanner: p.name, summary: p.summary })) }
          : {}),
      };
      const collection = [
        ...warnings.map((w) => ({ scanner: w.scanner, code: w.code, detail: w.detail })),
        ...report.collection_warnings,
      ];
      return ReportSchema.parse({ ...report, meta, summary_extension: ext, collection_warnings: collection });
    },
  });
}
