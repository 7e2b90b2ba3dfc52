/**
 * The YARA engine: the host's native libyara (ffi/libyara.ts), loaded once per process when YARA first runs
 * and never downloaded. Where it is missing or unusable the scanner skips with the package to install. The one
 * door from the yara scanner to the binding (listed under Exceptions in docs/ARCHITECTURE.md): the rest of the
 * scanner takes what it needs of it from here.
 */
import {
  AttachedLibyara,
  type CheckResult,
  Libyara,
  LIBYARA_SONAMES,
  LibyaraError,
  type RuleSource,
} from "../../../ffi/libyara.ts";

export {
  type AttachedLibyara,
  type Diagnostic,
  ERROR_SCAN_TIMEOUT,
  type Libyara,
  type RuleMatch,
  type ScanResult,
  type YaraRules,
  type YaraScanner,
} from "../../../ffi/libyara.ts";

/** What to install when libyara is missing. */
export const LIBYARA_INSTALL =
  "install libyara9 (Debian 12; libyara10 on Debian 13 and Ubuntu 24.04; the yara package brings it too), " +
  "or yara from EPEL on RHEL";

/** The environment variable naming the library to load instead of the sonames (a path or a soname). */
export const LIBYARA_ENV = "SYS_SCAN_LIBYARA";

let loaded: { ok: true; lib: Libyara } | { ok: false; reason: string } | undefined;

/** The sonames to try: $SYS_SCAN_LIBYARA alone when set, else libyara.so.10 then .9. */
export function libyaraCandidates(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string[] {
  const override = env(LIBYARA_ENV);
  return override ? [override] : [...LIBYARA_SONAMES];
}

/** Why an open failed, for a person: what is missing and what to install. */
export function unavailableReason(e: unknown): string {
  if (e instanceof LibyaraError && e.stage === "dlopen") {
    return `YARA needs the native libyara, which is not installed here: ${LIBYARA_INSTALL} (${e.message})`;
  }
  if (e instanceof LibyaraError && e.stage === "layout") {
    return `libyara cannot be used: ${e.message}. sys-scan reads YARA 4.2 to 4.5; ${LIBYARA_INSTALL}`;
  }
  return `libyara cannot be used: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Compiles `sources` only for their errors and warnings, with the library a scan would load but without its
 * layout check, keeping nothing (the thread that checks the rules is not the one that scans with them); the
 * reason when libyara cannot be loaded.
 */
export function checkRuleSources(
  sources: readonly RuleSource[],
): CheckResult | { ok: false; unavailable: string } {
  try {
    return Libyara.check(sources, libyaraCandidates());
  } catch (e) {
    return { ok: false, unavailable: unavailableReason(e) };
  }
}

/** The process's libyara (opened, initialized and checked on first call), or the reason it cannot be used. */
export function loadLibyara(): { ok: true; lib: Libyara } | { ok: false; reason: string } {
  if (loaded === undefined) {
    try {
      loaded = { ok: true, lib: Libyara.open(libyaraCandidates()) };
    } catch (e) {
      loaded = { ok: false, reason: unavailableReason(e) };
    }
  }
  return loaded;
}

/**
 * On a helper thread: the library the scanning thread loaded (`Libyara.path`) with its checked layout
 * (`Libyara.layout.releases`), to scan with its rules (AttachedLibyara). Throws LibyaraError.
 */
export function attachLibyara(path: string, releases: string): AttachedLibyara {
  return AttachedLibyara.open(path, releases);
}
