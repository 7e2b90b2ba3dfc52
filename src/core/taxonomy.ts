/**
 * How checks map to taxonomies (MITRE ATT&CK and the compliance standards) in the shape SARIF writes them:
 * `src/compliance` builds the index, `src/output` writes it into a SARIF log.
 */

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

/** Anything that gives the SARIF taxonomy pieces for a set of checks (the rules of a run). */
export interface SarifTaxonomies {
  sarif(checkIds: Iterable<string>): SarifTaxonomyParts;
}
