/**
 * The zod schemas of severities and findings (the types are in severity.ts and finding.ts). Only what validates
 * input or a report imports this module, so the scan worker's isolate, which runs scanners, does not load zod.
 */
import { z } from "zod";
import { SEVERITIES } from "./severity.ts";

/** Zod schema for a severity name. */
export const SeveritySchema = z.enum(SEVERITIES);

/** A metadata value: typed, flat (numbers are numbers, booleans are booleans). */
export const MetaValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/** Finding metadata: a flat map of typed values. */
export const MetadataSchema = z.record(z.string(), MetaValueSchema);

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
