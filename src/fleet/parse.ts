/**
 * One report, reduced to what the fleet store keeps: the claimed host name, the scan time, the host risk, the
 * finding count, the stacking items and a digest that is the same for the JSON and the NDJSON form of one scan.
 * The builder is fed record by record (a JSON report's parts, or NDJSON lines as they stream), so both formats
 * share every check.
 */
import { createHash } from "../core/hash.ts";
import type { Severity } from "../core/severity.ts";
import { type Kind, KINDS } from "./extract.ts";
import { itemsOf } from "./extract.ts";
import {
  firstIssue,
  INPUT_LIMITS,
  InputExtensionSchema,
  InputFindingSchema,
  InputMetaSchema,
  InputSummarySchema,
} from "./input.ts";

/** A report as the fleet store keeps it. */
export interface ParsedReport {
  /** The host name the report claims (meta.hostname), exactly as written. */
  hostname: string;
  /** summary.started_at as written. */
  scannedAt: string;
  /** The scan time in Unix seconds. */
  scannedTs: number;
  risk: number;
  level: Severity;
  findingCount: number;
  toolVersion: string | null;
  /** Stacking items, by kind. */
  items: Map<Kind, Set<string>>;
  /** SHA-256 over host, scan time, host risk and every finding's id, severity and risk (sorted). */
  digest: string;
}

/** How far in the future a scan time may be (clock skew) before the report is refused. */
export const FUTURE_SLACK_SECONDS = 24 * 3600;

/** Cap on distinct stacking items in one report. */
export const MAX_ITEMS_PER_REPORT = 200_000;

/** Accumulates one report's parts; each add returns an error sentence or undefined. */
export class ReportBuilder {
  #meta?: { hostname: string; tool_version?: string };
  #startedAt?: string;
  #risk?: { score: number; level: Severity };
  #keys: string[] = [];
  #items = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set<string>()]));
  #itemCount = 0;

  /** Reads meta; a second meta is refused (a report names one host). */
  meta(value: unknown): string | undefined {
    if (this.#meta) return "two meta records";
    const r = InputMetaSchema.safeParse(value);
    if (!r.success) return `meta.${firstIssue(r.error)}`;
    this.#meta = r.data;
  }

  /** Reads the summary (the scan time). */
  summary(value: unknown): string | undefined {
    if (this.#startedAt !== undefined) return "two summary records";
    const r = InputSummarySchema.safeParse(value);
    if (!r.success) return `summary.${firstIssue(r.error)}`;
    this.#startedAt = r.data.started_at;
  }

  /** Reads summary_extension (the host risk). */
  extension(value: unknown): string | undefined {
    if (this.#risk) return "two summary_extension records";
    const r = InputExtensionSchema.safeParse(value);
    if (!r.success) {
      return `summary_extension.${firstIssue(r.error)} (not a sys-scan report, or one from before host risk)`;
    }
    this.#risk = r.data.host_risk;
  }

  /** Reads one finding and its stacking items. */
  finding(value: unknown): string | undefined {
    if (this.#keys.length >= INPUT_LIMITS.findings) return `more than ${INPUT_LIMITS.findings} findings`;
    const r = InputFindingSchema.safeParse(value);
    if (!r.success) return `finding ${this.#keys.length + 1}: ${firstIssue(r.error)}`;
    const f = r.data;
    this.#keys.push(`${f.id}\u0000${f.severity}\u0000${f.risk_score}`);
    for (const [kind, v] of itemsOf(f)) {
      const set = this.#items.get(kind)!;
      if (set.has(v)) continue;
      if (++this.#itemCount > MAX_ITEMS_PER_REPORT) return `more than ${MAX_ITEMS_PER_REPORT} stacking items`;
      set.add(v);
    }
  }

  /** The parsed report, or why it cannot be used. `nowSeconds` bounds the scan time. */
  finish(nowSeconds: number): { ok: true; value: ParsedReport } | { ok: false; reason: string } {
    if (!this.#meta) return { ok: false, reason: "no meta (not a sys-scan report)" };
    if (this.#startedAt === undefined) return { ok: false, reason: "no summary (a truncated report?)" };
    if (!this.#risk) return { ok: false, reason: "no summary_extension.host_risk (a truncated report?)" };
    if (this.#startedAt === "") {
      return {
        ok: false,
        reason:
          "no scan time (summary.started_at is empty: a time-normalised report, SYS_SCAN_CANON_TIME_ZERO)",
      };
    }
    const ms = Date.parse(this.#startedAt);
    if (!Number.isFinite(ms)) {
      return { ok: false, reason: `summary.started_at is not a time: ${JSON.stringify(this.#startedAt)}` };
    }
    const ts = Math.floor(ms / 1000);
    if (ts > nowSeconds + FUTURE_SLACK_SECONDS) {
      return {
        ok: false,
        reason:
          `scan time ${this.#startedAt} is in the future (a forged or wrong clock would hide later reports)`,
      };
    }
    const hash = createHash("sha256");
    hash.update(JSON.stringify([this.#meta.hostname, this.#startedAt, this.#risk.score, this.#risk.level]));
    for (const k of this.#keys.sort()) hash.update(`\n${k}`);
    return {
      ok: true,
      value: {
        hostname: this.#meta.hostname,
        scannedAt: this.#startedAt,
        scannedTs: ts,
        risk: this.#risk.score,
        level: this.#risk.level,
        findingCount: this.#keys.length,
        toolVersion: this.#meta.tool_version ?? null,
        items: this.#items,
        digest: hash.hex(),
      },
    };
  }
}
