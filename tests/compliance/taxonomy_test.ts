import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import { TaxonomyIndex } from "../../src/compliance/taxonomy.ts";
import { addSarifTaxonomies } from "../../src/output/sarif.ts";
import { assertValid, validateSarif } from "../output/validate.ts";
import { STANDARDS } from "../../src/compliance/standards/index.ts";
import { staticMitre } from "../../src/rules/engine.ts";
import { loadRules } from "../../src/rules/load.ts";
import { SCANNERS } from "../../src/scanners/index.ts";

const catalogue = new Catalogue(SCANNERS.flatMap((s) => s.checks));
const builtinRules = await (async () => {
  const r = await loadRules({ builtin: true, allowLegacy: false, insecureOk: false });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();
/** The MITRE ids the built-in pack adds to every finding of a check. */
const builtin = (scanner: string, checkId: string) => staticMitre(builtinRules, scanner, checkId);

Deno.test("taxonomy: a check's MITRE ids (catalogue, then built-in rules, no duplicates) and its controls", () => {
  const index = new TaxonomyIndex(catalogue, STANDARDS, builtin);
  const refs = index.refs("mount.tmp.noexec_missing");
  assert.deepEqual(refs.mitre, ["T1059", "T1105"]);
  assert.deepEqual(refs.cis_linux, ["1.1.2.4"]);
  assert.deepEqual(refs.hipaa_security, ["164.308(a)(5)(ii)(B)"]);
  assert.deepEqual(refs.pci_dss_4_0, ["2.2.6"]);
  assert.deepEqual(refs.nist_csf_2_0, ["PR.PS-01"]);
  assert.deepEqual(new TaxonomyIndex(catalogue, STANDARDS).refs("mount.tmp.noexec_missing").mitre, ["T1059"]);
  assert.deepEqual(index.refs("no.such.check"), {});
});

Deno.test("taxonomy: SARIF taxonomies list the referenced taxa once, and relationships point into them", () => {
  const index = new TaxonomyIndex(catalogue, STANDARDS, builtin);
  const parts = index.sarif(["mount.tmp.noexec_missing", "kernel.sysctl.randomize_va_space"]);
  const names = parts.taxonomies.map((t) => t.name);
  assert.equal(names[0], "MITRE ATT&CK");
  assert.deepEqual(parts.supportedTaxonomies.map((t) => t.name), names);
  const rels = parts.relationships("mount.tmp.noexec_missing");
  assert.ok(rels.length >= 6);
  for (const rel of rels) {
    const tax = parts.taxonomies[rel.target.toolComponent.index] as { name: string; taxa: { id: string }[] };
    assert.equal(tax.name, rel.target.toolComponent.name);
    assert.ok(tax.taxa.some((t) => t.id === rel.target.id), `${rel.target.id} listed in ${tax.name}`);
  }
  const mitre = parts.taxonomies[0] as { taxa: { id: string }[] };
  const ids = mitre.taxa.map((t) => t.id);
  assert.deepEqual(ids, [...new Set(ids)].sort());
});

Deno.test("taxonomy: refsFor lists checks in sorted order", () => {
  const index = new TaxonomyIndex(catalogue, STANDARDS, builtin);
  assert.deepEqual(
    Object.keys(index.refsFor(["mount.tmp.not_separate", "kernel.sysctl.sysrq", "mount.tmp.not_separate"])),
    [
      "kernel.sysctl.sysrq",
      "mount.tmp.not_separate",
    ],
  );
});

Deno.test("taxonomy: a SARIF log with taxonomies and relationships validates against the official 2.1.0 schema", () => {
  const index = new TaxonomyIndex(catalogue, STANDARDS, builtin);
  const rules = ["mount.tmp.noexec_missing", "kernel.sysctl.sysrq", "process.inventory.entry"].map((id) => ({
    id,
    shortDescription: { text: catalogue.get(id)!.title },
  }));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "sys-scan", rules } }, results: [] }],
  };
  addSarifTaxonomies(log, index);
  assertValid(validateSarif, log, "SARIF");
  const run = log.runs[0] as unknown as {
    taxonomies: { name: string }[];
    tool: { driver: { rules: { id: string; relationships?: unknown[] }[] } };
  };
  assert.ok(run.taxonomies.length >= 4);
  const byId = Object.fromEntries(run.tool.driver.rules.map((r) => [r.id, r]));
  assert.ok((byId["mount.tmp.noexec_missing"].relationships ?? []).length >= 6);
  assert.equal(byId["process.inventory.entry"].relationships, undefined, "no references, no relationships");
});
