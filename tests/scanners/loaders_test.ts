import assert from "node:assert/strict";
import { SCANNERS } from "../../src/scanners/index.ts";
import { loadScanner, loadScanners, SCANNER_MODULES } from "../../src/scanners/loaders.ts";
import { INCLUDES } from "../../scripts/compile.ts";
import { staticGraph } from "../import_graph.ts";

Deno.test("the scan worker's loaders name every registered scanner, and each loads a scanner made of its descriptor", async () => {
  assert.deepEqual(Object.keys(SCANNER_MODULES), SCANNERS.map((s) => s.name), "same names, registry order");
  for (const info of SCANNERS) {
    const s = await loadScanner(info.name);
    assert.equal(typeof s.run, "function", info.name);
    for (const k of Object.keys(info) as (keyof typeof info)[]) {
      assert.equal(s[k], info[k], `${info.name}.${k}`);
    }
  }
});

Deno.test("loadScanners: the named built-in scanners in the order asked; other names (plugins) left out", async () => {
  const got = await loadScanners(["mounts", "a-plugin", "processes", "toString"]);
  assert.deepEqual(got.map((s) => s.name), ["mounts", "processes"]);
});

Deno.test("the executable embeds every scanner module the worker loads by a URL made at run time", () => {
  const missing = Object.values(SCANNER_MODULES)
    .map((m) => `src/scanners/${m.path.slice(2)}`)
    .filter((p) => !(INCLUDES as readonly string[]).includes(p));
  assert.deepEqual(missing, []);
});

Deno.test("the registry the scan's coordinator imports is data: descriptors and catalogues, no scanner or host code", () => {
  const graph = [...staticGraph("src/scanners/index.ts")];
  const code = graph.filter((f) =>
    f.startsWith("src/host/") || f.startsWith("ffi/") ||
    (f.startsWith("src/scanners/") && f !== "src/scanners/index.ts" &&
      !/\/(info|catalogue)\/|\/checks\.ts$|sysctl_(table|rule|net_rules)\.ts$/.test(f))
  );
  assert.deepEqual(code, []);
  assert.ok(graph.includes("src/scanners/info/persistence.ts"), "the walk follows the registry's imports");
});
