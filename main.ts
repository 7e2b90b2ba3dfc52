/** sys-scan entry point: every scan it runs is kept off the network (see src/cli/run.ts). */
import { run } from "./src/cli/run.ts";

Deno.exit(await run(Deno.args, { networkGuard: true }));
