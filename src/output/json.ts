/** Plain JSON rendering: compact by default, `--pretty` indented; always a trailing newline. */
import type { Report } from "../core/report.ts";
import { jsonEscapeBidi } from "./visible.ts";

/**
 * Any value as the JSON text every JSON format writes: compact or indented by 2, bidi characters as `\uNNNN`
 * escapes (./visible.ts), a trailing newline.
 */
export function jsonText(value: unknown, pretty: boolean): string {
  return jsonEscapeBidi(JSON.stringify(value, null, pretty ? 2 : undefined)) + "\n";
}

/** Renders the report as JSON text ending in a newline. */
export function renderJson(report: Report, pretty: boolean): string {
  return jsonText(report, pretty);
}
