/**
 * Runs one census in a child process (so a test can take FFI away or drop privileges) and prints the kept
 * entries and warnings as JSON. Arguments: the scan root, then walk roots; MAX_HITS in the environment caps
 * the kept entries.
 */
import { runCensus } from "../../src/host/census.ts";
import { Host } from "../../src/host/host.ts";

const [root, ...roots] = Deno.args;
const census = await runCensus(new Host(root), {
  scopes: [{ name: "all", roots, pruneDirs: [], pruneSubstrings: [] }],
  xattr: true,
  skipFsTypes: [],
  threads: 0,
  ...(Deno.env.get("MAX_HITS") ? { limits: { maxHits: Number(Deno.env.get("MAX_HITS")) } } : {}),
});
console.log(JSON.stringify({
  backend: census.backend,
  entries: census.entries.map((e) => ({
    path: e.path,
    kind: e.kind,
    mode: e.mode,
    reach: e.reach,
    caps: e.caps === undefined ? null : [...e.caps],
  })),
  warnings: census.warnings,
}));
