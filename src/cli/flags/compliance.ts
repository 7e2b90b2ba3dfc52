/** Flags: compliance controls. */
import { z } from "zod";
import { STANDARD_IDS } from "../../compliance/ids.ts";
import { bool, flag, type FlagGroup } from "./spec.ts";

/** Compliance options. */
export const complianceFlags = {
  title: "Compliance",
  flags: {
    compliance: bool(
      "compliance",
      "Evaluate compliance controls (summary in summary_extension.compliance_summary).",
    ),
    complianceStandards: flag({
      name: "compliance-standards",
      kind: "csv",
      schema: z.array(z.enum(STANDARD_IDS)).default([]),
      help: `Only these standards (${STANDARD_IDS.join(",")}); implies --compliance.`,
      value: "LIST",
    }),
    complianceGaps: bool("compliance-gaps", "List failed controls with remediation; implies --compliance."),
  },
} as const satisfies FlagGroup;
