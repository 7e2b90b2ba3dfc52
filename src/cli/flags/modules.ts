/** Flags: the kernel modules scanner. */
import { bool, type FlagGroup } from "./spec.ts";

/** Kernel module analysis options. */
export const moduleFlags = {
  title: "Kernel modules",
  flags: {
    modulesSummary: bool("modules-summary", "One summary finding for all modules.", false),
    modulesAnomaliesOnly: bool("modules-anomalies-only", "Only anomalous modules, no summary.", false),
    modulesHash: bool("modules-hash", "Add the SHA-256 of anomalous module files.", false),
  },
} as const satisfies FlagGroup;
