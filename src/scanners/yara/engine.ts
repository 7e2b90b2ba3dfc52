/**
 * The YARA engine: libyara compiled to WebAssembly (npm `libyara-wasm`, the build CyberChef uses), so real
 * YARA rules run inside the single executable with no native library and no subprocess. Its one entry point
 * compiles a rule source and scans one buffer; this module turns its Emscripten objects into plain, validated
 * data and frees them.
 */
import yaraFactory from "libyara-wasm";
import { z } from "zod";

/** A compile error or warning, with the 1-based line in the compiled source. */
export interface CompileDiagnostic {
  message: string;
  line: number;
  warning: boolean;
}

/** One matched string occurrence. */
export interface StringMatch {
  identifier: string;
  offset: number;
  length: number;
}

/** One matching rule: its name, `meta:` values (as text) and matched strings. */
export interface RuleMatch {
  rule: string;
  meta: { key: string; value: string }[];
  strings: StringMatch[];
}

/** The outcome of one run: diagnostics, and matches when the rules compiled. */
export interface RunResult {
  diagnostics: CompileDiagnostic[];
  matches: RuleMatch[];
}

const DiagnosticSchema = z.object({ message: z.string(), line: z.number().int(), warning: z.boolean() });
const RuleMatchSchema = z.object({
  rule: z.string().min(1),
  meta: z.array(z.object({ key: z.string(), value: z.string() })),
  strings: z.array(z.object({ identifier: z.string(), offset: z.number(), length: z.number() })),
});

/** An Emscripten/embind vector. */
interface EmVector<T> {
  size(): number;
  get(i: number): T;
}

/** The shape of libyara-wasm's result object (what this module reads of it). */
interface EmResult {
  compileErrors: EmVector<{ message: string; lineNumber: number; warning: boolean }>;
  matchedRules: EmVector<{
    ruleName: string;
    metadata: EmVector<{ identifier: string; data: string }>;
    resolvedMatches: EmVector<{ stringIdentifier: string; location: number; matchLength: number }>;
  }>;
  delete(): void;
}

/** The module: `run(data, rules)` compiles `rules` and scans `data`; `HEAPU8` is its linear memory. */
interface EmModule {
  run(data: Uint8Array, rules: string): EmResult;
  HEAPU8: Uint8Array;
}

/**
 * The module and a copy of its memory taken right after it started. libyara-wasm leaks about 10 MB of its
 * heap on every run (the compiled rules are never freed), which exhausts the 2 GiB WebAssembly memory after
 * some 200 files. Writing the start-up copy back (and zeroing what lies beyond it, as fresh memory would be)
 * returns the module to its initial state; this is done every RESET_EVERY runs.
 */
interface Instance {
  mod: EmModule;
  snapshot: Uint8Array;
  runsSinceReset: number;
}

/** Runs between two memory resets (bounds the heap to about 16 MiB + RESET_EVERY × 10 MiB). */
export const RESET_EVERY = 4;

let instance: Promise<Instance> | undefined;

async function start(): Promise<Instance> {
  const mod = await (yaraFactory as unknown as () => Promise<EmModule>)();
  return { mod, snapshot: mod.HEAPU8.slice(), runsSinceReset: 0 };
}

function reset(inst: Instance): void {
  const heap = inst.mod.HEAPU8;
  heap.set(inst.snapshot, 0);
  heap.fill(0, inst.snapshot.length);
  inst.runsSinceReset = 0;
}

function toArray<T, U>(v: EmVector<T>, f: (x: T) => U, cap = Infinity): U[] {
  const out: U[] = [];
  const n = Math.min(v.size(), cap);
  for (let i = 0; i < n; i++) out.push(f(v.get(i)));
  return out;
}

/** Strings kept per matching rule (a rule can match thousands of times in one file). */
export const MAX_STRING_MATCHES = 20;

/** A loaded engine. One WebAssembly instance serves the whole process. */
export class YaraEngine {
  readonly #inst: Instance;

  private constructor(inst: Instance) {
    this.#inst = inst;
  }

  /** Loads (once) and returns the engine; rejects with a readable error when WebAssembly cannot start. */
  static async load(): Promise<YaraEngine> {
    instance ??= start();
    try {
      return new YaraEngine(await instance);
    } catch (e) {
      instance = undefined;
      throw new Error(
        `the YARA engine (libyara WebAssembly) failed to start: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  /** Compiles `source` and scans `data` with it. Never throws for bad rules: they come back as diagnostics. */
  run(data: Uint8Array, source: string): RunResult {
    const inst = this.#inst;
    if (inst.runsSinceReset >= RESET_EVERY) reset(inst);
    inst.runsSinceReset++;
    let r: EmResult;
    try {
      r = inst.mod.run(data, source);
    } catch (e) {
      reset(inst);
      throw new Error(`YARA engine failure: ${e instanceof Error ? e.message : e}`);
    }
    try {
      const diagnostics = toArray(
        r.compileErrors,
        (e) => DiagnosticSchema.parse({ message: e.message, line: e.lineNumber, warning: e.warning }),
      );
      const matches = toArray(r.matchedRules, (m) =>
        RuleMatchSchema.parse({
          rule: m.ruleName,
          meta: toArray(m.metadata, (x) => ({ key: x.identifier, value: x.data })),
          strings: toArray(
            m.resolvedMatches,
            (x) => ({
              identifier: x.stringIdentifier,
              offset: Number(x.location),
              length: Number(x.matchLength),
            }),
            MAX_STRING_MATCHES,
          ),
        }));
      return { diagnostics, matches };
    } finally {
      r.delete();
    }
  }

  /** Compiles `source` only (against an empty buffer) and returns its diagnostics. */
  compile(source: string): CompileDiagnostic[] {
    return this.run(new Uint8Array(0), source).diagnostics;
  }
}
