/**
 * Which pids the kernel answers for, asked without reading /proc: the brute-force half of the hidden-process
 * check. getpgid(2) through the libc binding answers for any task (threads too), needs no permission and costs
 * one system call; a rootkit that filters the /proc listing (a getdents hook, or a preloaded readdir) does not see
 * it. Sweeping every pid up to a pid_max of 4,194,304 costs 1 to 16 s (0.3 to 4 µs a call, bare metal to a busy
 * VM), so the sweep stops at its budget, saying how far it got. It runs on a helper thread (started in about
 * 50 ms: by the main thread, also for the scan worker the CLI runs its scanners in, src/host/helper_worker.ts)
 * while the scan goes on; in a worker without a helper server it runs on that thread, yielding between chunks,
 * because Deno starts a worker's own worker 0.5 to 1.2 s late. On the scan worker's thread a --fast-scan sweep
 * shared its 150 ms with the other scanners and covered 24,576-28,672 of 32,768 pids here; on its own thread
 * it covers them all. Where the C library cannot be loaded an lstat of /proc/<pid> stands in (far slower: the
 * budget then covers less, and the result says so).
 */
import { getpgid, tryLibc } from "../../ffi/libc.ts";
import { type Helper, helpersStartSoon, startHelper } from "./helper_worker.ts";

/** What a sweep covered and which pids answered. */
export interface PidSweep {
  /** Every pid that answered (processes and threads), ascending within each range. */
  alive: number[];
  /** The ranges swept, in order, inclusive. */
  ranges: [number, number][];
  swept: number;
  /** True when every requested range was swept within the budget. */
  complete: boolean;
  elapsedMs: number;
  /** "getpgid", or "lstat" where the C library could not be loaded. */
  method: string;
  /** "worker" or "thread". */
  where: string;
}

/** How long past its budget a helper's sweep is waited for before this thread sweeps instead (ms). */
const HELPER_GRACE_MS = 2000;

/** Pids swept between budget checks (and, on this thread, between yields). */
export const SWEEP_CHUNK = 4096;

/** The existence test: getpgid where libc loads, else an lstat of /proc/<pid>. */
export function pidAlive(): { alive: (pid: number) => boolean; method: string } {
  if (tryLibc() !== null) return { alive: (pid) => getpgid(pid) >= 0, method: "getpgid" };
  return {
    alive: (pid) => {
      try {
        Deno.lstatSync(`/proc/${pid}`);
        return true;
      } catch {
        return false;
      }
    },
    method: "lstat",
  };
}

/** Controls of one sweep loop (injectable for tests). */
export interface SweepControl {
  alive: (pid: number) => boolean;
  /** Milliseconds, monotonic. */
  now: () => number;
  /** Awaited between chunks; throwing stops the sweep (the scanner was cut off), which still resolves. */
  tick?: () => Promise<void>;
  /** Checked between chunks: true stops the sweep where it is. */
  stopped?: () => boolean;
}

/** Sweeps `ranges` in order, chunk by chunk, until done, stopped, or `budgetMs` has passed. */
export async function sweepLoop(
  ranges: readonly [number, number][],
  budgetMs: number,
  c: SweepControl,
): Promise<Omit<PidSweep, "method" | "where">> {
  const start = c.now();
  const alive: number[] = [];
  const done: [number, number][] = [];
  let swept = 0;
  let complete = true;
  sweep: for (const [from, to] of ranges) {
    for (let lo = from; lo <= to; lo += SWEEP_CHUNK) {
      if (c.now() - start > budgetMs || c.stopped?.()) {
        complete = false;
        break sweep;
      }
      try {
        await c.tick?.();
      } catch {
        // The caller was cut off (its checkpoint threw): stop here; the promise still resolves.
        complete = false;
        break sweep;
      }
      const hi = Math.min(to, lo + SWEEP_CHUNK - 1);
      for (let pid = lo; pid <= hi; pid++) if (c.alive(pid)) alive.push(pid);
      swept += hi - lo + 1;
      const last = done[done.length - 1];
      if (last && last[1] === lo - 1) last[1] = hi;
      else done.push([lo, hi]);
    }
  }
  return { alive, ranges: done, swept, complete, elapsedMs: c.now() - start };
}

/** Messages to the sweep worker. */
export interface SweepWorkerIn {
  ranges: [number, number][];
  budgetMs: number;
  /** One Int32: set to 1 to stop the sweep. */
  stop: SharedArrayBuffer;
}

/** Messages from the sweep worker. */
export type SweepWorkerOut = { t: "done"; sweep: PidSweep } | { t: "failed"; message: string };

/** How a live sweep is stopped and how it lets the rest of the thread run. */
export interface SweepOptions {
  /** Stops the sweep early (the result is then incomplete). */
  signal?: AbortSignal;
  /** Awaited between chunks when the sweep runs on this thread (a scanner's checkpoint). */
  tick?: () => Promise<void>;
}

function onThread(
  ranges: readonly [number, number][],
  budgetMs: number,
  opts: SweepOptions,
): Promise<PidSweep> {
  const probe = pidAlive();
  return sweepLoop(ranges, budgetMs, {
    alive: probe.alive,
    now: () => performance.now(),
    tick: opts.tick ?? (() => new Promise((r) => setTimeout(r, 0))),
    stopped: () => opts.signal?.aborted === true,
  }).then((s) => ({ ...s, method: probe.method, where: "thread" }));
}

/**
 * Sweeps the live host's pids over `ranges` within `budgetMs`: on a helper thread when one starts soon (from the
 * main thread, or from a scan worker the main thread creates helpers for), so the sweep has a core of its own
 * and the calling thread stays free for the other scanners; on this thread otherwise, or when the helper cannot
 * start or fails (module comment).
 */
export function sweepPids(
  ranges: readonly [number, number][],
  budgetMs: number,
  opts: SweepOptions = {},
): Promise<PidSweep> {
  if (!helpersStartSoon()) return onThread(ranges, budgetMs, opts);
  let worker: Helper;
  try {
    worker = startHelper(new URL("./pid_sweep_worker.ts", import.meta.url).href);
  } catch {
    return onThread(ranges, budgetMs, opts);
  }
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const { signal } = opts;
  const onAbort = () => Atomics.store(flag, 0, 1);
  signal?.addEventListener("abort", onAbort, { once: true });
  const started = performance.now();
  return new Promise<PidSweep>((resolve) => {
    let finished = false;
    const finish = (r: PidSweep | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      // On this thread, with what is left of the budget (none after a helper that never answered).
      resolve(r ?? onThread(ranges, Math.max(0, budgetMs - (performance.now() - started)), opts));
    };
    // A helper that never answers (it did not start) leaves the sweep to this thread.
    const timer = setTimeout(() => finish(undefined), budgetMs + HELPER_GRACE_MS);
    worker.onmessage = (ev: MessageEvent<SweepWorkerOut>) =>
      finish(ev.data.t === "done" ? ev.data.sweep : undefined);
    worker.onerror = () => finish(undefined);
    worker.postMessage({ ranges: [...ranges], budgetMs, stop } satisfies SweepWorkerIn);
  });
}
