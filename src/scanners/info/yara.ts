/** The yara scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { Config } from "../../core/config.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "yara";
/** The id of every YARA match. */
export const YARA_MATCH = "yara.rule.match";

/** Where the rules come from: --yara-rules, else <rules-dir>/yara. */
export function rulesPath(c: Config): string | undefined {
  if (c.yaraRules !== undefined) return c.yaraRules;
  if (c.rulesDir !== undefined) return `${c.rulesDir.replace(/\/+$/, "")}/yara`;
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Runs when --yara-rules is given, or with --rules-enable and a rules directory that has a yara/ folder. */
export function yaraEnabled(c: Config): boolean {
  if (c.yaraRules !== undefined) return true;
  return c.rulesEnable && c.rulesDir !== undefined && isDirectory(rulesPath(c)!);
}

const checks: CheckInput[] = [{
  id: YARA_MATCH,
  scanner: NAME,
  title: "YARA rule matched",
  severity: "medium",
  category: "ioc",
  rationale: "A file matched a YARA rule from the analyst's rule set (malware, tool or web-shell signature).",
  remediation: "Inspect the file (its SHA-256 is in the metadata), find how it arrived, and quarantine it.",
  mitre: ["T1027", "T1105"],
  confidence: "heuristic",
}];

/** The yara scanner's descriptor. */
export const YARA_INFO: ScannerInfo = {
  name: NAME,
  summary: "YARA rules (the native libyara) over temp, persistence, home, local-program and web directories.",
  slow: true,
  heavy: true,
  needs: ["libyara (Debian libyara9 or yara; RHEL yara from EPEL)"],
  enabledByDefault: yaraEnabled,
  checks,
};
