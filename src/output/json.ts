/** Plain JSON rendering: compact by default, `--pretty` indented; always a trailing newline. */
import type { Report } from "../core/report.ts";
import { jsonEscapeBidi } from "./visible.ts";

/** Renders the report as JSON text ending in a newline. */
export function renderJson(report: Report, pretty: boolean): string {
  return jsonEscapeBidi(JSON.stringify(report, null, pretty ? 2 : undefined)) + "\n";
}
