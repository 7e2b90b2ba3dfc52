/**
 * The whole flag table, assembled from the per-area groups: one flag per Config setting (the settings
 * themselves, with types, defaults and bounds, are `src/core/config.ts`).
 */
import type { ConfigKey } from "../../core/config.ts";
import { baselineFlags } from "./baseline.ts";
import { complianceFlags } from "./compliance.ts";
import { filesystemFlags } from "./filesystem.ts";
import { integrityFlags } from "./integrity.ts";
import { iocFlags } from "./ioc.ts";
import { moduleFlags } from "./modules.ts";
import { networkFlags } from "./network.ts";
import { outputFlags } from "./output.ts";
import { persistenceFlags } from "./persistence.ts";
import { processFlags } from "./processes.ts";
import { rulesFlags } from "./rules.ts";
import { securityFlags } from "./security.ts";
import { selectionFlags } from "./selection.ts";
import type { FlagGroup, FlagSpec } from "./spec.ts";

/** Flag groups in help order. */
export const FLAG_GROUPS = [
  selectionFlags,
  outputFlags,
  processFlags,
  networkFlags,
  moduleFlags,
  filesystemFlags,
  iocFlags,
  persistenceFlags,
  integrityFlags,
  complianceFlags,
  rulesFlags,
  baselineFlags,
  securityFlags,
] as const satisfies readonly FlagGroup[];

/** Every flag, keyed by the Config setting it sets (the type checker insists on one for every setting). */
export const FLAGS: Readonly<Record<ConfigKey, FlagSpec>> = {
  ...selectionFlags.flags,
  ...outputFlags.flags,
  ...processFlags.flags,
  ...networkFlags.flags,
  ...moduleFlags.flags,
  ...filesystemFlags.flags,
  ...iocFlags.flags,
  ...persistenceFlags.flags,
  ...integrityFlags.flags,
  ...complianceFlags.flags,
  ...rulesFlags.flags,
  ...baselineFlags.flags,
  ...securityFlags.flags,
};

/** Looks a flag up by its command-line name (without `--`). */
export function flagByName(name: string): [ConfigKey, FlagSpec] | undefined {
  for (const [key, spec] of Object.entries(FLAGS) as [ConfigKey, FlagSpec][]) {
    if (spec.name === name) return [key, spec];
  }
  return undefined;
}
