/** Parses JSONC rule files: zod validation with the file, line, column and rule id of every problem. */
import type { Node, ParseError } from "jsonc-parser";
import type { z } from "zod";
import { type Jsonc, loadJsonc, nodeValue, positionAt } from "../core/jsonc.ts";
import { conditionSize, MAX_CONDITION_DEPTH, MAX_CONDITION_LEAVES } from "../core/condition.ts";
import {
  type LocatedRule,
  RULE_VERSION,
  RuleFileSchema,
  type RuleProblem,
  RuleSchema,
  type SourcePosition,
} from "./model.ts";

/** What parsing one rule file produced: rules, fatal errors and warnings kept for the report. */
export interface ParsedRuleFile {
  rules: LocatedRule[];
  errors: RuleProblem[];
  warnings: RuleProblem[];
}

/** Options shared by both rule file parsers. */
export interface ParseOptions {
  /** Accept rules written for an older rule version (with a warning). */
  allowLegacy: boolean;
}

/** The node at `path`, or the nearest ancestor that exists (for a missing key: the object that lacks it). */
function nearestNode(jsonc: Jsonc, root: Node, path: (string | number)[]): Node {
  for (let n = path.length; n >= 0; n--) {
    const node = jsonc.findNodeAtLocation(root, path.slice(0, n));
    if (node) {
      return node.parent?.type === "property" && n > 0 && typeof path[n - 1] === "string"
        ? node.parent
        : node;
    }
  }
  return root;
}

function issuesToProblems(
  jsonc: Jsonc,
  issues: z.core.$ZodIssue[],
  base: (string | number)[],
  root: Node,
  text: string,
  file: string,
  rule: string | undefined,
): RuleProblem[] {
  return issues.map((issue) => {
    const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== "symbol")];
    const pos = positionAt(text, nearestNode(jsonc, root, path).offset);
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { file, ...pos, rule, code: "invalid_rule", message: `${where}${issue.message}` };
  });
}

function versionProblem(
  version: number,
  at: SourcePosition,
  opts: ParseOptions,
): { error?: RuleProblem; warning?: RuleProblem } {
  if (version === RULE_VERSION) return {};
  if (version > RULE_VERSION) {
    return {
      error: {
        ...at,
        code: "unsupported_version",
        message:
          `rule version ${version} is newer than this sys-scan understands (${RULE_VERSION}); upgrade sys-scan`,
      },
    };
  }
  if (!opts.allowLegacy) {
    return {
      error: {
        ...at,
        code: "unsupported_version",
        message:
          `rule version ${version} is older than ${RULE_VERSION}; rerun with --rules-allow-legacy to load it anyway`,
      },
    };
  }
  return {
    warning: {
      ...at,
      code: "legacy_version",
      message: `rule version ${version} loaded as version ${RULE_VERSION} because of --rules-allow-legacy`,
    },
  };
}

/** Parses the text of one JSONC rule file (`{"version": 1, "rules": [...]}`). */
export async function parseJsoncRules(
  text: string,
  file: string,
  opts: ParseOptions,
): Promise<ParsedRuleFile> {
  const jsonc = await loadJsonc();
  const out: ParsedRuleFile = { rules: [], errors: [], warnings: [] };
  const syntax: ParseError[] = [];
  const root = jsonc.parseTree(text, syntax, { allowTrailingComma: true, disallowComments: false });
  if (syntax.length > 0 || !root) {
    const e = syntax[0];
    const pos = positionAt(text, e?.offset ?? 0);
    const why = e ? jsonc.printParseErrorCode(e.error) : "empty file";
    out.errors.push({ file, ...pos, code: "syntax", message: `invalid JSONC: ${why}` });
    return out;
  }
  const value = nodeValue(root);
  const top = RuleFileSchema.safeParse(value);
  if (!top.success) {
    out.errors.push(...issuesToProblems(jsonc, top.error.issues, [], root, text, file, undefined));
    return out;
  }
  const versionAt = { file, ...positionAt(text, nearestNode(jsonc, root, ["version"]).offset) };
  const v = versionProblem(top.data.version, versionAt, opts);
  if (v.error) {
    out.errors.push(v.error);
    return out;
  }
  if (v.warning) out.warnings.push(v.warning);
  const seen = new Set<string>();
  top.data.rules.forEach((raw, i) => {
    const rawId = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string"
      ? (raw as { id: string }).id
      : undefined;
    const node = nearestNode(jsonc, root, ["rules", i]);
    const at = { file, ...positionAt(text, node.offset) };
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      out.errors.push(...issuesToProblems(jsonc, parsed.error.issues, ["rules", i], root, text, file, rawId));
      return;
    }
    const rule = parsed.data;
    if (seen.has(rule.id)) {
      out.errors.push({
        ...at,
        rule: rule.id,
        code: "duplicate_id",
        message: "this rule id is already used in this file",
      });
      return;
    }
    seen.add(rule.id);
    if (rule.when) {
      const size = conditionSize(rule.when);
      if (size.depth > MAX_CONDITION_DEPTH || size.leaves > MAX_CONDITION_LEAVES) {
        out.errors.push({
          ...at,
          rule: rule.id,
          code: "too_complex",
          message: `condition nests ${size.depth} deep with ${size.leaves} leaves; ` +
            `at most ${MAX_CONDITION_DEPTH} deep and ${MAX_CONDITION_LEAVES} leaves`,
        });
        return;
      }
    }
    if (!rule.enabled) {
      out.warnings.push({
        ...at,
        rule: rule.id,
        code: "rule_disabled",
        message: "rule is disabled (enabled: false)",
      });
      return;
    }
    out.rules.push({ rule, at });
  });
  return out;
}
