/** Flags: IOC heuristics and the eBPF trace. */
import { bool, csv, flag, type FlagGroup, int, str } from "./spec.ts";

/** IOC and trace options. */
export const iocFlags = {
  title: "IOC and exec trace",
  flags: {
    iocAllow: csv("ioc-allow", "Substrings that downgrade IOC findings to info (noted in metadata).", "LIST"),
    iocAllowFile: str("ioc-allow-file", "File of IOC allow substrings, one per line (# comments).", "FILE"),
    iocEnvTrust: bool("ioc-env-trust", "Downgrade LD_* values pointing into root-owned system library dirs."),
    iocExecTrace: flag({
      name: "ioc-exec-trace",
      kind: "optional-int",
      help: "Trace process executions and outbound connects with eBPF for S seconds (default 3).",
      value: "[S]",
      implicit: 3,
    }),
    traceMaxEvents: int("trace-max-events", "Stop the trace after N events."),
    traceHash: bool("trace-hash", "Add the SHA-256 of each newly executed file."),
  },
} as const satisfies FlagGroup;
