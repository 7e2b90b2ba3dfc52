/**
 * Loading YARA rule files: `--yara-rules PATH` (a file, or every `*.yar`/`*.yara` directly in a directory)
 * or `<rules-dir>/yara/`. These are the analyst's files on the scanning machine, not files of the scanned
 * host, so they are read directly (bounded), with the same trust rules as rule files: root-owned, not
 * group/world-writable, no symlinks, unless `--rules-insecure-ok`. Every file is compiled on its own so that an error names its file and line,
 * then all are compiled together (which catches a rule name defined in two files).
 */
import { checkTrustedDir, readTrustedFile } from "../../host/trusted_files.ts";
import type { CompileDiagnostic, YaraEngine } from "./engine.ts";
import { type RuleHeader, ruleHeaders } from "./headers.ts";

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

/** A rule header with the file it came from. */
export interface LocatedHeader extends RuleHeader {
  file: string;
}

/** A compiled, checked rule set: one source for the engine, and the headers by rule name. */
export interface RuleSet {
  source: string;
  headers: Map<string, LocatedHeader>;
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
  for (const name of names) readRuleFile(`${path.replace(/\/+$/, "")}/${name}`, insecureOk, out);
  return out;
}

function describe(file: string, d: CompileDiagnostic): string {
  return `${file}:${d.line}: ${d.message}`;
}

/** Compiles the files (each alone, then together); returns the rule set or the errors with file:line. */
export function compileRuleSet(
  engine: YaraEngine,
  files: readonly RuleFile[],
): RuleSet | { errors: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    for (const d of engine.compile(f.text)) (d.warning ? warnings : errors).push(describe(f.path, d));
  }
  if (errors.length > 0) return { errors };
  // Joined with a newline after each file, so each file starts on a known line of the combined source.
  const starts: { file: string; first: number }[] = [];
  let line = 1;
  for (const f of files) {
    starts.push({ file: f.path, first: line });
    line += f.text.split("\n").length;
  }
  const source = files.map((f) => f.text + "\n").join("");
  const locate = (d: CompileDiagnostic) => {
    const s = [...starts].reverse().find((x) => x.first <= d.line) ?? starts[0];
    return describe(s.file, { ...d, line: d.line - s.first + 1 });
  };
  const together = engine.compile(source).filter((d) => !d.warning);
  if (together.length > 0) {
    return { errors: together.map((d) => `${locate(d)} (when loading all rule files together)`) };
  }
  const headers = new Map<string, LocatedHeader>();
  for (const f of files) for (const h of ruleHeaders(f.text)) headers.set(h.name, { ...h, file: f.path });
  return { source, headers, files: files.map((f) => f.path), warnings };
}
