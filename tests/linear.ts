/**
 * Holding a parser of attacker-written text to linear time, as a growth rather than against the clock: the best
 * of five runs at 256 KiB and at 1 MiB of each input shape, taken alternately. Four times the input takes about
 * four times as long when the parser is linear and sixteen times when a scan retries, whatever the machine's
 * load; the 1 MiB run must also stay under 10 s, where a retrying scan takes minutes. Below 40 ms a pause of the
 * machine weighs more than the growth, hence the floor.
 */
import assert from "node:assert/strict";

/** One input shape: its name, and a function making about `bytes` characters of it. */
export type Shape = readonly [string, (bytes: number) => string];

/**
 * The best times of `run` on `small` and on `large`, measured alternately (five of each) so that both see the
 * same moments of the machine: a burst of load during the large runs alone made a linear parser look quadratic.
 */
export function bestAlternating<T>(run: (text: string) => T, small: string, large: string): {
  small: number;
  large: number;
  result: T;
} {
  let a = Infinity;
  let b = Infinity;
  let result: T | undefined;
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    run(small);
    a = Math.min(a, performance.now() - t0);
    t0 = performance.now();
    result = run(large);
    b = Math.min(b, performance.now() - t0);
  }
  return { small: a, large: b, result: result! };
}

/** Asserts the growth from 256 KiB to 1 MiB is linear (see the module comment); `what` names the shape. */
export function assertGrowth(what: string, small: number, large: number): void {
  assert.ok(large < 10_000, `${what}: ${large.toFixed(0)} ms at 1 MiB`);
  // 8 leaves room for noise around the linear 4 and fails the quadratic 16; below the floor a pause of the
  // machine weighs more than the growth (a retrying scan is far above it).
  assert.ok(
    large < 8 * Math.max(small, FLOOR_MS),
    `${what}: ${small.toFixed(0)} ms at 256 KiB, ${large.toFixed(0)} ms at 1 MiB`,
  );
}

/** Below this many milliseconds at 256 KiB, the growth is judged against this instead. */
const FLOOR_MS = 40;

/** Asserts that `run` takes time linear in its input for every shape (each run once at 32 KiB first, untimed). */
export function assertLinear(run: (text: string) => unknown, shapes: readonly Shape[]): void {
  for (const [, build] of shapes) run(build(32 << 10));
  for (const [what, build] of shapes) {
    const t = bestAlternating(run, build(1 << 18), build(1 << 20));
    assertGrowth(what, t.small, t.large);
  }
}
