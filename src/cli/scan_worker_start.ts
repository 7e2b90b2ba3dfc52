/**
 * Starting a scan worker (`scan_worker.ts`): the one place its module is named. A module of its own so that the
 * CLI's entry can start one before loading the scan's code, without loading the worker's code itself.
 */

/** A new scan worker; it loads its modules and waits for `preload` or `run` (src/core/isolation.ts). */
export function startScanWorker(): Worker {
  return new Worker(new URL("./scan_worker.ts", import.meta.url), { type: "module" });
}
