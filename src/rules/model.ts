/**
 * The rule model (zod): scopes, actions, rules and rule files; conditions are core's (src/core/condition.ts).
 * Both file formats produce these types.
 */
import { z } from "zod";
import { ConditionSchema } from "../core/condition.ts";

/** Current version of the JSONC rule file format and of the legacy key=value format. */
export const RULE_VERSION = 1;

/**
 * A scope pattern: an exact name, or a glob where `*` stands for any characters and `?` for exactly one
 * (`kernel.sysctl.*`, `*`, `kernel.sysctl.ipv?_forward`).
 */
export const PatternSchema = z.string().regex(
  /^[A-Za-z0-9_.:*?-]{1,200}$/,
  "a name or a glob with * or ? (letters, digits, _ . : -)",
);

/** The severities a rule may set (`error` is reserved for scanner failures). */
export const RuleSeveritySchema = z.enum(["info", "low", "medium", "high", "critical"]);

/** A MITRE ATT&CK technique id (T1234 or T1234.001). */
export const MitreIdSchema = z.string().regex(
  /^T\d{4}(\.\d{3})?$/,
  "a MITRE ATT&CK technique id such as T1068 or T1543.002",
);

/** What a matching rule does. */
export const ActionsSchema = z.object({
  severity: RuleSeveritySchema.optional(),
  mitre: z.array(MitreIdSchema).max(50).optional(),
  tags: z.array(
    z.string().regex(/^[A-Za-z0-9_.:/-]{1,64}$/, "tags are 1-64 characters of A-Z a-z 0-9 _ . : / -"),
  ).max(50)
    .optional(),
  suppress: z.object({ reason: z.string().trim().min(1, "a suppression needs a reason").max(1000) }).strict()
    .optional(),
}).strict().refine(
  (a) =>
    a.severity !== undefined || a.mitre !== undefined || a.tags !== undefined || a.suppress !== undefined,
  "a rule needs at least one action: severity, mitre, tags or suppress",
);

/** Which findings a rule looks at. Absent lists mean "all". */
export const ScopeSchema = z.object({
  scanners: z.array(PatternSchema).min(1).optional(),
  checks: z.array(PatternSchema).min(1).optional(),
}).strict();

/** One rule. */
export const RuleSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "rule ids are 1-128 characters of A-Z a-z 0-9 _ . : -"),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  scope: ScopeSchema.default({}),
  when: ConditionSchema.optional(),
  actions: ActionsSchema,
}).strict();

/** One rule (after defaults). */
export type Rule = z.infer<typeof RuleSchema>;
/** What a matching rule does. */
export type Actions = z.infer<typeof ActionsSchema>;

/** A JSONC rule file. */
export const RuleFileSchema = z.object({
  $schema: z.string().optional(),
  version: z.number().int(),
  rules: z.array(z.unknown()).max(5000),
}).strict();

/** Where a rule or an error comes from. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A rule with where it was defined. */
export interface LocatedRule {
  rule: Rule;
  at: SourcePosition;
}

/** A rule file problem: fatal (`error`) or kept in the report (`warning`). */
export interface RuleProblem extends SourcePosition {
  rule?: string;
  code: string;
  message: string;
}

/** Formats a problem as `file:line:column: rule <id>: message`. */
export function formatProblem(p: RuleProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.rule !== undefined ? `rule ${p.rule}: ` : ""}${p.message}`;
}
