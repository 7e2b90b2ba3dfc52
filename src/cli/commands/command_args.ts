/** A subcommand's own flags, parsed with node:util parseArgs; a parse error is a usage error naming the command. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ExitCode, fail, ok, type Result } from "../../core/result.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs returns for these options. */
export type CommandArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/**
 * Parses `args` (flags, and at most `maxPositionals` positionals); on error returns exit 2 with
 * `command: problem; usage`.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  usage: string,
  args: readonly string[],
  options: O,
  maxPositionals = 0,
): Result<CommandArgs<O>> {
  let parsed: CommandArgs<O>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    return fail(ExitCode.Usage, `${command}: ${e instanceof Error ? e.message : e}; ${usage}`);
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) {
    return fail(ExitCode.Usage, `${command}: unexpected argument "${extra}"; ${usage}`);
  }
  return ok(parsed);
}
