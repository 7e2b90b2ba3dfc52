/** Flags: compliance controls. */
import { STANDARD_IDS } from "../../core/config.ts";
import { bool, csv, type FlagGroup } from "./spec.ts";

/** Compliance options. */
export const complianceFlags = {
  title: "Compliance",
  flags: {
    compliance: bool(
      "compliance",
      "Evaluate compliance controls (summary in summary_extension.compliance_summary).",
    ),
    complianceStandards: csv(
      "compliance-standards",
      `Only these standards (${STANDARD_IDS.join(",")}); implies --compliance.`,
      "LIST",
    ),
    complianceGaps: bool("compliance-gaps", "List failed controls with remediation; implies --compliance."),
  },
} as const satisfies FlagGroup;
