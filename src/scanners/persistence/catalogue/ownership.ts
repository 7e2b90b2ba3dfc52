/** Catalogue of the persistence scanner's ownership family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const OWNERSHIP_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.command.unowned_program",
  title: "Persistence entry runs a program no package installed, from a package directory",
  severity: "medium",
  category: "ioc",
  rationale:
    "A persistence entry (a unit, a cron line, a hook, a boot-time command…) runs a program that sits among the " +
    "distribution's own programs (/usr/bin, /usr/lib, /sbin…) but that no installed package put there: a planted " +
    "binary given a plausible name behind an entry that looks ordinary. Programs under /usr/local and /opt, " +
    "where local software belongs, are not judged so.",
  remediation:
    "Find where the program came from (dpkg -S / rpm -qf, its timestamps, the authentication logs); if nobody " +
    "installed it on purpose, keep a copy for analysis and remove it together with the entry that runs it.",
  mitre: ["T1036.005", "T1546.016"],
  confidence: "heuristic",
}];
