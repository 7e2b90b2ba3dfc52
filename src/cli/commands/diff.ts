/** `sys-scan diff OLD.json NEW.json [--format json|md] [--output FILE]`. */
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { diffMarkdown, diffReports, parseDiffable } from "../../output/diff.ts";
import { jsonText } from "../../output/json.ts";
import { openOutput } from "../../output/writer.ts";
import { parseCommandArgs } from "./command_args.ts";

const USAGE = "usage: sys-scan diff OLD.json NEW.json [--format json|md] [--output FILE]";

function readReport(path: string): Result<unknown> {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return fail(ExitCode.Usage, `${path} is not a regular file`);
    if (st.size > 256 << 20) return fail(ExitCode.Usage, `${path} is larger than 256 MiB`);
    return ok(JSON.parse(Deno.readTextFileSync(path)));
  } catch (e) {
    return fail(ExitCode.Usage, `cannot read ${path} as JSON: ${(e as Error).message}`);
  }
}

/** Runs the diff subcommand. */
export async function diffCommand(args: readonly string[]): Promise<Result<ExitCodeValue>> {
  const parsed = parseCommandArgs("diff", USAGE, args, {
    format: { type: "string" },
    output: { type: "string" },
  }, 2);
  if (!parsed.ok) return parsed;
  const { values, positionals } = parsed.value;
  const format = values.format ?? "json";
  if (format !== "json" && format !== "md") {
    return fail(ExitCode.Usage, `diff: --format must be json or md, got "${format}"`);
  }
  if (positionals.length !== 2) return fail(ExitCode.Usage, `diff needs two reports; ${USAGE}`);
  const [oldPath, newPath] = positionals;
  const oldJson = readReport(oldPath);
  if (!oldJson.ok) return oldJson;
  const newJson = readReport(newPath);
  if (!newJson.ok) return newJson;
  const a = parseDiffable(oldJson.value, oldPath);
  if (!a.ok) return a;
  const b = parseDiffable(newJson.value, newPath);
  if (!b.ok) return b;
  const d = diffReports(a.value, b.value);
  const out = openOutput(values.output);
  if (!out.ok) return out;
  await out.value.write(
    format === "md" ? diffMarkdown(d) : jsonText(d, true),
  );
  const c = await out.value.commit();
  if (!c.ok) return c;
  return ok(ExitCode.Ok);
}
