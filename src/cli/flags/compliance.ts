/** Flags: compliance controls. */
import { bool, csv, type FlagGroup } from "./spec.ts";

/** Compliance options. */
export const complianceFlags = {
  title: "Compliance",
  flags: {
    compliance: bool("compliance", "Evaluate compliance controls.", false),
    complianceStandards: csv("compliance-standards", "Only these standards.", "LIST", false),
    complianceGaps: bool("compliance-gaps", "List failed controls with remediation.", false),
  },
} as const satisfies FlagGroup;
