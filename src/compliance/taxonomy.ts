/**
 * One finding, many taxonomies: for a check id, its MITRE ATT&CK techniques (catalogue + unconditional rules) and
 * the PCI DSS, HIPAA, NIST CSF and CIS controls that depend on it. Feeds the JSON report and SARIF taxonomies.
 */
import type { Catalogue } from "../core/catalogue.ts";
import { staticMitre } from "../rules/engine.ts";
import type { RuleSet } from "../rules/load.ts";
import { compilePatterns } from "../core/match.ts";
import type { StandardId } from "../core/config.ts";
import { refParts, type Standard } from "./model.ts";

/** A check's references in every taxonomy (empty lists are left out). */
export type TaxonomyRefs = { mitre?: string[] } & Partial<Record<StandardId, string[]>>;

/** A SARIF `reportingDescriptorRelationship`. */
export interface SarifRelationship {
  target: { id: string; toolComponent: { name: string; index: number } };
  kinds: string[];
}

/** The SARIF pieces: `run.taxonomies`, `tool.driver.supportedTaxonomies`, and per-rule relationships. */
export interface SarifTaxonomyParts {
  taxonomies: Record<string, unknown>[];
  supportedTaxonomies: { name: string; index: number }[];
  relationships: (checkId: string) => SarifRelationship[];
}

const MITRE_TAXONOMY = "MITRE ATT&CK";

/** Looks up taxonomy references of checks. */
export class TaxonomyIndex {
  readonly #catalogue: Catalogue;
  readonly #standards: readonly Standard[];
  readonly #rules: RuleSet | undefined;
  readonly #controls: { standard: Standard; id: string; title: string; covers: (check: string) => boolean }[];

  constructor(catalogue: Catalogue, standards: readonly Standard[], rules?: RuleSet) {
    this.#catalogue = catalogue;
    this.#standards = standards;
    this.#rules = rules;
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
    for (const t of this.#rules ? staticMitre(this.#rules, check.scanner, checkId) : []) {
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

/** The parts of a SARIF log this module touches. */
export interface SarifLogLike {
  runs: {
    tool: {
      driver: {
        rules?: { id: string; relationships?: SarifRelationship[] }[];
        supportedTaxonomies?: unknown;
      };
    };
    taxonomies?: unknown;
  }[];
}

/**
 * Adds `run.taxonomies`, `tool.driver.supportedTaxonomies` and per-rule `relationships` (MITRE ATT&CK, PCI DSS,
 * HIPAA, NIST CSF, CIS) to a SARIF log whose rules are check ids. Changes the log in place.
 */
export function addSarifTaxonomies(log: SarifLogLike, index: TaxonomyIndex): void {
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    const parts = index.sarif(rules.map((r) => r.id));
    if (parts.taxonomies.length === 0) continue;
    run.taxonomies = parts.taxonomies;
    run.tool.driver.supportedTaxonomies = parts.supportedTaxonomies;
    for (const rule of rules) {
      const rel = parts.relationships(rule.id);
      if (rel.length > 0) rule.relationships = rel;
    }
  }
}
