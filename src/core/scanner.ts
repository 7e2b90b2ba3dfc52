/** What a scanner is: a name, its checks, when it runs, and an async generator of findings. */
import type { CheckInput } from "./catalogue.ts";
import type { FindingDraft } from "./finding.ts";
import type { ScanContext } from "./context.ts";
import type { Capabilities } from "../host/capabilities.ts";
import type { Config } from "./config.ts";

/**
 * What the coordinator knows of a scanner without loading its code: name, checks, gates and needs. A built-in
 * scanner's descriptor is a module of `src/scanners/info/` (data only), so a scan's main thread never evaluates
 * scanner code; the scan worker loads the code of the scanners it runs.
 */
export interface ScannerInfo {
  /** Stable name, used by `--enable`/`--disable` and as `results[].scanner`. */
  readonly name: string;
  /** One line for `sys-scan checks` and the docs. */
  readonly summary: string;
  /** True for scanners `--fast-scan` skips. */
  readonly slow: boolean;
  /**
   * True for scanners that walk or hash large parts of the filesystem. At most one runs at a time: they are
   * CPU-bound on the same thread, so running them together saves no time and adds up their memory.
   */
  readonly heavy?: boolean;
  /** Whether the scanner runs when neither `--enable` nor `--disable` names it. */
  readonly enabledByDefault: (config: Config) => boolean;
  /** Every check this scanner can emit. */
  readonly checks: readonly CheckInput[];
  /** Privileges or kernel features the scanner needs, for the docs and `--drop-priv`. */
  readonly needs?: readonly string[];
}

/**
 * A scanner: its descriptor and an async generator of findings. Adding one is a descriptor in
 * `src/scanners/info/`, a module exporting this (`{ ...descriptor, run }`), and its lines in
 * `src/scanners/index.ts` and `src/scanners/loaders.ts`.
 */
export interface Scanner extends ScannerInfo {
  /** Yields findings; reports warnings, skips and passes through the context. */
  run(ctx: ScanContext): AsyncIterable<FindingDraft>;
}

/** Whether one of a scanner's `needs` (free text such as "root (…)", "kernel BTF", "libbpf") is present here. */
export function needMet(need: string, caps: Capabilities): boolean {
  const n = need.toLowerCase();
  const root = caps.euid === 0;
  if (n.startsWith("root or ")) {
    return root || need.slice(8).split("+").every((c) => caps.effective_caps.includes(c.trim()));
  }
  if (n.startsWith("root")) return root || caps.effective_caps.includes("CAP_DAC_READ_SEARCH");
  if (n.includes("btf")) return caps.btf;
  if (n.includes("libbpf")) return caps.libbpf !== null;
  if (n.includes("tracefs")) return caps.tracefs;
  if (n.includes("kallsyms")) return caps.kallsyms_readable;
  if (need.startsWith("CAP_")) return root || caps.effective_caps.includes(need);
  return true;
}

/** Lists, for each missing capability, the scanners it degrades (recorded in meta.capabilities.missing). */
export function missingCapabilities(
  caps: Capabilities,
  scanners: readonly ScannerInfo[],
): Capabilities["missing"] {
  const needs = new Map<string, string[]>();
  for (const s of scanners) {
    for (const need of s.needs ?? []) {
      if (!needMet(need, caps)) needs.set(need, [...(needs.get(need) ?? []), s.name]);
    }
  }
  return [...needs.entries()].map(([item, disables]) => ({ item, disables }));
}
