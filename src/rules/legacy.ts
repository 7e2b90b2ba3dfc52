/**
 * Parses legacy key=value `.rule` files (the upstream format), several rules per file. A rule ends at a line
 * holding only `---`, or when an `id=` line appears while the current rule already has an id. See docs/RULES.md.
 */
import {
  type Condition,
  ConditionSchema,
  FIELD_NAMES,
  type LeafCondition,
  MAX_CONDITION_LEAVES,
  type Operator,
} from "../core/condition.ts";
import { RULE_VERSION, type RuleProblem, RuleSchema } from "./model.ts";
import type { ParsedRuleFile, ParseOptions } from "./jsonc.ts";

/** Longest line a legacy rule file may hold. */
export const MAX_LEGACY_LINE = 4096;

const RULE_KEYS = new Set([
  "id",
  "rule_version",
  "scope",
  "check",
  "severity",
  "severity_override",
  "mitre",
  "tags",
  "suppress",
  "logic",
  "description",
  "enabled",
]);
const LEGACY_OPS: Record<string, Operator> = {
  contains: "contains",
  equals: "equals",
  regex: "regex",
  starts_with: "starts_with",
  ends_with: "ends_with",
  in: "in",
  exists: "exists",
  gt: "gt",
  gte: "gte",
  lt: "lt",
  lte: "lte",
};

interface Entry {
  key: string;
  value: string;
  line: number;
  column: number;
}

interface CondBlock {
  order: number;
  line: number;
  field?: Entry;
  ops: Entry[];
  not?: Entry;
}

/** Maps a legacy field name to a rule field: known finding fields stay, anything else is a metadata key. */
export function legacyField(name: string): string {
  if (name === "") return "description";
  if ((FIELD_NAMES as readonly string[]).includes(name) || name.startsWith("metadata.")) return name;
  return `metadata.${name}`;
}

function csvList(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function splitRules(
  text: string,
  file: string,
  problems: RuleProblem[],
  warnings: RuleProblem[],
): { entries: Entry[]; line: number }[] {
  const rules: { entries: Entry[]; line: number }[] = [];
  let current: { entries: Entry[]; line: number } | undefined;
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (raw.length > MAX_LEGACY_LINE) {
      problems.push({
        file,
        line,
        column: 1,
        code: "line_too_long",
        message: `line longer than ${MAX_LEGACY_LINE} characters`,
      });
      return;
    }
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (trimmed === "---") {
      current = undefined;
      return;
    }
    if (/^rule\s/.test(trimmed) || /\b(strings|condition)\s*:/.test(trimmed)) {
      problems.push({
        file,
        line,
        column: 1,
        code: "yara_text",
        message: "this looks like a YARA rule; YARA rules go in --yara-rules, not in .rule files",
      });
      return;
    }
    const eq = raw.indexOf("=");
    if (eq < 0) {
      warnings.push({ file, line, column: 1, code: "ignored_line", message: "line without '=' ignored" });
      return;
    }
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    const column = eq + 2 + (raw.slice(eq + 1).length - raw.slice(eq + 1).trimStart().length);
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(raw.replace(/\r$/, ""))) {
      problems.push({
        file,
        line,
        column,
        code: "control_char",
        message: "control characters are not allowed",
      });
      return;
    }
    if (key === "id" && current?.entries.some((e) => e.key === "id")) current = undefined;
    if (!current) {
      current = { entries: [], line };
      rules.push(current);
    }
    current.entries.push({ key, value, line, column });
  });
  return rules;
}

function conditionBlocks(
  entries: Entry[],
  file: string,
  problems: RuleProblem[],
  rule: string | undefined,
): CondBlock[] {
  const blocks = new Map<string, CondBlock>();
  for (const e of entries) {
    let name: string;
    let attr: string;
    const m = /^condition([^.]*)\.(.+)$/.exec(e.key);
    if (m) {
      name = m[1];
      attr = m[2];
    } else if (e.key === "field" || Object.hasOwn(LEGACY_OPS, e.key) || e.key === "not") {
      name = "__single";
      attr = e.key;
    } else continue;
    let b = blocks.get(name);
    if (!b) {
      const n = Number(name);
      b = { order: name === "__single" ? -1 : Number.isInteger(n) ? n : 0, line: e.line, ops: [] };
      blocks.set(name, b);
    }
    if (attr === "field") b.field = e;
    else if (attr === "not") b.not = e;
    else if (Object.hasOwn(LEGACY_OPS, attr)) b.ops.push({ ...e, key: attr });
    else {
      problems.push({
        file,
        line: e.line,
        column: 1,
        rule,
        code: "unknown_operator",
        message: `unknown condition key ${e.key}`,
      });
    }
  }
  const numbered = [...blocks.entries()].filter(([k]) => k !== "__single").map(([, b]) => b);
  const single = blocks.get("__single");
  if (numbered.length > 0 && single) {
    problems.push({
      file,
      line: single.line,
      column: 1,
      rule,
      code: "mixed_conditions",
      message: "use either field/contains/... or numbered conditionN.* keys, not both",
    });
  }
  return numbered.length > 0 ? numbered.sort((a, b) => a.order - b.order) : single ? [single] : [];
}

function leafFor(field: string, op: Entry): LeafCondition | string {
  const kind = LEGACY_OPS[op.key];
  switch (kind) {
    case "exists":
      if (op.value !== "" && op.value !== "true") return `exists takes no value or "true"`;
      return { field, op: "exists" };
    case "in":
      return { field, op: "in", value: csvList(op.value) };
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (field === "severity") return { field, op: kind, value: op.value };
      const n = Number(op.value);
      if (op.value === "" || !Number.isFinite(n)) return `${op.key} needs a number, got "${op.value}"`;
      return { field, op: kind, value: n };
    }
    default:
      if (op.value === "") return `${op.key} needs a value`;
      return { field, op: kind, value: op.value };
  }
}

function buildRule(
  chunk: { entries: Entry[]; line: number },
  file: string,
  opts: ParseOptions,
  out: ParsedRuleFile,
): void {
  const problems: RuleProblem[] = [];
  const get = (k: string) => chunk.entries.findLast((e) => e.key === k);
  const idEntry = get("id");
  const id = idEntry?.value;
  const at = { file, line: chunk.line, column: 1 };
  if (!idEntry || id === "") {
    out.errors.push({ ...at, code: "missing_id", message: "rule without id= (every rule needs one)" });
    return;
  }
  for (const e of chunk.entries) {
    if (
      !RULE_KEYS.has(e.key) && !/^condition[^.]*\./.test(e.key) && !(Object.hasOwn(LEGACY_OPS, e.key)) &&
      e.key !== "field" &&
      e.key !== "not"
    ) {
      out.warnings.push({
        file,
        line: e.line,
        column: 1,
        rule: id,
        code: "unknown_key",
        message: `unknown key ${e.key} ignored`,
      });
    }
  }
  const versionEntry = get("rule_version");
  if (versionEntry) {
    const v = Number(versionEntry.value);
    const where = { file, line: versionEntry.line, column: versionEntry.column, rule: id };
    if (!/^-?\d+$/.test(versionEntry.value)) {
      problems.push({
        ...where,
        code: "unsupported_version",
        message: `rule_version must be a whole number`,
      });
    } else if (v > RULE_VERSION) {
      problems.push({
        ...where,
        code: "unsupported_version",
        message: `rule_version ${v} is newer than this sys-scan understands (${RULE_VERSION})`,
      });
    } else if (v < RULE_VERSION) {
      if (opts.allowLegacy) {
        out.warnings.push({
          ...where,
          code: "legacy_version",
          message: `rule_version ${v} loaded as ${RULE_VERSION} because of --rules-allow-legacy`,
        });
      } else {
        problems.push({
          ...where,
          code: "unsupported_version",
          message:
            `rule_version ${v} is older than ${RULE_VERSION}; rerun with --rules-allow-legacy to load it anyway`,
        });
      }
    }
  }
  const leaves: Condition[] = [];
  const blocks = conditionBlocks(chunk.entries, file, problems, id);
  let leafCount = 0;
  for (const b of blocks) {
    const field = legacyField(b.field?.value ?? "");
    if (b.ops.length === 0) {
      problems.push({
        file,
        line: b.line,
        column: 1,
        rule: id,
        code: "no_operator",
        message: "condition without contains/equals/regex/... never matches",
      });
      continue;
    }
    const parts: Condition[] = [];
    for (const op of b.ops) {
      const leaf = leafFor(field, op);
      const where = { file, line: op.line, column: op.column, rule: id };
      if (typeof leaf === "string") {
        problems.push({ ...where, code: "invalid_condition", message: leaf });
        continue;
      }
      const check = ConditionSchema.safeParse(leaf);
      if (!check.success) {
        problems.push({
          ...where,
          code: "invalid_condition",
          message: check.error.issues.map((i) => i.message).join("; "),
        });
        continue;
      }
      parts.push(leaf);
      leafCount++;
    }
    if (parts.length === 0) continue;
    let cond: Condition = parts.length === 1 ? parts[0] : { all: parts };
    if (b.not) {
      if (b.not.value !== "true" && b.not.value !== "false") {
        problems.push({
          file,
          line: b.not.line,
          column: b.not.column,
          rule: id,
          code: "invalid_condition",
          message: "not= takes true or false",
        });
      } else if (b.not.value === "true") cond = { not: cond };
    }
    leaves.push(cond);
  }
  if (leafCount > MAX_CONDITION_LEAVES) {
    problems.push({
      ...at,
      rule: id,
      code: "too_complex",
      message: `${leafCount} conditions; at most ${MAX_CONDITION_LEAVES}`,
    });
  }
  if (blocks.length === 0) {
    problems.push({
      ...at,
      rule: id,
      code: "no_conditions",
      message: "rule has no conditions (add field= and contains=/equals=/regex=...)",
    });
  }
  const logic = get("logic")?.value.toLowerCase() ?? "all";
  if (logic !== "any" && logic !== "all" && logic !== "and" && logic !== "or") {
    const e = get("logic")!;
    problems.push({
      file,
      line: e.line,
      column: e.column,
      rule: id,
      code: "invalid_logic",
      message: "logic= is all or any",
    });
  }
  if (problems.length > 0) {
    out.errors.push(...problems);
    return;
  }
  const when: Condition = leaves.length === 1
    ? leaves[0]
    : logic === "any" || logic === "or"
    ? { any: leaves }
    : { all: leaves };
  const severityEntry = get("severity_override") ?? get("severity");
  const scope = get("scope")?.value ?? "";
  const checks = get("check")?.value;
  const raw = {
    id,
    ...(get("description") ? { description: get("description")!.value } : {}),
    ...(get("enabled") ? { enabled: get("enabled")!.value !== "false" } : {}),
    scope: {
      ...(scope !== "" && scope !== "*" ? { scanners: csvList(scope) } : {}),
      ...(checks !== undefined ? { checks: csvList(checks) } : {}),
    },
    when,
    actions: {
      ...(severityEntry ? { severity: severityEntry.value.toLowerCase() } : {}),
      ...(get("mitre") ? { mitre: csvList(get("mitre")!.value) } : {}),
      ...(get("tags") ? { tags: csvList(get("tags")!.value) } : {}),
      ...(get("suppress") ? { suppress: { reason: get("suppress")!.value } } : {}),
    },
  };
  const parsed = RuleSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const top = String(issue.path[0] ?? "");
      const key = top === "actions"
        ? String(issue.path[1] ?? "")
        : top === "scope"
        ? (issue.path[1] === "checks" ? "check" : "scope")
        : top;
      const e = key === "severity" ? severityEntry : get(key);
      out.errors.push({
        file,
        line: e?.line ?? chunk.line,
        column: e?.column ?? 1,
        rule: id,
        code: "invalid_rule",
        message: `${e ? `${e.key}: ` : ""}${issue.message}`,
      });
    }
    return;
  }
  if (!parsed.data.enabled) {
    out.warnings.push({
      ...at,
      rule: id,
      code: "rule_disabled",
      message: "rule is disabled (enabled=false)",
    });
    return;
  }
  out.rules.push({ rule: parsed.data, at });
}

/** Parses the text of one legacy `.rule` file. */
export function parseLegacyRules(text: string, file: string, opts: ParseOptions): ParsedRuleFile {
  const out: ParsedRuleFile = { rules: [], errors: [], warnings: [] };
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    out.errors.push({ file, line, column: 1, code: "nul_byte", message: "NUL byte in a rule file" });
    return out;
  }
  const chunks = splitRules(text.replace(/\r\n/g, "\n"), file, out.errors, out.warnings);
  const seen = new Map<string, number>();
  for (const chunk of chunks) {
    const before = out.rules.length;
    buildRule(chunk, file, opts, out);
    if (out.rules.length > before) {
      const r = out.rules[out.rules.length - 1];
      const prev = seen.get(r.rule.id);
      if (prev !== undefined) {
        out.rules.pop();
        out.errors.push({
          ...r.at,
          rule: r.rule.id,
          code: "duplicate_id",
          message: `rule id already used at line ${prev}`,
        });
      } else seen.set(r.rule.id, r.at.line);
    }
  }
  if (chunks.length === 0 && out.errors.length === 0) {
    out.warnings.push({ file, line: 1, column: 1, code: "empty_file", message: "no rules in this file" });
  }
  return out;
}
