/** Flags: rules, YARA and plugins. */
import { bool, type FlagGroup, str } from "./spec.ts";

/** Rule engine options. */
export const rulesFlags = {
  title: "Rules",
  flags: {
    rulesEnable: bool("rules-enable", "Load rules from --rules-dir and enable the yara scanner.", false),
    rulesDir: str("rules-dir", "Directory of rule files (*.jsonc, legacy *.rule).", "DIR", false),
    rulesAllowLegacy: bool(
      "rules-allow-legacy",
      "Accept rules with an older rule_version (with a warning).",
      false,
    ),
    rulesInsecureOk: bool(
      "rules-insecure-ok",
      "Accept a rules or plugin directory not owned by root.",
      false,
    ),
    noBuiltinRules: bool("no-builtin-rules", "Do not load the built-in MITRE ATT&CK rule pack.", false),
    showSuppressed: bool("show-suppressed", "List suppressed findings in the report.", false),
    yaraRules: str("yara-rules", "YARA rule file or directory.", "PATH", false),
    pluginDir: str("plugin-dir", "Run each executable in DIR as an extra scanner.", "DIR", false),
  },
} as const satisfies FlagGroup;
