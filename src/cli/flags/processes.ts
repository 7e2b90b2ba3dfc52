/** Flags: the processes scanner. */
import { bool, type FlagGroup, int, str } from "./spec.ts";

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
    maxProcesses: int("max-processes", "Stop after N process findings (0 = unlimited)."),
    containerId: str(
      "container-id",
      "Keep only process and socket findings of this container (12+ hex chars, an id prefix).",
      "ID",
    ),
  },
} as const satisfies FlagGroup;
