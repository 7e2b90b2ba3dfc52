/** Flags: which scanners run, how long, and what counts as a failure. */
import { z } from "zod";
import { SeveritySchema } from "../../core/severity.ts";
import { bool, csv, flag, type FlagGroup, int, str } from "./spec.ts";

/** Scanner selection, thresholds and run control. */
export const selectionFlags = {
  title: "Scanner selection and run control",
  flags: {
    enable: csv("enable", "Run only these scanners (names as in `sys-scan checks`).", "NAMES"),
    disable: csv("disable", "Skip these scanners.", "NAMES"),
    fastScan: bool("fast-scan", "Skip the slow scanners (deep module analysis, integrity, yara, tracing)."),
    hardening: bool("hardening", "Also run mounts, kernel_hardening, systemd_units and auditd."),
    containers: bool(
      "containers",
      "Also run the containers scanner and tag processes/sockets with container ids.",
    ),
    includePassed: bool("include-passed", "Emit passed checks as info findings (they are always counted)."),
    minSeverity: flag({
      name: "min-severity",
      kind: "string",
      schema: SeveritySchema.optional(),
      help: "Drop findings below SEV (info|low|medium|high|critical|error).",
      value: "SEV",
    }),
    failOn: flag({
      name: "fail-on",
      kind: "string",
      schema: SeveritySchema.optional(),
      help: "Exit 1 when a reported finding has severity >= SEV.",
      value: "SEV",
    }),
    failOnCount: flag({
      name: "fail-on-count",
      kind: "int",
      schema: z.number().int().min(0).optional(),
      help: "Exit 1 when N or more findings are reported (either threshold trips exit 1).",
      value: "N",
    }),
    parallel: bool("parallel", "Run every selected scanner at once (default: at most 4 at a time)."),
    parallelThreads: int(
      "parallel-threads",
      "Run at most N scanners at once, and walk the filesystem census with at most N worker threads " +
        "(0 = automatic, 1 = one after another and the census on the main thread).",
      0,
      0,
      64,
    ),
    scannerTimeout: flag({
      name: "scanner-timeout",
      kind: "int",
      schema: z.number().int().min(1).max(3600).optional(),
      help:
        "Time budget per scanner in seconds; a scanner over it is cut off (default 30, 300 for slow scanners).",
      value: "S",
    }),
    maxDuration: int(
      "max-duration",
      "Deadline for the whole scan in seconds (0 = none); the report is still written.",
      0,
      0,
      86400,
      "S",
    ),
    timings: bool("timings", "Add per-scanner timings to meta."),
    root: flag({
      name: "root",
      kind: "string",
      schema: z.string().min(1).default("/"),
      help: "Scan the filesystem tree at DIR (a mounted image or fixture) instead of the live host.",
      value: "DIR",
    }),
    config: str(
      "config",
      "Read settings from a JSONC file (keys are flag names); flags given on the command line win.",
      "FILE",
    ),
    verbose: bool("verbose", "Print progress and capability details on stderr."),
  },
} as const satisfies FlagGroup;
