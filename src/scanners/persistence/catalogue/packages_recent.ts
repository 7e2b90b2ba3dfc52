/** Catalogue of the persistence scanner's packages recent family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const PACKAGES_RECENT_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.package.not_in_repository",
  title: "Recently installed package that no configured repository provides",
  severity: "low",
  category: "ioc",
  rationale:
    "A package installed or upgraded in the last days (--persistence-recent-days) whose version no APT " +
    "repository of the host offers was installed from a file: how vendor agents arrive, but also how an intruder " +
    "installs a package whose maintainer scripts and files run as root. Checked on dpkg hosts under --hardening.",
  remediation:
    "Confirm who installed the package and from where (/var/log/dpkg.log, /var/log/apt/history.log); review its " +
    "maintainer scripts (/var/lib/dpkg/info/<package>.*) and files (dpkg -L), and remove it if nobody can vouch for it.",
  mitre: ["T1546.016", "T1072"],
  confidence: "heuristic",
}];
