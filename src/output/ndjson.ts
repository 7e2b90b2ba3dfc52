/** `--ndjson`: one JSON record per line, streamed: meta first, findings and events as they come, summary last. */
import type { Finding } from "../core/finding.ts";
import type { Meta, Report } from "../core/report.ts";
import { jsonText } from "./json.ts";

/** Something NDJSON lines can be written to. */
export interface LineSink {
  write(text: string): void | Promise<void>;
}

/** Serialises one record as a single line; JSON.stringify escapes every newline and control character. */
export function ndjsonLine(type: string, record: Record<string, unknown>): string {
  return jsonText({ type, ...record }, false);
}

/** Streams report records to a sink. Call meta(), then finding()/event() any number of times, then finish(). */
export class NdjsonStream {
  #queue: Promise<void> = Promise.resolve();

  constructor(readonly sink: LineSink) {}

  #emit(type: string, record: Record<string, unknown>): Promise<void> {
    const line = ndjsonLine(type, record);
    this.#queue = this.#queue.then(() => this.sink.write(line));
    return this.#queue;
  }

  /** The first record. */
  meta(meta: Meta): Promise<void> {
    return this.#emit("meta", meta);
  }

  /** A finding with its full data, as soon as it leaves the pipeline. */
  finding(f: Finding): Promise<void> {
    return this.#emit("finding", f);
  }

  /** A streamed event of its own type (e.g. `exec.trace`, `net.connect`). */
  event(type: string, record: Record<string, unknown>): Promise<void> {
    return this.#emit(type, record);
  }

  /** Per-scanner status, warnings, errors, timings, then the summary records last. */
  async finish(report: Report, timings: boolean): Promise<void> {
    for (const r of report.results) {
      const { findings: _findings, ...rest } = r;
      await this.#emit("scanner", rest);
      if (timings) await this.#emit("timing", { scanner: r.scanner, elapsed_ms: r.elapsed_ms });
    }
    for (const w of report.collection_warnings) await this.#emit("warning", w);
    for (const e of report.scanner_errors) await this.#emit("scanner_error", e);
    await this.#emit("summary_extension", report.summary_extension);
    await this.#emit("summary", report.summary);
    await this.#queue;
  }
}
