/**
 * Starting a scan worker (`scan_worker.ts`): the one place its module is named. A module of its own so that the
 * CLI's entry can start one before loading the scan's code, without loading the worker's code itself.
 */
import type { ToWorker } from "../core/isolation.ts";
import { HelperServer } from "../host/helper_worker.ts";

/**
 * A scan worker with the main thread's helper server (src/host/helper_worker.ts): the helper threads it starts
 * are created by this thread, which Deno starts about half a second sooner than a worker's own, and are ended
 * with it.
 */
class ScanWorker extends Worker {
  readonly #helpers: HelperServer;

  constructor() {
    super(new URL("./scan_worker.ts", import.meta.url), { type: "module" });
    const channel = new MessageChannel();
    this.#helpers = new HelperServer(channel.port1);
    this.postMessage({ t: "helpers", port: channel.port2 } satisfies ToWorker, [channel.port2]);
  }

  /** Ends the worker and every helper thread it started. */
  override terminate(): void {
    super.terminate();
    this.#helpers[Symbol.dispose]();
  }
}

/** A new scan worker; it loads its modules and waits for `preload` or `run` (src/core/isolation.ts). */
export function startScanWorker(): Worker {
  return new ScanWorker();
}

/**
 * The scanners a scan runs whatever its flags when none of them chooses scanners: the `--fast-scan` selection,
 * which the default scan includes (a test keeps this list equal to the selection). Named here so that the CLI
 * can tell an early worker to load them before the scan's code has been loaded to parse the flags.
 */
export const COMMON_SCANNERS: readonly string[] = [
  "processes",
  "network",
  "kernel_params",
  "modules",
  "bpf",
  "ioc",
  "mac",
  "persistence",
  "accounts",
  "auth",
  "logins",
  "mounts",
];

/** The flags that choose scanners; with one of them nothing is guessed. */
const CHOOSING_FLAGS = ["--enable", "--disable", "--config"];

/**
 * The scanners an early worker can load while the flags are not parsed yet: COMMON_SCANNERS, or none when a flag
 * chooses the scanners (the exact selection follows in a `preload` once the flags are parsed). A wrong guess
 * costs only the loading: the worker runs the scanners the `run` request names, no others.
 */
export function likelyScanners(argv: readonly string[]): readonly string[] {
  for (const a of argv) {
    if (a === "--") break;
    if (CHOOSING_FLAGS.some((f) => a === f || a.startsWith(`${f}=`))) return [];
  }
  return COMMON_SCANNERS;
}
