/** The /proc snapshot every scanner of one scan shares: taken once, through the scan's host and limits. */
import type { ScanContext } from "../core/context.ts";
import { type ProcWalk, takeSnapshot } from "../host/procfs.ts";

/**
 * The shared /proc snapshot of this scan, taken once (memoized in `ctx.shared`). Warnings raised while
 * taking it go to the scanner that took it. On the live host, `meta.scanner_processes` lists the pids left out
 * as the scanner's own (the scanner's pid itself is `meta.scanner_pid`).
 */
export function procSnapshot(ctx: ScanContext): ProcWalk {
  return ctx.shared.memo("proc", () => {
    const walk = takeSnapshot(ctx.host);
    for (const w of walk.warnings) ctx.warn(w.code, w.detail);
    if (ctx.host.isLive) ctx.setMeta("scanner_processes", walk.own.map((p) => p.pid));
    return walk;
  });
}
