/**
 * Holding a parser of attacker-written text to linear time, as a growth rather than against the clock: the best
 * of three runs at 256 KiB and at 1 MiB of each input shape. Four times the input takes about four times as long
 * when the parser is linear and sixteen times when a scan retries, whatever the machine's load; the 1 MiB run
 * must also stay under 10 s, where a retrying scan takes minutes. Below 25 ms a pause of the machine weighs more
 * than the growth, hence the floor.
 */
import assert from "node:assert/strict";

/** One input shape: its name, and a function making about `bytes` characters of it. */
export type Shape = readonly [string, (bytes: number) => string];

/** Asserts that `run` takes time linear in its input for every shape (each run once at 32 KiB first, untimed). */
export function assertLinear(run: (text: string) => unknown, shapes: readonly Shape[]): void {
  for (const [, build] of shapes) run(build(32 << 10));
  const best = (text: string) => {
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      run(text);
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  for (const [what, build] of shapes) {
    const small = best(build(1 << 18));
    const large = best(build(1 << 20));
    assert.ok(large < 10_000, `${what}: ${large.toFixed(0)} ms at 1 MiB`);
    assert.ok(
      large < 8 * Math.max(small, 25),
      `${what}: ${small.toFixed(0)} ms at 256 KiB, ${large.toFixed(0)} ms at 1 MiB`,
    );
  }
}
