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

/** Walks on this thread until the walker's stack is empty, yielding to the event loop every few ms. */
export async function walkHere(
  walker: CensusWalker,
  limits: WalkLimitsCheck,
  signal: AbortSignal | undefined,
  onActive?: () => void,
) {
  onActive?.();
  let slice = performance.now();
  while (!walker.stopped && walker.step()) {
    checkLimits(limits.shared, limits.deadline, limits.maxEntries);
    if (performance.now() - slice > SLICE_MS) {
      await yieldToEventLoop();
      onActive?.();
      if (signal?.aborted) Atomics.store(limits.shared, SHARED_STOP, STOP_CANCELLED);
      slice = performance.now();
    }
  }
  if (walker.stopped) walker.discard();
}
