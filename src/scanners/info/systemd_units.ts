/** The systemd_units scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "systemd_units";

const checks: CheckInput[] = [
  {
    id: "systemd.unit.exposure",
    scanner: NAME,
    title: "Long-running root service with little sandboxing",
    severity: "low",
    category: "privilege_escalation_surface",
    hardening: true,
    rationale:
      "A long-running service that runs as root without systemd sandboxing gives whoever exploits it the whole " +
      "host; the exposure score (0 confined … 10 unconfined) weighs the missing directives like systemd-analyze " +
      "security.",
    remediation:
      "Add a drop-in (systemctl edit <unit>) with the missing directives listed in the finding, starting with " +
      "User=/DynamicUser=, NoNewPrivileges=yes, ProtectSystem=strict and CapabilityBoundingSet=; check with " +
      "systemd-analyze security <unit>.",
    mitre: ["T1543.002"],
    confidence: "certain",
  },
  {
    id: "systemd.unit.untrusted_exec",
    scanner: NAME,
    title: "Service runs a program from an untrusted location or a payload",
    severity: "high",
    category: "ioc",
    rationale:
      "A service whose Exec lines run a program from /tmp, a user's home or a directory other accounts can write, " +
      "or whose command line carries a reverse shell or download-and-execute payload, is a classic persistence " +
      "mechanism and a privilege-escalation path. High: stock units run packaged programs from system directories.",
    remediation:
      "Inspect the unit and its drop-ins (systemctl cat <unit>); if it is not yours, stop and disable it, keep a " +
      "copy of the program for analysis, and move legitimate programs to a root-owned directory such as " +
      "/usr/local/sbin.",
    mitre: ["T1543.002", "T1053.006"],
    confidence: "heuristic",
  },
];

/** The systemd_units scanner's descriptor. */
export const SYSTEMD_UNITS_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Exposure score of long-running root services; services running programs from untrusted locations.",
  slow: false,
  enabledByDefault: (c) => c.hardening,
  checks,
};
