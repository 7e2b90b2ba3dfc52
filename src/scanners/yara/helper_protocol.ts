/**
 * The messages between the yara scanner and its helper threads (`yara_worker.ts`, started by `helper_pool.ts`).
 * A helper attaches to the library and rules the scanner's thread loaded and compiled. The scanner walks the tree
 * in batches; each batch's files are claimed one at a time by whichever thread is free (a compare-and-swap on
 * the file's slot in a shared array), scanned with the same function on every thread (`file_scan.ts`), and
 * answered with the file's index in the walk.
 */
import type { FileScan } from "./file_scan.ts";

/** Slot 0 of a batch's shared array: set to 1 to stop claiming (the scan's time is up, or it stopped). */
export const BATCH_STOP = 0;
/** The slot of file `j` of a batch: 0 unclaimed, else the id of the thread that claimed it. */
export function slotOf(j: number): number {
  return 1 + j;
}
/** The claiming id of the scanner's own thread; helpers are 2, 3, … */
export const HERE = 1;

/** Sent once: what the helper scans with. */
export interface HelperInit {
  t: "init";
  /** This helper's claiming id (2, 3, …). */
  id: number;
  /** The library as the scanner's thread loaded it (`Libyara.path`). */
  library: string;
  /** Its checked layout (`Libyara.layout.releases`). */
  layout: string;
  /** The compiled rules (`YaraRules.address`), kept by the scanner's thread until the helper is done. */
  rules: bigint;
  /** The Host's root and remote-filesystem setting. */
  root: string;
  allowRemote: boolean;
  /** The per-file cap in bytes (files in batches are below it), and string occurrences kept per rule. */
  maxBytes: number;
  maxStrings: number;
  /** For tests: fail after claiming this many files, with the last one claimed and not answered. */
  failAfter?: number;
}

/** A walked file of a batch. */
export interface BatchFile {
  /** Its index in the walk, given back with the result. */
  i: number;
  path: string;
  dev: number;
  ino: number;
}

/** Files to claim and scan. */
export interface HelperBatch {
  t: "batch";
  id: number;
  files: BatchFile[];
  /** Int32 slots: BATCH_STOP, then one per file (slotOf). */
  slots: SharedArrayBuffer;
  /**
   * The scan's time left when the batch was sent (ms; the helper counts it from when it receives the batch, on
   * its own monotonic clock): it claims nothing after it, and libyara's timeout for each file is what is left.
   */
  budgetMs: number;
}

/** What the scanner sends: `stop` when the scan is over (the helper frees its scanner and says so). */
export type HelperIn = HelperInit | HelperBatch | { t: "stop" };

/** What a helper sends. */
export type HelperOut =
  | { t: "ready" }
  | { t: "stopped" }
  /** It failed and scans nothing more (every file it claimed and did not answer is the scanner's again). */
  | { t: "failed"; message: string }
  | {
    t: "result";
    i: number;
    scan: FileScan;
    /** Matches libyara reported that could not be read during this file, and the first one's error. */
    callbackErrors: number;
    callbackError?: string;
  }
  /** It claims nothing more of this batch. */
  | { t: "batch_done"; id: number };
