/**
 * The Finding model: what scanners yield (FindingDraft) and what reports carry (Finding). The types come from
 * the zod schemas in schemas.ts, imported as types only: scanners import this module, and the scan worker's
 * isolate then need not load zod.
 */
import type { z } from "zod";
import type { FindingSchema, LocationSchema, MetadataSchema } from "./schemas.ts";
import type { Severity } from "./severity.ts";

/** Finding metadata: a flat map of typed values. */
export type Metadata = z.infer<typeof MetadataSchema>;

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
  severity?: Severity;
  metadata?: Metadata;
  location?: z.infer<typeof LocationSchema>;
  passed?: boolean;
  tags?: string[];
}

/** Builds the stable finding id from a check id and a subject. */
export function findingId(checkId: string, subject: string): string {
  return subject === "" ? checkId : `${checkId}:${subject}`;
}
