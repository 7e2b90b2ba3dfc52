/** Help text, the README flag table and `--version` text, all generated from the flag table. */
import { type ConfigKey, settingSchema } from "../core/config.ts";
import { FLAG_GROUPS } from "./flags/index.ts";
import type { FlagSpec } from "./flags/spec.ts";
import { ExitCode } from "../core/result.ts";
import { TOOL_VERSION } from "../core/version.ts";

/** Subcommands with their one-line descriptions. */
export const SUBCOMMANDS: Record<string, string> = {
  scan: "Scan the host and write a report (the default when no subcommand is given).",
  checks: "List the check catalogue (--json for machine-readable output, --markdown for docs).",
  diff: "Compare two reports: diff OLD.json NEW.json [--format json|md] [--output FILE].",
  keygen: "Create an Ed25519 key pair for --sign: keygen --out PREFIX (PREFIX.key 0600, PREFIX.pub).",
  verify:
    "Check a signed report: verify REPORT [--sig FILE] --pub KEY (exit 0 valid, 1 invalid, 2 bad input).",
  fleet:
    "Analyse many hosts' reports together: fleet REPORT... | --dir DIR [--db FILE] [--format json|md|html] [--output FILE] [--pub KEY] [--rare-threshold N|P%] [--spread-min N] [--top N] [--max-items N] [--hosts-per-item N] [--host-from report|dir] [--max-report-mib N]; stacking (rare items first), outliers, changes since the previous run; exit 1 when a report did not verify (docs/DEPLOYMENT.md).",
  "self-test":
    "Plant throwaway evidence in a private mount namespace and show, check by check, whether it was seen [--trace-seconds S] [--no-trace] [--full-walk] [--json]; exit 1 when one was not.",
  "bpf-selftest":
    "Show what eBPF tracing can do on this kernel (BTF, tracefs, hooks, privileges) [--json]; exit 1 when it cannot run.",
};

/** Exit codes with their meaning, for help and docs. */
export const EXIT_CODE_DOCS: [number, string][] = [
  [ExitCode.Ok, "scan finished, no fail threshold met"],
  [ExitCode.Threshold, "--fail-on or --fail-on-count threshold met"],
  [ExitCode.Usage, "usage, configuration or input error"],
  [ExitCode.Rules, "rules error (bad rule file, insecure rules directory)"],
  [ExitCode.Hardening, "requested self-hardening could not be applied (--seccomp-strict, --drop-priv)"],
  [ExitCode.Output, "the report could not be written"],
];

function defaultText(key: ConfigKey): string {
  const parsed = settingSchema(key).safeParse(undefined);
  if (!parsed.success || parsed.data === undefined || parsed.data === false) return "";
  if (Array.isArray(parsed.data)) return parsed.data.length ? ` (default: ${parsed.data.join(",")})` : "";
  return ` (default: ${parsed.data})`;
}

function usageOf(spec: FlagSpec): string {
  return spec.kind === "boolean" ? `--${spec.name}` : `--${spec.name} ${spec.value ?? "VALUE"}`;
}

/** The full `--help` text. */
export function helpText(): string {
  const lines = [
    `sys-scan ${TOOL_VERSION} — Linux host security scanner and incident-response triage`,
    "",
    "Usage: sys-scan [SUBCOMMAND] [FLAGS]",
    "",
    "Subcommands:",
    ...Object.entries(SUBCOMMANDS).map(([n, d]) => `  ${n.padEnd(14)} ${d}`),
  ];
  for (const group of FLAG_GROUPS) {
    lines.push("", `${group.title}:`);
    for (const [key, spec] of Object.entries(group.flags) as [ConfigKey, FlagSpec][]) {
      const note = spec.available === false ? " [not available in this build yet]" : "";
      lines.push(`  ${usageOf(spec).padEnd(34)} ${spec.help}${defaultText(key)}${note}`);
    }
  }
  lines.push(
    "",
    "Other:",
    `  ${"--help".padEnd(34)} Show this help.`,
    `  ${"--version".padEnd(34)} Show version and build details.`,
  );
  lines.push("", "Exit codes:", ...EXIT_CODE_DOCS.map(([c, d]) => `  ${c}  ${d}`), "");
  return lines.join("\n");
}

/** The flag reference as Markdown (embedded in README.md; a test keeps it in sync). */
export function flagsMarkdown(): string {
  const out: string[] = [];
  for (const group of FLAG_GROUPS) {
    out.push(`#### ${group.title}`, "", "| Flag | Meaning | Default |", "|---|---|---|");
    for (const [key, spec] of Object.entries(group.flags) as [ConfigKey, FlagSpec][]) {
      const def = defaultText(key).replace(/^ \(default: (.*)\)$/, "$1");
      const note = spec.available === false ? " *(not available in this build yet)*" : "";
      out.push(
        `| \`${usageOf(spec)}\` | ${spec.help.replaceAll("|", "\\|")}${note} | ${def ? `\`${def}\`` : ""} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
