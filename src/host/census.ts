/**
 * The filesystem census: one bounded walk over the union of the file scanners' roots that keeps only the
 * entries they judge — set-id and world-writable regular files, world-writable directories without the
 * sticky bit, executables carrying file capabilities — with whether other users can reach each one.
 *
 * On a real filesystem the walk is spread over threads (one per core, up to four): the calling thread, in
 * slices, and census workers, all reading directories with getdents64 and statx through FFI and stealing
 * work from each other; small trees are walked on the calling thread alone; without FFI the Deno-API walker
 * does the same job more slowly. The limits and warnings are those of the shared walker (`walker.ts`).
 *
 * This file chooses and drives the back-ends; the parts live beside it:
 * - `census_types.ts`: what a caller asks for and gets (scopes, limits, entries, warnings);
 * - `census_plan.ts`: scope planning (roots inside the scan root, reachability, walker settings);
 * - `census_thread.ts`: the walk on this thread, in slices;
 * - `census_pool.ts`: the census workers (`census_worker.ts`), this thread's share, and their work sharing;
 * - `census_walker.ts`: the getdents64/statx walker both of those drive;
 * - `census_data.ts`: the walkers' plain data (tasks, hits, settings, worker messages, shared slots);
 * - `census_deno.ts`: the Deno-API walk when FFI is unavailable;
 * - `census_result.ts`: the `Census` result and the mapping of what the walkers kept into it.
 */
import { DirentCalls } from "../../ffi/dirent.ts";
import { CensusWalker } from "./census_walker.ts";
import { type CensusTask, checkLimits, SHARED_STEAL, SHARED_STOP, STOP_CANCELLED } from "./census_data.ts";
import { denoCensus } from "./census_deno.ts";
import { planRoots, resolveScopes, settingsFor } from "./census_plan.ts";
import { WorkerPool } from "./census_pool.ts";
import { Assembler, Census } from "./census_result.ts";
import { walkHere } from "./census_thread.ts";
import { type CensusLimits, type CensusSpec, DEFAULT_CENSUS_LIMITS } from "./census_types.ts";
import type { Host } from "./host.ts";
import { errMessage } from "./walker.ts";
import { liveFsTypes } from "./open.ts";

export { Census } from "./census_result.ts";
export * from "./census_types.ts";

/** Directories pending at once that make a tree large enough for census workers. */
const HANDOVER_PENDING = 128;
/** How long this thread walks alone when workers were started early (on the live host). */
const HANDOVER_MS = 5;
/** Threads that walk at most (this one and census workers), however many cores there are. */
export const MAX_CENSUS_THREADS = 4;

const encoder = new TextEncoder();

/** Runs one census; `signal` cancels it (what was found so far is returned). */
export async function runCensus(host: Host, spec: CensusSpec, signal?: AbortSignal): Promise<Census> {
  const limits: CensusLimits = { ...DEFAULT_CENSUS_LIMITS, ...spec.limits };
  const fsTypes = spec.fsTypes ?? liveFsTypes();
  const scopes = resolveScopes(host, spec);
  const asm = new Assembler(host, scopes, limits.maxHits);
  const roots = planRoots(host, scopes, fsTypes, (w) => asm.warn(w));
  const fs = DirentCalls.open();
  if (typeof fs === "string") {
    asm.warn({
      code: "walk_fallback",
      detail: `directories read through the Deno API (FFI unavailable: ${fs})`,
    });
    return await denoCensus(host, { ...spec, fsTypes }, scopes, roots, limits, asm, signal);
  }
  const settings = settingsFor(host, spec, scopes, roots, limits, fsTypes);
  const threads = spec.threads ?? Math.min(MAX_CENSUS_THREADS, navigator.hardwareConcurrency ?? 1);
  // This thread walks too: the census workers are the other threads.
  const count = threads - 1;
  const sab = new SharedArrayBuffer(4 * (SHARED_STEAL + threads));
  const shared = new Int32Array(sab);
  const limitsCheck = { shared, deadline: Date.now() + limits.maxMillis, maxEntries: limits.maxEntries };
  let here = new CensusWalker(fs, settings, shared, 0);
  const drop = (left: CensusTask[]) => {
    for (const t of left) if (t.fd >= 0) fs.close(t.fd);
  };
  // On the live host the tree is large: workers start now, while this thread reads the first directories.
  const early = count >= 1 && (spec.threads !== undefined || host.isLive);
  const pool = early ? new WorkerPool(count, settings, sab, limitsCheck, asm) : undefined;
  if (signal?.aborted) Atomics.store(shared, SHARED_STOP, STOP_CANCELLED);
  else {
    spec.onActive?.();
    for (const r of roots) here.addRoot(encoder.encode(r.real), r.reach);
  }
  // This thread walks until the tree proves large (many directories pending at once; a small one is done
  // before workers would have started), or, with workers already starting, for a few milliseconds: enough
  // to split the top of the tree between them.
  const handover = spec.threads !== undefined ? 1 : HANDOVER_PENDING;
  const started = performance.now();
  while (!here.stopped && here.stack.length < handover && here.step()) {
    checkLimits(shared, limitsCheck.deadline, limitsCheck.maxEntries);
    if (pool !== undefined && performance.now() - started > HANDOVER_MS) break;
  }
  let backend: Census["backend"] = "thread";
  if (count >= 1 && here.stack.length > 0 && !here.stopped) {
    const tasks = here.takeAll();
    const workers = pool ?? new WorkerPool(count, settings, sab, limitsCheck, asm);
    try {
      await workers.walk(tasks, signal, here, spec.onActive);
      backend = "workers";
    } catch (e) {
      asm.warn({ code: "walk_fallback", detail: `${errMessage(e)}; walking on one thread` });
      Atomics.store(shared, SHARED_STOP, 0);
      // A fresh walker: this one took part and counts the directories it gave away as visited. What it kept
      // stays (the assembler keeps each path once).
      here.discard();
      asm.add(here.drain());
      here = new CensusWalker(fs, settings, shared, 0);
      here.adopt(tasks);
      await walkHere(here, limitsCheck, signal, spec.onActive);
    } finally {
      workers.close(drop);
    }
  } else {
    pool?.close(drop);
    await walkHere(here, limitsCheck, signal, spec.onActive);
  }
  const examinedHere = here.tally.entries;
  asm.add(here.drain());
  const stop = Atomics.load(shared, SHARED_STOP);
  return asm.finish(limits, scopes, {
    stop,
    backend,
    workers: backend === "workers" ? count : 0,
    examinedHere,
  });
}
