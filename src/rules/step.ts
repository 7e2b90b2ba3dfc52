/**
 * The rules step of the finding pipeline: loads the rule set a config asks for (the built-in pack unless
 * `--no-builtin-rules`, `--rules-dir` with `--rules-enable`), applies it to every finding, and adds
 * `summary_extension.suppressed` and `meta.rules` to the report.
 */
import type { Config } from "../core/config.ts";
import type { PipelineStep } from "../core/pipeline.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { rulesStage, staticMitre, SuppressionLog } from "./engine.ts";
import { loadRules, NO_RULES, type RuleSet } from "./load.ts";
import { formatProblem } from "./model.ts";

/** The rules step, with the rule set it applies. */
export interface RulesStep extends PipelineStep {
  readonly rules: RuleSet;
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

/** Loads the rules a config asks for into a pipeline step. Flag problems are exit 2, rule problems exit 3. */
export async function rulesStep(config: Config): Promise<Result<RulesStep>> {
  const flags = checkRuleFlags(config);
  if (!flags.ok) return flags;
  const wantDir = config.rulesEnable && config.rulesDir !== undefined;
  const loaded = !config.noBuiltinRules || wantDir
    ? await loadRules({
      builtin: !config.noBuiltinRules,
      dir: wantDir ? config.rulesDir : undefined,
      allowLegacy: config.rulesAllowLegacy,
      insecureOk: config.rulesInsecureOk,
    })
    : ok(NO_RULES);
  if (!loaded.ok) return loaded;
  const rules = loaded.value;
  const log = new SuppressionLog();
  return ok({
    rules,
    warnings: rules.warnings.map((w) => ({ scanner: "rules", code: w.code, detail: formatProblem(w) })),
    stage: () => rulesStage(rules, log),
    suppressed: () => log.toJSON(true).findings ?? [],
    staticMitre: (scanner, checkId) => staticMitre(rules, scanner, checkId),
    report: () => ({
      summary: { suppressed: log.toJSON(config.showSuppressed) },
      meta: {
        rules: {
          builtin: !config.noBuiltinRules,
          rule_count: rules.rules.length,
          sources: rules.sources,
          warnings: rules.warnings.map(formatProblem),
        },
      },
    }),
  });
}
