/**
 * The part of libyara's ABI that ffi/libyara.ts and ffi/libyara_scan.ts use: the symbols, the layouts of the
 * structures read behind yara.h's iteration macros, flag bits, message numbers and error codes. All of it is
 * checked against the installed yara.h by tests/ffi/libyara_test.ts.
 */

/** The libyara functions bound. */
export const symbols = {
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
  yr_scanner_scan_mem: { parameters: ["pointer", "pointer", "usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** An opened libyara. */
export type Lib = Deno.DynamicLibrary<typeof symbols>;

/** YR_COMPILER_CALLBACK_FUNC(error_level, file_name, line_number, rule, message, user_data). */
export const COMPILER_FN = {
  parameters: ["i32", "pointer", "i32", "pointer", "pointer", "pointer"],
  result: "void",
} as const;
/** YR_CALLBACK_FUNC(context, message, message_data, user_data). */
export const SCAN_FN = { parameters: ["pointer", "i32", "pointer", "pointer"], result: "i32" } as const;
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
/** libyara's names for the error codes a scan or a compile can return (include/yara/error.h). */
export const YARA_ERRORS: Readonly<Record<number, string>> = {
  1: "ERROR_INSUFFICIENT_MEMORY",
  3: "ERROR_COULD_NOT_OPEN_FILE",
  4: "ERROR_COULD_NOT_MAP_FILE",
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
