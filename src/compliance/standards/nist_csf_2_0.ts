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
      checks: ["kernel.sysctl.*", "mount.*"],
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
