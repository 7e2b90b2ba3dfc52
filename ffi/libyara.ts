/**
 * libyara, YARA's C library (Debian `libyara9`/`libyara10`, RHEL `yara` from EPEL), through Deno FFI, in
 * layers like ffi/libbpf.ts: the library (`Libyara`: dlopen, yr_initialize/yr_finalize, a check that the
 * structures this module reads have the layout it expects), compiled rules (`YaraRules`: compiled once, with
 * errors by source and line, the rule table read once), and a scanner (`YaraScanner`: one reusable
 * yr_scanner, a timeout, matches delivered through a callback).
 *
 * Every resource is `Disposable`; dispose in the reverse order of creation (scanner, rules, library):
 *
 * ```ts
 * using lib = Libyara.open();
 * const compiled = lib.compile([{ name: "a.yar", text: "rule a { strings: $s = \"x\" condition: $s }" }]);
 * if (!compiled.ok) throw new Error(compiled.errors[0].message);
 * using rules = compiled.rules;
 * using scanner = rules.scanner();
 * const r = scanner.scan(new TextEncoder().encode("x"), 10);
 * ```
 *
 * libyara has no version function and the structures behind its iteration macros changed in 4.4, so
 * `Libyara.open` compiles and scans a probe rule set and accepts the library only when every field reads back
 * as written (`LAYOUTS` lists the layouts known; tests/ffi/libyara_test.ts checks them against yara.h).
 * Failures throw `LibyaraError` with the stage and the library's own words (compiler messages, error names).
 * Scans take memory, never a path: the caller opens and reads the file (a file mapped by libyara that shrinks
 * during the scan kills the process with SIGBUS, which Deno cannot catch).
 */

const symbols = {
  yr_initialize: { parameters: [], result: "i32" },
  yr_finalize: { parameters: [], result: "i32" },
  yr_compiler_create: { parameters: ["buffer"], result: "i32" },
  yr_compiler_destroy: { parameters: ["pointer"], result: "void" },
  yr_compiler_set_callback: { parameters: ["pointer", "function", "pointer"], result: "void" },
  yr_compiler_set_include_callback: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "void",
  },
  yr_compiler_add_string: { parameters: ["pointer", "buffer", "pointer"], result: "i32" },
  yr_compiler_get_rules: { parameters: ["pointer", "buffer"], result: "i32" },
  yr_rules_destroy: { parameters: ["pointer"], result: "i32" },
  yr_scanner_create: { parameters: ["pointer", "buffer"], result: "i32" },
  yr_scanner_destroy: { parameters: ["pointer"], result: "void" },
  yr_scanner_set_callback: { parameters: ["pointer", "function", "pointer"], result: "void" },
  yr_scanner_set_flags: { parameters: ["pointer", "i32"], result: "void" },
  yr_scanner_set_timeout: { parameters: ["pointer", "i32"], result: "void" },
  yr_scanner_scan_mem: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type Lib = Deno.DynamicLibrary<typeof symbols>;

/** YR_COMPILER_CALLBACK_FUNC(error_level, file_name, line_number, rule, message, user_data). */
const COMPILER_FN = {
  parameters: ["i32", "pointer", "i32", "pointer", "pointer", "pointer"],
  result: "void",
} as const;
/** YR_CALLBACK_FUNC(context, message, message_data, user_data). */
const SCAN_FN = { parameters: ["pointer", "i32", "pointer", "pointer"], result: "i32" } as const;

/** Sonames tried in order: YARA 4.3–4.5 (Debian 13, Ubuntu 24.04, EPEL), then 4.2 (Debian 12). */
export const LIBYARA_SONAMES = ["libyara.so.10", "libyara.so.9"] as const;

/** Where the structures read by this module keep their fields (bytes, x86-64 and aarch64 alike). */
export interface Layout {
  /** The YARA releases with this layout. */
  readonly releases: string;
  readonly rule: {
    size: number;
    flags: number;
    identifier: number;
    tags: number;
    metas: number;
    strings: number;
  };
  readonly rules: { rulesTable: number; numRules: number; numStrings: number };
  readonly meta: {
    size: number;
    identifier: number;
    string: number;
    integer: number;
    type: number;
    flags: number;
  };
  readonly string: { size: number; flags: number; idx: number; identifier: number };
  readonly context: { matches: number };
  readonly matches: { size: number; head: number; count: number };
  readonly match: { base: number; offset: number; matchLength: number; next: number; isPrivate: number };
}

const COMMON = {
  meta: { size: 32, identifier: 0, string: 8, integer: 16, type: 24, flags: 28 },
  string: { size: 56, flags: 0, idx: 4, identifier: 48 },
  context: { matches: 160 },
  matches: { size: 24, head: 0, count: 16 },
  match: { base: 0, offset: 8, matchLength: 16, next: 40, isPrivate: 52 },
} as const;

/** The known layouts. 4.4 added `required_strings` to YR_RULE and a bitmap pointer to YR_RULES. */
export const LAYOUTS: readonly Layout[] = [
  {
    releases: "4.2–4.3",
    rule: { size: 48, flags: 0, identifier: 8, tags: 16, metas: 24, strings: 32 },
    rules: { rulesTable: 8, numRules: 64, numStrings: 68 },
    ...COMMON,
  },
  {
    releases: "4.4–4.5",
    rule: { size: 56, flags: 0, identifier: 16, tags: 24, metas: 32, strings: 40 },
    rules: { rulesTable: 8, numRules: 72, numStrings: 76 },
    ...COMMON,
  },
];

/** The flag bits, message numbers and codes of yara.h this module uses (checked against the header by a test). */
export const YR = {
  RULE_FLAGS_PRIVATE: 0x01,
  RULE_FLAGS_GLOBAL: 0x02,
  RULE_FLAGS_NULL: 0x04,
  STRING_FLAGS_LAST_IN_RULE: 0x1000,
  STRING_FLAGS_PRIVATE: 0x100000,
  META_FLAGS_LAST_IN_RULE: 1,
  META_TYPE_INTEGER: 1,
  META_TYPE_BOOLEAN: 3,
  YARA_ERROR_LEVEL_WARNING: 1,
  CALLBACK_MSG_RULE_MATCHING: 1,
  CALLBACK_MSG_TOO_MANY_MATCHES: 6,
  CALLBACK_CONTINUE: 0,
  SCAN_FLAGS_REPORT_RULES_MATCHING: 8,
} as const;
/** Upper bound on metas or strings walked in one rule (a wrong layout must not loop through memory). */
const MAX_WALK = 100_000;

/** libyara's names for the error codes a scan or a compile can return (include/yara/error.h). */
export const YARA_ERRORS: Readonly<Record<number, string>> = {
  1: "ERROR_INSUFFICIENT_MEMORY",
  25: "ERROR_EXEC_STACK_OVERFLOW",
  26: "ERROR_SCAN_TIMEOUT",
  27: "ERROR_TOO_MANY_SCAN_THREADS",
  28: "ERROR_CALLBACK_ERROR",
  29: "ERROR_INVALID_ARGUMENT",
  30: "ERROR_TOO_MANY_MATCHES",
  31: "ERROR_INTERNAL_FATAL_ERROR",
  46: "ERROR_TOO_MANY_RE_FIBERS",
  52: "ERROR_INTEGER_OVERFLOW",
};
/** The code a scan returns when its timeout passed. */
export const ERROR_SCAN_TIMEOUT = 26;

/** Where a libyara operation failed. */
export type LibyaraStage = "dlopen" | "initialize" | "layout" | "compile" | "scanner";

/** A failed libyara call: the stage, libyara's error code (0 when it has none) and a readable message. */
export class LibyaraError extends Error {
  constructor(readonly stage: LibyaraStage, readonly code: number, message: string) {
    super(message);
    this.name = "LibyaraError";
  }
}

/** libyara's name for an error code ("ERROR_SCAN_TIMEOUT (26)"). */
export function yaraErrorName(code: number): string {
  return `${YARA_ERRORS[code] ?? "libyara error"} (${code})`;
}

/** A rule source to compile: `name` is what diagnostics call it (a file path). */
export interface RuleSource {
  name: string;
  text: string;
}

/** A compiler error or warning, in the compiler's words, with the source and its 1-based line. */
export interface Diagnostic {
  source: string;
  line: number;
  message: string;
  warning: boolean;
}

/** One `meta:` entry; integers and booleans as their text ("42", "true"). */
export interface MetaEntry {
  key: string;
  value: string;
}

/** A compiled rule, read once from the rule table. */
export interface RuleInfo {
  name: string;
  tags: string[];
  meta: MetaEntry[];
  private: boolean;
  global: boolean;
  /** The rule's strings: identifier, index in the scan context's match table, private flag. */
  strings: { identifier: string; idx: number; private: boolean }[];
}

/** One matched string occurrence. */
export interface StringMatch {
  identifier: string;
  offset: number;
  length: number;
}

/** A rule that matched one scan, with up to `maxStrings` string occurrences (in rule order, then offset). */
export interface RuleMatch {
  rule: RuleInfo;
  strings: StringMatch[];
}

/** The outcome of compiling: rules and warnings, or the errors (and warnings) when it failed. */
export type CompileResult =
  | { ok: true; rules: YaraRules; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** The outcome of one scan: matches, or libyara's error code and its name. */
export type ScanResult =
  | { ok: true; matches: RuleMatch[]; tooManyMatches: boolean }
  | { ok: false; code: number; error: string; matches: RuleMatch[] };

const enc = new TextEncoder();

function cstr(s: string): Uint8Array<ArrayBuffer> {
  return enc.encode(s + "\0");
}

function readCString(p: Deno.PointerValue): string {
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

function out(): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(1);
}

function outPointer(o: BigUint64Array): Deno.PointerObject | null {
  return Deno.UnsafePointer.create(o[0]);
}

/** An opened and initialized libyara whose layout was checked. Dispose it last. */
export class Libyara implements Disposable {
  #closed = false;

  private constructor(readonly path: string, readonly lib: Lib, readonly layout: Layout) {}

  /**
   * Loads libyara (the first of `names` the dynamic loader finds), calls yr_initialize and checks the layout
   * with a probe rule set. Throws LibyaraError (stage "dlopen", "initialize" or "layout").
   */
  static open(names: readonly string[] = LIBYARA_SONAMES): Libyara {
    let lib: Lib | undefined;
    let path = "";
    const failures: string[] = [];
    for (const name of names) {
      try {
        lib = Deno.dlopen(name, symbols);
        path = name;
        break;
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (lib === undefined) {
      throw new LibyaraError("dlopen", 0, `cannot load libyara (${failures.join("; ")})`);
    }
    const rc = lib.symbols.yr_initialize();
    if (rc !== 0) {
      lib.close();
      throw new LibyaraError("initialize", rc, `${path}: yr_initialize failed: ${yaraErrorName(rc)}`);
    }
    try {
      return new Libyara(path, lib, probeLayout(lib, path));
    } catch (e) {
      lib.symbols.yr_finalize();
      lib.close();
      throw e;
    }
  }

  /**
   * Compiles the sources in order into one rule set (one namespace, so a rule may use rules of earlier
   * sources and a name defined twice is an error). Compilation stops at the first source with an error, as
   * libyara cannot continue after one. `include` is refused ("includes are disabled"): every file the rules
   * use is given here, read by the caller. A source holding a NUL byte is an error at its line.
   */
  compile(sources: readonly RuleSource[]): CompileResult {
    if (this.#closed) throw new Error("libyara is closed");
    const r = compileRaw(this.lib, sources);
    if (!r.ok) return r;
    try {
      return { ok: true, rules: new YaraRules(this.lib, this.layout, r.rules), warnings: r.warnings };
    } catch (e) {
      this.lib.symbols.yr_rules_destroy(r.rules);
      throw e;
    }
  }

  /** yr_finalize, then unloads nothing (libyara stays mapped). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.lib.symbols.yr_finalize();
    this.lib.close();
  }
}

type RawCompile =
  | { ok: true; rules: Deno.PointerObject; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

function compileRaw(lib: Lib, sources: readonly RuleSource[]): RawCompile {
  const s = lib.symbols;
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  let current = "";
  const cb = new Deno.UnsafeCallback(COMPILER_FN, (level, _file, line, _rule, message) => {
    try {
      const d = {
        source: current,
        line,
        message: readCString(message),
        warning: level === YR.YARA_ERROR_LEVEL_WARNING,
      };
      (d.warning ? warnings : errors).push(d);
    } catch {
      errors.push({ source: current, line, message: "(message unreadable)", warning: false });
    }
  });
  const o = out();
  try {
    const created = s.yr_compiler_create(o);
    if (created !== 0) {
      throw new LibyaraError("compile", created, `yr_compiler_create: ${yaraErrorName(created)}`);
    }
    const compiler = outPointer(o)!;
    try {
      s.yr_compiler_set_callback(compiler, cb.pointer, null);
      s.yr_compiler_set_include_callback(compiler, null, null, null);
      for (const src of sources) {
        current = src.name;
        const nul = src.text.indexOf("\0");
        if (nul >= 0) {
          const line = src.text.slice(0, nul).split("\n").length;
          errors.push({ source: src.name, line, message: "NUL byte in the rule source", warning: false });
          return { ok: false, errors, warnings };
        }
        // libyara asserts (aborts the process) when a source is added after one failed: stop here.
        if (s.yr_compiler_add_string(compiler, cstr(src.text), null) > 0 || errors.length > 0) {
          if (errors.length === 0) {
            errors.push({ source: src.name, line: 0, message: "compile error", warning: false });
          }
          return { ok: false, errors, warnings };
        }
      }
      const rc = s.yr_compiler_get_rules(compiler, o);
      if (rc !== 0) throw new LibyaraError("compile", rc, `yr_compiler_get_rules: ${yaraErrorName(rc)}`);
      return { ok: true, rules: outPointer(o)!, warnings };
    } finally {
      s.yr_compiler_destroy(compiler);
    }
  } finally {
    cb.close();
  }
}

function ptrAt(p: Deno.PointerObject, offset: number): Deno.PointerValue {
  return new Deno.UnsafePointerView(p).getPointer(offset);
}

function addr(p: Deno.PointerValue): bigint {
  return BigInt(Deno.UnsafePointer.value(p));
}

/** Reads the rule table of compiled rules with a layout. */
function readRuleTable(rules: Deno.PointerObject, layout: Layout): { base: bigint; infos: RuleInfo[] } {
  const view = new Deno.UnsafePointerView(rules);
  const count = view.getUint32(layout.rules.numRules);
  const table = view.getPointer(layout.rules.rulesTable);
  if (table === null) throw new Error("the rule table is missing");
  const infos: RuleInfo[] = [];
  for (let i = 0; i < count; i++) {
    const rule = Deno.UnsafePointer.offset(table, i * layout.rule.size)!;
    const rv = new Deno.UnsafePointerView(rule);
    const flags = rv.getInt32(layout.rule.flags);
    if (flags & YR.RULE_FLAGS_NULL) throw new Error(`rule ${i} of ${count} is the end marker`);
    infos.push({
      name: readCString(rv.getPointer(layout.rule.identifier)),
      tags: readTags(rv.getPointer(layout.rule.tags)),
      meta: readMetas(rv.getPointer(layout.rule.metas), layout),
      private: (flags & YR.RULE_FLAGS_PRIVATE) !== 0,
      global: (flags & YR.RULE_FLAGS_GLOBAL) !== 0,
      strings: readStrings(rv.getPointer(layout.rule.strings), layout),
    });
  }
  const end = Deno.UnsafePointer.offset(table, count * layout.rule.size)!;
  if (!(new Deno.UnsafePointerView(end).getInt32(layout.rule.flags) & YR.RULE_FLAGS_NULL)) {
    throw new Error("the rule table does not end after the counted rules");
  }
  return { base: addr(table), infos };
}

function readTags(p: Deno.PointerValue): string[] {
  const tags: string[] = [];
  let off = 0;
  while (p !== null && tags.length < MAX_WALK) {
    const t = Deno.UnsafePointerView.getCString(p, off);
    if (t === "") break;
    tags.push(t);
    off += enc.encode(t).length + 1;
  }
  return tags;
}

function readMetas(p: Deno.PointerValue, layout: Layout): MetaEntry[] {
  const metas: MetaEntry[] = [];
  const m = layout.meta;
  for (let i = 0; p !== null && i < MAX_WALK; i++) {
    const v = new Deno.UnsafePointerView(Deno.UnsafePointer.offset(p, i * m.size)!);
    const type = v.getInt32(m.type);
    const value = type === YR.META_TYPE_INTEGER
      ? String(v.getBigInt64(m.integer))
      : type === YR.META_TYPE_BOOLEAN
      ? String(v.getBigInt64(m.integer) !== 0n)
      : readCString(v.getPointer(m.string));
    metas.push({ key: readCString(v.getPointer(m.identifier)), value });
    if (v.getInt32(m.flags) & YR.META_FLAGS_LAST_IN_RULE) break;
  }
  return metas;
}

function readStrings(p: Deno.PointerValue, layout: Layout): RuleInfo["strings"] {
  const strings: RuleInfo["strings"] = [];
  const s = layout.string;
  for (let i = 0; p !== null && i < MAX_WALK; i++) {
    const v = new Deno.UnsafePointerView(Deno.UnsafePointer.offset(p, i * s.size)!);
    const flags = v.getUint32(s.flags);
    strings.push({
      identifier: readCString(v.getPointer(s.identifier)),
      idx: v.getUint32(s.idx),
      private: (flags & YR.STRING_FLAGS_PRIVATE) !== 0,
    });
    if (flags & YR.STRING_FLAGS_LAST_IN_RULE) break;
  }
  return strings;
}

/** Compiled rules and their rule table. Create scanners from it; dispose it after them. */
export class YaraRules implements Disposable {
  #ptr: Deno.PointerValue;
  readonly #base: bigint;
  /** Every rule, in the order of the sources (private and global ones included). */
  readonly rules: readonly RuleInfo[];

  /** Use Libyara.compile. Reads the rule table of `ptr` with `layout`. */
  constructor(readonly lib: Lib, readonly layout: Layout, ptr: Deno.PointerObject) {
    const t = readRuleTable(ptr, layout);
    this.#ptr = ptr;
    this.#base = t.base;
    this.rules = t.infos;
  }

  /** The rule a YR_RULE pointer designates, or undefined when it is not in this table. */
  ruleAt(p: Deno.PointerObject): RuleInfo | undefined {
    const delta = addr(p) - this.#base;
    const size = BigInt(this.layout.rule.size);
    if (delta < 0n || delta % size !== 0n) return undefined;
    return this.rules[Number(delta / size)];
  }

  /** The YR_RULES pointer, for YaraScanner. */
  get pointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error("the YARA rules are destroyed");
    return this.#ptr;
  }

  /** A scanner over these rules keeping at most `maxStrings` string occurrences per matching rule. */
  scanner(maxStrings = 20): YaraScanner {
    return YaraScanner.create(this, maxStrings);
  }

  /** yr_rules_destroy. Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.lib.symbols.yr_rules_destroy(this.#ptr);
    this.#ptr = null;
  }
}

/**
 * One yr_scanner, reused for every scan: it reports matching rules only (private ones never), through a
 * callback that runs on the calling thread during `scan`. An exception in it is counted in `callbackErrors`
 * (the first kept in `firstCallbackError`) and the scan goes on.
 */
export class YaraScanner implements Disposable {
  #ptr: Deno.PointerValue = null;
  readonly #cb: Deno.UnsafeCallback<typeof SCAN_FN>;
  #found: RuleMatch[] = [];
  #tooMany = false;
  /** Exceptions thrown while reading a match. */
  callbackErrors = 0;
  /** The first such exception. */
  firstCallbackError: unknown = undefined;

  private constructor(readonly rules: YaraRules, readonly maxStrings: number) {
    const layout = rules.layout;
    this.#cb = new Deno.UnsafeCallback(SCAN_FN, (ctx, message, data) => {
      try {
        if (message === YR.CALLBACK_MSG_RULE_MATCHING && data !== null && ctx !== null) {
          const rule = rules.ruleAt(data);
          if (rule === undefined) throw new Error("libyara reported a rule that is not in the rule table");
          this.#found.push({ rule, strings: readMatches(ctx, rule, layout, maxStrings) });
        } else if (message === YR.CALLBACK_MSG_TOO_MANY_MATCHES) this.#tooMany = true;
      } catch (e) {
        this.callbackErrors++;
        if (this.firstCallbackError === undefined) this.firstCallbackError = e;
      }
      return YR.CALLBACK_CONTINUE;
    });
  }

  /** Creates the yr_scanner. Throws LibyaraError (stage "scanner"); frees the callback then. */
  static create(rules: YaraRules, maxStrings: number): YaraScanner {
    const sc = new YaraScanner(rules, maxStrings);
    const s = rules.lib.symbols;
    const o = out();
    const rc = s.yr_scanner_create(rules.pointer, o);
    if (rc !== 0) {
      sc.#cb.close();
      throw new LibyaraError("scanner", rc, `yr_scanner_create: ${yaraErrorName(rc)}`);
    }
    sc.#ptr = outPointer(o);
    s.yr_scanner_set_callback(sc.#ptr, sc.#cb.pointer, null);
    s.yr_scanner_set_flags(sc.#ptr, YR.SCAN_FLAGS_REPORT_RULES_MATCHING);
    return sc;
  }

  /**
   * Scans `data` with a timeout (whole seconds, at least 1). On an error (the timeout included) the result
   * names libyara's code and keeps the matches reported before it.
   */
  scan(data: Uint8Array, timeoutSeconds: number): ScanResult {
    if (this.#ptr === null) throw new Error("the YARA scanner is closed");
    const s = this.rules.lib.symbols;
    this.#found = [];
    this.#tooMany = false;
    s.yr_scanner_set_timeout(this.#ptr, Math.max(1, Math.min(0x7fffffff, Math.ceil(timeoutSeconds))));
    const rc = s.yr_scanner_scan_mem(this.#ptr, data as Uint8Array<ArrayBuffer>, BigInt(data.length));
    const matches = this.#found;
    this.#found = [];
    if (rc !== 0) return { ok: false, code: rc, error: yaraErrorName(rc), matches };
    return { ok: true, matches, tooManyMatches: this.#tooMany };
  }

  /** yr_scanner_destroy, then frees the callback. Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.rules.lib.symbols.yr_scanner_destroy(this.#ptr);
    this.#ptr = null;
    this.#cb.close();
  }
}

/** The occurrences of a matching rule's strings, from the scan context's match lists (private ones skipped). */
function readMatches(ctx: Deno.PointerObject, rule: RuleInfo, layout: Layout, max: number): StringMatch[] {
  const found: StringMatch[] = [];
  const table = ptrAt(ctx, layout.context.matches);
  if (table === null) return found;
  const { matches: ms, match: m } = layout;
  for (const s of rule.strings) {
    if (s.private) continue;
    let p = ptrAt(Deno.UnsafePointer.offset(table, s.idx * ms.size)!, ms.head);
    for (let walked = 0; p !== null && found.length < max && walked < MAX_WALK; walked++) {
      const v = new Deno.UnsafePointerView(p);
      if (v.getUint8(m.isPrivate) === 0) {
        found.push({
          identifier: s.identifier,
          offset: Number(v.getBigInt64(m.base) + v.getBigInt64(m.offset)),
          length: v.getInt32(m.matchLength),
        });
      }
      p = v.getPointer(m.next);
    }
    if (found.length >= max) break;
  }
  return found;
}

/** The probe: three rules (private, global, tags, every meta type) and five strings. */
const PROBE_SOURCE = `
rule probe_one : first second {
  meta: text = "probe" number = 42 yes = true
  strings: $a = "sys-scan-probe-A" $b = "sys-scan-probe-B"
  condition: $a and #b == 2
}
private rule probe_two { strings: $c = "sys-scan-probe-C" condition: $c }
global rule probe_three { strings: $d = "sys-scan-probe-D" $e = "sys-scan-probe-E" condition: #d >= 0 and #e >= 0 }
`;
const PROBE_DATA = "..sys-scan-probe-B..sys-scan-probe-A.sys-scan-probe-B.sys-scan-probe-C";
/** What the probe must read back: the rule table, then the matches of a scan of PROBE_DATA. */
const PROBE_EXPECTED = JSON.stringify({
  rules: [
    ["probe_one", ["first", "second"], ["text=probe", "number=42", "yes=true"], false, false, ["$a", "$b"]],
    ["probe_two", [], [], true, false, ["$c"]],
    ["probe_three", [], [], false, true, ["$d", "$e"]],
  ],
  matches: [["probe_one", ["$a@20+16", "$b@2+16", "$b@37+16"]], ["probe_three", []]],
});

function probeSummary(rules: YaraRules, scan: ScanResult): string {
  return JSON.stringify({
    rules: rules.rules.map((r) => [
      r.name,
      r.tags,
      r.meta.map((m) => `${m.key}=${m.value}`),
      r.private,
      r.global,
      r.strings.map((s) => s.identifier),
    ]),
    matches: scan.ok
      ? scan.matches.map((
        m,
      ) => [m.rule.name, m.strings.map((s) => `${s.identifier}@${s.offset}+${s.length}`)])
      : scan.error,
  });
}

/** Compiles and scans the probe under each known layout that fits; returns the one that reads back right. */
function probeLayout(lib: Lib, path: string): Layout {
  const compiled = compileRaw(lib, [{ name: "probe", text: PROBE_SOURCE }]);
  if (!compiled.ok) {
    const e = compiled.errors[0];
    throw new LibyaraError(
      "layout",
      0,
      `${path} does not compile the probe rules: line ${e.line}: ${e.message}`,
    );
  }
  try {
    // Only fields inside YR_RULES are read before a layout is chosen: no pointer is followed on a guess.
    const view = new Deno.UnsafePointerView(compiled.rules);
    const layout = LAYOUTS.find((l) =>
      view.getUint32(l.rules.numRules) === 3 && view.getUint32(l.rules.numStrings) === 5
    );
    if (layout === undefined) {
      throw new LibyaraError(
        "layout",
        0,
        `${path} is a libyara whose rule set layout is none of YARA ${
          LAYOUTS.map((l) => l.releases).join(", ")
        }`,
      );
    }
    const rules = new YaraRules(lib, layout, compiled.rules);
    using scanner = rules.scanner();
    const got = probeSummary(rules, scanner.scan(enc.encode(PROBE_DATA), 5));
    if (got !== PROBE_EXPECTED || scanner.callbackErrors > 0) {
      throw new LibyaraError(
        "layout",
        0,
        `${path} does not read back the probe rules under the YARA ${layout.releases} layout: ${got}`,
      );
    }
    return layout;
  } finally {
    lib.symbols.yr_rules_destroy(compiled.rules);
  }
}
