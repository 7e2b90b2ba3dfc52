/** What a scanner is: a name, its checks, when it runs, and an async generator of findings. */
import type { CheckInput } from "./catalogue.ts";
import type { FindingDraft } from "./finding.ts";
import type { ScanContext } from "./context.ts";
import type { Config } from "./config.ts";

/** A scanner definition. Adding a scanner is one file exporting this, plus its line in src/scanners/index.ts. */
export interface Scanner {
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
  /** Yields findings; reports warnings, skips and passes through the context. */
  run(ctx: ScanContext): AsyncIterable<FindingDraft>;
}
