/** Parsers of user- and plugin-supplied text never throw, whatever they are fed. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseJsoncRules } from "../../src/rules/jsonc.ts";
import { parseLegacyRules } from "../../src/rules/legacy.ts";
import { parsePluginOutput } from "../../src/plugins/protocol.ts";
import { parseRiskOverride } from "../../src/risk/model.ts";

const opts = { allowLegacy: true };
const GOOD_JSONC = JSON.stringify({
  version: 1,
  rules: [{ id: "a", when: { field: "title", op: "regex", value: "x+" }, actions: { severity: "high" } }],
});
const GOOD_LEGACY =
  "id=a\nfield=title\nregex=x+\nseverity=high\n---\nid=b\ncondition1.field=n\ncondition1.gt=3\ntags=t\n";

const texts = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: "binary", maxLength: 400 }),
  fc.integer({ min: 0, max: GOOD_JSONC.length }).map((n) => GOOD_JSONC.slice(0, n)),
  fc.integer({ min: 0, max: GOOD_LEGACY.length }).map((n) => GOOD_LEGACY.slice(0, n)),
  fc.json({ maxDepth: 4 }),
);

Deno.test("fuzz: rule, plugin and risk parsers return problems instead of throwing", async () => {
  await fc.assert(
    fc.asyncProperty(texts, async (text) => {
      const j = await parseJsoncRules(text, "f.jsonc", opts);
      const l = parseLegacyRules(text, "f.rule", opts);
      parsePluginOutput(text);
      await parseRiskOverride(text, "w.jsonc");
      return Array.isArray(j.errors) && Array.isArray(l.errors);
    }),
    { numRuns: 500 },
  );
});

Deno.test("fuzz: every strict prefix of a good JSONC file is an error, never a partial rule set", async () => {
  for (let n = 0; n < GOOD_JSONC.length; n++) {
    const r = await parseJsoncRules(GOOD_JSONC.slice(0, n), "t.jsonc", opts);
    assert.ok(r.errors.length > 0 && r.rules.length === 0, `prefix of ${n} characters`);
  }
  assert.equal((await parseJsoncRules(GOOD_JSONC, "t.jsonc", opts)).rules.length, 1);
});
