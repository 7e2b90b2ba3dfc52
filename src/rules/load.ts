/** Loads the built-in rule pack and a rules directory into one ordered, compiled rule set. */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { type ParsedRuleFile, parseJsoncRules } from "./jsonc.ts";
import { parseLegacyRules } from "./legacy.ts";
import { compileCondition, compilePatterns, type Predicate } from "../core/match.ts";
import {
  type Actions,
  formatProblem,
  type LocatedRule,
  type RuleProblem,
  type SourcePosition,
} from "./model.ts";
import { checkTrustedDir, readTrustedFile } from "../host/trusted_files.ts";
import { BUILTIN_PACK, BUILTIN_RULE_FILES } from "./builtin.ts";

/** Most rule files read from a directory. */
export const MAX_RULE_FILES = 200;
/** Most rules in one rule set. */
export const MAX_RULES = 5000;
/** Largest rule file read. */
export const MAX_RULE_FILE_BYTES = 1 << 20;

/** A rule ready to apply. */
export interface CompiledRule {
  id: string;
  at: SourcePosition;
  builtin: boolean;
  inScanner: (name: string) => boolean;
  inCheck: (checkId: string) => boolean;
  /** True when the rule has no `when` (it applies to everything in scope). */
  unconditional: boolean;
  when: Predicate;
  actions: Actions;
}

/** A loaded rule file, for the report. */
export interface RuleSource {
  file: string;
  format: "jsonc" | "legacy";
  rules: number;
  builtin: boolean;
}

/** The loaded, ordered rules with what was read and the warnings to record in the report. */
export interface RuleSet {
  rules: CompiledRule[];
  sources: RuleSource[];
  warnings: RuleProblem[];
}

/** What to load. */
export interface LoadOptions {
  /** Load the built-in pack (`--no-builtin-rules` turns it off). */
  builtin: boolean;
  /** A rules directory (`--rules-dir`, loaded when `--rules-enable` is given). */
  dir?: string;
  allowLegacy: boolean;
  insecureOk: boolean;
}

/** An empty rule set. */
export const NO_RULES: RuleSet = { rules: [], sources: [], warnings: [] };

function compile(located: LocatedRule, builtin: boolean): CompiledRule {
  const { rule, at } = located;
  return {
    id: rule.id,
    at,
    builtin,
    inScanner: compilePatterns(rule.scope.scanners),
    inCheck: compilePatterns(rule.scope.checks),
    unconditional: rule.when === undefined,
    when: rule.when ? compileCondition(rule.when) : () => true,
    actions: rule.actions,
  };
}

function parseByName(
  name: string,
  text: string,
  file: string,
  allowLegacy: boolean,
): Promise<ParsedRuleFile> | ParsedRuleFile | undefined {
  if (name.endsWith(".jsonc") || name.endsWith(".json")) return parseJsoncRules(text, file, { allowLegacy });
  if (name.endsWith(".rule")) return parseLegacyRules(text, file, { allowLegacy });
  return undefined;
}

function rulesError(errors: RuleProblem[]): Result<never> {
  const shown = errors.slice(0, 10).map(formatProblem);
  const more = errors.length > 10 ? `\n… and ${errors.length - 10} more` : "";
  const head = errors.length === 1 ? "a rule file has an error" : `rule files have ${errors.length} errors`;
  return fail(ExitCode.Rules, `${head}; fix them or leave out --rules-enable:\n${shown.join("\n")}${more}`);
}

/** A rule file's text, with where it came from. */
export interface RuleText {
  file: string;
  text: string;
  builtin: boolean;
}

/** A parsed rule file, with where it came from (no format: a file of no known format, with that error). */
interface ParsedText {
  file: string;
  format?: RuleSource["format"];
  builtin: boolean;
  parsed: ParsedRuleFile;
}

/**
 * Parses rule texts (by file extension: `.jsonc`/`.json` or legacy `.rule`) in the given order into one rule set.
 * `errors` and `warnings` found while reading are merged in; any error fails with exit 3.
 */
export async function ruleSetFromTexts(
  texts: readonly RuleText[],
  allowLegacy: boolean,
  readProblems: { errors: RuleProblem[]; warnings: RuleProblem[] } = { errors: [], warnings: [] },
): Promise<Result<RuleSet>> {
  return ruleSet(await parseTexts(texts, allowLegacy), readProblems);
}

/** Parses rule texts by file extension. */
async function parseTexts(texts: readonly RuleText[], allowLegacy: boolean): Promise<ParsedText[]> {
  const parsed: ParsedText[] = [];
  for (const t of texts) {
    const p = await parseByName(t.file, t.text, t.file, allowLegacy && !t.builtin);
    if (!p) {
      const error: RuleProblem = {
        file: t.file,
        line: 0,
        column: 0,
        code: "unknown_format",
        message: "not a .jsonc, .json or .rule file",
      };
      parsed.push({ file: t.file, builtin: t.builtin, parsed: { rules: [], errors: [error], warnings: [] } });
      continue;
    }
    const format = t.file.endsWith(".rule") ? "legacy" : "jsonc";
    parsed.push({ file: t.file, format, builtin: t.builtin, parsed: p });
  }
  return parsed;
}

/** The built-in pack, as parsed when it was built (`src/rules/builtin.ts`). */
function builtinParsed(): ParsedText[] {
  return BUILTIN_PACK.map((f) => ({
    file: f.file,
    format: "jsonc",
    builtin: true,
    parsed: { rules: f.rules, errors: [], warnings: f.warnings },
  }));
}

/** One rule set from parsed files in order: ids unique across files, at most MAX_RULES, any error fails it. */
function ruleSet(
  files: readonly ParsedText[],
  problems: { errors: RuleProblem[]; warnings: RuleProblem[] },
): Result<RuleSet> {
  const errors = [...problems.errors];
  const warnings = [...problems.warnings];
  const sources: RuleSource[] = [];
  const located: { rule: LocatedRule; builtin: boolean }[] = [];
  for (const t of files) {
    errors.push(...t.parsed.errors);
    warnings.push(...t.parsed.warnings);
    if (t.format === undefined) continue;
    sources.push({ file: t.file, format: t.format, rules: t.parsed.rules.length, builtin: t.builtin });
    for (const r of t.parsed.rules) located.push({ rule: r, builtin: t.builtin });
  }
  const firstAt = new Map<string, SourcePosition>();
  for (const { rule } of located) {
    const prev = firstAt.get(rule.rule.id);
    if (prev) {
      errors.push({
        ...rule.at,
        rule: rule.rule.id,
        code: "duplicate_id",
        message: `rule id already defined at ${prev.file}:${prev.line}:${prev.column}`,
      });
    } else firstAt.set(rule.rule.id, rule.at);
  }
  if (located.length > MAX_RULES) {
    errors.push({
      file: files.at(-1)?.file ?? "",
      line: 0,
      column: 0,
      code: "too_many_rules",
      message: `${located.length} rules; at most ${MAX_RULES}`,
    });
  }
  if (errors.length > 0) return rulesError(errors);
  return ok({ rules: located.map((l) => compile(l.rule, l.builtin)), sources, warnings });
}

function readRulesDir(
  dir: string,
  opts: LoadOptions,
): Result<{ texts: RuleText[]; errors: RuleProblem[]; warnings: RuleProblem[] }> {
  const trusted = checkTrustedDir(dir, { insecureOk: opts.insecureOk, what: "rules directory" });
  if (!trusted.ok) return fail(ExitCode.Rules, trusted.message);
  const errors: RuleProblem[] = [];
  const warnings: RuleProblem[] = trusted.value.warnings.map((message) => ({
    file: dir,
    line: 0,
    column: 0,
    code: "insecure_dir",
    message,
  }));
  let names: string[];
  try {
    names = [...Deno.readDirSync(trusted.value.real)]
      .filter((e) => /\.(jsonc|json|rule)$/.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  } catch (e) {
    return fail(
      ExitCode.Rules,
      `rules directory ${dir} cannot be listed (${e instanceof Error ? e.message : e})`,
    );
  }
  if (names.length > MAX_RULE_FILES) {
    return fail(
      ExitCode.Rules,
      `rules directory ${dir} holds ${names.length} rule files; at most ${MAX_RULE_FILES}`,
    );
  }
  if (names.length === 0) {
    warnings.push({
      file: dir,
      line: 0,
      column: 0,
      code: "no_rule_files",
      message: `no *.jsonc, *.json or *.rule files in ${dir}`,
    });
  }
  const texts: RuleText[] = [];
  for (const name of names) {
    const path = `${trusted.value.real}/${name}`;
    const read = readTrustedFile(path, MAX_RULE_FILE_BYTES, opts.insecureOk);
    if (!read.ok) {
      errors.push({
        file: path,
        line: 0,
        column: 0,
        code: "unreadable",
        message: `cannot use this rule file: ${read.reason}`,
      });
      continue;
    }
    if (read.warning) {
      warnings.push({ file: path, line: 0, column: 0, code: "insecure_file", message: read.warning });
    }
    texts.push({ file: path, text: read.text, builtin: false });
  }
  return ok({ texts, errors, warnings });
}

/**
 * Loads the rule set: the built-in pack first, then the directory's `*.jsonc`, `*.json` and `*.rule` files in
 * sorted name order (not recursive). Every problem in every file is collected; any error fails the load
 * with exit 3. Rule ids must be unique across all files.
 */
export async function loadRules(opts: LoadOptions): Promise<Result<RuleSet>> {
  const builtin = opts.builtin ? builtinParsed() : [];
  if (opts.dir === undefined) return ruleSet(builtin, { errors: [], warnings: [] });
  const dir = readRulesDir(opts.dir, opts);
  if (!dir.ok) return dir;
  const dirTexts = opts.builtin ? dir.value.texts.filter((t) => !isBuiltinFile(t.file)) : dir.value.texts;
  return ruleSet([...builtin, ...await parseTexts(dirTexts, opts.allowLegacy)], dir.value);
}

/** True when a rule file is one of the built-in pack's own files (`--rules-dir rules` must not load it twice). */
function isBuiltinFile(path: string): boolean {
  return BUILTIN_RULE_FILES.some((name) => {
    try {
      return Deno.realPathSync(new URL(`../../rules/${name}`, import.meta.url)) === Deno.realPathSync(path);
    } catch {
      return false;
    }
  });
}
