/** The report model (zod): results per scanner, summary, meta. Types come from these schemas. */
import { z } from "zod";
import { FindingSchema, SeveritySchema } from "./schemas.ts";
import type { Capabilities } from "../host/capabilities.ts";

/** The capability report recorded in `meta.capabilities` (the type is in host/capabilities.ts). */
export const CapabilitiesSchema = z.object({
  euid: z.number().int(),
  effective_caps: z.array(z.string()),
  kernel: z.string(),
  btf: z.boolean(),
  tracefs: z.boolean(),
  kallsyms_readable: z.boolean(),
  libbpf: z.string().nullable(),
  lsms: z.array(z.string()),
  containerized: z.boolean(),
  missing: z.array(z.object({ item: z.string(), disables: z.array(z.string()) })),
}) satisfies z.ZodType<Capabilities>;

/** How a scanner ended. */
export const ScannerStatusSchema = z.enum(["ok", "skipped", "error", "timeout"]);

/** One scanner's outcome. */
export const ScannerResultSchema = z.object({
  scanner: z.string(),
  status: ScannerStatusSchema,
  reason: z.string().optional().describe("Why the scanner was skipped, failed or cut short"),
  start_time: z.string(),
  end_time: z.string(),
  elapsed_ms: z.number().min(0),
  finding_count: z.number().int().min(0),
  findings: z.array(FindingSchema),
  checks_passed: z.number().int().min(0).describe(
    "Checks evaluated and passed (not emitted unless --include-passed)",
  ),
  passed_check_ids: z.array(z.string()),
  findings_below_min_severity: z.number().int().min(0),
});

/** A collection warning as written in reports (the upstream v2 shape). */
export const WarningSchema = z.object({
  scanner: z.string(),
  code: z.string(),
  detail: z.string().optional(),
}).strict();

/** A scanner that failed. */
export const ScannerErrorSchema = z.object({ scanner: z.string(), message: z.string() }).strict();

/** Build and runtime provenance. */
export const ProvenanceSchema = z.object({
  tool_version: z.string(),
  git_commit: z.string(),
  deno: z.string(),
  v8: z.string(),
  typescript: z.string(),
  bpf_object_sha256: z.string().nullable(),
  compiled: z.boolean(),
  slsa_level: z.string(),
});

/** Report meta: host identity, configuration, capabilities, provenance. Later stages add keys. */
export const MetaSchema = z.looseObject({
  $schema: z.string(),
  json_schema_version: z.literal("2"),
  report_format: z.string(),
  tool_version: z.string(),
  hostname: z.string(),
  kernel: z.string(),
  arch: z.string(),
  os_id: z.string(),
  os_pretty: z.string().optional(),
  os_version: z.string().optional(),
  uid: z.number().int().optional(),
  euid: z.number().int().optional(),
  user: z.string().optional(),
  cmdline: z.string().optional(),
  scanner_pid: z.number().int().optional().describe(
    "The scanner's own process id: it and its helpers are never reported as findings",
  ),
  scanner_processes: z.array(z.number().int()).optional().describe(
    "Pids left out of the process checks as the scanner's own (itself and the helpers it started)",
  ),
  scan_root: z.string(),
  normalized_time: z.boolean().optional(),
  effective_config: z.record(z.string(), z.unknown()),
  capabilities: CapabilitiesSchema,
  provenance: ProvenanceSchema,
  deadline_hit: z.boolean(),
  cut_short: z.array(z.string()).describe("Scanners stopped by their budget or the scan deadline"),
  timings: z.array(z.object({ scanner: z.string(), elapsed_ms: z.number().min(0) })).optional(),
});

/** Severity counts. */
export const SeverityCountsSchema = z.partialRecord(SeveritySchema, z.number().int().min(0));

/** Scan-wide totals. */
export const SummarySchema = z.object({
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().min(0),
  scanner_count: z.number().int().min(0),
  scanners_with_findings: z.number().int().min(0),
  finding_count_total: z.number().int().min(0),
  finding_count_emitted: z.number().int().min(0),
  findings_per_second: z.number().min(0),
  severity_counts: SeverityCountsSchema,
  severity_counts_emitted: SeverityCountsSchema,
  slowest_scanner: z.object({ name: z.string(), elapsed_ms: z.number().min(0) }).nullable(),
});

/** Host risk and other additive summaries; later stages add keys. */
export const SummaryExtensionSchema = z.looseObject({
  total_risk_score: z.number().int().min(0).describe("Upstream-compatible sum of base severity scores"),
  emitted_risk_score: z.number().int().min(0),
  host_risk: z.object({
    score: z.number().int().min(0).max(100),
    level: SeveritySchema,
    top: z.array(z.object({
      id: z.string(),
      risk_score: z.number().int(),
      check_id: z.string().optional(),
      severity: SeveritySchema.optional(),
    })),
    distribution: SeverityCountsSchema.optional().describe(
      "Reported findings per severity (passed checks left out)",
    ),
    counted: z.number().int().min(0).optional(),
    method: z.string().optional().describe("How the bounded host score was computed (docs/RISK.md)"),
  }),
});

/** The whole report. Top-level keys keep the upstream v2 contract. */
export const ReportSchema = z.object({
  meta: MetaSchema,
  summary: SummarySchema,
  results: z.array(ScannerResultSchema),
  collection_warnings: z.array(WarningSchema),
  scanner_errors: z.array(ScannerErrorSchema),
  summary_extension: SummaryExtensionSchema,
}).strict();

/** The whole report. */
export type Report = z.infer<typeof ReportSchema>;
/** One scanner's outcome. */
export type ScannerResult = z.infer<typeof ScannerResultSchema>;
/** Report meta. */
export type Meta = z.infer<typeof MetaSchema>;
/** Build and runtime provenance. */
export type Provenance = z.infer<typeof ProvenanceSchema>;
