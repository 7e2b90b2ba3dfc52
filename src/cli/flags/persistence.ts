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
      "Report authorized_keys files, accounts and passwords changed within the last N days (0 = off); with " +
        "--hardening, packages installed within them that no repository provides.",
    ),
    accountsInventory: bool(
      "accounts-inventory",
      "Also list every account that can log in (uid, shell, home, password state, last login) as info findings.",
    ),
  },
} as const satisfies FlagGroup;
