import assert from "node:assert/strict";
import { reportJsonSchema } from "../src/output/schema.ts";
import { currentSection, generatedSections } from "../scripts/readme_sections.ts";
import { builtinPackJson } from "../src/rules/builtin.ts";

Deno.test("schema/report.schema.json is up to date (run scripts/gen.ts)", () => {
  const committed = Deno.readTextFileSync(new URL("../schema/report.schema.json", import.meta.url));
  assert.equal(committed, reportJsonSchema());
});

Deno.test("generated/builtin-rules.json is what rules/*.jsonc parses to (run scripts/gen.ts)", async () => {
  const committed = Deno.readTextFileSync(new URL("../generated/builtin-rules.json", import.meta.url));
  assert.equal(committed, await builtinPackJson());
});

Deno.test("README generated sections (subcommands, exit codes, scanners, flags, checks) are up to date (run scripts/gen.ts)", () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  for (const [name, body] of Object.entries(generatedSections())) {
    assert.equal(currentSection(readme, name), body.trimEnd() + "\n", `README section ${name} is stale`);
  }
});
