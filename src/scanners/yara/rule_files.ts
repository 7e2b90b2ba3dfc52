/**
 * Loading YARA rule files: `--yara-rules PATH` (a file, or every `*.yar`/`*.yara` directly in a directory)
 * or `<rules-dir>/yara/`. These are the analyst's files on the scanning machine, not files of the scanned
 * host, so they are read directly (bounded). Files writable by others or owned by another user are refused
 * unless `--rules-insecure-ok`. Every file is compiled on its own so that an error names its file and line,
 * then all are compiled together (which catches a rule name defined in two files).
 */
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

function untrusted(st: Deno.FileInfo): string | undefined {
  const uid = Deno.uid();
  if (st.uid !== 0 && st.uid !== uid) return `owned by uid ${st.uid}`;
  const mode = st.mode ?? 0;
  if ((mode & 0o022) !== 0) return `writable by ${(mode & 0o002) !== 0 ? "others" : "group"}`;
  return undefined;
}

function trustCheck(path: string, st: Deno.FileInfo, insecureOk: boolean, out: RuleFileRead): boolean {
  const why = untrusted(st);
  if (why === undefined) return true;
  const msg = `${path} is ${why}: anyone who can edit it can blind the scan`;
  if (insecureOk) {
    out.warnings.push(`${msg} (accepted with --rules-insecure-ok)`);
    return true;
  }
  out.errors.push(`${msg}; fix its owner/mode or pass --rules-insecure-ok`);
  return false;
}

function readRuleFile(path: string, insecureOk: boolean, out: RuleFileRead): void {
  let file: Deno.FsFile | undefined;
  try {
    if (!Deno.statSync(path).isFile) {
      out.errors.push(`${path} is not a regular file`);
      return;
    }
    file = Deno.openSync(path, { read: true });
    const st = file.statSync();
    if (st.size > MAX_RULE_FILE_BYTES) {
      out.errors.push(`${path} is larger than ${MAX_RULE_FILE_BYTES >> 20} MiB`);
      return;
    }
    if (!trustCheck(path, st, insecureOk, out)) return;
    const buf = new Uint8Array(st.size);
    let used = 0;
    while (used < buf.length) {
      const n = file.readSync(buf.subarray(used));
      if (n === null || n === 0) break;
      used += n;
    }
    out.files.push({ path, text: new TextDecoder().decode(buf.subarray(0, used)) });
  } catch (e) {
    out.errors.push(`${path} cannot be read: ${e instanceof Error ? e.message : e}`);
  } finally {
    file?.close();
  }
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
  if (!trustCheck(path, st, insecureOk, out)) return out;
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
