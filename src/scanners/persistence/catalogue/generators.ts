/** Catalogue of the persistence scanner's generators family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const GENERATOR_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.systemd_generator.unowned",
  title: "systemd generator that no package installed",
  severity: "medium",
  category: "ioc",
  rationale:
    "Generators run as root very early at every boot and daemon-reload, before logging and before any unit, and " +
    "can write units that start anything: distributions ship a handful, all from packages. One that no " +
    "package installed is a rarely inspected place to persist.",
  remediation:
    "Inspect the generator (file, strings, its output in /run/systemd/generator*); if nobody installed it on " +
    "purpose, keep a copy, remove it, run systemctl daemon-reload and look for the units it wrote.",
  mitre: ["T1543.002", "T1037"],
  confidence: "heuristic",
}];
