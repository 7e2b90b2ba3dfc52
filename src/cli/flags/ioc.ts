/** Flags: IOC heuristics and the eBPF trace. */
import { bool, csv, flag, type FlagGroup, int, str } from "./spec.ts";
import { z } from "zod";

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
      schema: z.number().int().min(1).max(3600).optional(),
      help: "Trace process executions and outbound connects with eBPF for S seconds (default 3).",
      value: "[S]",
      implicit: 3,
    }),
    traceMaxEvents: int(
      "trace-max-events",
      "Stop the trace after N events.",
      100_000,
      1,
      undefined,
      "N",
    ),
    traceHash: bool("trace-hash", "Add the SHA-256 of each newly executed file."),
  },
} as const satisfies FlagGroup;
