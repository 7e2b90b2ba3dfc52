/**
 * What a yara scan has seen, taken in walk order: each walked file gets an index when it is sent to be scanned
 * (here or on a helper thread), and results are taken only in index order, so the findings, the counts, the
 * first example of each warning and where the scan stops (libyara's timeout, too many matches) are those of a
 * scan on one thread, whichever thread scanned what.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { WalkEntry } from "../../host/walker.ts";
import { ERROR_SCAN_TIMEOUT, type RuleMatch } from "./engine.ts";
import type { FileScan } from "./file_scan.ts";

/** Matches kept at most (a rule that matches everything should not flood the report). */
export const MAX_MATCHES = 1000;

/** Counts of files not scanned for one reason, with the first example, reported once at the end. */
class Tally {
  count = 0;
  example = "";
  add(example: string): void {
    if (this.count++ === 0) this.example = example;
  }
}

/** A walked file as the results need it. */
export type Walked = Pick<WalkEntry, "path" | "size">;

/** Matches libyara reported during one file's scan that could not be read, and the first one's error. */
export interface CallbackErrors {
  count: number;
  first: string;
}

/** A file a helper thread claimed and did not answer before it was ended: not scanned. */
export type Unanswered = { kind: "unanswered" };

/** Builds the finding of one match (scanner.ts). */
export type DraftFor = (m: RuleMatch, path: string, size: number, sha256: string) => FindingDraft;

/** The scan's counts and warnings, fed results in walk order. */
export class ScanRun {
  /** Files scanned (results taken). */
  scanned = 0;
  matches = 0;
  /** Set when a result stopped the scan (libyara's timeout, too many matches): take nothing more. */
  stopped = false;
  /** Indexes handed out, and the next one to take. */
  #next = 0;
  #taken = 0;
  readonly #waiting = new Map<number, { e: Walked; t: FileScan | Unanswered; errors?: CallbackErrors }>();
  readonly #tooLarge = new Tally();
  readonly #changed = new Tally();
  readonly #shrank = new Tally();
  readonly #unreadable = new Tally();
  readonly #failed = new Tally();
  readonly #tooMany = new Tally();
  readonly #unanswered = new Tally();
  #callbackErrors = 0;
  #callbackError: string | undefined;

  constructor(readonly ctx: ScanContext, readonly draftFor: DraftFor) {}

  /** The index of the next file sent to be scanned. */
  index(): number {
    return this.#next++;
  }

  /** Files sent and not taken yet (their results are due, or wait for an earlier one's). */
  get inFlight(): number {
    return this.#next - this.#taken;
  }

  /**
   * Puts file `i`'s result in, with the matches that could not be read while scanning it; `take` hands it out
   * in its turn (and counts those then, so a result dropped after a stop counts nothing).
   */
  put(i: number, e: Walked, t: FileScan | Unanswered, errors?: CallbackErrors): void {
    this.#waiting.set(i, { e, t, ...(errors !== undefined && errors.count > 0 ? { errors } : {}) });
  }

  /** The findings of the results that are next in walk order; sets `stopped` when one stops the scan. */
  *take(): Generator<FindingDraft> {
    while (!this.stopped) {
      const r = this.#waiting.get(this.#taken);
      if (r === undefined) return;
      this.#waiting.delete(this.#taken++);
      if (r.errors !== undefined) {
        this.#callbackErrors += r.errors.count;
        this.#callbackError ??= r.errors.first;
      }
      yield* this.#one(r.e, r.t);
    }
  }

  /** Forgets the results not taken (the scan stopped). */
  drop(): void {
    this.#waiting.clear();
    this.#taken = this.#next;
  }

  *#one(e: Walked, t: FileScan | Unanswered): Generator<FindingDraft> {
    const { ctx } = this;
    if (t.kind === "unanswered") this.#unanswered.add(e.path);
    if (t.kind === "too_large") {
      this.#tooLarge.add(t.listed ? `${e.path} (${t.size} bytes)` : `${e.path} (${t.size} bytes when read)`);
    }
    if (t.kind === "changed") this.#changed.add(t.message);
    if (t.kind === "unreadable") this.#unreadable.add(t.message);
    if (t.kind !== "scanned") return;
    this.scanned++;
    if (t.shrank) this.#shrank.add(`${e.path} (${t.size} bytes read)`);
    const result = t.result;
    if (!result.ok && result.code === ERROR_SCAN_TIMEOUT) {
      ctx.warn(
        "truncated",
        `libyara's timeout passed while scanning ${e.path}; stopped after ${this.scanned} files to stay within the ${ctx.budgetSeconds}s scanner budget`,
      );
      this.stopped = true;
      return;
    }
    if (!result.ok) this.#failed.add(`${e.path}: ${result.error}`);
    else if (result.tooManyMatches) this.#tooMany.add(e.path);
    const found = result.matches;
    if (found.length === 0) return;
    const kept = found.slice(0, Math.max(0, MAX_MATCHES - this.matches));
    this.matches += found.length;
    for (const m of kept) yield this.draftFor(m, e.path, t.size, t.sha256);
    if (this.matches > MAX_MATCHES) {
      ctx.warn("truncated", `more than ${MAX_MATCHES} matches; the rest are not listed`);
      this.stopped = true;
    }
  }

  /** The warnings of the whole scan, once it is over. */
  finish(yaraMaxFileSize: number): void {
    const { ctx } = this;
    if (this.#tooLarge.count > 0) {
      ctx.warn(
        "truncated",
        `${this.#tooLarge.count} file(s) over --yara-max-file-size ${yaraMaxFileSize} MiB not scanned, e.g. ${this.#tooLarge.example}`,
      );
    }
    if (this.#changed.count > 0) {
      ctx.warn(
        "file_changed",
        `${this.#changed.count} file(s) replaced (by a symlink, a special or another file) between the walk and the read, not scanned, e.g. ${this.#changed.example}`,
      );
    }
    if (this.#shrank.count > 0) {
      ctx.warn(
        "file_changed",
        `${this.#shrank.count} file(s) shrank while read; what was read was scanned, e.g. ${this.#shrank.example}`,
      );
    }
    if (this.#unreadable.count > 0) {
      ctx.warn(
        "file_unreadable",
        `${this.#unreadable.count} file(s) could not be read, e.g. ${this.#unreadable.example}`,
      );
    }
    if (this.#failed.count > 0) {
      ctx.warn(
        "yara_engine_error",
        `libyara could not scan ${this.#failed.count} file(s), e.g. ${this.#failed.example}`,
      );
    }
    if (this.#tooMany.count > 0) {
      ctx.warn(
        "yara_too_many_matches",
        `a string matched more often than libyara records in ${this.#tooMany.count} file(s); rules using it may be missed, e.g. ${this.#tooMany.example}`,
      );
    }
    if (this.#unanswered.count > 0) {
      ctx.warn(
        "truncated",
        `${this.#unanswered.count} file(s) taken by a helper thread that did not answer in time, not scanned, e.g. ${this.#unanswered.example}`,
      );
    }
    if (this.#callbackErrors > 0) {
      ctx.warn(
        "yara_engine_error",
        `${this.#callbackErrors} match(es) could not be read: ${this.#callbackError}`,
      );
    }
  }
}
