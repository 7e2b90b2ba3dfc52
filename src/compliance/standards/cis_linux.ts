/**
 * A CIS-style Linux baseline: the items of the usual Linux hardening benchmarks a host scan can verify. The
 * numbering follows their common layout loosely; this is not an official CIS Benchmark.
 */
import type { z } from "zod";
import type { StandardSchema } from "../model.ts";

/** CIS-style Linux baseline controls. */
export const CIS_LINUX: z.input<typeof StandardSchema> = {
  id: "cis_linux",
  name: "CIS-style Linux baseline",
  version: "1",
  taxonomy: "CIS",
  note: "Modelled on the CIS Linux benchmarks' layout; not an official CIS Benchmark and not CIS-certified.",
  controls: [
    {
      id: "1.1.2.1",
      title: "/tmp is a separate filesystem",
      requirement:
        "/tmp is its own mount, so its options can be restricted and it cannot fill the root filesystem.",
      remediation: "Mount /tmp as tmpfs (systemctl enable tmp.mount) or a separate partition.",
      severity: "low",
      checks: ["mount.tmp.not_separate"],
    },
    {
      id: "1.1.2.2",
      title: "nodev on temporary directories",
      requirement: "Temporary directories do not honour device files.",
      remediation: "Add nodev to the mount options of /tmp, /var/tmp and /dev/shm.",
      severity: "low",
      checks: ["mount.tmp.nodev_missing"],
    },
    {
      id: "1.1.2.3",
      title: "nosuid on temporary directories",
      requirement: "Temporary directories do not honour set-id bits.",
      remediation: "Add nosuid to the mount options of /tmp, /var/tmp and /dev/shm.",
      severity: "medium",
      checks: ["mount.tmp.nosuid_missing"],
    },
    {
      id: "1.1.2.4",
      title: "noexec on temporary directories",
      requirement: "Programs cannot be run directly from temporary directories.",
      remediation: "Add noexec to the mount options of /tmp, /var/tmp and /dev/shm.",
      severity: "medium",
      checks: ["mount.tmp.noexec_missing"],
    },
    {
      id: "1.1.3",
      title: "nosuid and nodev on data partitions",
      requirement:
        "Separate data partitions (/home, /var, /srv, …) do not honour set-id bits or device files.",
      remediation: "Add nosuid,nodev to those partitions in /etc/fstab.",
      severity: "low",
      checks: ["mount.sensitive.nosuid_missing", "mount.sensitive.nodev_missing"],
    },
    {
      id: "1.3.1",
      title: "A mandatory access control system is active",
      requirement: "AppArmor or SELinux is enabled and enforcing.",
      remediation: "Enable AppArmor (apt install apparmor; systemctl enable --now apparmor) or SELinux in " +
        "enforcing mode.",
      severity: "medium",
      checks: ["mac.none", "mac.selinux.disabled", "mac.selinux.permissive"],
    },
    {
      id: "1.3.2",
      title: "MAC profiles enforce",
      requirement: "No AppArmor profile is left in complain mode and SELinux is configured as enforcing.",
      remediation:
        "Switch profiles to enforce (aa-enforce) and set SELINUX=enforcing in /etc/selinux/config.",
      severity: "low",
      checks: ["mac.apparmor.complain", "mac.selinux.config_weaker"],
    },
    {
      id: "1.5.1",
      title: "Address space layout randomisation",
      requirement: "Full ASLR is on (kernel.randomize_va_space = 2).",
      remediation: "Set kernel.randomize_va_space = 2 in /etc/sysctl.d and run sysctl --system.",
      severity: "medium",
      checks: ["kernel.sysctl.randomize_va_space"],
    },
    {
      id: "1.5.2",
      title: "ptrace restricted",
      requirement: "Processes cannot trace processes that are not their descendants (Yama ptrace_scope ≥ 1).",
      remediation: "Set kernel.yama.ptrace_scope = 1 (or stricter).",
      severity: "medium",
      checks: ["kernel.sysctl.yama_ptrace_scope"],
    },
    {
      id: "1.5.3",
      title: "Core dumps of set-id programs restricted",
      requirement: "Set-id programs do not write readable core dumps (fs.suid_dumpable = 0).",
      remediation: "Set fs.suid_dumpable = 0.",
      severity: "low",
      checks: ["kernel.sysctl.suid_dumpable"],
    },
    {
      id: "1.5.4",
      title: "Kernel pointers and logs hidden",
      requirement: "Kernel addresses and the kernel log are hidden from unprivileged users.",
      remediation: "Set kernel.kptr_restrict = 1 (or 2) and kernel.dmesg_restrict = 1.",
      severity: "low",
      checks: ["kernel.sysctl.kptr_restrict", "kernel.sysctl.dmesg_restrict"],
    },
    {
      id: "3.1.1",
      title: "IP forwarding disabled",
      requirement: "A host that is not a router does not forward packets.",
      remediation: "Set net.ipv4.ip_forward = 0 unless the host routes traffic on purpose.",
      severity: "info",
      checks: ["kernel.sysctl.ip_forward"],
    },
    {
      id: "3.2.1",
      title: "Packet redirect sending disabled",
      requirement: "The host does not send ICMP redirects.",
      remediation: "Set net.ipv4.conf.all.send_redirects = 0 and net.ipv4.conf.default.send_redirects = 0.",
      severity: "low",
      checks: ["kernel.sysctl.ipv4_*_send_redirects"],
    },
    {
      id: "3.3.1",
      title: "Source-routed packets refused",
      requirement: "Source-routed packets are not accepted.",
      remediation: "Set accept_source_route = 0 for IPv4 and IPv6, all and default.",
      severity: "low",
      checks: ["kernel.sysctl.*_accept_source_route"],
    },
    {
      id: "3.3.2",
      title: "ICMP redirects refused",
      requirement: "ICMP redirects, secure ones included, are not accepted.",
      remediation: "Set accept_redirects = 0 and secure_redirects = 0 for IPv4 and IPv6, all and default.",
      severity: "low",
      checks: ["kernel.sysctl.*_accept_redirects", "kernel.sysctl.*_secure_redirects"],
    },
    {
      id: "3.3.5",
      title: "Broadcast ICMP requests ignored",
      requirement: "The host does not answer broadcast pings (smurf amplification).",
      remediation: "Set net.ipv4.icmp_echo_ignore_broadcasts = 1.",
      severity: "low",
      checks: ["kernel.sysctl.icmp_echo_ignore_broadcasts"],
    },
    {
      id: "3.3.7",
      title: "Reverse path filtering",
      requirement: "Packets with source addresses that cannot be routed back are dropped.",
      remediation: "Set rp_filter = 1 for all and default.",
      severity: "low",
      checks: ["kernel.sysctl.*_rp_filter"],
    },
    {
      id: "3.3.8",
      title: "TCP SYN cookies",
      requirement: "SYN cookies are on to survive SYN floods.",
      remediation: "Set net.ipv4.tcp_syncookies = 1.",
      severity: "low",
      checks: ["kernel.sysctl.tcp_syncookies"],
    },
    {
      id: "4.1.1",
      title: "auditd is installed and running",
      requirement: "The audit daemon is installed and running and kernel auditing is enabled.",
      remediation:
        "apt install auditd audispd-plugins; systemctl enable --now auditd; add audit=1 to the kernel " +
        "command line.",
      severity: "medium",
      checks: ["audit.not_installed", "audit.daemon.not_running", "audit.kernel.disabled"],
    },
    {
      id: "4.1.3",
      title: "Audit rules cover the required events",
      requirement:
        "Audit rules are loaded and record execution, identity and privilege changes and module loading.",
      remediation:
        "Add the missing rules listed in each failing check to /etc/audit/rules.d and run augenrules --load.",
      severity: "medium",
      checks: [
        "audit.not_installed",
        "audit.rules.empty",
        "audit.coverage.*",
        "audit.rules.suppressed",
        "audit.rules.no_b32",
      ],
    },
    {
      id: "5.3.4",
      title: "sudo requires authentication",
      requirement:
        "sudo asks for a password and does not grant passwordless full root to non-administrators.",
      remediation: "Remove NOPASSWD and !authenticate from the reported sudoers entries (visudo).",
      severity: "high",
      checks: [{ check: "persistence.sudoers.*", absent: "pass" }],
    },
    {
      id: "6.1.11",
      title: "No world-writable files or unprotected world-writable directories",
      requirement:
        "System directories hold no world-writable files, and world-writable directories have the " +
        "sticky bit.",
      remediation: "chmod o-w the reported files and chmod +t the reported directories.",
      severity: "medium",
      checks: [
        { check: "fs.world_writable.file", absent: "pass" },
        { check: "fs.world_writable.dir_no_sticky", absent: "pass" },
      ],
    },
    {
      id: "6.1.13",
      title: "Set-id programs reviewed",
      requirement: "Every set-user-id and set-group-id program on the host is an expected one.",
      remediation: "Review each reported program; remove the bit or record it with --suid-expected.",
      severity: "medium",
      checks: [
        { check: "suid.file.unexpected", absent: "pass" },
        { check: "suid.file.writable_location", absent: "pass" },
      ],
    },
    {
      id: "6.2.3",
      title: "root's PATH is safe",
      requirement: "root's PATH holds no relative or empty entries and no directory other users can write.",
      remediation:
        "Remove the reported entries from root's PATH, or fix the directories' ownership and mode.",
      severity: "high",
      checks: [
        { check: "fs.path.writable_dir", absent: "pass" },
        { check: "fs.path.relative_entry", absent: "pass" },
      ],
    },
  ],
};
