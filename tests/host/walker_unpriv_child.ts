/** Child of walker_test.ts: walks `<root>/r` as an unprivileged user and prints paths and warnings as JSON. */
import { Host } from "../../src/host/host.ts";
import { walk } from "../../src/host/walker.ts";

const warnings: { code: string; detail?: string }[] = [];
const ctx = {
  host: new Host(Deno.args[0]),
  warn: (code: string, detail?: string) => warnings.push({ code, detail }),
  checkpoint: () => Promise.resolve(),
};
const paths: string[] = [];
for await (const e of walk(ctx, { roots: ["/r"], fsTypes: new Map() })) paths.push(e.path);
console.log(JSON.stringify({ paths, warnings }));
