/**
 * Regenerates committed outputs from code: schema/report.schema.json, schema/fleet-report.schema.json, the
 * built-in rule pack as parsed (generated/builtin-rules.json), the generated README sections and the fleet
 * stacking table in docs/DEPLOYMENT.md.
 */
import { reportJsonSchema } from "../src/output/schema.ts";
import { fleetJsonSchema } from "../src/fleet/model.ts";
import { stackingSourcesMarkdown } from "../src/fleet/extract.ts";
import { generatedSections, replaceSection } from "./readme_sections.ts";
import { builtinPackJson } from "../src/rules/builtin.ts";

const root = new URL("../", import.meta.url);
Deno.writeTextFileSync(new URL("schema/report.schema.json", root), reportJsonSchema());
Deno.writeTextFileSync(new URL("schema/fleet-report.schema.json", root), fleetJsonSchema());
Deno.writeTextFileSync(new URL("generated/builtin-rules.json", root), await builtinPackJson());
let readme = Deno.readTextFileSync(new URL("README.md", root));
for (const [name, body] of Object.entries(generatedSections())) readme = replaceSection(readme, name, body);
Deno.writeTextFileSync(new URL("README.md", root), readme);
const deployment = new URL("docs/DEPLOYMENT.md", root);
Deno.writeTextFileSync(
  deployment,
  replaceSection(Deno.readTextFileSync(deployment), "fleet_stacking", stackingSourcesMarkdown()),
);
// docs/ are formatted by deno fmt (tables aligned); keep the generated table that way.
await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", decodeURIComponent(deployment.pathname)] })
  .output();
console.log(
  "generated schema/report.schema.json, schema/fleet-report.schema.json, generated/builtin-rules.json, README and " +
    "DEPLOYMENT sections",
);
