/**
 * The census back-end on this thread: a `CensusWalker` driven in slices, yielding to the event loop between
 * them so the other scanners keep running. It walks small trees alone, the top of large ones before the
 * census workers take over, and everything when the workers cannot be used.
 */
import type { CensusWalker } from "./census_walker.ts";
import { checkLimits, SHARED_STOP, STOP_CANCELLED } from "./census_data.ts";
import { yieldToEventLoop } from "./yield.ts";

/** How long a walk on this thread runs before it yields to the event loop (ms). */
export const SLICE_MS = 8;

/** What the walkers check after every directory. */
export interface WalkLimitsCheck {
  shared: Int32Array;
  deadline: number;
  maxEntries: number;
}

/**
 * Walks directories on this thread for one slice (SLICE_MS), checking the limits after each; `afterStep` runs
 * after each directory too (the pool's work sharing). True when the slice ended with work left; false once the
 * walker has nothing left or the census was stopped.
 */
export function walkSlice(walker: CensusWalker, limits: WalkLimitsCheck, afterStep?: () => void): boolean {
  const start = performance.now();
  while (performance.now() - start <= SLICE_MS) {
    if (walker.stopped || !walker.step()) return false;
    checkLimits(limits.shared, limits.deadline, limits.maxEntries);
    afterStep?.();
  }
  return !walker.stopped;
}

/** Walks on this thread until the walker's stack is empty, yielding to the event loop between slices. */
export async function walkHere(
  walker: CensusWalker,
  limits: WalkLimitsCheck,
  signal: AbortSignal | undefined,
  onActive?: () => void,
) {
  onActive?.();
  while (walkSlice(walker, limits)) {
    await yieldToEventLoop();
    onActive?.();
    if (signal?.aborted) Atomics.store(limits.shared, SHARED_STOP, STOP_CANCELLED);
  }
  if (walker.stopped) walker.discard();
}
