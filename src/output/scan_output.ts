/**
 * The output side of a scan: its destinations, opened before scanning so an unwritable path fails fast
 * (exit 5), and the write stage that renders the report in the format asked for and commits it.
 */
import type { Catalogue } from "../core/catalogue.ts";
import type { Config } from "../core/config.ts";
import type { Report } from "../core/report.ts";
import { ok, type Result } from "../core/result.ts";
import type { RunOutcome } from "../core/runner.ts";
import { after, type LiveSink } from "../core/scan_stages.ts";
import type { SarifTaxonomies } from "../core/taxonomy.ts";
import { renderCanonical } from "./canonical.ts";
import { jsonText, renderJson } from "./json.ts";
import { NdjsonStream } from "./ndjson.ts";
import { toSarif } from "./sarif.ts";
import { openOutput, RecordingOutput, type ReportOutput } from "./writer.ts";

/** The output format a config asks for. */
export function formatOf(c: Config): "json" | "ndjson" | "sarif" | "html" | "factpack" {
  return c.format ?? (c.ndjson ? "ndjson" : c.sarif ? "sarif" : "json");
}

/**
 * Renders a whole report in the (non-streamed) format the config asks for. The HTML and FactPack renderers are
 * loaded only for those formats: with node:crypto, which they hash with, they cost a scan that writes JSON
 * ~30 ms of start-up on the main thread.
 */
export async function render(
  report: Report,
  config: Config,
  catalogue: Catalogue,
  taxonomies: SarifTaxonomies,
): Promise<string> {
  const format = formatOf(config);
  if (format === "sarif") {
    return jsonText(toSarif(report, catalogue, taxonomies), config.pretty);
  }
  if (format === "factpack") {
    return (await import("./factpack.ts")).renderFactPack(report, catalogue, config.pretty);
  }
  if (format === "html") return (await import("./html.ts")).renderHtml(report, catalogue);
  if (config.canonical) return renderCanonical(report);
  return renderJson(report, config.pretty);
}

/** The report's destinations: `--output` (stdout by default), `--html`, and the NDJSON stream over the first. */
export class ScanOutputs implements Disposable {
  private constructor(
    readonly report: ReportOutput,
    readonly html: ReportOutput | undefined,
    readonly stream: NdjsonStream | undefined,
  ) {}

  /**
   * Opens `--output` (keeping a copy of its bytes when `keepBytes`, for signing) and `--html`. When one cannot
   * be opened, nothing is left open.
   */
  static open(config: Config, keepBytes: boolean): Result<ScanOutputs> {
    const opened = openOutput(config.output);
    if (!opened.ok) return opened;
    const report = keepBytes ? new RecordingOutput(opened.value) : opened.value;
    let html: ReportOutput | undefined;
    if (config.html) {
      const h = openOutput(config.html);
      if (!h.ok) {
        report.abort();
        return h;
      }
      html = h.value;
    }
    return ok(
      new ScanOutputs(report, html, formatOf(config) === "ndjson" ? new NdjsonStream(report) : undefined),
    );
  }

  /** The NDJSON stream as a live sink (meta first, findings and events as they come); none for other formats. */
  live(): LiveSink | undefined {
    const stream = this.stream;
    if (!stream) return undefined;
    return {
      start: (preview) => stream.meta(preview.meta),
      finding: (f) => stream.finding(f),
      event: (type, record) => void stream.event(type, record),
    };
  }

  /** The report as written: its path (undefined for stdout) and, when they were kept, its bytes. */
  written(): { path: string | undefined; bytes: Uint8Array | undefined } {
    return {
      path: this.report.path,
      bytes: this.report instanceof RecordingOutput ? this.report.bytes() : undefined,
    };
  }

  /** Leaves nothing half-written behind (a committed file stays). Safe to call more than once. */
  abort(): void {
    this.report.abort();
    this.html?.abort();
  }

  /** Same as abort(). */
  [Symbol.dispose](): void {
    this.abort();
  }
}

/** What the write stage reads and fills in. */
export interface WriteInput {
  readonly config: Config;
  readonly catalogue: Catalogue;
  readonly outputs: ScanOutputs;
  readonly taxonomies: SarifTaxonomies;
  outcome: RunOutcome | undefined;
  report: Report | undefined;
  /** The last change before the report leaves the process (redaction). */
  finalize(report: Report): Report;
}

/**
 * Finalizes the report, writes it (NDJSON: the late meta keys and the closing records after the streamed
 * ones; other formats: the whole rendered report) and commits it, then the `--html` copy.
 */
export async function writeStage(scan: WriteInput): Promise<Result<void>> {
  const { config, catalogue, outputs } = scan;
  const report = scan.finalize(after(scan.report, "the report"));
  scan.report = report;
  if (outputs.stream) {
    const outcome = after(scan.outcome, "the run's outcome");
    const { deadline_hit, cut_short, timings, ...rest } = report.meta;
    const late = Object.fromEntries(Object.entries(rest).filter(([k]) => k in outcome.meta));
    await outputs.stream.event("meta_update", {
      deadline_hit,
      cut_short,
      ...(timings ? { timings } : {}),
      ...late,
    });
    await outputs.stream.finish(report, config.timings);
  } else {
    await outputs.report.write(await render(report, config, catalogue, scan.taxonomies));
  }
  const committed = await outputs.report.commit();
  if (!committed.ok) return committed;
  if (outputs.html) {
    await outputs.html.write((await import("./html.ts")).renderHtml(report, catalogue));
    const h = await outputs.html.commit();
    if (!h.ok) return h;
  }
  return ok(undefined);
}
