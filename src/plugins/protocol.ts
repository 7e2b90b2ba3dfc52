/**
 * The plugin protocol: a plugin prints one JSON object per line (NDJSON) on stdout. Findings are validated with
 * the same zod schemas as built-in findings (FindingSchema's fields). See docs/PLUGINS.md.
 */
import { z } from "zod";
import { FindingSchema } from "../core/schemas.ts";

/** Protocol version passed to plugins (`--sys-scan-plugin 1`, `SYS_SCAN_PLUGIN_PROTOCOL=1`). */
export const PLUGIN_PROTOCOL = 1;

const FindingFields = FindingSchema.pick({
  title: true,
  description: true,
  severity: true,
  metadata: true,
  location: true,
  tags: true,
}).partial();

/** A finding record: `subject` makes its id stable (`plugin.<name>.finding:<subject>`). */
export const PluginFindingSchema = FindingFields.extend({
  type: z.literal("finding").default("finding"),
  subject: z.string().min(1).max(512),
  title: z.string().min(1).max(512).optional(),
  description: z.string().max(8192).optional(),
  severity: FindingSchema.shape.severity.exclude(["error"]).optional(),
}).strict();

/** A check the plugin evaluated and found in order (counted, shown with --include-passed). */
export const PluginPassedSchema = z.object({ type: z.literal("passed"), subject: z.string().min(1).max(512) })
  .strict();

/** A collection warning. */
export const PluginWarningSchema = z.object({
  type: z.literal("warning"),
  code: z.string().regex(/^[a-z0-9_]{1,64}$/),
  detail: z.string().max(1024).optional(),
}).strict();

/** The plugin could not check anything here (e.g. the software it inspects is not installed). */
export const PluginSkipSchema = z.object({ type: z.literal("skip"), reason: z.string().min(1).max(1024) })
  .strict();

const BY_TYPE = {
  finding: PluginFindingSchema,
  passed: PluginPassedSchema,
  warning: PluginWarningSchema,
  skip: PluginSkipSchema,
} as const;

/** One stdout line, parsed. */
export type PluginRecord = z.infer<(typeof BY_TYPE)[keyof typeof BY_TYPE]>;

/** Most records a plugin may print. */
export const MAX_PLUGIN_RECORDS = 10_000;

/** Parses a plugin's whole stdout; the first bad line makes it an error naming the line and the problem. */
export function parsePluginOutput(
  text: string,
): { ok: true; records: PluginRecord[] } | { ok: false; error: string } {
  const records: PluginRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (records.length >= MAX_PLUGIN_RECORDS) {
      return { ok: false, error: `more than ${MAX_PLUGIN_RECORDS} records` };
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      return { ok: false, error: `stdout line ${i + 1}: not JSON (${e instanceof Error ? e.message : e})` };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, error: `stdout line ${i + 1}: a record must be a JSON object` };
    }
    const type = (value as { type?: unknown }).type ?? "finding";
    const schema = typeof type === "string" && Object.hasOwn(BY_TYPE, type)
      ? BY_TYPE[type as keyof typeof BY_TYPE]
      : undefined;
    if (!schema) {
      return {
        ok: false,
        error: `stdout line ${i + 1}: unknown record type ${JSON.stringify(type).slice(0, 40)}`,
      };
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      return {
        ok: false,
        error: `stdout line ${i + 1}: invalid ${String(type)} record (${where}${issue.message})`,
      };
    }
    records.push(parsed.data);
  }
  return { ok: true, records };
}
