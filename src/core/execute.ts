/**
 * Executing scanners: the concurrency pool, the turns of heavy scanners, each scanner's budget and context, and
 * the scan's deadline and interruption. What the scanners produce goes to an `ExecSink` as it happens — in the
 * same thread (`runScanners`) or from a scan worker to its coordinator (`runIsolated`); turning drafts into
 * findings is the sink's business, not this loop's.
 */
import type { Capabilities } from "../host/capabilities.ts";
import type { Host } from "../host/host.ts";
import type { Config } from "./config.ts";
import { type CollectionWarning, ScanContext, type ScanShared } from "./context.ts";
import type { FindingDraft } from "./finding.ts";
import type { ScannerResult } from "./report.ts";
import type { Scanner } from "./scanner.ts";

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
export function scannerBudget(scanner: Pick<Scanner, "slow">, config: Config): number {
  return config.scannerTimeout ?? (scanner.slow ? SLOW_BUDGET_S : DEFAULT_BUDGET_S);
}

/** Concurrency used when neither `--parallel-threads` nor `--parallel` is given. */
export const AUTO_CONCURRENCY = 4;

/** How one scanner ended. */
export interface ScannerEnd {
  status: ScannerResult["status"];
  reason?: string;
  /** Wall clock (ms since the epoch) when it started and ended. */
  startedAt: number;
  endedAt: number;
  elapsedMs: number;
  /** Its collection warnings. */
  warnings: CollectionWarning[];
  /** True when it was cut off (budget, deadline, interruption): listed in `meta.cut_short`. */
  cutShort: boolean;
}

/** Receives what the scanners do, as it happens. */
export interface ExecSink {
  started(scanner: string, at: number): void;
  /** A draft, in the order the scanner yielded it; the loop waits for a returned promise. */
  draft(scanner: string, draft: FindingDraft): void | Promise<void>;
  finished(scanner: string, end: ScannerEnd): void;
}

/** The deadline and the interruption of one scan, as one signal that cuts every scanner off. */
export class ScanClock implements Disposable {
  readonly #deadline = new AbortController();
  readonly #interrupted = new AbortController();
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Aborted at the deadline, or INTERRUPT_GRACE_MS after an interruption. */
  readonly signal: AbortSignal;

  /**
   * `deadline`: when it falls (ms since the epoch) and the message scanners cut off by it get, or null for none.
   * `interrupt` (SIGINT/SIGTERM) starts the grace period.
   */
  constructor(deadline: { at: number; message: string } | null, interrupt?: AbortSignal) {
    this.signal = AbortSignal.any([this.#deadline.signal, this.#interrupted.signal]);
    if (deadline !== null) {
      this.#deadlineTimer = setTimeout(
        () => this.hitDeadline(deadline.message),
        Math.max(0, deadline.at - Date.now()),
      );
    }
    if (interrupt) {
      if (interrupt.aborted) this.interrupt(interrupt.reason);
      else interrupt.addEventListener("abort", () => this.interrupt(interrupt.reason), { once: true });
    }
  }

  /** True once the deadline passed. */
  get deadlineHit(): boolean {
    return this.#deadline.signal.aborted;
  }

  /** Cuts every scanner off now, as the deadline does. */
  hitDeadline(message = "scan deadline passed"): void {
    this.#deadline.abort(new Error(message));
  }

  /** Starts the interruption's grace period (once). */
  interrupt(reason: unknown = new Error("interrupted by signal")): void {
    if (this.#graceTimer !== undefined) return;
    this.#graceTimer = setTimeout(() => this.#interrupted.abort(reason), INTERRUPT_GRACE_MS);
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#deadlineTimer);
    clearTimeout(this.#graceTimer);
  }
}

/** The scan's deadline (`--max-duration` from `startedAt`), or null without one. */
export function deadlineOf(config: Config, startedAt: number): { at: number; message: string } | null {
  return config.maxDuration > 0
    ? { at: startedAt + config.maxDuration * 1000, message: `scan deadline of ${config.maxDuration}s passed` }
    : null;
}

const ABORTED = Symbol("aborted");

function abortPromise(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener("abort", () => resolve(ABORTED), { once: true });
  });
}

/** Runs `work` over `items` with at most `limit` in flight. */
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

/** What executeScanners needs. */
export interface ExecOptions {
  scanners: readonly Scanner[];
  config: Config;
  host: Host;
  caps: Capabilities;
  shared: ScanShared;
  /** The scan's deadline and interruption. */
  clock: ScanClock;
  /** Wall clock, injectable for tests. */
  now?: () => number;
  /** Told which scanner's code runs, whenever that may have changed (see ScanContext.onActive). */
  onActive?: (scanner: string) => void;
}

/** The scanners' concurrency for a config: `--parallel-threads`, all with `--parallel`, else AUTO_CONCURRENCY. */
export function concurrency(config: Config, scanners: number): number {
  return config.parallelThreads > 0 ? config.parallelThreads : config.parallel ? scanners : AUTO_CONCURRENCY;
}

/**
 * Runs every scanner, slow ones first, at most `concurrency` at a time and heavy ones one after another, each
 * under its budget and the clock; reports each start, draft and end to `sink`. Disposes the shared state's
 * resources (census workers) at the end.
 */
export async function executeScanners(opts: ExecOptions, sink: ExecSink): Promise<void> {
  const now = opts.now ?? (() => Date.now());
  const { shared, clock } = opts;
  shared.scanners = new Set(opts.scanners.map((s) => s.name));
  let heavyTurn: Promise<unknown> = Promise.resolve();
  // Slow scanners start first: they set the scan's length, and the fast ones fill the other lanes meanwhile.
  const startOrder = [...opts.scanners.filter((s) => s.slow), ...opts.scanners.filter((s) => !s.slow)];
  await pool(startOrder, concurrency(opts.config, opts.scanners.length), async (scanner) => {
    let releaseHeavy = () => {};
    if (scanner.heavy) {
      const previous = heavyTurn;
      heavyTurn = new Promise<void>((resolve) => releaseHeavy = resolve);
      await Promise.race([previous, abortPromise(clock.signal)]);
    }
    try {
      await runOne(scanner, opts, sink, now);
    } finally {
      releaseHeavy();
    }
  });
  shared.dispose();
}

async function runOne(scanner: Scanner, opts: ExecOptions, sink: ExecSink, now: () => number): Promise<void> {
  const budgetSeconds = scannerBudget(scanner, opts.config);
  const budget = new AbortController();
  const budgetTimer = setTimeout(
    () => budget.abort(new Error(`scanner budget of ${budgetSeconds}s passed`)),
    budgetSeconds * 1000,
  );
  const signal = AbortSignal.any([budget.signal, opts.clock.signal]);
  const ctx = new ScanContext(
    scanner.name,
    opts.config,
    opts.host,
    opts.caps,
    opts.shared,
    signal,
    budgetSeconds,
  );
  const active = opts.onActive;
  if (active) ctx.onActive = () => active(scanner.name);
  const startedAt = now();
  const t0 = performance.now();
  sink.started(scanner.name, startedAt);
  let status: ScannerResult["status"] = "ok";
  let reason: string | undefined;
  let cutShort = false;
  const aborted = abortPromise(signal);
  try {
    if (signal.aborted) throw signal.reason;
    const it = scanner.run(ctx)[Symbol.asyncIterator]();
    while (true) {
      ctx.onActive?.();
      const step = await Promise.race([it.next(), aborted]);
      if (step === ABORTED) {
        it.return?.(undefined)?.catch(() => {});
        throw signal.reason;
      }
      if (step.done) break;
      await sink.draft(scanner.name, step.value);
    }
    if (ctx.skipReason !== undefined) {
      status = "skipped";
      reason = ctx.skipReason;
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    reason = message;
    if (signal.aborted) {
      status = "timeout";
      cutShort = true;
      ctx.warn("truncated", `${scanner.name} cut short: ${message}`);
    } else status = "error";
  } finally {
    clearTimeout(budgetTimer);
  }
  sink.finished(scanner.name, {
    status,
    ...(reason !== undefined ? { reason } : {}),
    startedAt,
    endedAt: now(),
    elapsedMs: Math.round((performance.now() - t0) * 1000) / 1000,
    warnings: ctx.warnings,
    cutShort,
  });
}
