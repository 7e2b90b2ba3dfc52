/**
 * The fleet report (`sys-scan fleet --format json`): the upstream fleet-report keys (`generated_ts`,
 * `host_count`, `metric_mean`/`metric_std` of host risk, `top_outlier_hosts`, `newly_common_modules`,
 * `risk_distribution`), then sys-scan's additions: every host's risk, stacking by kind with rare items first,
 * what changed since the previous fleet run, and what could not be read. The type comes from this schema.
 */
import { z } from "zod";
import { SeveritySchema } from "../core/schemas.ts";
import { KINDS } from "./extract.ts";

/** Identifies the format; bumped on incompatible changes. */
export const FLEET_FORMAT = "sys-scan-fleet/1";

const Count = z.number().int().min(0);

/** A host as the fleet sees it: its latest scan. */
export const FleetHostSchema = z.object({
  host: z.string(),
  risk: z.number().int().min(0).max(100),
  level: SeveritySchema,
  z: z.number().describe("Standard score of the host's risk within the fleet (0 when all hosts are equal)"),
  scanned_at: z.string(),
  ts: z.number().int(),
  findings: Count,
  previous_risk: z.number().int().nullable().describe(
    "Risk of the host's latest scan before the compared run",
  ),
  delta: z.number().int().nullable(),
  reported_in_run: z.boolean().describe(
    "The latest scan came in the compared run (false: the host is silent)",
  ),
  signer: z.string().nullable().describe("Key fingerprint that signed the scan (--pub), else null"),
});

/** One stacked item: how many hosts have it and which. */
export const StackItemSchema = z.object({
  value: z.string(),
  host_count: z.number().int().min(1),
  share: z.number().min(0).max(1),
  rare: z.boolean().describe("On at most rare_threshold.hosts hosts, and not on every host"),
  hosts: z.array(z.string()),
  more_hosts: Count.describe("Hosts with the item beyond those listed"),
});

/** Stacking (least frequency of occurrence) of one kind of item, rarest first. */
export const StackSchema = z.object({
  kind: z.enum(KINDS),
  title: z.string(),
  distinct: Count,
  rare_count: Count,
  items: z.array(StackItemSchema),
});

/** An item that appeared on (or disappeared from) hosts between the previous run and the compared one. */
export const ChangeItemSchema = z.object({
  kind: z.enum(KINDS),
  value: z.string(),
  host_count: z.number().int().min(1),
  hosts: z.array(z.string()),
  more_hosts: Count,
});

/** A report that was not used, or was a duplicate, and why. */
export const ProblemSchema = z.object({
  source: z.string(),
  problem: z.enum(["skipped", "unverified", "conflict", "duplicate"]),
  reason: z.string(),
});

/** The fleet report. */
export const FleetReportSchema = z.object({
  generated_ts: z.number().int().describe("Unix seconds"),
  host_count: Count,
  metric_mean: z.number().describe("Mean host risk (0-100)"),
  metric_std: z.number().min(0).describe("Population standard deviation of host risk"),
  top_outlier_hosts: z.array(z.looseObject({
    host_id: z.string(),
    value: z.number(),
    z: z.number(),
    ts: z.number().int(),
    level: SeveritySchema,
  })),
  newly_common_modules: z.array(z.object({
    module: z.string(),
    host_count: z.number().int().min(1).describe("Hosts that loaded it since the previous run"),
    hosts: z.array(z.string()),
    total_host_count: z.number().int().min(1),
  })),
  risk_distribution: z.array(z.object({ range: z.string(), count: Count })),
  fleet_format: z.literal(FLEET_FORMAT),
  tool_version: z.string(),
  generated_at: z.string(),
  run: z.object({
    run_id: z.number().int(),
    compared_run_id: z.number().int().nullable().describe("The latest run that brought scans"),
    previous_run_id: z.number().int().nullable(),
    files: Count,
    ingested: Count,
    duplicates: Count,
    conflicts: Count,
    skipped: Count,
    unverified: Count,
    problems: z.array(ProblemSchema),
    problems_not_listed: Count,
    ingest_ms: z.number().min(0).describe("Time spent reading and storing this run's reports"),
  }),
  rare_threshold: z.object({ spec: z.string(), hosts: Count }),
  hosts: z.array(FleetHostSchema),
  stacking: z.array(StackSchema),
  changes: z.object({
    previous_run_id: z.number().int().nullable(),
    compared_hosts: Count.describe("Hosts with a scan in the compared run and one before it"),
    new_hosts: z.array(z.string()),
    new_host_count: Count,
    silent_hosts: z.array(z.string()),
    silent_host_count: Count,
    appeared: z.array(ChangeItemSchema),
    disappeared: z.array(ChangeItemSchema),
    risk_movers: z.array(
      z.object({ host: z.string(), from: z.number().int(), to: z.number().int(), delta: z.number().int() }),
    ),
  }),
  warnings: z.array(z.string()),
});

/** The fleet report. */
export type FleetReport = z.infer<typeof FleetReportSchema>;
/** A host row. */
export type FleetHost = z.infer<typeof FleetHostSchema>;
/** A report that was not used. */
export type Problem = z.infer<typeof ProblemSchema>;

/** The fleet report's JSON Schema text (draft 2020-12), committed as schema/fleet-report.schema.json. */
export function fleetJsonSchema(): string {
  const schema = z.toJSONSchema(FleetReportSchema, { target: "draft-2020-12", io: "output" });
  return JSON.stringify({ ...schema, title: "sys-scan fleet report" }, null, 2) + "\n";
}
