/** The JSON Schema of the report, generated from the zod model (committed as schema/report.schema.json). */
import { z } from "zod";
import { ReportSchema } from "../core/report.ts";
import { SCHEMA_URI } from "../core/version.ts";

/** The report's JSON Schema text (draft 2020-12), ending in a newline. */
export function reportJsonSchema(): string {
  const schema = z.toJSONSchema(ReportSchema, { target: "draft-2020-12", io: "output" });
  return JSON.stringify({ ...schema, $id: SCHEMA_URI, title: "sys-scan report" }, null, 2) + "\n";
}
