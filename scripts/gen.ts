/**
 * Regenerates committed outputs from code: schema/report.schema.json, schema/fleet-report.schema.json and the
 * generated README sections.
 */
import { reportJsonSchema } from "../src/output/schema.ts";
import { fleetJsonSchema } from "../src/fleet/model.ts";
import { generatedSections, replaceSection } from "./readme_sections.ts";

const root = new URL("../", import.meta.url);
Deno.writeTextFileSync(new URL("schema/report.schema.json", root), reportJsonSchema());
Deno.writeTextFileSync(new URL("schema/fleet-report.schema.json", root), fleetJsonSchema());
let readme = Deno.readTextFileSync(new URL("README.md", root));
for (const [name, body] of Object.entries(generatedSections())) readme = replaceSection(readme, name, body);
Deno.writeTextFileSync(new URL("README.md", root), readme);
console.log("generated schema/report.schema.json, schema/fleet-report.schema.json and README sections");
