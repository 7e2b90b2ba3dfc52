import fc from "fast-check";
import { TARGETS } from "./properties.ts";

const RUNS = Number(Deno.env.get("SYS_SCAN_FUZZ_RUNS") ?? 400);

for (const t of TARGETS) {
  Deno.test(`fuzz: ${t.name}`, async () => {
    await fc.assert(t.property as fc.IAsyncProperty<unknown>, {
      numRuns: RUNS,
      interruptAfterTimeLimit: 8000,
    });
  });
}
