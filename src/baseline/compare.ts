/** Compares a scan with the baseline: new / existing / changed per finding, resolved ones listed. */
import { sha256Hex } from "../host/hash.ts";
import type { Finding } from "../core/finding.ts";
import type { ScannerResult } from "../core/report.ts";
import { jcs } from "../core/jcs.ts";
import type { KnownFinding } from "./store.ts";

/** Metadata keys that change between runs without the finding changing (process ids, times, counters). */
export const VOLATILE_METADATA =
  /^(pid|ppid|tid|pids|start_ticks|start_time|started_at|age_s|uptime_s|inode|fd|elapsed_ms|ts|timestamp|first_seen|last_seen|count|event_count)$|_pid$/;

/** SHA-256 of what a finding says, without its severity and without volatile metadata. */
export function contentHash(f: Finding): string {
  const metadata = Object.fromEntries(Object.entries(f.metadata).filter(([k]) => !VOLATILE_METADATA.test(k)));
  const content = { check_id: f.check_id, title: f.title, metadata, location: f.location?.path ?? null };
  return sha256Hex(jcs(content));
}

/** The baseline section of the report (summary_extension.baseline). */
export interface BaselineSummary {
  status: "compared" | "baseline_db_missing";
  db: string;
  host_key: string;
  counts: { new: number; existing: number; changed: number; resolved: number };
  resolved: {
    id: string;
    check_id: string;
    scanner: string;
    severity: string;
    title: string;
    first_seen: string;
  }[];
  updated: boolean;
}

/**
 * Sets `baseline_status` on every finding. `known` undefined means there is no baseline for this host yet:
 * every finding is `baseline_db_missing` (a first run is not an incident). Findings of scanners that did not
 * finish this time are never reported as resolved.
 */
export function compareWithBaseline(
  results: ScannerResult[],
  known: Map<string, KnownFinding> | undefined,
  db: string,
  hostKey: string,
): BaselineSummary {
  const counts = { new: 0, existing: 0, changed: 0, resolved: 0 };
  const seen = new Set<string>();
  for (const r of results) {
    for (const f of r.findings) {
      seen.add(f.id);
      if (!known) {
        f.baseline_status = "baseline_db_missing";
        continue;
      }
      const k = known.get(f.id);
      if (!k) f.baseline_status = "new";
      else if (k.severity !== f.severity || k.content_hash !== contentHash(f)) f.baseline_status = "changed";
      else f.baseline_status = "existing";
      counts[f.baseline_status]++;
    }
  }
  const complete = new Set(results.filter((r) => r.status === "ok").map((r) => r.scanner));
  const resolved = known
    ? [...known.values()]
      .filter((k) => !seen.has(k.id) && complete.has(k.scanner))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((k) => ({
        id: k.id,
        check_id: k.check_id,
        scanner: k.scanner,
        severity: k.severity,
        title: k.title,
        first_seen: k.first_seen,
      }))
    : [];
  counts.resolved = resolved.length;
  return {
    status: known ? "compared" : "baseline_db_missing",
    db,
    host_key: hostKey,
    counts,
    resolved,
    updated: false,
  };
}

/** What gets recorded for the next comparison: findings of scanners that completed, plus still-known ones of the rest. */
export function knownStateAfter(
  results: ScannerResult[],
  previous: Map<string, KnownFinding> | undefined,
): Omit<KnownFinding, "first_seen">[] {
  const complete = new Set(results.filter((r) => r.status === "ok").map((r) => r.scanner));
  const out = new Map<string, Omit<KnownFinding, "first_seen">>();
  for (const k of previous?.values() ?? []) {
    if (!complete.has(k.scanner)) out.set(k.id, k);
  }
  for (const f of results.flatMap((r) => r.findings)) {
    if (f.metadata.passed === true) continue;
    out.set(f.id, {
      id: f.id,
      check_id: f.check_id,
      scanner: f.scanner,
      severity: f.severity,
      title: f.title,
      content_hash: contentHash(f),
    });
  }
  return [...out.values()];
}

/** The key a host's baseline is stored under: the scanned root's machine-id, else its host name. */
export function hostKey(machineId: string | undefined, hostname: string): string {
  const id = machineId?.trim();
  return id && /^[0-9a-f]{32}$/.test(id) ? `machine-id:${id}` : `hostname:${hostname}`;
}
