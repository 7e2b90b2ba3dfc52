/**
 * Pre-flight checks of the files named on the command line, so a typo or an untrusted file is exit 2 before
 * anything is scanned. Files that change what the scan does must be trusted (see `readTrustedInput`): a user who
 * could write one could switch checks off or point the scan elsewhere. The settings file is checked where it is
 * read (config_file.ts).
 */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { Config } from "../core/config.ts";
import { readTrustedInput, trustedInputProblem } from "../host/trusted_files.ts";

/** Settings whose value is a file that changes what the scan does, with their flag. */
const INPUT_FILES = [
  ["suidExpectedFile", "--suid-expected-file"],
  ["iocAllowFile", "--ioc-allow-file"],
  ["riskWeights", "--risk-weights"],
] as const;

/** The largest input file read (1 MiB). */
export const MAX_INPUT_FILE = 1 << 20;

/**
 * Checks that every input file named in the config, and the library SYS_SCAN_LIBBPF names, can be trusted and
 * (files) read; returns the `--risk-weights` text, which the risk step parses.
 */
export function checkInputFiles(
  config: Config,
  env: (key: string) => string | undefined,
): Result<{ riskWeights?: { text: string; file: string } }> {
  let riskWeights: { text: string; file: string } | undefined;
  for (const [key, flag] of INPUT_FILES) {
    const path = config[key];
    if (path === undefined) continue;
    const read = readTrustedInput(flag, path, MAX_INPUT_FILE);
    if (!read.ok) return fail(ExitCode.Usage, read.message);
    if (key === "riskWeights") riskWeights = { text: read.text, file: path };
  }
  const libbpf = env("SYS_SCAN_LIBBPF");
  if (libbpf) {
    const problem = trustedInputProblem(libbpf);
    if (problem) {
      return fail(
        ExitCode.Usage,
        `SYS_SCAN_LIBBPF=${libbpf}: refused (it is loaded into sys-scan as root): ${problem}; make it and the ` +
          "directories above it owned by root and not writable by group or others, or unset SYS_SCAN_LIBBPF",
      );
    }
  }
  return ok(riskWeights ? { riskWeights } : {});
}
