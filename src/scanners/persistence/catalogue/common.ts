/**
 * What the family catalogue files share. The scanner name is spelled here again because `checks.ts`, which owns
 * `PERSISTENCE`, collects these files and so cannot be imported by them; the catalogue test checks they agree.
 */

/** Fields every persistence family check shares: the scanner and the FactPack category. */
export const FAMILY_BASE = { scanner: "persistence", category: "ioc" as const };

/** The remediation every "someone planted this" check starts with. */
export const PRESERVE_AND_REMOVE =
  "Preserve a copy for analysis, then remove it if nobody on the team put it there, and look for how it got " +
  "there (authentication logs, package history, the other persistence points of this report).";
