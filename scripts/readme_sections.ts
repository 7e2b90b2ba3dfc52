/** The README sections generated from code (flags, scanners, check catalogue), between `<!-- gen:NAME -->` markers. */
import { EXIT_CODE_DOCS, flagsMarkdown, SUBCOMMANDS } from "../src/cli/help.ts";
import { checksMarkdown } from "../src/cli/commands/checks.ts";
import { type Config, ConfigSchema } from "../src/core/config.ts";
import type { ScannerInfo } from "../src/core/scanner.ts";
import { fullCatalogue, SCANNERS } from "../src/scanners/index.ts";

const GATES: [string, Partial<Config>][] = [
  ["default", {}],
  ["`--hardening`", { hardening: true }],
  ["`--containers`", { containers: true }],
  ["`--integrity`", { integrity: true }],
  ["`--ioc-exec-trace`", { iocExecTrace: 3 }],
  ["`--yara-rules`", { yaraRules: "x" }],
];

/** How a scanner gets selected without --enable. */
export function gateOf(s: ScannerInfo): string {
  for (const [label, overrides] of GATES) {
    if (s.enabledByDefault(ConfigSchema.parse(overrides))) return label;
  }
  return "`--enable` only";
}

/** The scanner table: name, what it does, when it runs, `--fast-scan`, what it needs. */
export function scannersMarkdown(scanners: readonly ScannerInfo[]): string {
  const rows = scanners.map((s) =>
    `| \`${s.name}\` | ${s.summary.replaceAll("|", "\\|")} | ${gateOf(s)} | ${
      s.slow ? "skipped" : "runs"
    } | ${(s.needs ?? []).join("; ") || "nothing special"} |`
  );
  return [
    "| Scanner | What it checks | Runs with | `--fast-scan` | Needs |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join(
    "\n",
  );
}

/** The subcommand table. */
export function subcommandsMarkdown(): string {
  const rows = Object.entries(SUBCOMMANDS).map(([n, d]) => `| \`${n}\` | ${d.replaceAll("|", "\\|")} |`);
  return ["| Subcommand | What it does |", "|---|---|", ...rows, ""].join("\n");
}

/** The exit code table. */
export function exitCodesMarkdown(): string {
  return ["| Code | Meaning |", "|---|---|", ...EXIT_CODE_DOCS.map(([c, d]) => `| ${c} | ${d} |`), ""].join(
    "\n",
  );
}

/** Section name → generated Markdown. */
export function generatedSections(): Record<string, string> {
  return {
    subcommands: subcommandsMarkdown(),
    exit_codes: exitCodesMarkdown(),
    flags: flagsMarkdown(),
    scanners: scannersMarkdown(SCANNERS),
    checks: checksMarkdown(fullCatalogue(), SCANNERS),
  };
}

/** Replaces the text between `<!-- gen:NAME:start -->` and `<!-- gen:NAME:end -->`. */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- gen:${name}:start -->`;
  const end = `<!-- gen:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} section`);
  return text.slice(0, i + start.length) + "\n" + body.trimEnd() + "\n" + text.slice(j);
}

/** The text currently between the markers, or undefined. */
export function currentSection(text: string, name: string): string | undefined {
  const start = `<!-- gen:${name}:start -->`;
  const end = `<!-- gen:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  return i < 0 || j < i ? undefined : text.slice(i + start.length + 1, j);
}
