/**
 * The yara scanner's helper threads, seen from the scanner: helpers (`yara_worker.ts`, created by the main thread
 * through `src/host/helper_worker.ts`) that scan with the rules this thread compiled. The scanner walks in
 * batches; `HelperPool.run` sends a batch's small files to every helper, and this thread and the helpers claim
 * them one at a time from a shared array while this thread first scans the batch's large files (so only this
 * thread's read buffer grows to the size cap). Every result goes into the scan by walk index, and the scanner
 * takes them in walk order (`scan_run.ts`): the findings, counts and warnings are those of a scan on one thread.
 *
 * The rules must outlive every scan a helper runs: `end` says whether every helper stopped (or failed, after
 * which it scans nothing), and the scanner abandons the rules (keeps them until the process exits) when not.
 */
import type { ScanContext } from "../../core/context.ts";
import { type Helper, startHelper } from "../../host/helper_worker.ts";
import type { WalkEntry } from "../../host/walker.ts";
import { wakeOrTimeout } from "../../host/yield.ts";
import type { Libyara } from "./engine.ts";
import {
  BATCH_STOP,
  type BatchFile,
  type HelperIn,
  type HelperInit,
  type HelperOut,
  HERE,
  slotOf,
} from "./helper_protocol.ts";
import type { RuleSet } from "./rule_files.ts";
import type { ScanRun } from "./scan_run.ts";

/** Files at most this large are shared with helpers (their read buffers grow only as far as this). */
export const HELPER_MAX_FILE = 4 << 20;
/** How long, past the scan's deadline, helpers' answers are waited for (ms). */
export const GRACE_MS = 2000;
/**
 * A helper that says nothing this long while files it took are due is given up on (ms): a file it may take
 * (at most HELPER_MAX_FILE) is read and scanned in well under a second, so it is blocked, in a read of a hung
 * mount or in libyara.
 */
export const STALL_MS = 10_000;

/** A walked file of a batch, as far as scanning and reporting need it. */
export type Sent = Pick<WalkEntry, "path" | "dev" | "ino" | "size">;

/** A walked file with its index in the walk. */
export interface Indexed {
  i: number;
  e: Sent;
}

/** A helper's answer for one file. */
type HelperResult = Extract<HelperOut, { t: "result" }>;

/** One helper thread. */
class YaraHelper {
  readonly #helper: Helper;
  #ready = false;
  #stopped = false;
  /** It said it failed (it then scans nothing more); an error event alone does not say that. */
  #failedQuietly = false;
  /** When it last said anything, or was last sent a batch (`performance.now()`). */
  lastHeard = performance.now();
  /** Set when it stopped answering (blocked in a read, or in libyara): it is sent nothing more. */
  stalled = false;
  #failure: string | undefined;
  #wake: (() => void) | undefined;
  /** Results received, by walk index, for the batch in progress. */
  readonly answered = new Set<number>();

  readonly id: number;

  constructor(
    helper: Helper,
    init: HelperInit,
    readonly onResult: (m: HelperResult) => void,
  ) {
    this.#helper = helper;
    this.id = init.id;
    helper.onmessage = (ev: MessageEvent<HelperOut>) => this.#received(ev.data);
    helper.onerror = (message) => this.#fail(message);
    helper.postMessage(init satisfies HelperIn);
  }

  #received(m: HelperOut): void {
    this.lastHeard = performance.now();
    if (m.t === "ready") this.#ready = true;
    else if (m.t === "stopped") this.#stopped = true;
    else if (m.t === "failed") {
      this.#failedQuietly = true;
      this.#fail(m.message);
    } else if (m.t === "result") {
      this.answered.add(m.i);
      this.onResult(m);
    }
    this.#notify();
  }

  #fail(message: string): void {
    this.#failure ??= message;
    this.#notify();
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = undefined;
  }

  get failure(): string | undefined {
    return this.#failure;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** True when it can no longer be inside libyara: it said it stopped, or that it failed. */
  get idle(): boolean {
    return this.#stopped || this.#failedQuietly;
  }

  /** True once it attached to the rules and can claim files. */
  get ready(): boolean {
    return this.#ready;
  }

  post(m: HelperIn): void {
    if (m.t === "batch") this.lastHeard = performance.now();
    this.#helper.postMessage(m);
  }

  /** Resolves when a message arrives (true) or after `ms` (false). */
  wait(ms: number): Promise<boolean> {
    return wakeOrTimeout((w) => this.#wake = w, Math.max(0, ms));
  }

  terminate(): void {
    this.#helper.terminate();
  }
}

/** The helpers of one scan. */
export class HelperPool {
  readonly #helpers: YaraHelper[] = [];
  #starting = false;
  #batch = 0;
  /** Helper threads started. */
  started = 0;
  #failure: string | undefined;

  constructor(
    readonly ctx: ScanContext,
    readonly scan: ScanRun,
    readonly count: number,
    readonly maxBytes: number,
    readonly maxStrings: number,
    /** For tests: each helper fails after claiming this many files. */
    readonly failAfter?: number,
    /** For tests: STALL_MS. */
    readonly stallMs: number = STALL_MS,
  ) {}

  /** Why a helper could not start or failed (the first), for the scan's meta. */
  get failure(): string | undefined {
    return this.#failure ?? this.#helpers.find((h) => h.failure !== undefined)?.failure;
  }

  /** Starts the helpers (once; none when `count` is 0). */
  start(lib: Libyara, set: RuleSet): void {
    if (this.#starting || this.count === 0) return;
    this.#starting = true;
    const url = new URL("./yara_worker.ts", import.meta.url).href;
    for (let n = 0; n < this.count; n++) {
      const init: HelperInit = {
        t: "init",
        id: HERE + 1 + n,
        library: lib.path,
        layout: lib.layout.releases,
        rules: set.rules.address,
        root: this.ctx.host.root,
        allowRemote: this.ctx.config.remoteFs,
        maxBytes: Math.min(this.maxBytes, HELPER_MAX_FILE),
        maxStrings: this.maxStrings,
        ...(this.failAfter !== undefined ? { failAfter: this.failAfter } : {}),
      };
      try {
        this.#helpers.push(
          new YaraHelper(startHelper(url), init, (m) => this.#onResult?.(m)),
        );
        this.started++;
      } catch (e) {
        this.#failure ??= e instanceof Error ? e.message : String(e);
        break;
      }
    }
  }

  /** Takes the helpers' answers for the batch in progress. */
  #onResult: ((m: HelperResult) => void) | undefined;

  /** Resolves once every helper is ready or failed, or after `ms` (for tests: a batch does not wait for them). */
  async whenReady(ms: number): Promise<void> {
    const until = performance.now() + ms;
    for (const h of this.#helpers) {
      while (!h.ready && h.failure === undefined && performance.now() < until) {
        await h.wait(until - performance.now());
      }
    }
  }

  /**
   * Scans `batch` (in walk order) with this thread (`here`) and the helpers, until done or `deadline`
   * (`performance.now()` ms); every result goes into the scan. True when the time ran out with files left.
   */
  async run(
    batch: Indexed[],
    here: (f: Indexed) => void | Promise<void>,
    deadline: number,
  ): Promise<boolean> {
    const live = this.#helpers.filter((h) => h.failure === undefined && !h.stalled);
    const small = batch.filter((f) => f.e.size <= HELPER_MAX_FILE);
    const timeUp = () => deadline - performance.now() <= 0;
    if (live.length === 0 || small.length === 0) {
      for (const f of batch) {
        if (timeUp()) return true;
        await this.ctx.checkpoint();
        await here(f);
      }
      return false;
    }
    const slots = new Int32Array(new SharedArrayBuffer(4 * slotOf(small.length)));
    const byIndex = new Map(small.map((f) => [f.i, f]));
    // A file that grew past the helpers' cap (not the scan's) since the walk is scanned here again.
    const regrown: Indexed[] = [];
    this.#onResult = (m) => {
      const f = byIndex.get(m.i);
      if (f === undefined) return;
      if (m.scan.kind === "too_large" && m.scan.size <= this.maxBytes) regrown.push(f);
      else this.scan.put(m.i, f.e, m.scan, { count: m.callbackErrors, first: m.callbackError ?? "" });
    };
    const files: BatchFile[] = small.map(({ i, e }) => ({ i, path: e.path, dev: e.dev, ino: e.ino }));
    const id = ++this.#batch;
    for (const h of live) {
      h.answered.clear();
      const budgetMs = deadline - performance.now();
      h.post({ t: "batch", id, files, slots: slots.buffer as SharedArrayBuffer, budgetMs });
    }
    let outOfTime = false;
    try {
      for (const f of batch) {
        if (f.e.size <= HELPER_MAX_FILE) continue;
        if ((outOfTime = timeUp())) break;
        await this.ctx.checkpoint();
        await here(f);
      }
      for (let j = 0; j < small.length && !outOfTime; j++) {
        if (Atomics.load(slots, slotOf(j)) !== 0) continue;
        // Out of time only with a file no thread took.
        if ((outOfTime = timeUp())) break;
        if (Atomics.compareExchange(slots, slotOf(j), 0, HERE) !== 0) continue;
        await this.ctx.checkpoint();
        await here(small[j]);
      }
    } finally {
      // Nothing more is claimed: what no thread took is taken here, unscanned, so the helpers' claims are final.
      Atomics.store(slots, BATCH_STOP, 1);
      for (let j = 0; j < small.length; j++) Atomics.compareExchange(slots, slotOf(j), 0, HERE);
    }
    if (!(await this.#collect(live, small, slots, here, deadline, outOfTime))) outOfTime = true;
    this.#onResult = undefined;
    for (const f of regrown) {
      if (outOfTime || (outOfTime = timeUp())) break;
      await here(f);
    }
    return outOfTime;
  }

  /**
   * Waits for the helpers' answers to the files they claimed, and scans here those of a helper that failed;
   * false when the time ran out before all of those were scanned (the scan then stops at the first).
   */
  async #collect(
    live: YaraHelper[],
    small: Indexed[],
    slots: Int32Array,
    here: (f: Indexed) => void | Promise<void>,
    deadline: number,
    outOfTime: boolean,
  ): Promise<boolean> {
    let complete = true;
    const until = Math.max(deadline, performance.now()) + GRACE_MS;
    for (const h of live) {
      const claimed = small.filter((_, j) => Atomics.load(slots, slotOf(j)) === h.id);
      const due = () => claimed.filter((f) => !h.answered.has(f.i));
      const waitable = () => Math.min(until, h.lastHeard + this.stallMs) - performance.now();
      while (due().length > 0 && h.failure === undefined && waitable() > 0) await h.wait(waitable());
      const left = due();
      if (left.length === 0) continue;
      if (h.failure !== undefined) {
        for (const f of left) {
          if (outOfTime || deadline - performance.now() <= 0) {
            complete = false;
            break;
          }
          await here(f);
        }
      } else {
        h.stalled = true;
        for (const f of left) this.scan.put(f.i, f.e, { kind: "unanswered" });
      }
    }
    return complete;
  }

  /**
   * Stops and ends every helper. True when each said it stopped or failed (a helper that failed scans nothing
   * more), so no scan of theirs can still use the rules; an error event alone does not count.
   */
  async end(): Promise<boolean> {
    const until = performance.now() + GRACE_MS;
    const asked = this.#helpers.filter((h) => h.failure === undefined && !h.stalled);
    for (const h of asked) h.post({ t: "stop" });
    for (const h of asked) {
      while (!h.stopped && h.failure === undefined && performance.now() < until) {
        await h.wait(until - performance.now());
      }
    }
    const idle = this.#helpers.every((h) => h.idle);
    for (const h of this.#helpers) h.terminate();
    return idle;
  }
}
