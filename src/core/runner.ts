/** Runs the selected scanners concurrently under budgets and a deadline, in a deterministic report order. */
import type { Config } from "./config.ts";
import type { Capabilities } from "../host/capabilities.ts";
import type { Host } from "../host/host.ts";
import { type CollectionWarning, ScanContext, ScanShared } from "./context.ts";
import type { Finding } from "./finding.ts";
import { type PipelineOptions, process } from "./pipeline.ts";
import type { ScannerResult } from "./report.ts";
import type { Scanner } from "./scanner.ts";

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
  /** Aborts the whole scan (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Shared scan state; pass one to receive streamed events (`shared.onEvent`) and meta keys. */
  shared?: ScanShared;
}

/** What the runner returns. */
export interface RunOutcome {
  results: ScannerResult[];
  warnings: CollectionWarning[];
  errors: { scanner: string; message: string }[];
  deadlineHit: boolean;
  cutShort: string[];
  /** Keys scanners added to `meta`. */
  meta: Record<string, unknown>;
}

const ABORTED = Symbol("aborted");

function abortPromise(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener("abort", () => resolve(ABORTED), { once: true });
  });
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * After an interruption (SIGINT/SIGTERM), scanners get this long to wind down and yield what they have (the
 * trace stops its session at once and reports its findings) before they are cut off.
 */
export const INTERRUPT_GRACE_MS = 1500;

/** Default time budget in seconds of most scanners. */
export const DEFAULT_BUDGET_S = 30;
/** Default time budget of slow scanners (whole-filesystem walks, package verification, YARA, tracing). */
export const SLOW_BUDGET_S = 300;

/** A scanner's budget: `--scanner-timeout` when given, else the default for its kind. */
export function scannerBudget(scanner: Scanner, config: Config): number {
  return config.scannerTimeout ?? (scanner.slow ? SLOW_BUDGET_S : DEFAULT_BUDGET_S);
}

/** Concurrency used when neither `--parallel-threads` nor `--parallel` is given. */
export const AUTO_CONCURRENCY = 4;

/** Runs every scanner and collects results in the order of `scanners`. */
export async function runScanners(opts: RunOptions): Promise<RunOutcome> {
  const now = opts.now ?? (() => Date.now());
  const shared = opts.shared ?? new ScanShared();
  shared.scanners = new Set(opts.scanners.map((s) => s.name));
  const deadline = new AbortController();
  let deadlineHit = false;
  const deadlineTimer = opts.config.maxDuration > 0
    ? setTimeout(() => {
      deadlineHit = true;
      deadline.abort(new Error(`scan deadline of ${opts.config.maxDuration}s passed`));
    }, opts.config.maxDuration * 1000)
    : undefined;
  const interrupted = new AbortController();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  opts.signal?.addEventListener("abort", () => {
    graceTimer = setTimeout(() => interrupted.abort(opts.signal!.reason), INTERRUPT_GRACE_MS);
  }, { once: true });
  const outer = AbortSignal.any([deadline.signal, interrupted.signal]);
  const byName = new Map<string, ScannerResult>();
  const warnings = new Map<string, CollectionWarning[]>();
  const errors = new Map<string, string>();
  const cutShort: string[] = [];
  const limit = opts.config.parallelThreads > 0
    ? opts.config.parallelThreads
    : opts.config.parallel
    ? opts.scanners.length
    : AUTO_CONCURRENCY;

  let heavyTurn: Promise<unknown> = Promise.resolve();
  // Slow scanners start first: they set the scan's length, and the fast ones fill the other lanes meanwhile.
  const startOrder = [...opts.scanners.filter((s) => s.slow), ...opts.scanners.filter((s) => !s.slow)];
  await pool(startOrder, limit, async (scanner) => {
    let releaseHeavy = () => {};
    if (scanner.heavy) {
      const previous = heavyTurn;
      heavyTurn = new Promise<void>((resolve) => releaseHeavy = resolve);
      await Promise.race([previous, abortPromise(outer)]);
    }
    const budgetSeconds = scannerBudget(scanner, opts.config);
    const budget = new AbortController();
    const budgetTimer = setTimeout(
      () => budget.abort(new Error(`scanner budget of ${budgetSeconds}s passed`)),
      budgetSeconds * 1000,
    );
    const signal = AbortSignal.any([budget.signal, outer]);
    const ctx = new ScanContext(
      scanner.name,
      opts.config,
      opts.host,
      opts.caps,
      shared,
      signal,
      budgetSeconds,
    );
    const started = now();
    const t0 = performance.now();
    const findings: Finding[] = [];
    const passed = new Set<string>();
    let passedCount = 0;
    let below = 0;
    let status: ScannerResult["status"] = "ok";
    let reason: string | undefined;
    const aborted = abortPromise(signal);
    try {
      if (signal.aborted) throw signal.reason;
      const it = scanner.run(ctx)[Symbol.asyncIterator]();
      while (true) {
        const step = await Promise.race([it.next(), aborted]);
        if (step === ABORTED) {
          it.return?.(undefined)?.catch(() => {});
          throw signal.reason;
        }
        if (step.done) break;
        const d = process(step.value, scanner.name, opts.pipeline);
        if (d.kind === "emitted") {
          findings.push(d.finding);
          await opts.onFinding?.(d.finding);
        } else if (d.kind === "passed") {
          passedCount++;
          passed.add(d.checkId);
          if (d.finding) {
            findings.push(d.finding);
            await opts.onFinding?.(d.finding);
          }
        } else below++;
      }
      if (ctx.skipReason !== undefined) {
        status = "skipped";
        reason = ctx.skipReason;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (signal.aborted) {
        status = "timeout";
        reason = message;
        cutShort.push(scanner.name);
        ctx.warn("truncated", `${scanner.name} cut short: ${message}`);
      } else {
        status = "error";
        reason = message;
        errors.set(scanner.name, message);
      }
    } finally {
      clearTimeout(budgetTimer);
    }
    const ended = now();
    byName.set(scanner.name, {
      scanner: scanner.name,
      status,
      ...(reason !== undefined ? { reason } : {}),
      start_time: new Date(started).toISOString(),
      end_time: new Date(ended).toISOString(),
      elapsed_ms: Math.round((performance.now() - t0) * 1000) / 1000,
      finding_count: findings.length,
      findings,
      checks_passed: passedCount,
      passed_check_ids: [...passed].sort(),
      findings_below_min_severity: below,
    });
    warnings.set(scanner.name, ctx.warnings);
    releaseHeavy();
  });
  shared.dispose();
  if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
  if (graceTimer !== undefined) clearTimeout(graceTimer);
  const order = opts.scanners.map((s) => s.name);
  return {
    results: order.map((n) => byName.get(n)!),
    warnings: order.flatMap((n) => warnings.get(n) ?? []),
    errors: order.filter((n) => errors.has(n)).map((n) => ({ scanner: n, message: errors.get(n)! })),
    deadlineHit,
    cutShort: order.filter((n) => cutShort.includes(n)),
    meta: Object.fromEntries([...shared.meta.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)),
  };
}
