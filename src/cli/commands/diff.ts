/** `sys-scan diff OLD.json NEW.json [--format json|md] [--output FILE]`. */
import { parseArgs } from "node:util";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { diffMarkdown, diffReports, parseDiffable } from "../../output/diff.ts";
import { openOutput } from "../../output/writer.ts";

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
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { format: { type: "string" }, output: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail(
      ExitCode.Usage,
      `diff: ${
        (e as Error).message
      }; usage: sys-scan diff OLD.json NEW.json [--format json|md] [--output FILE]`,
    );
  }
  const format = parsed.values.format ?? "json";
  if (format !== "json" && format !== "md") {
    return fail(ExitCode.Usage, `diff: --format must be json or md, got "${format}"`);
  }
  if (parsed.positionals.length !== 2) {
    return fail(ExitCode.Usage, "diff needs two reports: sys-scan diff OLD.json NEW.json [--format json|md]");
  }
  const [oldPath, newPath] = parsed.positionals;
  const oldJson = readReport(oldPath);
  if (!oldJson.ok) return oldJson;
  const newJson = readReport(newPath);
  if (!newJson.ok) return newJson;
  const a = parseDiffable(oldJson.value, oldPath);
  if (!a.ok) return a;
  const b = parseDiffable(newJson.value, newPath);
  if (!b.ok) return b;
  const d = diffReports(a.value, b.value);
  const out = openOutput(parsed.values.output);
  if (!out.ok) return out;
  await out.value.write(format === "md" ? diffMarkdown(d) : JSON.stringify(d, null, 2) + "\n");
  const c = await out.value.commit();
  if (!c.ok) return c;
  return ok(ExitCode.Ok);
}
