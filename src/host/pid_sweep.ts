/**
 * Which pids the kernel answers for, asked without reading /proc: the brute-force half of the hidden-process
 * check. getpgid(2) through the libc binding answers for any task (threads too), needs no permission and costs
 * one system call; a rootkit that filters the /proc listing (a getdents hook, or a preloaded readdir) does not see
 * it. Sweeping every pid up to a pid_max of 4,194,304 costs 1 to 16 s (0.3 to 4 µs a call, bare metal to a busy
 * VM), so the sweep stops at its budget, saying how far it got. Called from the main thread it runs on a worker
 * (started in about 50 ms) while the scan goes on; called from a worker — the CLI runs its scanners in one — it
 * runs on that thread, yielding between chunks, because Deno starts a nested worker in 0.5 to 1.2 s (measured
 * here: an empty nested worker 0.55 s, this one 1.1-1.2 s, against 56-94 ms for the sweep itself). Where the C
 * library cannot be loaded an lstat of /proc/<pid> stands in (far slower: the budget then covers less, and the
 * result says so).
 */
import { getpgid, tryLibc } from "../../ffi/libc.ts";

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

/** True in a worker's global scope (where a further worker would be a slow nested one). */
function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
}

/**
 * Sweeps the live host's pids over `ranges` within `budgetMs`: on a worker thread when called from the main
 * thread (which stays free for the other scanners), on this thread when called from a worker or when no worker
 * starts (module comment).
 */
export function sweepPids(
  ranges: readonly [number, number][],
  budgetMs: number,
  opts: SweepOptions = {},
): Promise<PidSweep> {
  if (inWorker()) return onThread(ranges, budgetMs, opts);
  let worker: Worker;
  try {
    worker = new Worker(new URL("./pid_sweep_worker.ts", import.meta.url).href, { type: "module" });
  } catch {
    return onThread(ranges, budgetMs, opts);
  }
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const { signal } = opts;
  const onAbort = () => Atomics.store(flag, 0, 1);
  signal?.addEventListener("abort", onAbort, { once: true });
  return new Promise<PidSweep>((resolve) => {
    const finish = (r: PidSweep | undefined) => {
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      resolve(r ?? onThread(ranges, budgetMs, opts));
    };
    worker.onmessage = (ev: MessageEvent<SweepWorkerOut>) =>
      finish(ev.data.t === "done" ? ev.data.sweep : undefined);
    worker.onerror = (ev) => {
      ev.preventDefault();
      finish(undefined);
    };
    worker.postMessage({ ranges: [...ranges], budgetMs, stop } satisfies SweepWorkerIn);
  });
}
