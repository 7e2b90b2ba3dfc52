/** Flags: the persistence scanner. */
import { bool, type FlagGroup, int } from "./spec.ts";

/** Persistence options. */
export const persistenceFlags = {
  title: "Persistence",
  flags: {
    persistenceInventory: bool(
      "persistence-inventory",
      "Also list every persistence point found (cron, units, timers, start-up files, keys, sudoers…) as info findings.",
    ),
    persistenceRecentDays: int(
      "persistence-recent-days",
      "Report authorized_keys files changed within the last N days (0 = off).",
    ),
  },
} as const satisfies FlagGroup;
