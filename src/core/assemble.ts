/**
 * Assembling the run's outcome from what scanners do: each draft goes through the finding pipeline as it
 * arrives (and, when emitted, to the live sink), and each scanner's end becomes its `ScannerResult`. The same
 * assembler serves scanners run in this thread and scanners run in a scan worker.
 */
import type { CollectionWarning } from "./context.ts";
import type { ExecSink, ScannerEnd } from "./execute.ts";
import type { Finding, FindingDraft } from "./finding.ts";
import { type PipelineOptions, process } from "./pipeline.ts";
import type { ScannerResult } from "./report.ts";

/** What a run returns. */
export interface RunOutcome {
  results: ScannerResult[];
  warnings: CollectionWarning[];
  errors: { scanner: string; message: string }[];
  deadlineHit: boolean;
  cutShort: string[];
  /** Keys scanners added to `meta`. */
  meta: Record<string, unknown>;
}

interface Partial {
  findings: Finding[];
  /** Ids found before the scanner was started again (its worker replaced): not emitted twice. */
  before: Set<string> | undefined;
  passed: Set<string>;
  passedCount: number;
  below: number;
  startedAt: number;
}

/** An ExecSink that builds the outcome; `onFinding` receives every emitted finding once, as it is emitted. */
export class OutcomeAssembler implements ExecSink {
  readonly #partial = new Map<string, Partial>();
  readonly #results = new Map<string, ScannerResult>();
  readonly #warnings = new Map<string, CollectionWarning[]>();
  readonly #errors = new Map<string, string>();
  readonly #cutShort = new Set<string>();

  constructor(
    readonly pipeline: PipelineOptions,
    readonly onFinding?: (f: Finding) => void | Promise<void>,
  ) {}

  /** True once `scanner` has ended. */
  hasEnded(scanner: string): boolean {
    return this.#results.has(scanner);
  }

  started(scanner: string, at: number): void {
    const p = this.#partial.get(scanner);
    // A scanner started again (its worker was replaced) keeps what it found before; passes are counted anew.
    if (p) {
      p.before = new Set(p.findings.map((f) => f.id));
      p.passedCount = 0;
      p.below = 0;
    } else {
      this.#partial.set(scanner, {
        findings: [],
        before: undefined,
        passed: new Set(),
        passedCount: 0,
        below: 0,
        startedAt: at,
      });
    }
  }

  async draft(scanner: string, draft: FindingDraft): Promise<void> {
    const p = this.#partial.get(scanner);
    if (!p || this.#results.has(scanner)) return;
    const d = process(draft, scanner, this.pipeline);
    if (d.kind === "dropped") {
      p.below++;
      return;
    }
    if (d.kind === "passed") {
      p.passedCount++;
      p.passed.add(d.checkId);
    }
    const f = d.finding;
    if (!f || p.before?.has(f.id)) return;
    p.findings.push(f);
    await this.onFinding?.(f);
  }

  finished(scanner: string, end: ScannerEnd): void {
    if (this.#results.has(scanner)) return;
    const p = this.#partial.get(scanner) ??
      {
        findings: [],
        before: undefined,
        passed: new Set(),
        passedCount: 0,
        below: 0,
        startedAt: end.startedAt,
      };
    this.#results.set(scanner, {
      scanner,
      status: end.status,
      ...(end.reason !== undefined ? { reason: end.reason } : {}),
      start_time: new Date(p.startedAt).toISOString(),
      end_time: new Date(end.endedAt).toISOString(),
      elapsed_ms: end.elapsedMs,
      finding_count: p.findings.length,
      findings: p.findings,
      checks_passed: p.passedCount,
      passed_check_ids: [...p.passed].sort(),
      findings_below_min_severity: p.below,
    });
    this.#warnings.set(scanner, end.warnings);
    if (end.status === "error") this.#errors.set(scanner, end.reason ?? "failed");
    if (end.cutShort) this.#cutShort.add(scanner);
  }

  /** The outcome, with results in the order of `order` (the selection's). */
  outcome(order: readonly string[], meta: ReadonlyMap<string, unknown>, deadlineHit: boolean): RunOutcome {
    return {
      results: order.flatMap((n) => this.#results.get(n) ?? []),
      warnings: order.flatMap((n) => this.#warnings.get(n) ?? []),
      errors: order.filter((n) => this.#errors.has(n)).map((n) => ({
        scanner: n,
        message: this.#errors.get(n)!,
      })),
      deadlineHit,
      cutShort: order.filter((n) => this.#cutShort.has(n)),
      meta: Object.fromEntries([...meta.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)),
    };
  }
}
