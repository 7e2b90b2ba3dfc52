import assert from "node:assert/strict";
import { SCANNERS } from "../../src/scanners/index.ts";
import { loadScanners, SCANNER_LOADERS } from "../../src/scanners/loaders.ts";

Deno.test("the scan worker's loaders name every registered scanner, and each loads that very scanner", async () => {
  assert.deepEqual(Object.keys(SCANNER_LOADERS), SCANNERS.map((s) => s.name), "same names, registry order");
  for (const s of SCANNERS) assert.equal(await SCANNER_LOADERS[s.name](), s, s.name);
});

Deno.test("loadScanners: the named built-in scanners in the order asked; other names (plugins) left out", async () => {
  const got = await loadScanners(["mounts", "a-plugin", "processes", "toString"]);
  assert.deepEqual(got.map((s) => s.name), ["mounts", "processes"]);
});
