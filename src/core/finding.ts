/** The Finding model: what scanners yield (FindingDraft) and what reports carry (Finding). */
import { z } from "zod";
import { SeveritySchema } from "./severity.ts";

/** A metadata value: typed, flat (numbers are numbers, booleans are booleans). */
export const MetaValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/** Finding metadata: a flat map of typed values. */
export const MetadataSchema = z.record(z.string(), MetaValueSchema);

/** Finding metadata. */
export type Metadata = z.infer<typeof MetadataSchema>;

/** Where a finding points: a file path and/or a process. */
export const LocationSchema = z.object({
  path: z.string().optional(),
  pid: z.number().int().optional(),
});

/** Baseline comparison states (see the baseline store). */
export const BaselineStatusSchema = z.enum(["new", "existing", "changed", "baseline_db_missing"]);

/** A finding as it appears in every report. */
export const FindingSchema = z.object({
  id: z.string().min(1).describe("Stable, content-derived id: check_id + ':' + subject"),
  check_id: z.string().min(1),
  scanner: z.string().min(1),
  title: z.string(),
  description: z.string(),
  severity: SeveritySchema,
  base_severity_score: z.number().int().min(0).max(100),
  risk_score: z.number().int().min(0).max(100),
  metadata: MetadataSchema,
  location: LocationSchema.optional(),
  mitre: z.array(z.string()),
  tags: z.array(z.string()),
  severity_source: z.enum(["raw", "rule_engine"]).optional(),
  baseline_status: BaselineStatusSchema.optional(),
});

/** A finding as it appears in every report. */
export type Finding = z.infer<typeof FindingSchema>;

/**
 * What a scanner yields. Title, description and severity default to the check's catalogue entry;
 * `subject` (a path, port, module name…) makes the id stable. `passed: true` records that the check
 * was evaluated and passed: it is counted, and only emitted (as info) with `--include-passed`.
 */
export interface FindingDraft {
  check_id: string;
  subject: string;
  title?: string;
  description?: string;
  severity?: z.infer<typeof SeveritySchema>;
  metadata?: Metadata;
  location?: z.infer<typeof LocationSchema>;
  passed?: boolean;
  tags?: string[];
}

/** Builds the stable finding id from a check id and a subject. */
export function findingId(checkId: string, subject: string): string {
  return subject === "" ? checkId : `${checkId}:${subject}`;
}
