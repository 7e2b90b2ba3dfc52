/** Flags: output formats and destination. */
import { REPORT_FORMATS } from "../../core/config.ts";
import { bool, type FlagGroup, str } from "./spec.ts";

/** Output format and destination. */
export const outputFlags = {
  title: "Output",
  flags: {
    output: str("output", "Write the report to FILE (atomically, mode 0600) instead of stdout.", "FILE"),
    format: str("format", `Report format: ${REPORT_FORMATS.join("|")} (default json).`, "FMT"),
    pretty: bool("pretty", "Indent JSON output."),
    compact: bool("compact", "Compact JSON output (the default)."),
    canonical: bool("canonical", "RFC 8785 canonical JSON with findings in a total order."),
    ndjson: bool("ndjson", "Same as --format ndjson: one record per line, streamed."),
    sarif: bool("sarif", "Same as --format sarif: SARIF 2.1.0."),
    html: str("html", "Also write a self-contained HTML report to FILE.", "FILE"),
  },
} as const satisfies FlagGroup;
