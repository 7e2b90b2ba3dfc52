/**
 * The scan stages core owns: `run` (the selected scanners through the finding pipeline, streaming what they
 * find to a live sink) and `enrich` (the report, with every pipeline step's keys). Each stage reads what the
 * stages before it left in the scan and fills in its own part; the CLI runs them in order.
 */
import type { Capabilities } from "../host/capabilities.ts";
import type { Host } from "../host/host.ts";
import type { Identity } from "../host/identity.ts";
import { type BuildInput, buildReport } from "./build.ts";
import type { Catalogue } from "./catalogue.ts";
import type { Config } from "./config.ts";
import type { CollectionWarning, ScanShared } from "./context.ts";
import type { Finding } from "./finding.ts";
import type { ScanInterrupt } from "./interrupt.ts";
import type { Pipeline, Stage } from "./pipeline.ts";
import type { Provenance, Report } from "./report.ts";
import { ok, type Result } from "./result.ts";
import { type RunOutcome, runScanners } from "./runner.ts";
import { type IsolatedOptions, runIsolated } from "./isolation.ts";
import type { Scanner, ScannerInfo } from "./scanner.ts";

/** Where findings and events go while the scan runs (NDJSON output streams them as they come). */
export interface LiveSink {
  /** Before the first scanner: a report without results, for its meta. */
  start(preview: Report): Promise<void>;
  /** An emitted finding, as it leaves the pipeline. */
  finding(f: Finding): Promise<void>;
  /** A streamed record of its own type (trace events). */
  event(type: string, record: Record<string, unknown>): void;
}

/** What every report of the scan is built from, besides the run's outcome. */
export interface ReportFacts {
  readonly config: Config;
  readonly host: Host;
  readonly identity: Identity;
  readonly caps: Capabilities;
  readonly provenance: Provenance;
  readonly cmdline: string;
  readonly env: (key: string) => string | undefined;
  /** `meta.security`: what self-protection did. */
  readonly security: Record<string, unknown>;
  /** When the run began (set by the run stage). */
  startedAt: number;
}

/** What the run stage reads and fills in. */
export interface RunInput extends ReportFacts {
  /** The scanners to run, in selection order. */
  readonly selected: readonly ScannerInfo[];
  readonly catalogue: Catalogue;
  readonly pipeline: Pipeline;
  /** Stages after the pipeline's own (tests inject them). */
  readonly extraStages: readonly Stage[];
  /** Stages after everything else (redaction). */
  readonly lastStages: readonly Stage[];
  readonly shared: ScanShared;
  readonly interrupt: ScanInterrupt;
  readonly live: LiveSink | undefined;
  /**
   * Where the scanners run: in scan workers the run can abandon (`isolation.ts`), or in this thread with the
   * code given (scanners made on the spot by tests cannot cross into a worker).
   */
  readonly execution:
    | { isolated: Pick<IsolatedOptions, "spawn" | "allowRemote" | "modules" | "loadInThread"> }
    | { inThread: readonly Scanner[] };
  outcome: RunOutcome | undefined;
}

/** What the enrich stage reads and fills in. */
export interface EnrichInput extends ReportFacts {
  readonly catalogue: Catalogue;
  readonly pipeline: Pipeline;
  /** `meta` keys found while preparing the scan (plugins). */
  readonly preparedMeta: Record<string, unknown>;
  /** Collection warnings found while preparing the scan (the plugin directory). */
  readonly preparedWarnings: readonly CollectionWarning[];
  outcome: RunOutcome | undefined;
  report: Report | undefined;
}

const NO_OUTCOME: RunOutcome = {
  results: [],
  warnings: [],
  errors: [],
  deadlineHit: false,
  cutShort: [],
  meta: {},
};

/** The value a later stage needs from an earlier one; a stage run out of order is a programming error. */
export function after<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`scan stages out of order: ${what} is not there yet`);
  return value;
}

function facts(scan: ReportFacts): Omit<BuildInput, "outcome" | "finishedAt"> {
  const { config, identity, caps, provenance, startedAt, cmdline, env } = scan;
  return { config, identity, caps, provenance, startedAt, cmdline, env };
}

/**
 * Runs the selected scanners through the pipeline (rules → risk → compliance → redaction) under their budgets,
 * the deadline and SIGINT/SIGTERM. A live sink first gets the report's meta, then every finding and event.
 */
export async function runStage(scan: RunInput): Promise<Result<void>> {
  scan.interrupt.listen();
  scan.startedAt = Date.now();
  const live = scan.live;
  if (live) {
    const preview = buildReport({
      ...facts(scan),
      outcome: NO_OUTCOME,
      finishedAt: scan.startedAt,
      meta: { security: scan.security },
    });
    await live.start(preview);
    scan.shared.onEvent = (type, record) => live.event(type, record);
  }
  const options = {
    config: scan.config,
    host: scan.host,
    caps: scan.caps,
    shared: scan.shared,
    signal: scan.interrupt.signal,
    pipeline: {
      catalogue: scan.catalogue,
      stages: scan.pipeline.stages(scan.catalogue, scan.extraStages, scan.lastStages),
      minSeverity: scan.config.minSeverity,
      includePassed: scan.config.includePassed,
    },
    onFinding: live ? (f: Finding) => live.finding(f) : undefined,
  };
  const exec = scan.execution;
  scan.outcome = "isolated" in exec
    ? await runIsolated({ ...options, scanners: scan.selected, ...exec.isolated })
    : await runScanners({ ...options, scanners: exec.inThread });
  return ok(undefined);
}

/** Builds the report from the run and adds every pipeline step's keys (suppressions, host risk, controls). */
export function enrichStage(scan: EnrichInput): Result<void> {
  const report = buildReport({
    ...facts(scan),
    outcome: after(scan.outcome, "the run's outcome"),
    finishedAt: Date.now(),
    meta: { scan_root: scan.host.root, security: scan.security, ...scan.preparedMeta },
    warnings: scan.preparedWarnings,
  });
  scan.report = scan.pipeline.finish(report, scan.catalogue);
  return ok(undefined);
}
