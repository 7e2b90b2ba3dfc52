/** Flags: the processes scanner. */
import { z } from "zod";
import { bool, flag, type FlagGroup, int } from "./spec.ts";

/** Process inventory options. */
export const processFlags = {
  title: "Processes",
  flags: {
    allProcesses: bool("all-processes", "Include kernel threads in the process inventory."),
    processInventory: bool(
      "process-inventory",
      "Emit one info finding per process (identical processes merged).",
    ),
    processHash: bool(
      "process-hash",
      "Add the SHA-256 of each process executable (files over 256 MiB are not hashed).",
    ),
    maxProcesses: int(
      "max-processes",
      "Stop after N process findings (0 = unlimited).",
      0,
      0,
      undefined,
      "N",
    ),
    containerId: flag({
      name: "container-id",
      kind: "string",
      schema: z.string().regex(/^[0-9a-fA-F]{12,64}$/, "a container id is 12 to 64 hex characters")
        .optional(),
      help: "Keep only process and socket findings of this container (12+ hex chars, an id prefix).",
      value: "ID",
    }),
  },
} as const satisfies FlagGroup;
