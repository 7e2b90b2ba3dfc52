/** The /proc snapshot every scanner of one scan shares: taken once, through the scan's host and limits. */
import type { ScanContext } from "../core/context.ts";
import { type ProcWalk, takeSnapshot } from "../host/procfs.ts";

/**
 * The shared /proc snapshot of this scan, taken once (memoized in `ctx.shared`). Warnings raised while
 * taking it go to the scanner that took it.
 */
export function procSnapshot(ctx: ScanContext): ProcWalk {
  return ctx.shared.memo("proc", () => {
    const walk = takeSnapshot(ctx.host);
    for (const w of walk.warnings) ctx.warn(w.code, w.detail);
    return walk;
  });
}
