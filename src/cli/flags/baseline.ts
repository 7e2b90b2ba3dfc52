/** Flags: the baseline store. */
import { bool, type FlagGroup, str } from "./spec.ts";

/** Baseline options. */
export const baselineFlags = {
  title: "Baseline",
  flags: {
    baseline: bool("baseline", "Compare findings with the baseline database.", false),
    baselineUpdate: bool("baseline-update", "Record this scan as the new known state.", false),
    baselineDb: str("baseline-db", "Baseline database path.", "PATH", false),
  },
} as const satisfies FlagGroup;
