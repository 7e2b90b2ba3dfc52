/** PCI DSS 4.0: the requirements a host scan can speak to, mapped to checks (requirement texts in our words). */
import type { z } from "zod";
import type { StandardSchema } from "../model.ts";

/** PCI DSS 4.0 controls. */
export const PCI_DSS_4_0: z.input<typeof StandardSchema> = {
  id: "pci_dss_4_0",
  name: "PCI DSS",
  version: "4.0",
  taxonomy: "PCI",
  note:
    "Covers only what a host scan can observe; most PCI DSS requirements need process and network evidence.",
  controls: [
    {
      id: "2.2.6",
      title: "System security parameters prevent misuse",
      requirement: "Kernel and filesystem security parameters are set to values that stop common misuse.",
      remediation:
        "Apply the kernel parameter and mount option fixes listed for each failing check, then persist them " +
        "in /etc/sysctl.d and /etc/fstab.",
      severity: "medium",
      checks: ["kernel.sysctl.*", "mount.tmp.*", "mount.sensitive.*"],
    },
    {
      id: "2.2.4",
      title: "Only necessary services are exposed",
      requirement:
        "Sensitive services (remote shells, databases, management interfaces) and ports favoured by " +
        "backdoors are not reachable from the network unless they are meant to be.",
      remediation:
        "Stop or bind to loopback every listener that does not need to be reachable, and filter the rest.",
      severity: "medium",
      checks: [
        { check: "net.listen.sensitive", absent: "pass" },
        { check: "net.listen.suspicious_port", absent: "pass" },
      ],
    },
    {
      id: "5.2.2",
      title: "Malicious kernel code is detected",
      requirement:
        "Hidden, unsigned or masquerading kernel modules, the usual sign of a kernel rootkit, are absent.",
      remediation:
        "Investigate each reported module (origin, load time, file), remove it, and enable module signature " +
        "enforcement.",
      severity: "high",
      checks: [
        { check: "module.hidden", absent: "pass" },
        { check: "module.unsigned", absent: "pass" },
        { check: "module.builtin_shadow", absent: "pass" },
        { check: "module.elf.*", absent: "pass" },
        { check: "ioc.process.*", absent: "pass" },
        { check: "ioc.ld_so_preload.entries", absent: "pass" },
        { check: "persistence.command.*", absent: "pass" },
      ],
    },
    {
      id: "7.2.2",
      title: "Privileges follow least privilege",
      requirement:
        "Programs that run with another user's privileges (set-user-id/set-group-id) are limited to the " +
        "expected system set and kept out of writable locations.",
      remediation:
        "Remove the set-id bit (chmod u-s,g-s) from every unexpected program, or record it as expected with " +
        "--suid-expected after review.",
      severity: "high",
      checks: [
        { check: "suid.file.unexpected", absent: "pass" },
        { check: "suid.file.writable_location", absent: "pass" },
        { check: "suid.file.shell_escape", absent: "pass" },
        { check: "persistence.sudoers.*", absent: "pass" },
      ],
    },
    {
      id: "10.2.1",
      title: "Audit logs are enabled and active",
      requirement: "The kernel audit subsystem is on, the audit daemon runs, and audit rules are loaded.",
      remediation:
        "Install auditd, enable and start it (systemctl enable --now auditd), and load a rule set " +
        "(/etc/audit/rules.d).",
      severity: "high",
      checks: [
        "audit.not_installed",
        "audit.daemon.not_running",
        "audit.kernel.disabled",
        "audit.rules.empty",
      ],
    },
    {
      id: "10.2.2",
      title: "Audit logs record the required events",
      requirement:
        "Audit rules record program execution, changes to identity files, privilege changes and kernel " +
        "module loading, for both syscall ABIs, and nothing suppresses them.",
      remediation:
        "Add the missing audit rules listed in each failing check to /etc/audit/rules.d and reload them " +
        "(augenrules --load).",
      severity: "medium",
      checks: [
        "audit.not_installed",
        "audit.coverage.*",
        "audit.rules.suppressed",
        "audit.rules.no_b32",
        "audit.rules.disk_kernel_mismatch",
      ],
    },
    {
      id: "11.5.2",
      title: "Unauthorised changes to system files are detected",
      requirement: "Filesystems declared read-only stay read-only, and the kernel runs only known modules.",
      remediation:
        "Find who remounted the filesystem or loaded the module (audit log, shell history) and restore the " +
        "declared state.",
      severity: "high",
      checks: [
        "mount.readonly.remounted_rw",
        { check: "module.unknown_origin", absent: "pass" },
        { check: "fs.world_writable.file", absent: "pass" },
      ],
    },
  ],
};
