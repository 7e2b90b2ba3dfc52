/**
 * What `sys-scan fleet` accepts from a report, as zod schemas with bounds. Reports are attacker-influenced data
 * (a compromised host writes its own), so every string and list has a cap, unknown keys are dropped, and
 * anything that is not a sys-scan report (no host risk, no v2 meta) is refused with the reason.
 */
import { z } from "zod";
import { SeveritySchema } from "../core/schemas.ts";

/** Caps on what one report may hold. */
export const INPUT_LIMITS = {
  /** Default cap on a report file (`--max-report-mib`). */
  reportBytes: 64 << 20,
  /** Cap on one NDJSON line. */
  lineBytes: 8 << 20,
  /** Cap on findings in one report. */
  findings: 200_000,
  /** Cap on a host name (Linux allows 64; DNS names 253). */
  hostname: 255,
  /** Cap on a finding id (a check id and a path, which may be PATH_MAX long). */
  id: 16 << 10,
  /** Cap on one metadata string. */
  metaString: 64 << 10,
  /** Cap on one metadata list. */
  metaList: 10_000,
  /** Cap on metadata keys per finding. */
  metaKeys: 512,
} as const;

const MetaValue = z.union([
  z.string().max(INPUT_LIMITS.metaString),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string().max(INPUT_LIMITS.metaString)).max(INPUT_LIMITS.metaList),
]);

/** A finding as fleet reads it: the fields the analysis uses, bounded; other fields are ignored. */
export const InputFindingSchema = z.object({
  id: z.string().min(1).max(INPUT_LIMITS.id),
  check_id: z.string().min(1).max(256),
  scanner: z.string().min(1).max(128),
  severity: SeveritySchema,
  risk_score: z.number().int().min(0).max(100),
  metadata: z.record(z.string().max(256), MetaValue)
    .refine((m) => Object.keys(m).length <= INPUT_LIMITS.metaKeys, "too many metadata keys")
    .default({}),
});

/** A finding as fleet reads it. */
export type InputFinding = z.infer<typeof InputFindingSchema>;

/** The report meta fleet needs: a v2 sys-scan report with a host name. */
export const InputMetaSchema = z.looseObject({
  json_schema_version: z.literal("2"),
  hostname: z.string().min(1).max(INPUT_LIMITS.hostname),
  tool_version: z.string().max(64).optional(),
});

/** The scan time (ISO 8601). */
export const InputSummarySchema = z.looseObject({
  started_at: z.string().max(64),
});

/** The host risk sys-scan computed for the report. */
export const InputExtensionSchema = z.looseObject({
  host_risk: z.looseObject({ score: z.number().int().min(0).max(100), level: SeveritySchema }),
});

/** The frame of a JSON report; findings are validated one by one as they are read. */
export const InputReportFrameSchema = z.looseObject({
  meta: z.unknown(),
  summary: z.unknown(),
  results: z.array(z.looseObject({ findings: z.array(z.unknown()).max(INPUT_LIMITS.findings) }))
    .max(1000),
  summary_extension: z.unknown(),
});

/** One NDJSON record: its type decides the schema its other fields are read with. */
export const InputRecordSchema = z.looseObject({ type: z.string().max(64) });

/** The first zod issue as one short sentence: `path: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") || "(top level)";
  return `${path}: ${issue?.message ?? "invalid"}`;
}
