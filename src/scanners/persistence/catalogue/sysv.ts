/** Catalogue of the persistence scanner's sysv family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const SYSV_CHECKS: Omit<CheckInput, "scanner">[] = [
  {
    id: "persistence.sysv_init.unowned",
    title: "Init script that no package installed",
    severity: "low",
    category: "ioc",
    rationale:
      "Scripts in /etc/init.d come from packages; on systemd hosts systemd-sysv-generator still turns each one " +
      "into a unit started at boot when an rc?.d link enables it. One that no package installed was written by " +
      "hand — an old habit of administrators and a classic way to persist.",
    remediation:
      "Read the script and its rc?.d links; if nobody on the team wrote it, keep a copy, remove it with " +
      "update-rc.d -f <name> remove (or chkconfig --del) and delete the file.",
    mitre: ["T1037.004"],
    confidence: "heuristic",
  },
  {
    id: "persistence.sysv_init.link_outside",
    title: "Runlevel entry that does not point into /etc/init.d",
    severity: "medium",
    category: "ioc",
    rationale:
      "The S and K entries of /etc/rc?.d (and OpenRC's runlevels) are links to init scripts. A link to a program " +
      "elsewhere, or a regular file in their place, runs at every boot or runlevel change without an init script " +
      "that anyone would review.",
    remediation: "Inspect what it runs; remove the entry unless it is a known local arrangement.",
    mitre: ["T1037.004"],
    confidence: "heuristic",
  },
];
