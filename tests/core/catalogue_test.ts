import assert from "node:assert/strict";
import { Catalogue, checkMaker } from "../../src/core/catalogue.ts";
import { fullCatalogue, SCANNERS } from "../../src/scanners/index.ts";

const entry = {
  id: "demo.thing.odd",
  title: "Something odd",
  severity: "medium",
  rationale: "Why it matters.",
  remediation: "What to do.",
} as const;

Deno.test("checkMaker: every entry gets the scanner's name and the defaults it leaves out", () => {
  const mk = checkMaker("demo", { category: "ioc", mitre: ["T1059"], hardening: true });
  const [check] = new Catalogue([mk(entry)]).all();
  assert.equal(check.scanner, "demo");
  assert.equal(check.category, "ioc");
  assert.deepEqual(check.mitre, ["T1059"]);
  assert.equal(check.hardening, true);
});

Deno.test("checkMaker: an entry's own fields win over the defaults, never over the scanner's name", () => {
  const mk = checkMaker("demo", { category: "ioc", mitre: ["T1059"] });
  const own = mk({ ...entry, category: "other", mitre: [] });
  assert.equal(own.category, "other");
  assert.deepEqual(own.mitre, []);
  const renamed = mk({ ...entry, scanner: "impostor" } as unknown as Parameters<typeof mk>[0]);
  assert.equal(renamed.scanner, "demo");
});

Deno.test("catalogue: every shipped check names the scanner that declares it, and ids are unique", () => {
  for (const s of SCANNERS) {
    for (const c of s.checks) assert.equal(c.scanner, s.name, `${c.id} is declared by ${s.name}`);
  }
  const all = fullCatalogue().all();
  assert.ok(all.length > 200, `${all.length} checks`);
  assert.equal(new Set(all.map((c) => c.id)).size, all.length);
  assert.throws(
    () => new Catalogue([entry, entry].map((e) => checkMaker("demo", { category: "ioc" })(e))),
    /duplicate check id/,
  );
});
