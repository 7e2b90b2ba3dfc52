import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import { STANDARD_IDS } from "../../src/core/config.ts";
import { refParts } from "../../src/compliance/model.ts";
import { expandPattern } from "../../src/compliance/evaluate.ts";
import { STANDARDS } from "../../src/compliance/standards/index.ts";
import { SCANNERS } from "../../src/scanners/index.ts";

const catalogue = new Catalogue(SCANNERS.flatMap((s) => s.checks));

Deno.test("compliance data: the four standards, in STANDARD_IDS order, each with controls", () => {
  assert.deepEqual(STANDARDS.map((s) => s.id), [...STANDARD_IDS]);
  for (const s of STANDARDS) assert.ok(s.controls.length > 0, s.id);
});

Deno.test("compliance data: every mapped check id or glob exists in the check catalogue", () => {
  const missing: string[] = [];
  for (const s of STANDARDS) {
    for (const c of s.controls) {
      for (const ref of c.checks) {
        const { pattern } = refParts(ref);
        if (expandPattern(pattern, catalogue).length === 0) missing.push(`${s.id} ${c.id}: ${pattern}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("compliance data: control texts are filled in and ids are unique per standard", () => {
  for (const s of STANDARDS) {
    assert.equal(new Set(s.controls.map((c) => c.id)).size, s.controls.length, s.id);
    for (const c of s.controls) {
      assert.ok(c.requirement.length > 20 && c.remediation.length > 20, `${s.id} ${c.id}`);
    }
  }
});
