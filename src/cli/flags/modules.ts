/** Flags: the kernel modules scanner. */
import { bool, type FlagGroup } from "./spec.ts";

/** Kernel module analysis options. */
export const moduleFlags = {
  title: "Kernel modules",
  flags: {
    modulesSummary: bool("modules-summary", "Only the module summary finding (anomalies counted in it)."),
    modulesAnomaliesOnly: bool("modules-anomalies-only", "Only the per-module anomaly findings, no summary."),
    modulesHash: bool(
      "modules-hash",
      "Add the SHA-256 of each module file (whole file, as stored) to its findings.",
    ),
  },
} as const satisfies FlagGroup;
