/**
 * The native verifier's engine, the same on each thread that runs it (the scan worker, and a helper worker for
 * large runs: `verify_worker.ts`). It takes packages one at a time from a source shared by the threads, plans each
 * when its turn comes (its `.md5sums` is read then, not before), verifies its files with several readers at once
 * (while one reads, the large files of the others are hashed off the thread), and hands over one result per
 * package: what planning found and the files that are not fine, in plan order. `native_run.ts` puts the results
 * back in package order.
 */
import type { Host } from "../../host/host.ts";
import type { Diversion, DpkgPackage } from "./dpkg_md5sums.ts";
import { type DbWarning, type FileVerdict, type PlannedFile, planPackage, verifyFile } from "./native.ts";

/** Slot of the shared Int32Array: nonzero once no further file is to be started. */
export const SHARED_STOP = 0;
/** Slot of the shared Int32Array: how many packages the scan worker's thread has taken (see `Claims`). */
export const SHARED_TAKEN = 1;
/** Slot of the shared Int32Array: how many the helper has taken, when they take packages alternately. */
export const SHARED_TAKEN_ALT = 2;
/** Slots of the shared Int32Array. */
export const SHARED_SLOTS = 3;

/**
 * How the threads share the packages: "shared" (the default), each takes the next one not yet taken; "alternate"
 * (for tests, so that each thread verifies some whatever their speed), the scan worker's thread takes the
 * even indices and the helper the odd ones.
 */
export type Claims = "shared" | "alternate";

/** A file that is not fine, at its place in its package's plan. */
export interface Flagged {
  at: number;
  file: PlannedFile;
  verdict: Exclude<FileVerdict, { kind: "ok" }>;
}

/** What one package gave: its plan's counts and warnings, how far it was verified, and what is not fine. */
export interface PackageResult {
  /** The package's index in the run's package list. */
  index: number;
  warnings: DbWarning[];
  filtered: number;
  notUtf8: string[];
  conffilesSkipped: number;
  noMd5sums: boolean;
  /** Files planned. */
  files: number;
  /** Files verified, from the first on: `files` unless the run stopped inside this package. */
  checked: number;
  /** The files among the checked ones that are not fine, in plan order. */
  flagged: Flagged[];
}

/** What the engine verifies, and how. */
export interface EngineOptions {
  host: Host;
  packages: readonly DpkgPackage[];
  diversions: ReadonlyMap<string, Diversion>;
  /** Files larger than this are not hashed. */
  maxBytes: number;
  /** The next package index to verify, or undefined when there is none left. */
  claim: () => number | undefined;
  /** True once no further file is to be started (a stop asked for, or the deadline passed). */
  stopped: () => boolean;
  /** Read buffers: one reader per buffer. */
  buffers: readonly Uint8Array<ArrayBuffer>[];
  /** Awaited before each file (a scanner's checkpoint: it may throw to abort). */
  tick?: () => Promise<void>;
  /** Receives each package's result, in the order they complete. */
  deliver: (r: PackageResult) => void;
}

/** The helper worker's start message. */
export interface HelperIn {
  /** The scan root and remote-filesystem rule of the scan's Host. */
  root: string;
  allowRemote: boolean;
  packages: DpkgPackage[];
  diversions: Diversion[];
  maxBytes: number;
  /** A SharedArrayBuffer of SHARED_SLOTS Int32 slots. */
  shared: SharedArrayBuffer;
  /** Date.now() after which no new file is started. */
  deadline: number;
  lanes: number;
  bufferBytes: number;
  claims: Claims;
  /** For tests: the helper fails after delivering this many results. */
  failAfter?: number;
}

/** The helper worker's messages: a package's result, the end of its work, or why it could not go on. */
export type HelperOut =
  | { t: "result"; result: PackageResult }
  | { t: "done" }
  | { t: "failed"; message: string };

/** A package being verified. */
interface Open {
  result: PackageResult;
  files: PlannedFile[];
  verdicts: (FileVerdict | undefined)[];
  pending: number;
}

/** The package indices thread `thread` (0: the scan worker's, 1: the helper) takes, below `count`. */
export function claimFrom(
  shared: Int32Array,
  claims: Claims,
  thread: 0 | 1,
  count: number,
): () => number | undefined {
  const alternate = claims === "alternate";
  const slot = alternate && thread === 1 ? SHARED_TAKEN_ALT : SHARED_TAKEN;
  const index = alternate ? (k: number) => 2 * k + thread : (k: number) => k;
  return () => {
    if (index(Atomics.load(shared, slot)) >= count) return undefined;
    const i = index(Atomics.add(shared, slot, 1));
    return i < count ? i : undefined;
  };
}

function close(pkg: Open): PackageResult {
  const r = pkg.result;
  let checked = 0;
  while (checked < pkg.verdicts.length && pkg.verdicts[checked] !== undefined) checked++;
  r.checked = checked;
  for (let at = 0; at < checked; at++) {
    const v = pkg.verdicts[at]!;
    if (v.kind !== "ok") r.flagged.push({ at, file: pkg.files[at], verdict: v });
  }
  return r;
}

/**
 * Verifies packages until the source has none left or `stopped()`; every package taken is delivered, complete
 * or (when stopped inside it) with `checked` < `files`. Rejects when `tick` throws.
 */
export async function verifyPackages(o: EngineOptions): Promise<void> {
  const open = new Set<Open>();
  let current: Open | undefined;
  let nextAt = 0;
  const take = (): [Open, number] | undefined => {
    while (!o.stopped()) {
      if (current !== undefined && nextAt < current.files.length) return [current, nextAt++];
      const index = o.claim();
      if (index === undefined) return undefined;
      const plan = planPackage(o.host, o.packages[index], o.diversions);
      const result: PackageResult = {
        index,
        warnings: plan.warnings,
        filtered: plan.filtered,
        notUtf8: plan.notUtf8,
        conffilesSkipped: plan.conffilesSkipped,
        noMd5sums: plan.noMd5sums,
        files: plan.files.length,
        checked: 0,
        flagged: [],
      };
      if (plan.files.length === 0) {
        o.deliver(result);
        continue;
      }
      current = {
        result,
        files: plan.files,
        verdicts: new Array(plan.files.length),
        pending: plan.files.length,
      };
      nextAt = 0;
      open.add(current);
    }
    return undefined;
  };
  const lane = async (buffer: Uint8Array<ArrayBuffer>) => {
    while (true) {
      await o.tick?.();
      const job = take();
      if (job === undefined) return;
      const [pkg, at] = job;
      pkg.verdicts[at] = await verifyFile(o.host, pkg.files[at], o.maxBytes, buffer);
      if (--pkg.pending === 0) {
        open.delete(pkg);
        o.deliver(close(pkg));
      }
    }
  };
  await Promise.all(o.buffers.map(lane));
  // Stopped: what was started is done; the packages left open are delivered as far as they got.
  for (const pkg of open) o.deliver(close(pkg));
}
