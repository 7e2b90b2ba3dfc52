/** Long fuzz campaigns: `deno run -A scripts/fuzz.ts [RUNS] [TARGET-SUBSTRING]` (default 100000 runs per target). */
import fc from "fast-check";
import { TARGETS } from "../tests/fuzz/properties.ts";

const runs = Number(Deno.args[0] ?? 100_000);
const only = Deno.args[1];
if (!Number.isInteger(runs) || runs <= 0) {
  console.error("usage: deno run -A scripts/fuzz.ts [RUNS] [TARGET-SUBSTRING]");
  Deno.exit(2);
}
let failed = 0;
for (const t of TARGETS.filter((t) => only === undefined || t.name.includes(only))) {
  const started = performance.now();
  const r = await fc.check(t.property as fc.IAsyncProperty<unknown>, { numRuns: runs });
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  if (r.failed) {
    failed++;
    console.error(
      `FAIL ${t.name} after ${r.numRuns} runs (${secs}s), seed ${r.seed}, path ${r.counterexamplePath}`,
    );
    console.error(`  counterexample: ${fc.stringify(r.counterexample)}`);
    console.error(
      `  error: ${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}`,
    );
  } else console.log(`ok   ${t.name}: ${r.numRuns} runs in ${secs}s`);
}
Deno.exit(failed > 0 ? 1 : 0);
