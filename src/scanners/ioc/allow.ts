/** The IOC allowlist: substrings (from --ioc-allow and --ioc-allow-file) that downgrade a finding to info. */
import { readTrustedInput } from "../../host/trusted_files.ts";

/** Allowlist file cap: 1 MiB. */
const MAX_ALLOW_FILE = 1 << 20;

/** Parses an allowlist file: one substring per line, blank lines and `#` comment lines skipped, ends trimmed. */
export function parseAllowFile(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Loads the allowlist. The file is the operator's (like a rules file), read from the machine running the scan,
 * not from under `--root`. Returns the patterns and, when the file could not be read, an error message.
 */
export function loadAllowlist(
  inline: readonly string[],
  file: string | undefined,
): { patterns: string[]; error?: string } {
  const patterns = inline.map((p) => p.trim()).filter((p) => p !== "");
  if (file === undefined) return { patterns };
  const r = readTrustedInput("--ioc-allow-file", file, MAX_ALLOW_FILE);
  if (!r.ok) return { patterns, error: r.message };
  return { patterns: [...patterns, ...parseAllowFile(r.text)] };
}

/** Why a finding is allowlisted: the first pattern found in one of its fields. */
export function allowReason(
  patterns: readonly string[],
  fields: Record<string, string | null>,
): string | undefined {
  for (const pattern of patterns) {
    for (const [name, value] of Object.entries(fields)) {
      if (value !== null && value.includes(pattern)) return `allowlisted: "${pattern}" found in ${name}`;
    }
  }
  return undefined;
}
