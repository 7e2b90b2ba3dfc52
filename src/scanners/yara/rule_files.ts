/**
 * Loading YARA rule files: `--yara-rules PATH` (a file, or every `*.yar`/`*.yara` directly in a directory)
 * or `<rules-dir>/yara/`. These are the analyst's files on the scanning machine, not files of the scanned
 * host, so they are read directly (bounded), with the same trust rules as rule files: root-owned, not
 * group/world-writable, no symlinks, unless `--rules-insecure-ok`. The files are compiled once, together, by
 * the native libyara; an error names its file and line.
 */
import { checkTrustedDir, readTrustedFile } from "../../host/trusted_files.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import { checkRuleSources, type Diagnostic, type Libyara, type YaraRules } from "./engine.ts";
import { ruleHeaders } from "./headers.ts";

/** At most this many rule files are loaded. */
export const MAX_RULE_FILES = 200;
/** At most this many bytes per rule file. */
export const MAX_RULE_FILE_BYTES = 4 << 20;

/** A rule file read from disk. */
export interface RuleFile {
  path: string;
  text: string;
}

/** The outcome of finding and reading rule files. */
export interface RuleFileRead {
  files: RuleFile[];
  /** Problems that stop the scan (missing path, unreadable or untrusted file, no rule files). */
  errors: string[];
  /** Problems accepted (insecure files with --rules-insecure-ok, too many files). */
  warnings: string[];
}

/**
 * Compiled, checked rules: the native rule set (dispose it when the scan is done), the file each rule was
 * defined in, and the compiler's warnings.
 */
export interface RuleSet extends Disposable {
  rules: YaraRules;
  /** Rule name → the rule file that defines it. */
  fileOf: Map<string, string>;
  files: string[];
  /** Compiler warnings, as `file:line: message`. */
  warnings: string[];
}

function readRuleFile(path: string, insecureOk: boolean, out: RuleFileRead): void {
  const r = readTrustedFile(path, MAX_RULE_FILE_BYTES, insecureOk);
  if (!r.ok) {
    out.errors.push(`${path}: ${r.reason}`);
    return;
  }
  if (r.warning) out.warnings.push(r.warning);
  out.files.push({ path, text: r.text });
}

/** True for a YARA rule file name. */
export function isRuleFileName(name: string): boolean {
  return /\.(yar|yara)$/i.test(name) && !name.startsWith(".");
}

/** Reads a rule file, or the rule files directly inside a directory (sorted by name). */
export function readRuleFiles(path: string, insecureOk: boolean): RuleFileRead {
  const out: RuleFileRead = { files: [], errors: [], warnings: [] };
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(path);
  } catch (e) {
    out.errors.push(
      e instanceof Deno.errors.NotFound
        ? `${path} does not exist`
        : `${path} cannot be read: ${(e as Error).message}`,
    );
    return out;
  }
  if (!st.isDirectory) {
    readRuleFile(path, insecureOk, out);
    return out;
  }
  const dir = checkTrustedDir(path, { insecureOk, what: "YARA rules directory" });
  if (!dir.ok) {
    out.errors.push(dir.message);
    return out;
  }
  out.warnings.push(...dir.value.warnings);
  let names: string[];
  try {
    names = [...Deno.readDirSync(path)].filter((e) => !e.isDirectory && isRuleFileName(e.name)).map((e) =>
      e.name
    );
  } catch (e) {
    out.errors.push(`${path} cannot be listed: ${(e as Error).message}`);
    return out;
  }
  names.sort();
  if (names.length === 0) out.errors.push(`${path} holds no *.yar or *.yara files`);
  if (names.length > MAX_RULE_FILES) {
    out.warnings.push(
      `${path} holds ${names.length} rule files; only the first ${MAX_RULE_FILES} are loaded`,
    );
    names = names.slice(0, MAX_RULE_FILES);
  }
  for (const name of names) readRuleFile(`${trimTrailing(path, "/")}/${name}`, insecureOk, out);
  return out;
}

function sourcesOf(files: readonly RuleFile[]): { name: string; text: string }[] {
  return files.map((f) => ({ name: f.path, text: f.text }));
}

function describe(d: Diagnostic): string {
  return `${d.source}:${d.line}: ${d.message}`;
}

/**
 * Compiles the files once, in order, into one rule set (a rule may use rules of earlier files; a name defined
 * in two files is an error). Returns the rule set, or the compiler's errors as `file:line: message`.
 */
export function compileRuleSet(
  lib: Libyara,
  files: readonly RuleFile[],
): { ok: true; set: RuleSet } | { ok: false; errors: string[] } {
  const compiled = lib.compile(sourcesOf(files));
  if (!compiled.ok) return { ok: false, errors: compiled.errors.map(describe) };
  const fileOf = new Map<string, string>();
  for (const f of files) for (const h of ruleHeaders(f.text)) fileOf.set(h.name, f.path);
  const rules = compiled.rules;
  const set: RuleSet = {
    rules,
    fileOf,
    files: files.map((f) => f.path),
    warnings: compiled.warnings.map(describe),
    [Symbol.dispose]: () => rules[Symbol.dispose](),
  };
  return { ok: true, set };
}

/**
 * The compiler's errors for the files as `compileRuleSet` gives them (`file:line: message`), without keeping
 * the rules; empty when they compile or when libyara cannot be loaded here (the scanner then skips and says
 * why).
 */
export function checkRuleFiles(files: readonly RuleFile[]): string[] {
  const checked = checkRuleSources(sourcesOf(files));
  if (checked.ok || "unavailable" in checked) return [];
  return checked.errors.map(describe);
}
