/** ScanContext: everything a scanner may use — config, host, limits, warnings, cancellation, shared memo. */
import type { Config } from "./config.ts";
import type { Host } from "../host/host.ts";
import type { Capabilities } from "../host/capabilities.ts";
import { yieldToEventLoop } from "../host/yield.ts";

/** A collection warning: something could not be read or a limit was hit. */
export interface CollectionWarning {
  scanner: string;
  code: string;
  detail?: string;
}

/** State shared by all scanners of one scan (e.g. the /proc snapshot), computed at most once. */
export class ScanShared {
  readonly #memo = new Map<string, unknown>();
  readonly #cleanups: (() => void)[] = [];
  /** Names of the scanners running in this scan (set by the runner), so shared work can cover all of them. */
  scanners: ReadonlySet<string> = new Set();
  /** Keys scanners add to the report's `meta` (e.g. trace metrics), by key. */
  readonly meta = new Map<string, unknown>();
  /** Receives streamed records (e.g. trace events) as they happen; set by the CLI for NDJSON output. */
  onEvent: ((type: string, record: Record<string, unknown>) => void) | undefined;
  /** Receives every `meta` key as it is set (a scan worker forwards them to its coordinator). */
  onMeta: ((key: string, value: unknown) => void) | undefined;

  /** Returns the value stored under `key`, computing it with `make` the first time. */
  memo<T>(key: string, make: () => T): T {
    if (!this.#memo.has(key)) this.#memo.set(key, make());
    return this.#memo.get(key) as T;
  }

  /** Registers work to stop when the scan is over (e.g. census workers still walking). */
  onDispose(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  /** Runs and forgets the registered cleanups; called by the runner when every scanner has finished. */
  dispose(): void {
    for (const c of this.#cleanups.splice(0)) c();
  }
}

/** Warnings of one code a scanner keeps. */
export const WARNINGS_PER_CODE = 200;
/** Warnings a scanner keeps in all. */
export const WARNINGS_MAX = 2000;

/** Per-scanner view of the scan. */
export class ScanContext {
  /** Set when the scanner decided it cannot run here; the reason goes into the report. */
  skipReason: string | undefined;
  readonly warnings: CollectionWarning[] = [];
  #lastYield = performance.now();
  readonly #host: Host;
  /**
   * Told that this scanner's code is running (it asked for the host, or passed a checkpoint), so that a
   * coordinator can tell which scanner blocked the thread when one does (`isolation.ts`).
   */
  onActive: (() => void) | undefined;

  constructor(
    readonly scanner: string,
    readonly config: Config,
    host: Host,
    readonly caps: Capabilities,
    readonly shared: ScanShared,
    readonly signal: AbortSignal,
    /** This scanner's time budget in seconds (after it, the runner cuts it off). */
    readonly budgetSeconds: number,
  ) {
    this.#host = host;
  }

  /** The host to read, root-relative (`--root`). */
  get host(): Host {
    this.onActive?.();
    return this.#host;
  }

  /** How many warnings of each code were recorded (kept or not). */
  readonly #perCode = new Map<string, number>();

  /**
   * Records a collection warning (unreadable input, limit hit as `truncated`, …). At most WARNINGS_PER_CODE of one
   * code and WARNINGS_MAX in all are kept, each cut said once: a planted flood of one kind (a thousand FIFOs)
   * does not push the other kinds out of the report.
   */
  warn(code: string, detail?: string): void {
    const n = (this.#perCode.get(code) ?? 0) + 1;
    this.#perCode.set(code, n);
    if (this.warnings.length > WARNINGS_MAX) return;
    if (this.warnings.length === WARNINGS_MAX) {
      this.warnings.push({
        scanner: this.scanner,
        code: "truncated",
        detail: `more than ${WARNINGS_MAX} warnings`,
      });
    } else if (n <= WARNINGS_PER_CODE) this.warnings.push({ scanner: this.scanner, code, detail });
    else if (n === WARNINGS_PER_CODE + 1) {
      this.warnings.push({
        scanner: this.scanner,
        code: "truncated",
        detail: `more than ${WARNINGS_PER_CODE} ${code} warnings: the rest are not listed`,
      });
    }
  }

  /** Adds a key to the report's `meta` (e.g. `trace` metrics). Later calls with the same key replace it. */
  setMeta(key: string, value: unknown): void {
    this.shared.meta.set(key, value);
    this.shared.onMeta?.(key, value);
  }

  /** Streams a record of its own type (NDJSON writes it at once; other formats ignore it). */
  event(type: string, record: Record<string, unknown>): void {
    this.shared.onEvent?.(type, record);
  }

  /** Marks the scanner as skipped (could not check), with a reason a person can act on. */
  skip(reason: string): void {
    this.skipReason = reason;
  }

  /** True once the scanner's budget or the scan deadline has passed. */
  get aborted(): boolean {
    return this.signal.aborted;
  }

  /**
   * Call inside long loops: yields to the event loop every few milliseconds (so budgets and deadlines can fire)
   * and throws once the scanner was cut off.
   */
  async checkpoint(): Promise<void> {
    this.onActive?.();
    if (this.signal.aborted) throw this.signal.reason ?? new Error("aborted");
    if (performance.now() - this.#lastYield > 20) {
      await yieldToEventLoop();
      this.onActive?.();
      // Measured from when this scanner runs again, so each scanner gets a full slice between yields.
      this.#lastYield = performance.now();
      if (this.signal.aborted) throw this.signal.reason ?? new Error("aborted");
    }
  }
}
