/** Flags: the baseline store. */
import { bool, type FlagGroup, str } from "./spec.ts";

/** Baseline options. */
export const baselineFlags = {
  title: "Baseline",
  flags: {
    baseline: bool(
      "baseline",
      "Compare findings with the baseline database (new, existing, changed, resolved).",
    ),
    baselineUpdate: bool(
      "baseline-update",
      "Record this scan as the new known state (creates the database).",
    ),
    baselineDb: str(
      "baseline-db",
      "Baseline database path (default /var/lib/sys-scan/baseline.db as root, else the XDG state dir).",
      "PATH",
    ),
  },
} as const satisfies FlagGroup;
