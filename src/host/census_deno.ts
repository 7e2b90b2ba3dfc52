/**
 * The census back-end without FFI: the shared Deno-API walker (`walker.ts`) over the planned roots, keeping
 * the same entries as the FFI walkers and tracking reachability from the parent directories it has seen.
 * Slower, and only used when the getdents64/statx binding cannot be opened.
 */
import { emptyTally, keptByMode, type RawHit, type ScopeData, scopeWants } from "./census_data.ts";
import { parentOf, type PlannedRoot } from "./census_plan.ts";
import type { Assembler, Census } from "./census_result.ts";
import { SLICE_MS } from "./census_thread.ts";
import type { CensusLimits, CensusSpec } from "./census_types.ts";
import type { Host } from "./host.ts";
import { walk, type WalkCut } from "./walker.ts";
import { yieldToEventLoop } from "./yield.ts";

/** The Deno-API census, for when FFI cannot be used: the shared walker, filtered the same way. */
export async function denoCensus(
  host: Host,
  spec: CensusSpec,
  scopes: ReadonlyMap<string, ScopeData>,
  roots: PlannedRoot[],
  limits: CensusLimits,
  asm: Assembler,
  signal: AbortSignal | undefined,
): Promise<Census> {
  const containerReach = new Map<string, boolean>();
  spec.onActive?.();
  let last = performance.now();
  const ctx = {
    host,
    warn: (code: string, detail?: string) => asm.warn({ code, detail: detail ?? "" }),
    checkpoint: async () => {
      if (signal?.aborted) throw new Error("census cancelled");
      if (performance.now() - last > SLICE_MS) {
        await yieldToEventLoop();
        spec.onActive?.();
        last = performance.now();
      }
    },
  };
  const prune = (p: string) => ![...scopes.values()].some((s) => scopeWants(s, p));
  const hits: RawHit[] = [];
  const tally = emptyTally();
  let examined = 0;
  for (const root of roots) {
    const opts = {
      roots: [root.hostPath],
      prune,
      oneFilesystem: false,
      skipFsTypes: new Set(spec.skipFsTypes),
      fsTypes: spec.fsTypes,
      ...limits,
      onCut: (cut: WalkCut) =>
        asm.warn({
          code: "truncated",
          detail: cut.detail,
          cut: cut.kind,
          ...(cut.kind === "depth" || cut.kind === "dir_entries" ? { path: cut.path } : {}),
        }),
    };
    for await (const e of walk(ctx, opts)) {
      examined++;
      const reach = e.depth === 0 ? root.reach : containerReach.get(parentOf(e.path)) ?? false;
      if (e.kind === "dir") containerReach.set(e.path, reach && (e.mode & 0o001) !== 0);
      if ((e.kind !== "file" && e.kind !== "dir") || !keptByMode(e.kind, e.mode)) continue;
      if (hits.length >= limits.maxHits) {
        tally.hitsCut++;
        continue;
      }
      hits.push({
        path: e.realPath,
        kind: e.kind,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        dev: e.dev,
        ino: e.ino,
        size: e.size,
        nlink: e.nlink,
        mtime: e.mtime ?? 0,
        ctime: e.ctime ?? 0,
        depth: e.depth,
        reach,
      });
    }
  }
  asm.add({ hits, warnings: [], tally });
  return asm.finish(limits, scopes, { stop: 0, backend: "deno", workers: 0, examinedExtra: examined });
}
