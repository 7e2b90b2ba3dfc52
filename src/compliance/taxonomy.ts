/**
 * One finding, many taxonomies: for a check id, its MITRE ATT&CK techniques (catalogue + unconditional rules) and
 * the PCI DSS, HIPAA, NIST CSF and CIS controls that depend on it. Feeds the JSON report and SARIF taxonomies.
 */
import type { Catalogue } from "../core/catalogue.ts";
import { compilePatterns } from "../core/match.ts";
import type { SarifRelationship, SarifTaxonomies, SarifTaxonomyParts } from "../core/taxonomy.ts";
import type { StandardId } from "../core/config.ts";
import { refParts, type Standard } from "./model.ts";

/** A check's references in every taxonomy (empty lists are left out). */
export type TaxonomyRefs = { mitre?: string[] } & Partial<Record<StandardId, string[]>>;

const MITRE_TAXONOMY = "MITRE ATT&CK";

/** MITRE ids added to every finding of a check beyond the catalogue's (the rules' unconditional ones). */
export type StaticMitre = (scanner: string, checkId: string) => readonly string[];

/** Looks up taxonomy references of checks. */
export class TaxonomyIndex implements SarifTaxonomies {
  readonly #catalogue: Catalogue;
  readonly #standards: readonly Standard[];
  readonly #staticMitre: StaticMitre | undefined;
  readonly #controls: { standard: Standard; id: string; title: string; covers: (check: string) => boolean }[];

  constructor(catalogue: Catalogue, standards: readonly Standard[], staticMitre?: StaticMitre) {
    this.#catalogue = catalogue;
    this.#standards = standards;
    this.#staticMitre = staticMitre;
    this.#controls = standards.flatMap((s) =>
      s.controls.map((c) => ({
        standard: s,
        id: c.id,
        title: c.title,
        covers: compilePatterns(c.checks.map((r) => refParts(r).pattern)),
      }))
    );
  }

  /** MITRE ids of a check: the catalogue's, then those unconditional rules add, without duplicates. */
  mitre(checkId: string): string[] {
    const check = this.#catalogue.get(checkId);
    if (!check) return [];
    const out = [...check.mitre];
    for (const t of this.#staticMitre?.(check.scanner, checkId) ?? []) {
      if (!out.includes(t)) out.push(t);
    }
    return out;
  }

  /** Every taxonomy reference of a check. */
  refs(checkId: string): TaxonomyRefs {
    const out: TaxonomyRefs = {};
    const mitre = this.mitre(checkId);
    if (mitre.length > 0) out.mitre = mitre;
    for (const c of this.#controls) {
      if (!c.covers(checkId)) continue;
      (out[c.standard.id] ??= []).push(c.id);
    }
    return out;
  }

  /** References of several checks, keyed by check id in sorted order (for `summary_extension.taxonomies`). */
  refsFor(checkIds: Iterable<string>): Record<string, TaxonomyRefs> {
    const ids = [...new Set(checkIds)].sort();
    return Object.fromEntries(ids.map((id) => [id, this.refs(id)]));
  }

  /** SARIF taxonomies for the given checks (the rules of a run) and their relationships. */
  sarif(checkIds: Iterable<string>): SarifTaxonomyParts {
    const ids = [...new Set(checkIds)].sort();
    const taxa = new Map<string, Map<string, string | undefined>>();
    const add = (tax: string, id: string, name?: string) => {
      const m = taxa.get(tax) ?? new Map<string, string | undefined>();
      m.set(id, name);
      taxa.set(tax, m);
    };
    const names = new Map<string, string>([["mitre", MITRE_TAXONOMY]]);
    for (const s of this.#standards) names.set(s.id, `${s.taxonomy} ${s.name} ${s.version}`.trim());
    for (const id of ids) {
      for (const t of this.mitre(id)) add("mitre", t);
      for (const c of this.#controls) if (c.covers(id)) add(c.standard.id, c.id, c.title);
    }
    const order = ["mitre", ...this.#standards.map((s) => s.id)].filter((k) => taxa.has(k));
    const index = new Map(order.map((k, i) => [k, i]));
    const taxonomies = order.map((k) => {
      const std = this.#standards.find((s) => s.id === k);
      return {
        name: names.get(k)!,
        organization: k === "mitre" ? "MITRE" : std?.taxonomy,
        shortDescription: {
          text: k === "mitre" ? "MITRE ATT&CK Enterprise techniques" : `${std?.name} ${std?.version}`,
        },
        taxa: [...taxa.get(k)!.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map((
          [id, title],
        ) => ({
          id,
          ...(title ? { name: title } : {}),
        })),
      };
    });
    return {
      taxonomies,
      supportedTaxonomies: order.map((k) => ({ name: names.get(k)!, index: index.get(k)! })),
      relationships: (checkId) => {
        const refs = this.refs(checkId);
        const rel = (k: string, id: string): SarifRelationship => ({
          target: { id, toolComponent: { name: names.get(k)!, index: index.get(k) ?? -1 } },
          kinds: ["relevant"],
        });
        return [
          ...(refs.mitre ?? []).map((t) => rel("mitre", t)),
          ...this.#standards.flatMap((s) => (refs[s.id] ?? []).map((c) => rel(s.id, c))),
        ].filter((r) => r.target.toolComponent.index >= 0);
      },
    };
  }
}
