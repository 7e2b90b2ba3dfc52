/** Catalogue of the persistence scanner's system units family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const SYSTEM_UNIT_CHECKS: Omit<CheckInput, "scanner">[] = [
  {
    id: "persistence.systemd_unit.socket_shell",
    title: "Socket-activated service hands each connection to a shell",
    severity: "critical",
    category: "ioc",
    rationale:
      "A .socket unit listens and starts its service for every connection; with StandardInput=socket the " +
      "connection becomes the input of that service's program. When the program is a shell or an interpreter " +
      "(bash -i, sh, python, socat…), whoever connects gets a command line with the service's privileges: a " +
      "bind shell with no process running until someone connects." +
      " Critical: remote command execution, usually as root, for anyone who can reach the port.",
    remediation:
      "Stop and disable the socket (systemctl disable --now <unit>.socket), keep copies of both units, remove " +
      "them, run systemctl daemon-reload, and look for how they got there.",
    mitre: ["T1543.002", "T1059.004"],
  },
  {
    id: "persistence.systemd_unit.unowned",
    title: "systemd unit among the package units that no package installed",
    severity: "medium",
    category: "ioc",
    rationale:
      "Units in /usr/lib/systemd come from packages; administrators put theirs in /etc/systemd. A unit there " +
      "that no installed package provides was planted to look like part of the distribution.",
    remediation:
      "Read the unit (systemctl cat <unit>) and what it runs; if nobody installed it on purpose, stop and " +
      "disable it, keep a copy of the unit and its program, remove them and run systemctl daemon-reload.",
    mitre: ["T1543.002", "T1036.005"],
    confidence: "heuristic",
  },
  {
    id: "persistence.systemd_unit.preload",
    title: "systemd unit preloads a library (or searches a directory) outside the system library directories",
    severity: "medium",
    category: "ioc",
    rationale:
      "Environment=LD_PRELOAD (or LD_AUDIT) in a unit or drop-in makes the dynamic loader map that library into " +
      "the service's every process: a quiet way to run code inside sshd or a login service. Libraries (or an " +
      "LD_LIBRARY_PATH directory) in a temporary, home or writable location, or the current directory, are high.",
    remediation:
      "Find the unit file or drop-in that sets it (systemctl cat <unit>), check the library's origin and remove " +
      "the setting unless the service needs it; then systemctl daemon-reload and restart the service.",
    mitre: ["T1574.006", "T1543.002"],
    confidence: "heuristic",
  },
];
