/** The data table of sysctl expectations used by the kernel_params scanner. */
import type { Severity } from "../core/severity.ts";

/** How the current value is judged. Stricter values pass (`min` for "at least as strict as"). */
export type Expectation = { eq: number } | { min: number } | { max: number } | { oneOf: number[] };

/** One sysctl expectation. */
export interface SysctlRule {
  /** Dotted sysctl key, e.g. "kernel.kptr_restrict". */
  key: string;
  /** Short name used in the check id `kernel.sysctl.<name>`. */
  name: string;
  expect: Expectation;
  severity: Severity;
  rationale: string;
  remediation?: string;
  mitre?: string[];
}

const ipv4 = (scope: "all" | "default", key: string) => `net.ipv4.conf.${scope}.${key}`;
const ipv6 = (scope: "all" | "default", key: string) => `net.ipv6.conf.${scope}.${key}`;

function redirectRules(): SysctlRule[] {
  const out: SysctlRule[] = [];
  for (const scope of ["all", "default"] as const) {
    out.push(
      {
        key: ipv4(scope, "accept_redirects"),
        name: `ipv4_${scope}_accept_redirects`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "Accepting ICMP redirects lets an attacker on the local network reroute traffic.",
        mitre: ["T1557"],
      },
      {
        key: ipv4(scope, "secure_redirects"),
        name: `ipv4_${scope}_secure_redirects`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "Even 'secure' ICMP redirects (from listed gateways) can be spoofed.",
        mitre: ["T1557"],
      },
      {
        key: ipv4(scope, "send_redirects"),
        name: `ipv4_${scope}_send_redirects`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "A host that is not a router should not send ICMP redirects.",
      },
      {
        key: ipv4(scope, "accept_source_route"),
        name: `ipv4_${scope}_accept_source_route`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "Source-routed packets let a sender choose the path and bypass filtering.",
        mitre: ["T1599"],
      },
      {
        key: ipv4(scope, "rp_filter"),
        name: `ipv4_${scope}_rp_filter`,
        expect: { oneOf: [1] },
        severity: "low",
        rationale: "Strict reverse-path filtering drops spoofed source addresses.",
        mitre: ["T1599"],
      },
      {
        key: ipv6(scope, "accept_redirects"),
        name: `ipv6_${scope}_accept_redirects`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "Accepting IPv6 ICMP redirects lets an attacker on the local network reroute traffic.",
        mitre: ["T1557"],
      },
      {
        key: ipv6(scope, "accept_source_route"),
        name: `ipv6_${scope}_accept_source_route`,
        expect: { eq: 0 },
        severity: "low",
        rationale: "IPv6 source routing lets a sender choose the path and bypass filtering.",
        mitre: ["T1599"],
      },
    );
  }
  return out;
}

/** Every sysctl the kernel_params scanner checks. */
export const SYSCTL_RULES: readonly SysctlRule[] = [
  {
    key: "kernel.randomize_va_space",
    name: "randomize_va_space",
    expect: { eq: 2 },
    severity: "medium",
    rationale: "Full address-space layout randomisation (2) makes memory-corruption exploits harder.",
    mitre: ["T1068"],
  },
  {
    key: "kernel.kptr_restrict",
    name: "kptr_restrict",
    expect: { min: 1 },
    severity: "low",
    rationale: "Hiding kernel pointers from unprivileged users makes kernel exploits harder.",
    mitre: ["T1068"],
  },
  {
    key: "kernel.dmesg_restrict",
    name: "dmesg_restrict",
    expect: { eq: 1 },
    severity: "low",
    rationale: "The kernel log leaks addresses and hardware details useful to an attacker.",
    mitre: ["T1082"],
  },
  {
    key: "kernel.kexec_load_disabled",
    name: "kexec_load_disabled",
    expect: { eq: 1 },
    severity: "medium",
    rationale: "kexec lets root replace the running kernel without a reboot through the firmware.",
    mitre: ["T1601"],
  },
  {
    key: "kernel.sysrq",
    name: "sysrq",
    expect: { eq: 0 },
    severity: "low",
    rationale:
      "Magic SysRq gives anyone at the console kernel-level control (reboot, kill all, dump memory).",
  },
  {
    key: "kernel.yama.ptrace_scope",
    name: "yama_ptrace_scope",
    expect: { min: 1 },
    severity: "medium",
    rationale:
      "With ptrace_scope 0 any process can attach to every other process of the same user and steal secrets.",
    mitre: ["T1055.008"],
  },
  {
    key: "kernel.unprivileged_bpf_disabled",
    name: "unprivileged_bpf_disabled",
    expect: { min: 1 },
    severity: "medium",
    rationale: "Unprivileged eBPF is a frequent kernel privilege-escalation vector.",
    mitre: ["T1068"],
  },
  {
    key: "net.core.bpf_jit_harden",
    name: "bpf_jit_harden",
    expect: { min: 1 },
    severity: "low",
    rationale: "JIT hardening blinds constants in JIT-compiled BPF against JIT spraying.",
    mitre: ["T1068"],
  },
  {
    key: "kernel.perf_event_paranoid",
    name: "perf_event_paranoid",
    expect: { min: 2 },
    severity: "low",
    rationale: "Unprivileged kernel profiling exposes kernel addresses and a large attack surface.",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_symlinks",
    name: "protected_symlinks",
    expect: { eq: 1 },
    severity: "medium",
    rationale: "Without it, symlinks in world-writable sticky directories enable classic /tmp races.",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_hardlinks",
    name: "protected_hardlinks",
    expect: { eq: 1 },
    severity: "medium",
    rationale:
      "Without it, users can hard-link files they do not own (e.g. SUID binaries) to keep them exploitable.",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_fifos",
    name: "protected_fifos",
    expect: { min: 1 },
    severity: "low",
    rationale: "Restricts opening FIFOs an attacker planted in world-writable sticky directories.",
  },
  {
    key: "fs.protected_regular",
    name: "protected_regular",
    expect: { min: 1 },
    severity: "low",
    rationale: "Restricts opening regular files an attacker planted in world-writable sticky directories.",
  },
  {
    key: "fs.suid_dumpable",
    name: "suid_dumpable",
    expect: { eq: 0 },
    severity: "low",
    rationale: "Core dumps of SUID programs can leak privileged memory such as password hashes.",
    mitre: ["T1003"],
  },
  {
    key: "dev.tty.ldisc_autoload",
    name: "ldisc_autoload",
    expect: { eq: 0 },
    severity: "low",
    rationale:
      "Unprivileged users can make the kernel load rarely used, historically buggy line-discipline modules.",
    mitre: ["T1068"],
  },
  {
    key: "net.ipv4.tcp_syncookies",
    name: "tcp_syncookies",
    expect: { eq: 1 },
    severity: "low",
    rationale: "SYN cookies keep the host reachable during a SYN flood.",
    mitre: ["T1499"],
  },
  {
    key: "net.ipv4.ip_forward",
    name: "ip_forward",
    expect: { eq: 0 },
    severity: "info",
    rationale:
      "A host that forwards packets acts as a router; expected on container hosts and gateways only.",
    remediation: "Set net.ipv4.ip_forward = 0 unless this host routes traffic (containers, VPN, gateway).",
  },
  {
    key: "net.ipv4.icmp_echo_ignore_broadcasts",
    name: "icmp_echo_ignore_broadcasts",
    expect: { eq: 1 },
    severity: "low",
    rationale: "Answering broadcast pings makes the host a smurf-attack amplifier.",
    mitre: ["T1498"],
  },
  ...redirectRules(),
];

/** True when `value` meets the expectation. */
export function meets(value: number, e: Expectation): boolean {
  if ("eq" in e) return value === e.eq;
  if ("min" in e) return value >= e.min;
  if ("max" in e) return value <= e.max;
  return e.oneOf.includes(value);
}

/** Human text for an expectation ("2", ">= 1", "one of 1"). */
export function describeExpectation(e: Expectation): string {
  if ("eq" in e) return String(e.eq);
  if ("min" in e) return `>= ${e.min}`;
  if ("max" in e) return `<= ${e.max}`;
  return `one of ${e.oneOf.join(", ")}`;
}
