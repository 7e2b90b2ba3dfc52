/**
 * The risk step of the finding pipeline: loads the risk model (`--risk-weights` over the default), scores
 * every finding for the host's `--asset-criticality`, and adds the host risk and `meta.risk_model`.
 */
import type { Config } from "../core/config.ts";
import type { PipelineStep } from "../core/pipeline.ts";
import { ok, type Result } from "../core/result.ts";
import { hostRisk } from "./host.ts";
import { loadRiskModel } from "./model.ts";
import { riskScorer, riskStage } from "./score.ts";

/**
 * Loads the model a config asks for into a pipeline step; `weights` is the `--risk-weights` file's text when the
 * config names one. A bad override is exit 2.
 */
export async function riskStep(
  config: Config,
  weights?: { text: string; file: string },
): Promise<Result<PipelineStep>> {
  const model = await loadRiskModel(weights);
  if (!model.ok) return model;
  const scorer = riskScorer(model.value, config.assetCriticality);
  return ok({
    stage: (catalogue) => riskStage(scorer, catalogue),
    report: ({ findings }) => ({
      summary: { host_risk: hostRisk(findings, model.value) },
      meta: {
        risk_model: { asset_criticality: config.assetCriticality, custom: config.riskWeights !== undefined },
      },
    }),
  });
}
