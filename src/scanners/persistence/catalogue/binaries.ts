/**
 * Catalogue of the "binaries replaced in place" family: packaged programs in /usr/bin, /usr/sbin, /bin and /sbin
 * that are no longer what their package installed (a cheap check; full hashing is the integrity scanner's).
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE } from "./common.ts";

const REINSTALL = "Preserve the file for analysis, reinstall the package (`apt install --reinstall PKG` / " +
  "`dnf reinstall PKG`), run the integrity scanner (--integrity) for the other files, and treat the host as " +
  "compromised until the change is explained.";

/** Checks of the binaries family. */
export const BINARY_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.binary.replaced",
    title: "Packaged program replaced in place",
    severity: "high",
    rationale:
      "A program a package installed in /usr/bin, /usr/sbin, /bin or /sbin is now a script whose content is " +
      "not the package's, a program of a critical package (shells, coreutils, procps, ssh, sudo, login, " +
      "systemd…) whose digest is not the package's, has another size than the package recorded (rpm), or is " +
      "a link into a temporary, home or writable place: the classic trojaned `ps`, `ls`, `sshd` or `sudo` that " +
      "runs the attacker's code whenever an administrator uses the tool. Checked in every scan that reads the " +
      "package database (not --fast-scan): scripts and the critical packages' programs are hashed, other ELF " +
      "programs compared by size where the database records sizes (rpm); every packaged file is --integrity's." +
      " High: every user, script and service that runs the program by name now runs the intruder's code, often as root.",
    remediation: REINSTALL,
    mitre: ["T1554", "T1036.005"],
  },
  {
    ...FAMILY_BASE,
    id: "persistence.binary.setid_added",
    title: "Set-id bit on a packaged program that its package does not set",
    severity: "high",
    rationale:
      "A set-user-id or set-group-id bit added to a packaged program (find, vim, bash, python…) lets every " +
      "local user run it with its owner's privileges: a one-command root backdoor. rpm records each file's " +
      "mode, so the check is exact there; dpkg records none, so on dpkg systems a set-id program counts as added " +
      "when it is neither on the distributions' stock list nor in dpkg-statoverride." +
      " High: a set-id bit the package does not set gives whoever runs the program its owner's privileges, usually root's.",
    remediation: "Remove the bit (`chmod u-s,g-s FILE`), then find out who set it (ctime, audit log). " +
      REINSTALL,
    mitre: ["T1548.001", "T1554"],
    confidence: "heuristic",
  },
];
