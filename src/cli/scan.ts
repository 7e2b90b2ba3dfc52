/** The scan command: prepare, then the stages in order, then the exit code. */
import { ExitCode, type ExitCodeValue, ok, type Result } from "../core/result.ts";
import { after, enrichStage, runStage } from "../core/scan_stages.ts";
import { compareStage } from "../baseline/stage.ts";
import { writeStage } from "../output/scan_output.ts";
import { hardenStage, signStage } from "../security/lifecycle.ts";
import { prepareScan, type Scan, type ScanDeps } from "./scan_prepare.ts";
import { thresholdTripped } from "./threshold.ts";

export type { ScanDeps } from "./scan_prepare.ts";

/** A stage of the scan: reads what the stages before it left in the scan and adds its part. */
type ScanStage = (scan: Scan) => Result<void> | Promise<Result<void>>;

/** The stages after prepare, in order; the first that fails ends the scan with its error. */
export const SCAN_STAGES: readonly (readonly [name: string, stage: ScanStage])[] = [
  ["harden", hardenStage], // src/security: drop capabilities, install seccomp
  ["run", runStage], // src/core: the selected scanners through the finding pipeline (NDJSON streams)
  ["enrich", enrichStage], // src/core: the report, with the keys of rules, risk and compliance
  ["compare", compareStage], // src/baseline: new / changed / resolved, then record the known state
  ["write", writeStage], // src/output: redact, render and commit the report (and --html)
  ["sign", signStage], // src/security: .sig, the provenance env file, gpg
];

/** Runs a scan from argv and returns the exit code, or an error for the CLI to print. */
export async function scanCommand(
  argv: readonly string[],
  deps: ScanDeps = {},
): Promise<Result<ExitCodeValue>> {
  const prepared = await prepareScan(argv, deps); // src/cli: flags, inputs, rules, scanners; outputs opened
  if (!prepared.ok) return prepared;
  using scan = prepared.value; // on every exit: unwritten outputs aborted, baseline closed, signals released
  for (const [, stage] of SCAN_STAGES) {
    const done = await stage(scan);
    if (!done.ok) return done;
  }
  return ok(exitCode(scan));
}

/** Exit 1 when a `--fail-on`/`--fail-on-count` threshold is met, else 0; says so when the scan was interrupted. */
function exitCode(scan: Scan): ExitCodeValue {
  const { config, stderr } = scan;
  if (scan.interrupt.interrupted) stderr("sys-scan: interrupted; the report holds what was collected so far");
  const tripped = thresholdTripped(after(scan.report, "the report"), config);
  if (!tripped) return ExitCode.Ok;
  if (config.verbose) stderr(`sys-scan: fail threshold met: ${tripped}`);
  return ExitCode.Threshold;
}
