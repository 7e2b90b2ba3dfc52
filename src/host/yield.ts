/**
 * Yielding to the event loop from a long computation (the scanner context and the census walkers use it).
 * `setTimeout(fn, 0)` is clamped to a few milliseconds once timers nest, which made every yield cost ~2 ms;
 * `setImmediate` lets timers and I/O run and returns at once.
 */
import { setImmediate } from "node:timers";

/** Resolves after one turn of the event loop (expired timers and finished I/O get to run). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
