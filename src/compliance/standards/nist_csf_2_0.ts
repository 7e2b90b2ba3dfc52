/** NIST Cybersecurity Framework 2.0: subcategories a host scan can give evidence for. */
import type { z } from "zod";
import type { StandardSchema } from "../model.ts";

/** NIST CSF 2.0 controls. */
export const NIST_CSF_2_0: z.input<typeof StandardSchema> = {
  id: "nist_csf_2_0",
  name: "NIST Cybersecurity Framework",
  version: "2.0",
  taxonomy: "NIST",
  controls: [
    {
      id: "PR.PS-01",
      title: "Configuration management",
      requirement: "Secure kernel and filesystem configuration baselines are applied and kept.",
      remediation:
        "Apply the hardening values of each failing kernel parameter and mount check and persist them.",
      severity: "medium",
      checks: [
        "kernel.sysctl.*",
        "mount.*",
        "mac.none",
        "mac.selinux.*",
        "mac.apparmor.complain",
        "kernel.lockdown.none",
        "kernel.modules.sig_enforce_off",
      ],
    },
    {
      id: "PR.PS-04",
      title: "Log records are generated",
      requirement: "The host generates audit records for security-relevant activity.",
      remediation: "Install and start auditd and add the missing audit rules listed in each failing check.",
      severity: "medium",
      checks: [
        "audit.not_installed",
        "audit.daemon.not_running",
        "audit.kernel.disabled",
        "audit.rules.empty",
        "audit.coverage.*",
        "audit.rules.suppressed",
        "audit.rules.no_b32",
        "audit.rules.disk_kernel_mismatch",
      ],
    },
    {
      id: "DE.CM-01",
      title: "Networks are monitored",
      requirement:
        "No unexpected sniffers, raw sockets, or listeners and connections on ports favoured by miners " +
        "and command-and-control servers.",
      remediation: "Identify the owning process of each reported socket and stop what is not expected.",
      severity: "high",
      checks: [
        { check: "net.packet_socket.sniffer", absent: "pass" },
        { check: "net.raw_socket.unexpected", absent: "pass" },
        { check: "net.listen.suspicious_port", absent: "pass" },
        { check: "net.connection.suspicious_port", absent: "pass" },
      ],
    },
    {
      id: "PR.AA-05",
      title: "Least privilege",
      requirement: "Privilege-granting programs are limited to the expected set.",
      remediation: "Remove unexpected set-id bits or record reviewed ones with --suid-expected.",
      severity: "high",
      checks: [
        { check: "suid.file.unexpected", absent: "pass" },
        { check: "suid.file.writable_location", absent: "pass" },
        { check: "suid.file.shell_escape", absent: "pass" },
        { check: "persistence.sudoers.*", absent: "pass" },
        { check: "fs.setid.*", absent: "pass" },
      ],
    },
    {
      id: "PR.IR-01",
      title: "Networks protected from unauthorised access",
      requirement:
        "The host does not route, accept redirected or source-routed traffic unless it is meant to.",
      remediation: "Disable IP forwarding, redirects and source routing, and enable reverse-path filtering.",
      severity: "medium",
      checks: [
        "kernel.sysctl.ip_forward",
        "kernel.sysctl.ipv4_*_redirects",
        "kernel.sysctl.ipv6_*_redirects",
        "kernel.sysctl.*_accept_source_route",
        "kernel.sysctl.*_rp_filter",
      ],
    },
    {
      id: "DE.CM-09",
      title: "Runtime environment monitored",
      requirement: "The running kernel is checked for hidden, unsigned, masquerading or malformed modules.",
      remediation: "Investigate each reported module and remove what is not expected.",
      severity: "high",
      checks: [
        { check: "module.hidden", absent: "pass" },
        { check: "module.unsigned", absent: "pass" },
        { check: "module.builtin_shadow", absent: "pass" },
        { check: "module.unknown_origin", absent: "pass" },
        { check: "module.elf.*", absent: "pass" },
        { check: "ioc.process.*", absent: "pass" },
        { check: "ioc.ld_so_preload.entries", absent: "pass" },
        { check: "persistence.command.*", absent: "pass" },
      ],
    },
    {
      id: "PR.DS-01",
      title: "Data at rest protected",
      requirement: "Filesystems declared read-only are not writable.",
      remediation: "Remount the filesystem read-only and find out who changed it.",
      severity: "high",
      checks: ["mount.readonly.remounted_rw"],
    },
  ],
};
