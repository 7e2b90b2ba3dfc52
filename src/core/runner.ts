/**
 * Runs the selected scanners in this thread, concurrently under budgets and a deadline, and returns their
 * outcome in the selection's order. (The CLI runs them in a scan worker it can abandon instead: `isolation.ts`;
 * both use the same execution loop and assembler.)
 */
import type { Capabilities } from "../host/capabilities.ts";
import type { Host } from "../host/host.ts";
import { OutcomeAssembler, type RunOutcome } from "./assemble.ts";
import type { Config } from "./config.ts";
import { ScanShared } from "./context.ts";
import { deadlineOf, executeScanners, ScanClock } from "./execute.ts";
import type { Finding } from "./finding.ts";
import type { PipelineOptions } from "./pipeline.ts";
import type { Scanner } from "./scanner.ts";

export type { RunOutcome } from "./assemble.ts";
export {
  AUTO_CONCURRENCY,
  DEFAULT_BUDGET_S,
  INTERRUPT_GRACE_MS,
  scannerBudget,
  SLOW_BUDGET_S,
} from "./execute.ts";

/** Everything the runner needs. */
export interface RunOptions {
  scanners: readonly Scanner[];
  config: Config;
  host: Host;
  caps: Capabilities;
  pipeline: PipelineOptions;
  /** Called for every emitted finding as soon as it leaves the pipeline (NDJSON streaming). */
  onFinding?: (f: Finding) => void | Promise<void>;
  /** Wall clock, injectable for tests. */
  now?: () => number;
  /** Aborts the whole scan (SIGINT/SIGTERM), after a grace period for scanners to wind down. */
  signal?: AbortSignal;
  /** Shared scan state; pass one to receive streamed events (`shared.onEvent`) and meta keys. */
  shared?: ScanShared;
}

/** Runs every scanner in this thread and collects results in the order of `scanners`. */
export async function runScanners(opts: RunOptions): Promise<RunOutcome> {
  const now = opts.now ?? (() => Date.now());
  const shared = opts.shared ?? new ScanShared();
  using clock = new ScanClock(deadlineOf(opts.config, now()), opts.signal);
  const assembler = new OutcomeAssembler(opts.pipeline, opts.onFinding);
  await executeScanners(
    { scanners: opts.scanners, config: opts.config, host: opts.host, caps: opts.caps, shared, clock, now },
    assembler,
  );
  return assembler.outcome(opts.scanners.map((s) => s.name), shared.meta, clock.deadlineHit);
}
