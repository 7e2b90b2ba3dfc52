/** The integrity scanner's checks: ids and catalogue entries. */
import type { CheckInput } from "../../core/catalogue.ts";

/** The scanner name. */
export const NAME = "integrity";

/** Check ids. */
export const CHECK = {
  modified: "integrity.pkg_file.modified",
  missing: "integrity.pkg_file.missing",
  attributes: "integrity.pkg_file.attributes_changed",
  confModified: "integrity.conffile.modified",
  confMissing: "integrity.conffile.missing",
  ima: "integrity.ima.violations",
  summary: "integrity.summary",
} as const;

/** Catalogue entries. */
export const checks: CheckInput[] = [
  {
    id: CHECK.modified,
    scanner: NAME,
    title: "Package file modified",
    severity: "high",
    category: "integrity",
    rationale:
      "A file installed by a package no longer has the content the package shipped. A replaced program or library " +
      "(critical for shells, PAM, sudo, ssh, libc, ps/ss/find) runs attacker code for everyone who uses it. " +
      "High: a packaged file changes only through the package manager; anything else that replaced it is suspect.",
    remediation:
      "Compare the file with the package (`dpkg --verify PKG`, `apt-get download PKG`), find out who changed it and " +
      "when (mtime, audit log), then reinstall the package (`apt-get install --reinstall PKG`) from trusted media.",
    mitre: ["T1554", "T1036.005", "T1574"],
  },
  {
    id: CHECK.missing,
    scanner: NAME,
    title: "Package file missing",
    severity: "low",
    category: "integrity",
    rationale:
      "A file the package installed is gone: removed by hand, by a cleaner, or by someone covering tracks.",
    remediation: "Reinstall the package (`apt-get install --reinstall PKG`) if the file is needed.",
    mitre: ["T1070.004"],
  },
  {
    id: CHECK.attributes,
    scanner: NAME,
    title: "Package file permissions or owner changed",
    severity: "low",
    category: "integrity",
    rationale: "The file's mode, owner, group or capabilities differ from the package: a SUID bit or a " +
      "world-writable mode added to a system file is a privilege-escalation path.",
    remediation:
      "Restore them with `rpm --setperms PKG` / `rpm --setugids PKG`, after finding out who changed them.",
    mitre: ["T1222.002"],
  },
  {
    id: CHECK.confModified,
    scanner: NAME,
    title: "Package configuration file changed",
    severity: "info",
    category: "integrity",
    rationale:
      "Configuration files are meant to be edited by the administrator; listed so a responder can review " +
      "changes to authentication and start-up configuration (rated low) against the change log.",
    remediation: "Review the change (`diff` against the packaged version from `apt-get download PKG`).",
    mitre: ["T1556", "T1037"],
  },
  {
    id: CHECK.confMissing,
    scanner: NAME,
    title: "Package configuration file missing",
    severity: "info",
    category: "integrity",
    rationale: "A conffile the package installed was deleted; usually deliberate administration.",
    remediation: "Nothing, unless the deletion was not planned (`apt-get install --reinstall -o " +
      "Dpkg::Options::=--force-confmiss PKG`).",
  },
  {
    id: CHECK.ima,
    scanner: NAME,
    title: "IMA measurement violations",
    severity: "medium",
    category: "integrity",
    rationale:
      "IMA recorded measurements it could not trust (a file written while measured or measured while open " +
      "for writing): the measurement list can no longer attest those files' content.",
    remediation:
      "Look at the files named; if they are not logs or caches, treat their content as unverified.",
    mitre: ["T1565.001"],
    confidence: "heuristic",
  },
  {
    id: CHECK.summary,
    scanner: NAME,
    title: "Integrity summary",
    severity: "info",
    category: "integrity",
    rationale: "What was verified, how, and how many files changed.",
    remediation: "Read the per-file findings; run again with --integrity-pkg-limit 0 to list every file.",
  },
];
