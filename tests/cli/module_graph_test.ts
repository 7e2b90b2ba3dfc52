/**
 * What a scan loads before it scans: the packages the scan's main-thread modules and the scan worker's own modules
 * import statically. Each package costs start-up time and memory in every isolate that loads it (jsonc-parser
 * ~35 ms and 8 MiB, node:crypto ~33 ms and 4 MiB, zod ~35 ms and 8 MiB), so one that only some scans need is
 * loaded where it is used (docs/BENCHMARKS.md, items 15 and 16).
 */
import assert from "node:assert/strict";
import { staticGraph, staticPackages } from "../import_graph.ts";

Deno.test("the scan's main thread statically imports only zod, node:util (flags), node:sqlite and node:timers", () => {
  const graph = staticGraph("src/cli/scan.ts");
  assert.ok(
    graph.has("src/rules/load.ts") && graph.has("src/output/scan_output.ts"),
    "the walk reaches them",
  );
  assert.deepEqual([...staticPackages(graph)].sort(), ["node:sqlite", "node:timers", "node:util", "zod"]);
});

Deno.test("the scan worker's own modules import no package but node:timers (the scanners bring theirs)", () => {
  assert.deepEqual([...staticPackages(staticGraph("src/cli/scan_worker.ts"))], ["node:timers"]);
});
