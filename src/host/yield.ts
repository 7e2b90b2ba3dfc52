/**
 * Yielding to the event loop from a long computation (the scanner context and the census walkers use it).
 * `setTimeout(fn, 0)` is clamped to a few milliseconds once timers nest, which made every yield cost ~2 ms;
 * `setImmediate` lets timers and I/O run and returns at once.
 */
import { setImmediate } from "node:timers";

/**
 * Waits for another thread's message: resolves true when the callback `arm` is given is called (the caller keeps
 * it and calls it when a message arrives), false after `ms` (never, without `ms`). The census pool, package
 * verification and YARA wait for their helper threads so.
 */
export function wakeOrTimeout(arm: (wake: () => void) => void, ms: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(() => resolve(false), ms);
    arm(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves after one turn of the event loop (expired timers and finished I/O get to run). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
