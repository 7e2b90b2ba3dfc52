/** Pre-flight checks of files named on the command line, so a typo is exit 2 before anything is scanned. */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { Config } from "../core/config.ts";

/** Flags whose value is a file that must exist and be readable when given. */
const INPUT_FILES = [
  ["suidExpectedFile", "--suid-expected-file"],
  ["iocAllowFile", "--ioc-allow-file"],
] as const;

/** Checks that every input file named in the config is a readable regular file. */
export function checkInputFiles(config: Config): Result<void> {
  for (const [key, flag] of INPUT_FILES) {
    const path = config[key];
    if (path === undefined) continue;
    try {
      if (!Deno.statSync(path).isFile) return fail(ExitCode.Usage, `${flag} ${path}: not a regular file`);
      Deno.openSync(path, { read: true }).close();
    } catch (e) {
      return fail(ExitCode.Usage, `${flag} ${path}: cannot read it (${e instanceof Error ? e.message : e})`);
    }
  }
  return ok(undefined);
}
