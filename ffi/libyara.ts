/**
 * libyara, YARA's C library (Debian `libyara9`/`libyara10`, RHEL `yara` from EPEL), through Deno FFI, in
 * layers like ffi/libbpf.ts: the library (`Libyara`: dlopen, yr_initialize/yr_finalize, a check that the
 * structures this module reads have the layout it expects), compiled rules (`YaraRules`: compiled once, with
 * errors by source and line, the rule table read once), and a scanner (`YaraScanner`: one reusable
 * yr_scanner, a timeout, matches delivered through a callback). `Libyara.check` only compiles, for a thread
 * that checks rules another will scan with.
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
 * Scans take memory, never a path: the caller opens the file (safely, and only the file it means) and reads
 * it, so libyara never resolves a path an attacker could swap, and a file that shrinks meanwhile only changes
 * what was read. (Mapping each file instead, as `yr_rules_scan_fd` does, cost 20–45 % more CPU than reading it
 * into one warm buffer on the development VM, page faults and unmaps included.)
 */
import { cString } from "./libc.ts";
import {
  COMPILER_FN,
  type Layout,
  LAYOUTS,
  type Lib,
  LibyaraError,
  symbols,
  yaraErrorName,
  YR,
} from "./libyara_abi.ts";
import { out, outPointer, readCString, type ScanResult, YaraRules } from "./libyara_scan.ts";

export {
  ERROR_SCAN_TIMEOUT,
  type Layout,
  LAYOUTS,
  LibyaraError,
  type LibyaraStage,
  YARA_ERRORS,
  yaraErrorName,
  YR,
} from "./libyara_abi.ts";
export {
  type MetaEntry,
  type RuleInfo,
  type RuleMatch,
  type ScanResult,
  type StringMatch,
  YaraRules,
  YaraScanner,
} from "./libyara_scan.ts";

/** Sonames tried in order: YARA 4.3–4.5 (Debian 13, Ubuntu 24.04, EPEL), then 4.2 (Debian 12). */
export const LIBYARA_SONAMES = ["libyara.so.10", "libyara.so.9"] as const;

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

/** The outcome of compiling: rules and warnings, or the errors (and warnings) when it failed. */
export type CompileResult =
  | { ok: true; rules: YaraRules; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** The outcome of `Libyara.check`: the warnings, or the errors (and warnings) when the sources do not compile. */
export type CheckResult =
  | { ok: true; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

const enc = new TextEncoder();

/** An opened and initialized libyara whose layout was checked. Dispose it last. */
export class Libyara implements Disposable {
  #closed = false;

  private constructor(readonly path: string, readonly lib: Lib, readonly layout: Layout) {}

  /**
   * Loads libyara (the first of `names` the dynamic loader finds), calls yr_initialize and checks the layout
   * with a probe rule set. Throws LibyaraError (stage "dlopen", "initialize" or "layout").
   */
  static open(names: readonly string[] = LIBYARA_SONAMES): Libyara {
    const { lib, path } = load(names);
    try {
      return new Libyara(path, lib, probeLayout(lib, path));
    } catch (e) {
      lib.symbols.yr_finalize();
      lib.close();
      throw e;
    }
  }

  /**
   * Compiles `sources` as `compile` does, only for the errors and warnings, with the first of `names` the
   * loader finds and without the layout probe (nothing here reads the compiled rules): for a thread that checks
   * rules another will scan with. Keeps nothing: the rules are destroyed, yr_finalize called and the library
   * closed before it returns. Throws LibyaraError (stage "dlopen" or "initialize").
   */
  static check(sources: readonly RuleSource[], names: readonly string[] = LIBYARA_SONAMES): CheckResult {
    const { lib } = load(names);
    try {
      const r = compileRaw(lib, sources);
      if (!r.ok) return r;
      lib.symbols.yr_rules_destroy(r.rules);
      return { ok: true, warnings: r.warnings };
    } finally {
      lib.symbols.yr_finalize();
      lib.close();
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

/**
 * libyara as loaded by another thread of this process, to scan on this one with rules that thread compiled: the
 * same library (`path`, as that thread's Libyara names it: dlopen hands back the loaded one) with the layout
 * that thread's probe accepted, without yr_initialize or yr_finalize (that thread's Libyara keeps libyara
 * initialized while this one scans, and libyara's initialization counter is not thread-safe).
 */
export class AttachedLibyara implements Disposable {
  #closed = false;

  private constructor(readonly lib: Lib, readonly layout: Layout) {}

  /** Loads `path` and takes the layout named `releases` (`Libyara.layout.releases`). Throws LibyaraError. */
  static open(path: string, releases: string): AttachedLibyara {
    const layout = LAYOUTS.find((l) => l.releases === releases);
    if (layout === undefined) throw new LibyaraError("layout", 0, `no YARA layout "${releases}"`);
    let lib: Lib;
    try {
      lib = Deno.dlopen(path, symbols);
    } catch (e) {
      throw new LibyaraError(
        "dlopen",
        0,
        `cannot load ${path}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return new AttachedLibyara(lib, layout);
  }

  /**
   * The rules at `address` (`YaraRules.address` on the thread that compiled them), read but not owned: disposing
   * them destroys nothing.
   */
  rules(address: bigint): YaraRules {
    if (this.#closed) throw new Error("libyara is closed");
    const p = Deno.UnsafePointer.create(address);
    if (p === null) throw new Error("the YARA rules' address is null");
    return new YaraRules(this.lib, this.layout, p, false);
  }

  /** Closes this thread's handle (libyara stays loaded for the other thread). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.lib.close();
  }
}

/** dlopen of the first of `names` that loads, then yr_initialize. Throws LibyaraError. */
function load(names: readonly string[]): { lib: Lib; path: string } {
  const failures: string[] = [];
  for (const name of names) {
    let lib: Lib;
    try {
      lib = Deno.dlopen(name, symbols);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
      continue;
    }
    const rc = lib.symbols.yr_initialize();
    if (rc !== 0) {
      lib.close();
      throw new LibyaraError("initialize", rc, `${name}: yr_initialize failed: ${yaraErrorName(rc)}`);
    }
    return { lib, path: name };
  }
  throw new LibyaraError("dlopen", 0, `cannot load libyara (${failures.join("; ")})`);
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
        if (s.yr_compiler_add_string(compiler, cString(src.text), null) > 0 || errors.length > 0) {
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
