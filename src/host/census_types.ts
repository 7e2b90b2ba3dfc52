/**
 * The filesystem census's vocabulary: what a caller asks for (scopes, limits, workers) and what one kept entry
 * and one warning look like. `census.ts` re-exports all of it; the back-ends and the planner share it.
 */
import { DEFAULT_WALK_LIMITS, type WalkCutKind, type WalkEntry, type WalkLimits } from "./walker.ts";

/** One consumer's part of a census, in host paths (under `--root` relative to the root). */
export interface CensusScope {
  /** Names the scope for `Census.wants` and `Census.warningsFor`. */
  readonly name: string;
  /** Walk roots; symlinked ones (e.g. /bin on merged-/usr) are resolved inside the scan root. */
  readonly roots: readonly string[];
  /** Directories left out with everything below them (roots excepted). */
  readonly pruneDirs: readonly string[];
  /** Paths containing one of these are left out. */
  readonly pruneSubstrings: readonly string[];
}

/** What to walk and what to leave out: a directory is entered when some scope wants it. */
export interface CensusSpec {
  readonly scopes: readonly CensusScope[];
  /** Read the security.capability attribute of executable regular files. */
  readonly xattr: boolean;
  /** Filesystem types not entered when crossing into them (pseudo, network and FUSE ones never are). */
  readonly skipFsTypes: readonly string[];
  readonly limits?: Partial<CensusLimits>;
  /**
   * Threads that walk, this one and census workers: undefined picks one per core (up to four) for a large tree
   * on a host with two cores or more; 0 or 1 walks on this thread alone.
   */
  readonly threads?: number;
  /** "major:minor" → filesystem type; read from the live /proc/self/mountinfo when absent. */
  readonly fsTypes?: ReadonlyMap<string, string>;
  /**
   * Called whenever this thread is about to walk (each slice), so that a coordinator watching which code runs
   * on the thread blames the census's scanner, not the one that ran before it, when a walk blocks in the kernel
   * (`ScanContext.onActive`).
   */
  readonly onActive?: () => void;
}

/** The walker's limits plus a cap on kept entries. */
export interface CensusLimits extends WalkLimits {
  /** Entries kept in total; more is a `truncated` warning (a hostile tree cannot exhaust memory). */
  maxHits: number;
}

/** Default limits: the walker's, and at most 200,000 kept entries. */
export const DEFAULT_CENSUS_LIMITS: CensusLimits = { ...DEFAULT_WALK_LIMITS, maxHits: 200_000 };

/** One kept entry. */
export interface CensusEntry extends WalkEntry {
  /** Other users can reach the entry: every directory above it is searchable by "other". */
  readonly reach: boolean;
  /** Raw security.capability attribute (executable regular files that have one). */
  readonly caps?: Uint8Array;
  /** Why the attribute could not be read. */
  readonly capsError?: string;
}

/**
 * A bound that left part of the census's scope unexamined: the whole walk stopped (`entries`, `time`), a
 * directory was read only in part (`dir_entries`) or not entered for its depth (`depth`), or entries found were
 * not kept (`kept`).
 */
export type CensusCut = WalkCutKind | "kept";

/**
 * A problem met while walking; `path` (a host path) when it concerns one place, `cut` when a bound left part of
 * the scope unexamined (scanners report those as findings: what was not examined is not clean).
 */
export interface CensusWarning {
  readonly code: string;
  readonly detail: string;
  readonly path?: string;
  readonly cut?: CensusCut;
}
