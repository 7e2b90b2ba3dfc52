/**
 * The baseline side of a scan: the database, opened before scanning (so a bad one fails fast), and the compare
 * stage that marks each finding new, existing or changed, lists what was resolved, and records the new state.
 */
import type { Config } from "../core/config.ts";
import { type Report, ReportSchema } from "../core/report.ts";
import { ok, type Result } from "../core/result.ts";
import { after } from "../core/scan_stages.ts";
import type { Host } from "../host/host.ts";
import type { Identity } from "../host/identity.ts";
import { defaultStatePath } from "./sqlite.ts";
import { BaselineStore } from "./store.ts";

/** The default database path: /var/lib/sys-scan when root, the XDG state directory otherwise. */
export function defaultBaselinePath(euid: number, env: (k: string) => string | undefined): string {
  return defaultStatePath(euid, env, "baseline.db");
}

/** The baseline database of a scan: where it is, and the open store (none without `--baseline`, or no file yet). */
export class ScanBaseline implements Disposable {
  constructor(readonly path: string, readonly store: BaselineStore | undefined) {}

  /**
   * Opens the database `--baseline` asks for (`--baseline-update` creates it): `--baseline-db`, else the default
   * path for this euid. Without `--baseline` nothing is opened.
   */
  static open(config: Config, euid: number, env: (k: string) => string | undefined): Result<ScanBaseline> {
    const path = config.baselineDb ?? defaultBaselinePath(euid, env);
    if (!config.baseline) return ok(new ScanBaseline(path, undefined));
    const opened = BaselineStore.open(path, config.baselineUpdate);
    if (!opened.ok) return opened;
    return ok(new ScanBaseline(path, opened.value));
  }

  /** Closes the store. Safe to call more than once. */
  [Symbol.dispose](): void {
    this.store?.close();
  }
}

/** What the compare stage reads and fills in. */
export interface CompareInput {
  readonly config: Config;
  readonly host: Host;
  readonly identity: Identity;
  /** When the run began. */
  startedAt: number;
  readonly baseline: ScanBaseline;
  report: Report | undefined;
}

/**
 * With `--baseline`: sets each finding's `baseline_status`, adds `summary_extension.baseline` and
 * `meta.baseline`, and with `--baseline-update` records this scan as the known state of the host (keyed by
 * the scanned root's machine-id, else its host name).
 */
export async function compareStage(scan: CompareInput): Promise<Result<void>> {
  const { config, host, identity, baseline } = scan;
  if (!config.baseline) return ok(undefined);
  // The comparison (and node:crypto, which it hashes with) is loaded only for a scan with --baseline.
  const { compareWithBaseline, hostKey, knownStateAfter } = await import("./compare.ts");
  const report = after(scan.report, "the report");
  const store = baseline.store;
  const machineId = host.readText("/etc/machine-id", 128);
  const key = hostKey(machineId.ok ? machineId.value : undefined, identity.hostname);
  const known = store?.hasHost(key) ? store.known(key) : undefined;
  const summary = compareWithBaseline(report.results, known, baseline.path, key);
  if (config.baselineUpdate && store) {
    store.record(
      key,
      {
        scannedAt: new Date(scan.startedAt).toISOString(),
        hostname: identity.hostname,
        scanRoot: config.root,
      },
      knownStateAfter(report.results, known),
    );
    summary.updated = true;
  }
  scan.report = ReportSchema.parse({
    ...report,
    meta: { ...report.meta, baseline: { status: summary.status, db: summary.db } },
    summary_extension: { ...report.summary_extension, baseline: summary },
  });
  return ok(undefined);
}
