/** The tool version and the identifiers of the report format it writes. */

/** The tool version. */
export const TOOL_VERSION = "0.1.0";

/** Report format identifier written to meta.report_format (see docs/SCHEMA_MIGRATION.md). */
export const REPORT_FORMAT = "sys-scan-report/2.1";

/** Schema URI written to meta.$schema. */
export const SCHEMA_URI = "https://sys-scan.invalid/schema/report.schema.json";
