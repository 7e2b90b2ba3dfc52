/** The rule model (zod): conditions, actions, rules and rule files. Both file formats produce these types. */
import { z } from "zod";

/** Current version of the JSONC rule file format and of the legacy key=value format. */
export const RULE_VERSION = 1;

/** Longest regex pattern a rule may hold. */
export const MAX_REGEX_LENGTH = 512;
/** Most values an `in` list may hold. */
export const MAX_IN_VALUES = 1000;
/** Deepest nesting of `all`/`any`/`not` groups. */
export const MAX_CONDITION_DEPTH = 16;
/** Most leaf conditions in one rule. */
export const MAX_CONDITION_LEAVES = 100;

/** The operators a leaf condition can use. */
export const OPERATORS = [
  "equals",
  "contains",
  "starts_with",
  "ends_with",
  "regex",
  "in",
  "exists",
  "gt",
  "gte",
  "lt",
  "lte",
] as const;

/** One operator name. */
export type Operator = typeof OPERATORS[number];

/** Finding fields a condition can read; `metadata.<key>` reads a metadata value. */
export const FIELD_NAMES = [
  "id",
  "check_id",
  "scanner",
  "title",
  "description",
  "severity",
  "tags",
  "mitre",
  "location.path",
  "location.pid",
] as const;

const FIELD_RE = new RegExp(`^(${FIELD_NAMES.map((f) => f.replace(".", "\\.")).join("|")}|metadata\\..+)$`);

/** A scalar a condition compares with. */
export const ScalarSchema = z.union([z.string().max(4096), z.number(), z.boolean()]);

/** A leaf condition: one operator applied to one field. */
export interface LeafCondition {
  field: string;
  op: Operator;
  value?: z.infer<typeof ScalarSchema> | z.infer<typeof ScalarSchema>[];
  ignore_case?: boolean;
}

/** A condition: a leaf, or an `all` / `any` group, or a negation (`not`). Groups nest. */
export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const NUMERIC_OPS = new Set<Operator>(["gt", "gte", "lt", "lte"]);
const STRING_OPS = new Set<Operator>(["contains", "starts_with", "ends_with", "regex"]);

function checkLeaf(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const op = c.op as Operator;
  const value = c.value;
  const issue = (message: string, path: string[] = ["value"]) =>
    ctx.addIssue({ code: "custom", message, path });
  if (c.ignore_case !== undefined && !STRING_OPS.has(op) && op !== "equals" && op !== "in") {
    issue(`"ignore_case" only applies to equals, in, contains, starts_with, ends_with and regex`, [
      "ignore_case",
    ]);
  }
  if (op === "exists") {
    if (value !== undefined) issue(`"exists" takes no value`);
    return;
  }
  if (value === undefined) return issue(`operator "${op}" needs a "value"`);
  if (op === "in") {
    if (!Array.isArray(value) || value.length === 0) return issue(`"in" needs a non-empty list of values`);
    if (value.length > MAX_IN_VALUES) issue(`"in" list has ${value.length} values; at most ${MAX_IN_VALUES}`);
    return;
  }
  if (Array.isArray(value)) return issue(`operator "${op}" takes one value, not a list (use "in")`);
  if (STRING_OPS.has(op) && typeof value !== "string") return issue(`operator "${op}" needs a string value`);
  if (
    NUMERIC_OPS.has(op) && typeof value !== "number" && !(c.field === "severity" && typeof value === "string")
  ) {
    return issue(`operator "${op}" needs a number (or a severity name on the "severity" field)`);
  }
  if (op === "regex" && typeof value === "string") {
    if (value.length > MAX_REGEX_LENGTH) {
      issue(`regex is ${value.length} characters long; at most ${MAX_REGEX_LENGTH}`);
    } else {
      const problem = regexProblem(value, c.ignore_case === true);
      if (problem) issue(problem);
    }
  }
}

/**
 * Why a regex cannot be used, or undefined when it compiles and is safe to run on hostile input.
 * Nested quantifiers such as `(a+)+` and backreferences are refused: they can backtrack for minutes.
 */
export function regexProblem(pattern: string, ignoreCase = false): string | undefined {
  try {
    new RegExp(pattern, ignoreCase ? "i" : "");
  } catch (e) {
    return `regex does not compile: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) {
    return "regex backreferences are not allowed (they can backtrack without bound)";
  }
  const quantifiedInside: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "(") quantifiedInside.push(false);
    else if (ch === ")") {
      const inner = quantifiedInside.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === "*" || next === "+" ||
        (next === "{" && /^\{\d*,/.test(pattern.slice(i + 1)));
      if (inner && quantified) {
        return "regex has a nested quantifier such as (a+)+, which can backtrack without bound";
      }
      if (inner && quantifiedInside.length > 0) quantifiedInside[quantifiedInside.length - 1] = true;
    } else if ((ch === "*" || ch === "+" || ch === "{") && quantifiedInside.length > 0) {
      quantifiedInside[quantifiedInside.length - 1] = true;
    }
  }
  return undefined;
}

const ConditionObjectSchema = z.object({
  field: z.string().regex(FIELD_RE, `unknown field; use one of ${FIELD_NAMES.join(", ")} or metadata.<key>`)
    .optional(),
  op: z.enum(OPERATORS).optional(),
  value: z.union([ScalarSchema, z.array(ScalarSchema)]).optional(),
  ignore_case: z.boolean().optional(),
  get all() {
    return z.array(ConditionSchema).min(1, `"all" needs at least one condition`).optional();
  },
  get any() {
    return z.array(ConditionSchema).min(1, `"any" needs at least one condition`).optional();
  },
  get not() {
    return ConditionSchema.optional();
  },
}).strict();

/** Zod schema of a condition (recursive). */
export const ConditionSchema: z.ZodType<Condition> = ConditionObjectSchema.superRefine((c, ctx) => {
  const kinds = [
    c.op !== undefined || c.field !== undefined,
    c.all !== undefined,
    c.any !== undefined,
    c.not !== undefined,
  ]
    .filter(Boolean).length;
  if (kinds !== 1) {
    ctx.addIssue({
      code: "custom",
      message:
        `a condition is exactly one of: {"field","op","value"}, {"all":[…]}, {"any":[…]} or {"not":{…}}`,
    });
    return;
  }
  if (c.op !== undefined || c.field !== undefined) {
    if (c.field === undefined) {
      return ctx.addIssue({ code: "custom", message: `missing "field"`, path: ["field"] });
    }
    if (c.op === undefined) return ctx.addIssue({ code: "custom", message: `missing "op"`, path: ["op"] });
    checkLeaf(c, ctx);
  } else if (c.value !== undefined || c.ignore_case !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `"value" and "ignore_case" belong to a leaf condition with "field" and "op"`,
    });
  }
}) as unknown as z.ZodType<Condition>;

/** A scope pattern: an exact name, or a glob where `*` stands for any characters (`kernel.sysctl.*`, `*`). */
export const PatternSchema = z.string().regex(
  /^[A-Za-z0-9_.:*-]{1,200}$/,
  "a name or a glob with * (letters, digits, _ . : -)",
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

/** Counts the depth and leaves of a condition. */
export function conditionSize(c: Condition): { depth: number; leaves: number } {
  if ("all" in c || "any" in c) {
    const list = "all" in c ? c.all : c.any;
    let depth = 0;
    let leaves = 0;
    for (const x of list) {
      const s = conditionSize(x);
      depth = Math.max(depth, s.depth);
      leaves += s.leaves;
    }
    return { depth: depth + 1, leaves };
  }
  if ("not" in c) {
    const s = conditionSize(c.not);
    return { depth: s.depth + 1, leaves: s.leaves };
  }
  return { depth: 0, leaves: 1 };
}
