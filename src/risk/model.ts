/**
 * The risk model as data (zod): severity points, confidence, basis (signal or hardening gap) and criticality
 * multipliers, exposure/asset factors.
 */
import type { ParseError } from "jsonc-parser";
import { z } from "zod";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { type Condition, ConditionSchema } from "../core/condition.ts";
import { loadJsonc, nodeValue, positionAt } from "../core/jsonc.ts";
import DEFAULT_MODEL_DATA from "./default_model.json" with { type: "json" };

const Points = z.number().min(0).max(100);
const Multiplier = z.number().min(0).max(2);

/** One exposure or asset factor: when its condition holds, the score is multiplied by (1 + weight). */
export const FactorSchema = z.object({
  id: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  kind: z.enum(["exposure", "asset"]),
  weight: z.number().min(0).max(1),
  description: z.string().min(1),
  when: ConditionSchema,
}).strict();

const SeverityPointsSchema = z.object({
  info: Points,
  low: Points,
  medium: Points,
  high: Points,
  critical: Points,
  error: Points,
}).strict();

/** The whole risk model. */
export const RiskModelSchema = z.object({
  severity: SeverityPointsSchema.refine(
    (s) => s.info <= s.low && s.low <= s.medium && s.medium <= s.high && s.high <= s.critical,
    "severity points must not decrease from info to critical",
  ),
  confidence: z.object({ certain: Multiplier, heuristic: Multiplier }).strict(),
  /**
   * What a finding is evidence of: `signal` (a change, an intrusion, a weakness someone introduced) or
   * `hardening` (a gap against a hardened baseline, a check the catalogue marks `hardening`).
   */
  basis: z.object({ signal: Multiplier, hardening: Multiplier }).strict(),
  criticality: z.object({ low: Multiplier, medium: Multiplier, high: Multiplier, critical: Multiplier })
    .strict(),
  factors: z.array(FactorSchema).max(100),
  host: z.object({
    decay: z.number().min(0).max(1),
    top_n: z.number().int().min(1).max(1000),
    top_listed: z.number().int().min(0).max(100),
  }).strict(),
}).strict();

/** The risk model. */
export type RiskModel = z.infer<typeof RiskModelSchema>;
/** One factor. */
export type Factor = z.infer<typeof FactorSchema> & { when: Condition };

/** The default model (src/risk/default_model.json), validated. */
export const DEFAULT_RISK_MODEL: RiskModel = RiskModelSchema.parse(DEFAULT_MODEL_DATA);

/** An override file: any part of the model; `factors`, when given, replaces the default list. */
export const RiskOverrideSchema = z.object({
  $schema: z.string().optional(),
  severity: SeverityPointsSchema.partial().optional(),
  confidence: RiskModelSchema.shape.confidence.partial().optional(),
  basis: RiskModelSchema.shape.basis.partial().optional(),
  criticality: RiskModelSchema.shape.criticality.partial().optional(),
  factors: z.array(FactorSchema).max(100).optional(),
  host: RiskModelSchema.shape.host.partial().optional(),
}).strict();

/** Applies an override (already validated) on top of a model and validates the result. */
export function mergeModel(
  base: RiskModel,
  over: z.infer<typeof RiskOverrideSchema>,
): z.ZodSafeParseResult<RiskModel> {
  return RiskModelSchema.safeParse({
    severity: { ...base.severity, ...over.severity },
    confidence: { ...base.confidence, ...over.confidence },
    basis: { ...base.basis, ...over.basis },
    criticality: { ...base.criticality, ...over.criticality },
    factors: over.factors ?? base.factors,
    host: { ...base.host, ...over.host },
  });
}

/** Parses a `--risk-weights` JSONC text into a model (defaults for what it leaves out). Errors are exit 2. */
export async function parseRiskOverride(
  text: string,
  file: string,
  base: RiskModel = DEFAULT_RISK_MODEL,
): Promise<Result<RiskModel>> {
  const jsonc = await loadJsonc();
  const errors: ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    const pos = positionAt(text, e?.offset ?? 0);
    return fail(
      ExitCode.Usage,
      `${file}:${pos.line}:${pos.column}: invalid JSONC (${
        e ? jsonc.printParseErrorCode(e.error) : "empty file"
      })`,
    );
  }
  const over = RiskOverrideSchema.safeParse(nodeValue(tree));
  if (!over.success) return fail(ExitCode.Usage, `${file}: ${describe(over.error)}`);
  const merged = mergeModel(base, over.data);
  if (!merged.success) return fail(ExitCode.Usage, `${file}: ${describe(merged.error)}`);
  return ok(merged.data);
}

function describe(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i.path.length > 0 ? i.path.join(".") + ": " : ""}${i.message}`;
}

/**
 * The risk model: the default, or the default with the `--risk-weights` override read from `weights` (the CLI
 * reads the file, after checking it can be trusted). A bad override is a usage error naming the file and line.
 */
export async function loadRiskModel(
  weights: { text: string; file: string } | undefined,
): Promise<Result<RiskModel>> {
  return weights === undefined ? ok(DEFAULT_RISK_MODEL) : await parseRiskOverride(weights.text, weights.file);
}
