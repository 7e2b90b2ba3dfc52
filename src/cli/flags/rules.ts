/** Flags: rules, risk model, YARA and plugins. */
import { CRITICALITY_LEVELS } from "../../core/config.ts";
import { bool, type FlagGroup, int, str } from "./spec.ts";

/** Rule engine, risk model and plugin options. */
export const rulesFlags = {
  title: "Rules, risk and plugins",
  flags: {
    rulesEnable: bool("rules-enable", "Load rules from --rules-dir and enable the yara scanner."),
    rulesDir: str(
      "rules-dir",
      "Directory of rule files (*.jsonc, *.json, legacy *.rule); needs --rules-enable.",
      "DIR",
    ),
    rulesAllowLegacy: bool("rules-allow-legacy", "Accept rules with an older rule_version (with a warning)."),
    rulesInsecureOk: bool(
      "rules-insecure-ok",
      "Accept a rules or plugin directory (or file) not owned by root or writable by others, with a warning.",
    ),
    noBuiltinRules: bool("no-builtin-rules", "Do not load the built-in MITRE ATT&CK rule pack."),
    showSuppressed: bool(
      "show-suppressed",
      "List suppressed findings in the report (counts are always there).",
    ),
    riskWeights: str("risk-weights", "Override the risk model with a JSONC file (see docs/RISK.md).", "FILE"),
    assetCriticality: str(
      "asset-criticality",
      `How critical this host is to the business: ${CRITICALITY_LEVELS.join("|")} (scales risk scores).`,
      "LEVEL",
    ),
    yaraRules: str("yara-rules", "YARA rule file, or a directory of *.yar/*.yara files; runs yara.", "PATH"),
    pluginDir: str(
      "plugin-dir",
      "Run each executable in DIR as an extra scanner (see docs/PLUGINS.md).",
      "DIR",
    ),
    pluginTimeout: int(
      "plugin-timeout",
      "Time limit per plugin in seconds (also bounded by --scanner-timeout).",
      "S",
    ),
  },
} as const satisfies FlagGroup;
