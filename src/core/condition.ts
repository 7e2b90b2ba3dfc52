/**
 * Conditions over findings (zod): the operators, the fields they read, and the limits that keep a condition
 * cheap on hostile input. Rules, the risk model's factors and anything else that selects findings share this
 * language and its matcher (`./match.ts`).
 */
import { z } from "zod";

/** Longest regex pattern a condition may hold. */
export const MAX_REGEX_LENGTH = 512;
/** Most values an `in` list may hold. */
export const MAX_IN_VALUES = 1000;
/** Deepest nesting of `all`/`any`/`not` groups. */
export const MAX_CONDITION_DEPTH = 16;
/** Most leaf conditions in one condition (one rule, one factor). */
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
