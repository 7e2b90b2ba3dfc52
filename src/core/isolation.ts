/**
 * Running scanners in a scan worker the coordinator can abandon. A scanner stuck in a system call that never
 * returns (a read on a hung FUSE or NFS mount, a /proc file of a process wedged in the kernel) blocks the thread
 * it runs on, and no timer of that thread can fire; so the scanners run in a worker and this thread only
 * coordinates: it runs the finding pipeline on what arrives, and keeps the budgets and the deadline as hard
 * limits. When a scanner has not ended GRACE_MS after its budget (or the scan's deadline or interruption), the
 * worker is terminated: the scanners it was running past their limits are `timeout` with what they had already
 * sent kept, the others it was running start again in a new worker (their findings are not reported twice), and
 * the scanners not started yet go to that new worker too. The report is always written.
 */
import type { Capabilities } from "../host/capabilities.ts";
import { OutcomeAssembler, type RunOutcome } from "./assemble.ts";
import type { Config } from "./config.ts";
import type { CollectionWarning } from "./context.ts";
import { ScanShared } from "./context.ts";
import { deadlineOf, executeScanners, ScanClock, scannerBudget, type ScannerEnd } from "./execute.ts";
import type { FindingDraft } from "./finding.ts";
import type { RunOptions } from "./runner.ts";
import type { Scanner, ScannerInfo } from "./scanner.ts";

/** What a scan worker is told to run. */
export interface RunRequest {
  t: "run";
  config: Config;
  /** The scan root and whether remote filesystems may be read (the Host's options). */
  root: string;
  allowRemote: boolean;
  caps: Capabilities;
  /** Scanner names, in the selection's order. */
  names: string[];
  /** Extra modules to load scanners from (each exports `scanners: Scanner[]`); tests use them. */
  modules: string[];
  deadline: { at: number; message: string } | null;
  /** True when the scan was interrupted before this worker started. */
  interrupted: boolean;
  /**
   * One Int32 the worker sets to the 1-based index (in `names`) of the scanner whose code runs; read by the
   * coordinator while the worker is blocked, to tell the scanner that blocked it from those waiting behind it.
   */
  active: SharedArrayBuffer;
}

/**
 * Messages from the coordinator to a scan worker. `preload` names built-in scanners the scan will (or, before its
 * flags are parsed, likely will) run, so a worker started before the scan was prepared loads their modules
 * meanwhile (it runs nothing until `run`, and only the scanners `run` names).
 */
export type ToWorker =
  | RunRequest
  | { t: "interrupt" }
  | { t: "preload"; names: string[] }
  /** The port of the main thread's helper server (src/host/helper_worker.ts), sent first. */
  | { t: "helpers"; port: MessagePort };

/** Messages from a scan worker to the coordinator. */
export type FromWorker =
  | { t: "started"; scanner: string; at: number }
  | { t: "draft"; scanner: string; draft: FindingDraft }
  | { t: "finished"; scanner: string; end: ScannerEnd }
  | { t: "event"; type: string; record: Record<string, unknown> }
  | { t: "meta"; key: string; value: unknown }
  | { t: "done" }
  | { t: "failed"; message: string };

/** How long past a limit a scanner may go before its worker is abandoned. */
export const GRACE_MS = 2000;

/** What runIsolated needs: RunOptions with descriptors in place of scanners, and how to start a worker. */
export interface IsolatedOptions extends Omit<RunOptions, "scanners"> {
  /** The scanners to run (their code is loaded in the worker). */
  scanners: readonly ScannerInfo[];
  /**
   * Loads the code of the named scanners in this thread, for when no worker can start (the CLI's
   * `loaders.ts`, imported only then).
   */
  loadInThread: (names: readonly string[]) => Promise<Scanner[]>;
  /** Starts a scan worker (the CLI's `scan_worker.ts`). */
  spawn: () => Worker;
  /** The Host's options, for the worker's Host. */
  allowRemote: boolean;
  /** Extra scanner modules (tests). */
  modules?: readonly string[];
  /** Overrides GRACE_MS (tests). */
  graceMs?: number;
}

interface Running {
  /** performance.now() when it started. */
  t0: number;
  budgetMs: number;
}

/** Starts of a scanner in a new worker after its first worker was abandoned while it waited, at most. */
const MAX_RESTARTS = 1;

/** How one worker's turn ended. */
type Turn = "done" | "abandoned" | "failed_to_start";

/** Runs the scanners in scan workers (see the module comment) and returns their outcome in selection order. */
export async function runIsolated(opts: IsolatedOptions): Promise<RunOutcome> {
  const now = opts.now ?? (() => Date.now());
  const shared = opts.shared ?? new ScanShared();
  const graceMs = opts.graceMs ?? GRACE_MS;
  const deadline = deadlineOf(opts.config, now());
  using clock = new ScanClock(deadline, opts.signal);
  const assembler = new OutcomeAssembler(opts.pipeline, opts.onFinding);
  const order = opts.scanners.map((s) => s.name);
  const budgets = new Map(opts.scanners.map((s) => [s.name, scannerBudget(s, opts.config) * 1000]));
  const extraWarnings: CollectionWarning[] = [];
  const restarts = new Map<string, number>();
  let pending = [...order];
  let clockAbortedAt: number | undefined;
  clock.signal.addEventListener("abort", () => clockAbortedAt = performance.now(), { once: true });

  while (pending.length > 0) {
    const names = pending;
    pending = [];
    const turn = await workerTurn(names);
    if (turn === "failed_to_start") {
      // Without a worker the scanners still run, in this thread (a stuck one then holds the scan up).
      const rest = new Set(names.filter((n) => !assembler.hasEnded(n)));
      await executeScanners({
        scanners: await opts.loadInThread(order.filter((n) => rest.has(n))),
        config: opts.config,
        host: opts.host,
        caps: opts.caps,
        shared,
        clock,
        now,
      }, assembler);
      break;
    }
    if (clock.signal.aborted) {
      for (const n of pending) endWithoutWorker(n, "not started: the scan was cut off before its turn");
      pending = [];
    }
  }
  for (const n of order) {
    if (!assembler.hasEnded(n)) endWithoutWorker(n, "its scan worker ended without reporting it");
  }
  const outcome = assembler.outcome(order, shared.meta, clock.deadlineHit);
  outcome.warnings.push(...extraWarnings);
  return outcome;

  function endWithoutWorker(name: string, reason: string): void {
    const at = now();
    assembler.finished(name, {
      status: "timeout",
      reason,
      startedAt: at,
      endedAt: at,
      elapsedMs: 0,
      warnings: [{ scanner: name, code: "truncated", detail: `${name} cut short: ${reason}` }],
      cutShort: true,
    });
  }

  /** One worker runs `names` until it is done, or is abandoned; what it did not start goes back to `pending`. */
  function workerTurn(names: string[]): Promise<Turn> {
    const running = new Map<string, Running>();
    const notStarted = new Set(names);
    const active = new Int32Array(new SharedArrayBuffer(4));
    let started = false;
    let worker: Worker;
    try {
      worker = opts.spawn();
    } catch (e) {
      extraWarnings.push({
        scanner: "sys-scan",
        code: "isolation_unavailable",
        detail: `scan worker could not start (${
          e instanceof Error ? e.message : String(e)
        }); scanners ran in the main thread`,
      });
      return Promise.resolve("failed_to_start");
    }
    // Messages are applied in order: a draft's pipeline step may wait on the live sink.
    let chain: Promise<void> = Promise.resolve();
    return new Promise<Turn>((resolve) => {
      let settled = false;
      const settle = (turn: Turn) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        opts.signal?.removeEventListener("abort", forwardInterrupt);
        worker.terminate();
        chain.then(() => resolve(turn));
      };
      const forwardInterrupt = () => worker.postMessage({ t: "interrupt" } satisfies ToWorker);
      opts.signal?.addEventListener("abort", forwardInterrupt, { once: true });
      worker.onmessage = (ev: MessageEvent<FromWorker>) => {
        const m = ev.data;
        switch (m.t) {
          case "started":
            started = true;
            notStarted.delete(m.scanner);
            running.set(m.scanner, { t0: performance.now(), budgetMs: budgets.get(m.scanner) ?? 30_000 });
            chain = chain.then(() => assembler.started(m.scanner, m.at));
            break;
          case "draft":
            chain = chain.then(() => assembler.draft(m.scanner, m.draft));
            break;
          case "finished":
            running.delete(m.scanner);
            chain = chain.then(() => assembler.finished(m.scanner, m.end));
            break;
          case "event":
            shared.onEvent?.(m.type, m.record);
            break;
          case "meta":
            shared.meta.set(m.key, m.value);
            break;
          case "done":
            settle("done");
            break;
          case "failed":
            workerFailed(m.message);
            break;
        }
      };
      worker.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        workerFailed(ev.message || "uncaught error");
      };
      const workerFailed = (message: string) => {
        if (!started) {
          extraWarnings.push({
            scanner: "sys-scan",
            code: "isolation_unavailable",
            detail:
              `scan worker failed before any scanner started (${message}); scanners ran in the main thread`,
          });
          settle("failed_to_start");
          return;
        }
        for (const name of running.keys()) {
          const e = end(name, "error", `its scan worker failed: ${message}`, false);
          chain = chain.then(() => assembler.finished(name, e));
        }
        running.clear();
        pending.push(...notStarted);
        settle("abandoned");
      };
      const watchdog = setInterval(() => {
        const t = performance.now();
        const cutOff = clockAbortedAt !== undefined && t - clockAbortedAt > graceMs;
        const over = [...running].filter(([, r]) => cutOff || t - r.t0 > r.budgetMs + graceMs);
        if (over.length === 0) return;
        // The worker is blocked (or busy past a limit). The scanner whose code ran last blocked it; the others
        // in it only waited, and start again in a new worker, once.
        const blocker = names[Atomics.load(active, 0) - 1];
        const blockerKnown = blocker !== undefined && running.has(blocker);
        for (const [name, r] of [...running]) {
          const isOver = over.some(([n]) => n === name);
          const restarted = (restarts.get(name) ?? 0) >= MAX_RESTARTS;
          const guilty = cutOff || name === blocker || (isOver && (restarted || !blockerKnown));
          if (!guilty) continue;
          const limit = cutOff
            ? "the scan's deadline or interruption"
            : isOver
            ? `its budget of ${r.budgetMs / 1000}s`
            : `another scanner's budget (it held the scan worker)`;
          const reason = `${name} did not return within ${graceMs / 1000}s after ${limit} (blocked in a ` +
            "system call or a long computation); its scan worker was abandoned and what it had found is kept";
          const e = end(name, "timeout", reason, true);
          running.delete(name);
          chain = chain.then(() => assembler.finished(name, e));
        }
        for (const name of running.keys()) restarts.set(name, (restarts.get(name) ?? 0) + 1);
        pending.push(...running.keys(), ...notStarted);
        running.clear();
        settle("abandoned");
      }, Math.min(250, graceMs / 4));
      const request: RunRequest = {
        t: "run",
        config: opts.config,
        root: opts.host.root,
        allowRemote: opts.allowRemote,
        caps: opts.caps,
        names,
        modules: [...(opts.modules ?? [])],
        deadline,
        interrupted: opts.signal?.aborted ?? false,
        active: active.buffer as SharedArrayBuffer,
      };
      worker.postMessage(request);
    });

    function end(name: string, status: "timeout" | "error", reason: string, cutShort: boolean): ScannerEnd {
      const r = running.get(name);
      const at = now();
      return {
        status,
        reason,
        startedAt: at,
        endedAt: at,
        elapsedMs: r ? Math.round(performance.now() - r.t0) : 0,
        warnings: [{ scanner: name, code: "truncated", detail: `${name} cut short: ${reason}` }],
        cutShort,
      };
    }
  }
}
