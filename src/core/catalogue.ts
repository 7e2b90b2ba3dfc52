/** The check catalogue: every kind of finding, described as data (DESIGN.md §4). */
import { z } from "zod";
import { SeveritySchema } from "./schemas.ts";

/** FactPack v3 categories a check belongs to. */
export const CategorySchema = z.enum([
  "process",
  "network_socket",
  "kernel_param",
  "kernel_module",
  "filesystem",
  "privilege_escalation_surface",
  "ioc",
  "mac",
  "integrity",
  "rule_enrichment",
  "other",
]);

/** One catalogue entry. */
export const CheckSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, "check ids are dotted lower-case words"),
  scanner: z.string(),
  title: z.string().min(1),
  severity: SeveritySchema,
  category: CategorySchema,
  rationale: z.string().min(1),
  remediation: z.string().min(1),
  mitre: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).default([]),
  confidence: z.enum(["certain", "heuristic"]).default("certain"),
  /**
   * A gap against a hardened baseline rather than evidence of a change: emitted only with `--hardening`,
   * weighted down in the host risk, and "not checked" for compliance in a scan without `--hardening`.
   */
  hardening: z.boolean().default(false),
});

/** One catalogue entry (input form, defaults optional). */
export type CheckInput = z.input<typeof CheckSchema>;
/** One catalogue entry. */
export type Check = z.infer<typeof CheckSchema>;

/** A catalogue entry as a `checkMaker` takes it: no scanner name, and the fields it has defaults for optional. */
export type CheckEntry<D> =
  & Omit<CheckInput, "scanner" | keyof D>
  & Partial<Pick<CheckInput, Extract<keyof D, keyof CheckInput>>>;

/**
 * Writes one scanner's catalogue entries without repeating what they share: the function returned gives each
 * entry the scanner's name and, for the fields the entry leaves out, `defaults` (its category, MITRE
 * techniques, hardening flag). An entry's own fields win over the defaults; nothing overrides the name.
 */
export function checkMaker<const D extends Partial<Omit<CheckInput, "scanner" | "id">>>(
  scanner: string,
  defaults: D,
): (entry: CheckEntry<D>) => CheckInput {
  // Every field an entry may leave out is one `defaults` has (CheckEntry<D>); the Catalogue validates the rest.
  return (entry) => ({ ...defaults, ...entry, scanner } as Partial<CheckInput> as CheckInput);
}

/** An indexed, validated set of checks. */
export class Catalogue {
  readonly #byId = new Map<string, Check>();

  constructor(checks: Iterable<CheckInput>) {
    for (const input of checks) {
      const check = CheckSchema.parse(input);
      if (this.#byId.has(check.id)) throw new Error(`duplicate check id in catalogue: ${check.id}`);
      this.#byId.set(check.id, check);
    }
  }

  /** The check with this id, or undefined. */
  get(id: string): Check | undefined {
    return this.#byId.get(id);
  }

  /** Every check, sorted by id. */
  all(): Check[] {
    return [...this.#byId.values()].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }
}
