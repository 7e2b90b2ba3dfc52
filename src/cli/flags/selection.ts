/** Flags: which scanners run, how long, and what counts as a failure. */
import { bool, csv, type FlagGroup, int, str } from "./spec.ts";

/** Scanner selection, thresholds and run control. */
export const selectionFlags = {
  title: "Scanner selection and run control",
  flags: {
    enable: csv("enable", "Run only these scanners (names as in `sys-scan checks`).", "NAMES"),
    disable: csv("disable", "Skip these scanners.", "NAMES"),
    fastScan: bool(
      "fast-scan",
      "Skip the slow scanners (deep module analysis, integrity, yara, tracing) and the checks that read the " +
        "package database.",
    ),
    hardening: bool(
      "hardening",
      "Also measure the host against a hardened baseline: run kernel_hardening, systemd_units and auditd, and " +
        "the benchmark checks of kernel_params, mounts, mac, accounts and auth.",
    ),
    containers: bool(
      "containers",
      "Also run the containers scanner and tag processes/sockets with container ids.",
    ),
    includePassed: bool("include-passed", "Emit passed checks as info findings (they are always counted)."),
    minSeverity: str("min-severity", "Drop findings below SEV (info|low|medium|high|critical|error).", "SEV"),
    failOn: str("fail-on", "Exit 1 when a reported finding has severity >= SEV.", "SEV"),
    failOnCount: int(
      "fail-on-count",
      "Exit 1 when N or more findings are reported (either threshold trips exit 1).",
    ),
    parallel: bool("parallel", "Run every selected scanner at once (default: at most 4 at a time)."),
    parallelThreads: int(
      "parallel-threads",
      "Run at most N scanners at once, and walk the filesystem census and scan YARA rules on at most N threads " +
        "(the scan's and N-1 helpers; YARA at most 4) (0 = automatic, 1 = one after another, the census and " +
        "YARA on the scan's thread alone).",
    ),
    scannerTimeout: int(
      "scanner-timeout",
      "Time budget per scanner in seconds; a scanner over it is cut off (default 30, 300 for slow scanners).",
      "S",
    ),
    maxDuration: int(
      "max-duration",
      "Deadline for the whole scan in seconds (0 = none); the report is still written.",
      "S",
    ),
    timings: bool("timings", "Add per-scanner timings to meta."),
    root: str(
      "root",
      "Scan the filesystem tree at DIR (a mounted image or fixture) instead of the live host.",
      "DIR",
    ),
    config: str(
      "config",
      "Read settings from a JSONC file (keys are flag names); flags given on the command line win.",
      "FILE",
    ),
    verbose: bool("verbose", "Print progress and capability details on stderr."),
  },
} as const satisfies FlagGroup;
