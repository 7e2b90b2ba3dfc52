/** `sys-scan checks`: the check catalogue as text, JSON or Markdown. */
import type { Catalogue } from "../../core/catalogue.ts";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import type { ScannerInfo } from "../../core/scanner.ts";
import { sanitizeText } from "../text.ts";

/** Markdown table of every check (embedded in README.md; a test keeps it in sync). */
export function checksMarkdown(catalogue: Catalogue, scanners: readonly ScannerInfo[]): string {
  const out: string[] = [];
  for (const s of scanners) {
    out.push(
      `#### \`${s.name}\` — ${s.summary}`,
      "",
      "| Check id | Severity | Reported | Title | MITRE |",
      "|---|---|---|---|---|",
    );
    for (const c of catalogue.all().filter((c) => c.scanner === s.name)) {
      out.push(
        `| \`${c.id}\` | ${c.severity} | ${c.hardening ? "`--hardening`" : "default"} | ` +
          `${c.title.replaceAll("|", "\\|")} | ${c.mitre.join(", ")} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

/** Runs `checks [--json|--markdown]`, writing to `write`. */
export function checksCommand(
  args: readonly string[],
  catalogue: Catalogue,
  scanners: readonly ScannerInfo[],
  write: (text: string) => void,
): Result<ExitCodeValue> {
  const mode = args[0];
  if (args.length > 1 || (mode !== undefined && mode !== "--json" && mode !== "--markdown")) {
    return fail(ExitCode.Usage, "usage: sys-scan checks [--json|--markdown]");
  }
  if (mode === "--json") {
    write(
      JSON.stringify(
        {
          scanners: scanners.map((s) => ({ name: s.name, summary: s.summary, slow: s.slow })),
          checks: catalogue.all(),
        },
        null,
        2,
      ) + "\n",
    );
  } else if (mode === "--markdown") {
    write(checksMarkdown(catalogue, scanners));
  } else {
    const lines = catalogue.all().map((c) =>
      `${c.id.padEnd(44)} ${c.severity.padEnd(8)} ${c.scanner.padEnd(16)} ${c.title}` +
      (c.hardening ? " (--hardening)" : "")
    );
    write(lines.map(sanitizeText).join("\n") + "\n");
  }
  return ok(ExitCode.Ok);
}
