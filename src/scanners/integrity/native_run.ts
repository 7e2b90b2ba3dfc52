/**
 * The native verification of the selected packages, on the scan worker's thread and, for large runs, on a
 * helper worker as well (`verify_worker.ts`): both run the engine of `verify_packages.ts` on packages they take
 * from one shared counter, and the results are taken here in package order. So the findings, the counters,
 * the warnings' order and where --integrity-max-mismatches stops do not depend on which thread verified what.
 * The helper is ended with the run, when the run is cut short or aborted, and with the scan worker.
 */
import type { ScanContext } from "../../core/context.ts";
import { type Helper as HelperThread, startHelper as startHelperThread } from "../../host/helper_worker.ts";
import { wakeOrTimeout } from "../../host/yield.ts";
import type { Diversion, DpkgPackage } from "./dpkg_md5sums.ts";
import { nativeProblem, record, type RunState } from "./problems.ts";
import { Progress } from "./progress.ts";
import {
  claimFrom,
  type Claims,
  type HelperIn,
  type HelperOut,
  type PackageResult,
  SHARED_SLOTS,
  SHARED_STOP,
  verifyPackages,
} from "./verify_packages.ts";

/**
 * Readers per thread: while one reads, the others' large files are hashed off the thread. Four per thread (eight in
 * all) keep two cores busy; eight per thread with 1 MiB buffers were no faster and 9 MiB larger.
 */
const LANES = 4;
/** Read buffer per reader. */
const BUFFER_BYTES = 512 << 10;
/**
 * Runs of fewer packages stay on the scan worker's thread: a helper thread takes 15-18 MiB and ~50 ms to start
 * (the main thread creates it, src/host/helper_worker.ts), more than it saves on a few packages.
 */
export const HELPER_MIN_PACKAGES = 64;
/** The fewest packages for a helper here: none on a machine with one CPU, where it could only add work. */
function defaultHelperMin(): number {
  return navigator.hardwareConcurrency > 1 ? HELPER_MIN_PACKAGES : Infinity;
}

/** How long results are waited for once the deadline has passed (a reader may be in a slow read). */
const GRACE_MS = 2000;

/** The helper worker, seen from here. */
class Helper {
  readonly #worker: HelperThread;
  /** True once it will deliver nothing more (done, failed or ended). */
  finished = false;
  /** Package results received from it. */
  delivered = 0;
  failure: string | undefined;

  constructor(start: HelperIn, deliver: (r: PackageResult) => void, changed: () => void) {
    this.#worker = startHelperThread(new URL("./verify_worker.ts", import.meta.url).href);
    const finish = (failure?: string) => {
      if (failure !== undefined) this.#worker.terminate();
      this.finished = true;
      this.failure ??= failure;
      changed();
    };
    this.#worker.onmessage = (ev: MessageEvent<HelperOut>) => {
      const m = ev.data;
      if (m.t === "result") {
        this.delivered++;
        deliver(m.result);
      } else finish(m.t === "failed" ? m.message : undefined);
    };
    this.#worker.onerror = (message) => finish(message);
    this.#worker.postMessage(start);
  }

  /** Ends the worker (a read it is stuck in is abandoned with it). */
  terminate(): void {
    this.#worker.terminate();
    this.finished = true;
  }
}

/** Starts the helper worker, or says why not (the scan worker's thread then verifies everything). */
function startHelper(
  start: HelperIn,
  deliver: (r: PackageResult) => void,
  changed: () => void,
): Helper | string {
  try {
    return new Helper(start, deliver, changed);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The integrity run's reports of files it could not hash, at most 20 named each. */
interface Unchecked {
  tooLarge: string[];
  unreadable: string[];
}

/** Takes one package's result into the run; false when the run stops here. */
function consume(ctx: ScanContext, s: RunState, pkg: DpkgPackage, r: PackageResult, u: Unchecked): boolean {
  for (const w of r.warnings) ctx.warn(w.code, w.detail);
  s.counts.files_filtered += r.filtered;
  s.counts.files_name_not_utf8 += r.notUtf8.length;
  for (const n of r.notUtf8) {
    ctx.warn("name_not_utf8", `${n} (package ${pkg.name}): not valid UTF-8, not checked`);
  }
  s.counts.conffiles_not_verifiable += r.conffilesSkipped;
  if (r.noMd5sums) s.counts.packages_without_md5sums++;
  let counted = 0;
  for (const { at, file, verdict: v } of r.flagged) {
    s.counts.files_checked += at + 1 - counted;
    counted = at + 1;
    // A file not hashed was not verified: the run is not complete, whatever the rest says (a trojan padded
    // with zeros past the bound still runs).
    if (v.kind === "too_large") s.complete = false;
    if (v.kind === "too_large" && u.tooLarge.length < 20) {
      u.tooLarge.push(`${file.diskPath} (${v.size} bytes)`);
    }
    if (v.kind === "unreadable" && u.unreadable.length < 20) {
      u.unreadable.push(`${file.diskPath}: ${v.message}`);
    }
    const p = nativeProblem(file, v, s.counts);
    if (p && !record(ctx, s, p, file.pkg)) return false;
  }
  s.counts.files_checked += r.checked - counted;
  if (r.checked < r.files) {
    s.complete = false;
    return false;
  }
  s.counts.packages_verified++;
  return true;
}

/** How to share the work between threads (the defaults are the scanner's; tests change them). */
export interface ThreadOptions {
  /** The fewest packages for which the helper worker is started. */
  helperMinPackages?: number;
  claims?: Claims;
  /** The helper fails after delivering this many results. */
  helperFailAfter?: number;
}

/** How the work went: packages verified by the helper worker (0 without one), and whether it failed. */
export interface ThreadReport {
  helperResults: number;
  helperFailed: boolean;
}

/**
 * Verifies `selected` (results taken in that order) until done, `deadline` (a performance.now() time) or
 * --integrity-max-mismatches; counts and problems go to `s`, files that could not be hashed to warnings.
 */
export async function verifySelected(
  ctx: ScanContext,
  s: RunState,
  selected: readonly DpkgPackage[],
  diversions: ReadonlyMap<string, Diversion>,
  deadline: number,
  opts: ThreadOptions = {},
): Promise<ThreadReport> {
  const claims = opts.claims ?? "shared";
  const maxBytes = ctx.config.integrityMaxFileSize * (1 << 20);
  const epochDeadline = Date.now() + (deadline - performance.now());
  const sab = new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const shared = new Int32Array(sab);
  const stopped = () => Atomics.load(shared, SHARED_STOP) !== 0 || Date.now() > epochDeadline;
  const results = new Map<number, PackageResult>();
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };
  const deliver = (r: PackageResult) => {
    results.set(r.index, r);
    changed();
  };
  const helper = selected.length < (opts.helperMinPackages ?? defaultHelperMin()) ? undefined : startHelper(
    {
      root: ctx.host.root,
      allowRemote: ctx.host.allowRemote,
      packages: [...selected],
      diversions: [...diversions.values()],
      maxBytes,
      shared: sab,
      deadline: epochDeadline,
      lanes: LANES,
      bufferBytes: BUFFER_BYTES,
      claims,
      ...(opts.helperFailAfter !== undefined ? { failAfter: opts.helperFailAfter } : {}),
    },
    deliver,
    changed,
  );
  if (typeof helper === "string") ctx.warn("integrity_helper_failed", `verifying on one thread: ${helper}`);
  const buffers = Array.from({ length: LANES }, () => new Uint8Array(BUFFER_BYTES));
  const runHere = (claim: () => number | undefined) => {
    const run = { done: false, error: undefined as unknown };
    const promise = verifyPackages({
      host: ctx.host,
      packages: selected,
      diversions,
      maxBytes,
      claim,
      stopped,
      buffers,
      tick: () => ctx.checkpoint(),
      deliver,
    }).catch((e) => run.error = e).finally(() => {
      run.done = true;
      changed();
    });
    return { run, promise };
  };
  const other = typeof helper === "object" ? helper : undefined;
  // Without a helper this thread takes every package, whatever `claims` says.
  let here = runHere(claimFrom(shared, other ? claims : "shared", 0, selected.length));
  const progress = new Progress();
  const unchecked: Unchecked = { tooLarge: [], unreadable: [] };
  try {
    let next = 0;
    let recovered = false;
    while (next < selected.length) {
      if (here.run.error !== undefined) throw here.run.error;
      const r = results.get(next);
      if (r !== undefined) {
        results.delete(next);
        if (!consume(ctx, s, selected[next], r, unchecked)) break;
        next++;
        progress.update(() =>
          `integrity: ${s.counts.packages_verified}/${selected.length} packages, ` +
          `${s.counts.files_checked} files, ${s.problems.length} mismatches`
        );
        continue;
      }
      if (here.run.done && (other?.finished ?? true)) {
        if (stopped() || recovered) {
          s.complete = false;
          break;
        }
        // The helper failed with packages in hand: verify those here.
        recovered = true;
        ctx.warn(
          "integrity_helper_failed",
          `the helper thread stopped (${other?.failure ?? "ended"}); continuing on one`,
        );
        const left = [...Array(selected.length).keys()].filter((i) => i >= next && !results.has(i));
        here = runHere(() => left.shift());
        continue;
      }
      const wait = Date.now() > epochDeadline ? GRACE_MS : Math.max(0, epochDeadline - Date.now()) + GRACE_MS;
      const woken = await wakeOrTimeout((w) => wake = w, wait);
      if (!woken && Date.now() > epochDeadline) {
        // Past the deadline and nothing came within the grace: a reader is stuck; report what was verified.
        s.complete = false;
        break;
      }
    }
  } finally {
    Atomics.store(shared, SHARED_STOP, 1);
    other?.terminate();
    progress.done();
  }
  await here.promise;
  if (here.run.error !== undefined) throw here.run.error;
  if (unchecked.tooLarge.length > 0) {
    ctx.warn(
      "truncated",
      `${s.counts.files_too_large} file(s) over --integrity-max-file-size ${ctx.config.integrityMaxFileSize} MiB not verified: ${
        unchecked.tooLarge.join(", ")
      }`,
    );
  }
  if (unchecked.unreadable.length > 0) {
    ctx.warn(
      "file_unreadable",
      `${s.counts.files_unreadable} package file(s) could not be read: ${unchecked.unreadable.join("; ")}`,
    );
  }
  return { helperResults: other?.delivered ?? 0, helperFailed: other?.failure !== undefined };
}
