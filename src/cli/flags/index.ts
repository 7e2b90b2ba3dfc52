/** The whole flag table, assembled from the per-area groups, and the Config type derived from it. */
import { z } from "zod";
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

/** Every flag, keyed by its Config property. */
export const FLAGS = {
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

type Shape = { [K in keyof typeof FLAGS]: (typeof FLAGS)[K]["schema"] };

function shape(): Shape {
  const out: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(FLAGS) as [string, FlagSpec][]) out[key] = spec.schema;
  return out as Shape;
}

/** Zod schema of the validated, frozen scan configuration. */
export const ConfigSchema = z.object(shape()).strict();

/** The scan configuration every scanner receives. */
export type Config = z.infer<typeof ConfigSchema>;

/** Looks a flag up by its command-line name (without `--`). */
export function flagByName(name: string): [keyof typeof FLAGS, FlagSpec] | undefined {
  for (const [key, spec] of Object.entries(FLAGS) as [keyof typeof FLAGS, FlagSpec][]) {
    if (spec.name === name) return [key, spec];
  }
  return undefined;
}
