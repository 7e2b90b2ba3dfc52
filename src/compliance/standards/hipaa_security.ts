/** HIPAA Security Rule (45 CFR Part 164, Subpart C): technical safeguards a host scan can observe. */
import type { z } from "zod";
import type { StandardSchema } from "../model.ts";

/** HIPAA Security Rule controls. */
export const HIPAA_SECURITY: z.input<typeof StandardSchema> = {
  id: "hipaa_security",
  name: "HIPAA Security Rule",
  version: "45 CFR 164.308-164.312",
  taxonomy: "HIPAA",
  note: "Technical safeguards only; administrative and physical safeguards need other evidence.",
  controls: [
    {
      id: "164.308(a)(5)(ii)(B)",
      title: "Protection from malicious software",
      requirement:
        "The host resists and reveals malicious code: temporary directories do not run dropped programs, and " +
        "no hidden or unsigned kernel code is loaded.",
      remediation:
        "Mount temporary directories noexec, and investigate and remove hidden or unsigned kernel modules.",
      severity: "high",
      checks: [
        "mount.tmp.noexec_missing",
        { check: "module.hidden", absent: "pass" },
        { check: "module.unsigned", absent: "pass" },
        { check: "module.builtin_shadow", absent: "pass" },
        { check: "ioc.process.*", absent: "pass" },
        { check: "ioc.ld_so_preload.entries", absent: "pass" },
        { check: "persistence.command.*", absent: "pass" },
      ],
    },
    {
      id: "164.312(a)(1)",
      title: "Access control",
      requirement: "Only intended users and programs can gain elevated privileges on the host.",
      remediation:
        "Remove unexpected set-id bits, mount data and temporary filesystems nosuid, and restrict ptrace.",
      severity: "high",
      checks: [
        { check: "suid.file.unexpected", absent: "pass" },
        { check: "suid.file.writable_location", absent: "pass" },
        "mount.tmp.nosuid_missing",
        "mount.sensitive.nosuid_missing",
        "kernel.sysctl.yama_ptrace_scope",
        { check: "persistence.sudoers.*", absent: "pass" },
        { check: "fs.path.*", absent: "pass" },
      ],
    },
    {
      id: "164.312(b)",
      title: "Audit controls",
      requirement:
        "Activity on the host is recorded: auditing is on, the daemon runs, and rules cover program " +
        "execution, identity and privilege changes.",
      remediation: "Install and start auditd and add the missing audit rules listed in each failing check.",
      severity: "high",
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
      id: "164.312(c)(1)",
      title: "Integrity",
      requirement: "System software and read-only filesystems are protected from improper change.",
      remediation:
        "Restore read-only mounts, keep link protections on, and find the origin of unknown kernel modules.",
      severity: "high",
      checks: [
        "mount.readonly.remounted_rw",
        "kernel.sysctl.protected_symlinks",
        "kernel.sysctl.protected_hardlinks",
        { check: "module.unknown_origin", absent: "pass" },
        { check: "fs.world_writable.*", absent: "pass" },
      ],
    },
    {
      id: "164.312(e)(1)",
      title: "Transmission security",
      requirement:
        "The network stack refuses traffic rerouting (ICMP redirects, source routing) that enables interception.",
      remediation:
        "Set the redirect and source-route sysctls to 0 and rp_filter to 1 in /etc/sysctl.d, then run sysctl --system.",
      severity: "medium",
      checks: [
        "kernel.sysctl.ipv4_*_redirects",
        "kernel.sysctl.ipv6_*_redirects",
        "kernel.sysctl.*_accept_source_route",
      ],
    },
  ],
};
