/** Flags: the processes scanner. */
import { bool, type FlagGroup, int, str } from "./spec.ts";

/** Process inventory options. */
export const processFlags = {
  title: "Processes",
  flags: {
    allProcesses: bool("all-processes", "Include kernel threads in the process inventory.", false),
    processInventory: bool("process-inventory", "Emit one info finding per process.", false),
    processHash: bool("process-hash", "Add the SHA-256 of each process executable (size-capped).", false),
    maxProcesses: int("max-processes", "Stop after N process findings (0 = unlimited).", 0, 0, undefined, "N", false),
    containerId: str("container-id", "Keep only process and socket findings of this container (12+ hex chars).", "ID", false),
  },
} as const satisfies FlagGroup;
