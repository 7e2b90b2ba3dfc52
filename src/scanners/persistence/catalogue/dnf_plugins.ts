/** Catalogue of the persistence scanner's dnf plugins family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const DNF_PLUGIN_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.dnf_plugin.unowned",
  title: "Package-manager plugin that no package installed",
  severity: "medium",
  category: "ioc",
  rationale:
    "yum and dnf import every plugin module of their plugin directories as root each time they run (updates, " +
    "the makecache timer): a plugin no package installed, among the distribution's own, is code an intruder " +
    "left to run again at the next update.",
  remediation:
    "Read the module; if nobody installed it on purpose, keep a copy, remove it and its .conf, and look for how " +
    "it got there. rpm -qf tells which package owns a plugin file.",
  mitre: ["T1546.016"],
  confidence: "heuristic",
}];
